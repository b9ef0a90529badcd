import { definePackageProject } from '../../tooling/vitest.shared.ts';

export default definePackageProject('notify-slack');
