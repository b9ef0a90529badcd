import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

// Tests import sibling packages through the `@publishgate/source` export condition, so they run
// against `src/` with no build step. Vite resolves SSR (Node) and client imports separately.
const SOURCE_CONDITION = '@publishgate/source';

/** The vitest project config every package uses; `overrides.test` is merged into the defaults. */
export function definePackageProject(name: string, overrides: UserWorkspaceConfig = {}) {
  return defineProject({
    ...overrides,
    resolve: { conditions: [SOURCE_CONDITION, 'module', 'browser', 'development|production'], ...overrides.resolve },
    ssr: { resolve: { conditions: [SOURCE_CONDITION, 'module', 'node', 'development|production'] } },
    test: {
      name,
      include: ['test/**/*.test.ts', 'test/**/*.test.tsx', 'src/**/*.test.ts'],
      testTimeout: 20_000,
      ...overrides.test,
    },
  });
}
