import { definePackageProject } from '../../tooling/vitest.shared.ts';

export default definePackageProject('reliability', {
  test: {
    include: ['test/**/*.test.ts'],
    // One throwaway PostgreSQL cluster for the whole suite (unless PUBLISHGATE_PG_URL names one).
    globalSetup: ['../../tooling/postgresGlobalSetup.ts'],
    // These tests spawn processes, push with real git and wait out emulated rate limits.
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
