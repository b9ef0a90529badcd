import { definePackageBuild } from '../../tooling/tsup.preset.ts';

export default definePackageBuild({ index: 'src/index.ts' }, { external: ['knex', 'pg', 'better-sqlite3', '@publishgate/core'] });
