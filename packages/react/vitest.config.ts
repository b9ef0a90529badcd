import { definePackageProject } from '../../tooling/vitest.shared.ts';

export default definePackageProject('react', {
  test: {
    environment: 'jsdom',
    setupFiles: ['test/setup.ts'],
    // Each file starts its own in-process server; on two shared cores, a few files at a time keep
    // jsdom, axe and the server from starving each other's timers.
    testTimeout: 30_000,
  },
});
