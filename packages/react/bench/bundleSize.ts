/**
 * Bundle size of everything a browser loads for publishgate's UI: `@publishgate/react` plus
 * `@publishgate/core/client`, every export kept, react and react-dom external, minified by
 * esbuild, then gzip (level 9). Built from the sources (the `@publishgate/source` condition), so no
 * build step is needed; tsup does not minify, so the published files minify to the same size.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The budget from the issue: 25 kB min+gzip. */
export const BUDGET_BYTES = 25 * 1000;

export type BundleSize = { minified: number; gzipped: number; withinBudget: boolean; forbidden: string[] };

export async function measureBundleSize(): Promise<BundleSize> {
  const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const result = await build({
    stdin: {
      contents: "export * from './src/index.ts';\nexport * from '@publishgate/core/client';\n",
      resolveDir: packageDir,
      loader: 'ts',
      sourcefile: 'bench-entry.ts',
    },
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
  return { minified: code.length, gzipped, withinBudget: gzipped <= BUDGET_BYTES, forbidden };
}
