// The root README is where people learn to run the demo: every option and environment variable the
// demo's `--help` lists must be named there too (issue 14, item 15: PORT, --port and the data folder were missing).
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The `--help` text of `pnpm demo`, as written in main.ts (importing main.ts would start the demo). */
async function demoHelp(): Promise<string> {
  const source = await readFile(join(root, 'examples/portal/src/server/main.ts'), 'utf8');
  const match = /const HELP = `([\s\S]*?)`;/.exec(source);
  if (!match?.[1]) throw new Error('main.ts no longer has a HELP text');
  return match[1];
}

/** The README's section about running the demo: from "## Two commands" to the next section. */
async function demoSection(): Promise<string> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('## Two commands');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe('root README, demo section', () => {
  it('names every option and environment variable of `pnpm demo --help` (regression: PORT, --port, PUBLISHGATE_DEMO_DATA_DIR were undocumented)', async () => {
    const help = await demoHelp();
    const options = [...help.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1] as string);
    const environment = help.slice(help.indexOf('Environment:'));
    const variables = [...environment.matchAll(/^\s+([A-Z][A-Z0-9_]+)/gm)].map((m) => m[1] as string);
    expect(options).toEqual(expect.arrayContaining(['--port', '--reset']));
    expect(variables).toEqual(expect.arrayContaining(['PORT', 'PUBLISHGATE_DEMO_DATA_DIR']));
    const section = await demoSection();
    const missing = [...options, ...variables].filter((name) => !section.includes(`\`${name}`) && !section.includes(` ${name}`));
    expect(missing).toEqual([]);
  });
});
