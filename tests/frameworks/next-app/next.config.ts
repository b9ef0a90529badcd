import type { NextConfig } from 'next';

// `@publishgate/core` is a workspace package: build it from its TypeScript source, as vitest does
// through the `@publishgate/source` export condition, instead of needing its `dist/` first. The
// source imports `./x.js` for `./x.ts` (TypeScript's ESM convention), which webpack maps with
// `extensionAlias`; Turbopack has no equivalent for packages outside the app, hence `--webpack`.
const config: NextConfig = {
  transpilePackages: ['@publishgate/core'],
  webpack: (webpackConfig: { resolve: { conditionNames?: string[]; extensionAlias?: Record<string, string[]> } }) => {
    webpackConfig.resolve.conditionNames = ['@publishgate/source', '...'];
    webpackConfig.resolve.extensionAlias = { '.js': ['.ts', '.js'] };
    return webpackConfig;
  },
};

export default config;
