import { definePackageProject } from '../../tooling/vitest.shared.ts';

export default definePackageProject('adapter-knex', {
  // Starts one throwaway PostgreSQL for the whole run (unless PUBLISHGATE_PG_URL names one already).
  test: { globalSetup: ['../../tooling/postgresGlobalSetup.ts'] },
});
