import { definePackageBuild } from '../../tooling/tsup.preset.ts';

export default definePackageBuild({ index: 'src/index.ts' }, { external: ['nodemailer', '@publishgate/core'] });
