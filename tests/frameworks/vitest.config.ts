import { definePackageProject } from '../../tooling/vitest.shared.ts';

export default definePackageProject('frameworks', {
  test: {
    include: ['test/**/*.test.ts'],
    // The Next.js test builds a real app first (about two minutes on two busy cores).
    hookTimeout: 600_000,
  },
});
