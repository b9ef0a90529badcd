import { defineConfig, type Options } from 'tsup';

/**
 * The one build preset for every package: ESM and CJS side by side, each with its own
 * declaration flavour (`.d.ts` for import, `.d.cts` for require), so attw and publint stay green.
 * Kept plain so that moving to another bundler is a one-file change.
 */
export function definePackageBuild(entry: Record<string, string>, overrides: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    splitting: false,
    treeshake: true,
    outDir: 'dist',
    ...overrides,
  });
}
