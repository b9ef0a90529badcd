import { definePackageProject } from '../../tooling/vitest.shared.ts';

export default definePackageProject('frameworks', { test: { include: ['test/**/*.test.ts'] } });
