import { definePackageBuild } from '../../tooling/tsup.preset.ts';

export default definePackageBuild(
  { index: 'src/index.ts' },
  {
    external: ['react', 'react-dom', 'react/jsx-runtime', '@publishgate/core', '@publishgate/core/client'],
    // esbuild drops module-level directives when it bundles; every export of this package runs in
    // the browser (hooks, components, a store holding live subscriptions), so the whole bundle is a
    // client module for React Server Components frameworks.
    banner: { js: "'use client';" },
    // tsup's rollup tree-shaking pass drops the banner's directive ("Module level directives cause
    // errors when bundled"); esbuild's own tree-shaking keeps it and is as good for one entry.
    treeshake: false,
  },
);
