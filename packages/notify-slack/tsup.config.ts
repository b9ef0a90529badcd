import { definePackageBuild } from '../../tooling/tsup.preset.ts';

export default definePackageBuild({ index: 'src/index.ts' }, { external: ['@slack/web-api', '@publishgate/core'] });
