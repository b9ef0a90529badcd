// The README's first command, run as written in a clean clone of the committed repository: it must
// install, build and start the portal demo, which must answer HTTP within the bound.
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, run } from './support.js';

/** Install + build + start must answer HTTP within this long. */
const BOUND_MS = 150_000;

/**
 * The first command of the first ```sh block under the README's "Two commands" heading, without
 * its trailing comment: what a newcomer copies first.
 */
function readmeFirstCommand(readme: string): string {
  const section = /^##\s+Two commands\s*$([\s\S]*?)(?=^##\s)/m.exec(`${readme}\n## end`)?.[1];
  if (section === undefined) throw new Error('README.md has no "## Two commands" section');
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('the "Two commands" section has no ```sh block');
  const line = block.split('\n').find((candidate) => candidate.trim() !== '' && !candidate.trim().startsWith('#'));
  if (line === undefined) throw new Error('the ```sh block under "Two commands" is empty');
  return line.replace(/\s+#.*$/, '').trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A clean copy of the repository: a `git clone` of the committed HEAD (the default; what CI and a
 * newcomer get), or with `PUBLISHGATE_FRESH_CLONE_SOURCE=worktree` the files git would commit now
 * (tracked and untracked, minus ignored), to check work before it is committed.
 */
async function cleanCopy(into: string): Promise<string> {
  if (process.env.PUBLISHGATE_FRESH_CLONE_SOURCE !== 'worktree') {
    await run('git', ['clone', '--quiet', '--no-local', repoRoot, into], { timeout: 60_000 });
    return (await run('git', ['-C', into, 'rev-parse', 'HEAD'])).stdout.trim();
  }
  const { stdout } = await run('git', ['-C', repoRoot, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  await mkdir(into, { recursive: true });
  for (const file of stdout.split('\0').filter((path) => path !== '')) {
    await mkdir(dirname(join(into, file)), { recursive: true });
    await cp(join(repoRoot, file), join(into, file), { verbatimSymlinks: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // deleted in the work tree, not yet committed
    });
  }
  return 'work tree';
}

describe('fresh clone', () => {
  let dir: string | undefined;
  let child: ChildProcess | undefined;

  afterAll(async () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reads the README's first command", async () => {
    const command = readmeFirstCommand(await readFile(join(repoRoot, 'README.md'), 'utf8'));
    expect(command).toBe('pnpm install && pnpm demo');
  });

  it(
    "in a clean clone, the README's first command installs, builds and starts the demo, which answers HTTP within the bound and then stops",
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'publishgate-fresh-clone-'));
      const clone = join(dir, 'publishgate');
      const revision = await cleanCopy(clone);
      const command = readmeFirstCommand(await readFile(join(clone, 'README.md'), 'utf8'));
      const port = await freePort();

      // A newcomer's shell: no test runner variables, no GitHub credentials (the demo must use the
      // emulator), the shared pnpm store preferred over the network.
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        LANG: process.env.LANG ?? 'C.UTF-8',
        PORT: String(port),
        npm_config_prefer_offline: 'true',
        ...(process.env.npm_config_store_dir ? { npm_config_store_dir: process.env.npm_config_store_dir } : {}),
        ...(process.env.CI ? { CI: process.env.CI } : {}),
      };
      const startedAt = Date.now();
      // detached: the command is a pipeline of pnpm, vite and tsx processes; killing the group stops them all.
      child = spawn('bash', ['-c', command], { cwd: clone, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      let exitCode: number | null | undefined;
      const exited = new Promise<void>((resolve) =>
        child?.on('exit', (code) => {
          exitCode = code;
          resolve();
        }),
      );

      let answered: { status: number; html: string } | undefined;
      while (Date.now() - startedAt < BOUND_MS && exitCode === undefined) {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) });
          answered = { status: response.status, html: await response.text() };
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
      const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
      const tail = output.split('\n').slice(-40).join('\n');
      expect(
        exitCode,
        `\`${command}\` exited (${exitCode}) before answering HTTP, after ${seconds} s, in ${revision}:\n${tail}`,
      ).toBeUndefined();
      expect(answered, `no HTTP answer on port ${port} within ${BOUND_MS / 1000} s (${revision}):\n${tail}`).toBeDefined();
      console.info(`fresh clone (${revision}): \`${command}\` answered HTTP after ${seconds} s`);
      expect(answered?.status).toBe(200);
      expect(answered?.html).toContain('<div id="root">');
      const session = await (await fetch(`http://127.0.0.1:${port}/api/portal/session`)).json();
      expect(session.users.map((user: { email: string }) => user.email)).toEqual([
        'bob@example.com',
        'carol@example.com',
        'dan@example.com',
        'erin@example.com',
        'ada@example.com',
        'grace@example.com',
      ]);
      expect(output).toContain(`http://127.0.0.1:${port}`);

      process.kill(-(child.pid as number), 'SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (exitCode === undefined) process.kill(-(child.pid as number), 'SIGKILL');
      await exited;
    },
    BOUND_MS + 60_000,
  );
});
