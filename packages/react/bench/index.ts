/**
 * @publishgate/react benchmarks:
 *   1. bundle size (min+gzip) of @publishgate/react + @publishgate/core/client, react external, per page
 *      (a builder's, an admin's: budget 25 kB each) and for every export;
 *   2. render time of <ApprovalsQueue> with 1,000 pending requests.
 *
 *   pnpm --filter @publishgate/react bench        (or `pnpm bench` at the root)
 *
 * Exits non-zero when a page is over budget or a bundle pulls in server-side code.
 */
import { BUDGET_BYTES, measureBundleSizes } from './bundleSize.js';
import { measureQueueRender } from './renderQueue.js';

const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

const sizes = await measureBundleSizes();
console.log('Bundle: @publishgate/react + @publishgate/core/client (react, react-dom external; esbuild minify; gzip -9)');
for (const size of sizes) {
  const verdict = size.withinBudget === undefined ? 'no budget' : `budget ${kb(BUDGET_BYTES)}: ${size.withinBudget ? 'PASS' : 'FAIL'}`;
  console.log(`  ${size.name}: minified ${kb(size.minified)}, min+gzip ${kb(size.gzipped)} (${verdict})`);
  if (size.forbidden.length > 0) console.log(`    FAIL: server-side modules in the browser bundle: ${size.forbidden.join(', ')}`);
}

const render = await measureQueueRender();
console.log(
  `\nRender: <ApprovalsQueue> with ${render.rows.toLocaleString('en-US')} pending requests (jsdom, React ${render.mode} build, ${render.mountMs.length} runs)`,
);
console.log(
  `  mount (flushSync, data cached, to ${render.rows} rows in the DOM): median ${ms(median(render.mountMs))}, best ${ms(Math.min(...render.mountMs))}`,
);
console.log(
  `  update (one request changed):                   median ${ms(median(render.updateMs))}, best ${ms(Math.min(...render.updateMs))}`,
);
console.log(`  renderToString (server HTML):                   median ${ms(median(render.ssrMs))}, best ${ms(Math.min(...render.ssrMs))}`);

if (sizes.some((size) => size.withinBudget === false || size.forbidden.length > 0)) process.exitCode = 1;
