import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** Runs a command and resolves with its stdout. */
export const run = promisify(execFile);

/** examples/portal */
export const exampleDir = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The repository root. */
export const repoRoot = join(exampleDir, '..', '..');
/** Where screenshots and other artifacts go (gitignored). */
export const resultsDir = join(exampleDir, 'test-results');

/** Debian's Chromium; never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';
/** Launch flags for this machine's closed network (see TOOLCHAIN.md). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether the browser tests can run. Without Chromium they are skipped with a loud banner, unless
 * `PUBLISHGATE_REQUIRE_BROWSER=1` (CI), where a missing browser fails the run instead.
 */
export function browserStatus(): { available: true } | { available: false; required: boolean; message: string } {
  if (existsSync(CHROMIUM)) return { available: true };
  const required = process.env.PUBLISHGATE_REQUIRE_BROWSER === '1';
  return {
    available: false,
    required,
    message: `${CHROMIUM} is missing: install it with \`apt-get install -y chromium\`${required ? '' : ' (set PUBLISHGATE_REQUIRE_BROWSER=1 to fail instead of skipping)'}.`,
  };
}

/** Prints a banner that is hard to miss in test output. */
export function warnLoudly(message: string): void {
  const line = '!'.repeat(100);
  console.warn(`\n${line}\n!!! SKIPPED: ${message}\n${line}\n`);
}

/** Builds the UI with the example's Vite config into `outDir` (not the example's own dist/, which a running demo may serve). */
export async function buildUi(outDir: string): Promise<void> {
  if (!existsSync(join(exampleDir, 'node_modules', '.bin', 'vite'))) throw new Error('vite is not installed: run pnpm install');
  await run(join(exampleDir, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'], {
    cwd: exampleDir,
    timeout: 120_000,
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

/** The head sha of a branch of a bare repository. */
export async function remoteBranchSha(gitDir: string, branch: string): Promise<string> {
  const { stdout } = await run('git', ['--git-dir', gitDir, 'rev-parse', '--verify', '--end-of-options', `refs/heads/${branch}^{commit}`]);
  return stdout.trim();
}
