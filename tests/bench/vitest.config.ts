import { definePackageProject } from '../../tooling/vitest.shared.ts';

// The benchmark itself runs with `pnpm bench`, never under vitest; only its arithmetic is tested here.
export default definePackageProject('bench', { test: { include: ['test/**/*.test.ts'] } });
