/**
 * Bundle size of what a browser loads for publishgate's UI: `@publishgate/react` plus
 * `@publishgate/core/client`, react and react-dom external, minified by esbuild, then gzip (level
 * 9). Measured per page, because that is what a user waits for: a builder's page (publish dialog,
 * status, history) and an admin's page (queue, review, trust) load different components, and
 * bundlers drop the rest (`sideEffects` lists only the stylesheet). The whole package, every export
 * kept, is measured too, as the ceiling of a host that puts every component on one page. Built
 * from the sources (the `@publishgate/source` condition), so no build step is needed; tsup does
 * not minify, so the published files minify to the same size.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The budget of a page: 25 kB min+gzip. */
export const BUDGET_BYTES = 25 * 1000;

/** What each measured bundle exports; `budget: false` is reported without a budget. */
export const BUNDLES = [
  {
    name: "a builder's page: PublishDialog, PublishStatus, PublishHistory",
    exports: ['PublishGateProvider', 'PublishDialog', 'PublishStatus', 'PublishHistory'],
    budget: true,
  },
  {
    name: "an admin's page: ApprovalsQueue, RequestReview, TrustedUsers",
    exports: ['PublishGateProvider', 'ApprovalsQueue', 'RequestReview', 'TrustedUsers'],
    budget: true,
  },
  { name: 'every export of both packages on one page', exports: 'all', budget: false },
] as const;

/** One measured bundle. */
export type BundleSize = { name: string; minified: number; gzipped: number; withinBudget: boolean | undefined; forbidden: string[] };

/** Measures every bundle of {@link BUNDLES}. */
export async function measureBundleSizes(): Promise<BundleSize[]> {
  const sizes: BundleSize[] = [];
  for (const bundle of BUNDLES) sizes.push(await measure(bundle));
  return sizes;
}

async function measure(bundle: (typeof BUNDLES)[number]): Promise<BundleSize> {
  const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const contents =
    bundle.exports === 'all'
      ? "export * from './src/index.ts';\nexport * from '@publishgate/core/client';\n"
      : `export { ${bundle.exports.join(', ')} } from './src/index.ts';\nexport { createPublishGateClient } from '@publishgate/core/client';\n`;
  const result = await build({
    stdin: { contents, resolveDir: packageDir, loader: 'ts', sourcefile: 'bench-entry.ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    conditions: ['@publishgate/source'],
    external: ['react', 'react-dom', 'react/jsx-runtime', 'react-dom/client'],
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  // The browser entry must not drag in the server-side dependencies of core.
  const forbidden = Object.keys(result.metafile.inputs).filter(
    (input) => /node_modules\/(zod|xstate|mitt)\//.test(input) || input.startsWith('node:'),
  );
  const gzipped = gzipSync(code, { level: 9 }).length;
  return {
    name: bundle.name,
    minified: code.length,
    gzipped,
    withinBudget: bundle.budget ? gzipped <= BUDGET_BYTES : undefined,
    forbidden,
  };
}
