import { definePackageProject } from '../../tooling/vitest.shared.ts';

export default definePackageProject('example-portal', {
  test: {
    // The browser test starts a portal and Chromium; the fresh-clone test installs and starts the demo.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
