import { definePackageBuild } from '../../tooling/tsup.preset.ts';

export default definePackageBuild(
  {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'conformance/index': 'src/conformance/index.ts',
    'client/index': 'src/client/index.ts',
  },
  { external: ['vitest', 'node:crypto', 'node:fs', 'node:os', 'node:path', '@publishgate/core'] },
);
