import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimpleGit } from '@publishgate/adapter-git';
import { createMemoryStorage, createPublishGate } from '@publishgate/core';
import { rejectionOf } from '@publishgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitShim, type GitShim } from './helpers/gitShim.js';
import { createRepoFixture, git, type RepoFixture } from './helpers/repos.js';

// A portal server can die at any instant (SIGKILL, OOM killer, a deploy). These tests hold a real
// submit in its own process at the dangerous step (the shim git stops there), kill that process
// with SIGKILL, and check that the next submit, in a new process, works and publishes correctly.

const child = join(import.meta.dirname, 'helpers', 'submitChild.ts');
const packageDir = join(import.meta.dirname, '..');
const workspace = { id: 'ws-crash', name: 'Crash site', blueprintId: 'bp-1', ownerId: 'builder-1' };
const builder = { id: 'builder-1', email: 'builder@example.com', roles: ['builder' as const] };
const originalTmp = process.env.TMPDIR;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  if (originalTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = originalTmp;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

type World = { fixture: RepoFixture; shim: GitShim; scratchRoot: string };

async function world(stopAt: string): Promise<World> {
  const fixture = await createRepoFixture();
  const shim = await createGitShim({ stopAt });
  // The killed process's temporary files go to a directory of this test's own.
  const scratchRoot = await mkdtemp(join(tmpdir(), 'pg-crash-tmp-'));
  cleanups.push(fixture.cleanup, shim.cleanup, () => rm(scratchRoot, { recursive: true, force: true }));
  await writeFile(join(fixture.workspaceDir, 'about.html'), '<p>About us</p>\n');
  return { fixture, shim, scratchRoot };
}

/** Starts a submit in a child process, waits until it reached the shim's stop, and SIGKILLs it. */
async function killSubmitAtStop({ fixture, shim, scratchRoot }: World): Promise<void> {
  const submit: ChildProcess = spawn(
    process.execPath,
    ['--conditions=@publishgate/source', '--import', 'tsx', child, fixture.workspaceDir, fixture.remoteDir],
    {
      cwd: packageDir,
      env: { ...process.env, PATH: shim.path, TMPDIR: scratchRoot },
      stdio: 'ignore',
      // Its own process group, so the kill takes the stopped git with it.
      detached: true,
    },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) => submit.once('exit', (_code, signal) => resolve(signal)));
  await Promise.race([
    shim.reached(),
    exited.then((signal) => {
      throw new Error(`the submit ended (${signal}) before it reached the stop`);
    }),
  ]);
  process.kill(-(submit.pid as number), 'SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

function gateOn(fixture: RepoFixture) {
  return createPublishGate({
    storage: createMemoryStorage(),
    git: createSimpleGit({ resolveWorkspaceDir: () => fixture.workspaceDir, remote: `file://${fixture.remoteDir}`, baseBranch: 'main' }),
    gitHost: { openPullRequest: async () => ({ number: 1, url: 'https://github.example/acme/sites/pull/1', created: true }) },
  });
}

async function scratchDirs(root: string): Promise<string[]> {
  return (await readdir(root)).filter((name) => name.startsWith('publishgate-git-'));
}

describe('a submit killed with SIGKILL', () => {
  it('regression: killed while it holds index.lock, the workspace is not wedged: the next submit breaks the dead lock and publishes', async () => {
    const w = await world('update-ref');
    await killSubmitAtStop(w);
    const lock = join(w.fixture.workspaceDir, '.git', 'index.lock');
    expect(existsSync(lock)).toBe(true);
    const request = await gateOn(w.fixture).requestPublish({ workspace, subdomain: 'crash-site', actor: builder });
    expect(request.status).toBe('pending');
    expect(existsSync(lock)).toBe(false);
    expect(await git(w.fixture.workspaceDir, ['rev-parse', 'HEAD'])).toBe(request.sha);
    expect(await git(w.fixture.workspaceDir, ['status', '--porcelain'])).toBe('');
  }, 60_000);

  it('regression: killed between the commit and the stored request, the next submit ships a commit whose trailer names its own request', async () => {
    const w = await world('diff');
    await killSubmitAtStop(w);
    const orphan = await git(w.fixture.workspaceDir, ['log', '-1', '--format=%H %P%n%B']);
    const [orphanSha, orphanParent] = (orphan.split('\n')[0] as string).split(' ');
    const lostTrailer = orphan.trim().split('\n').at(-1) as string;
    expect(lostTrailer).toMatch(/^Publish-Request: /);
    const request = await gateOn(w.fixture).requestPublish({ workspace, subdomain: 'crash-site', actor: builder });
    expect(request.sha).not.toBe(orphanSha);
    const message = await git(w.fixture.workspaceDir, ['log', '-1', '--format=%B', request.sha]);
    expect(message.trim().split('\n').at(-1)).toBe(`Publish-Request: ${request.id}`);
    // The remade commit replaces the orphan (same parent, same tree): nothing in HEAD's history names the lost request.
    expect(await git(w.fixture.workspaceDir, ['rev-parse', `${request.sha}^`])).toBe(orphanParent);
    expect(await git(w.fixture.workspaceDir, ['rev-parse', `${request.sha}^{tree}`])).toBe(
      await git(w.fixture.workspaceDir, ['rev-parse', `${orphanSha}^{tree}`]),
    );
    expect(await git(w.fixture.workspaceDir, ['rev-parse', 'HEAD'])).toBe(request.sha);
    expect(await git(w.fixture.workspaceDir, ['log', '--format=%B', 'HEAD'])).not.toContain(lostTrailer);
    expect(request.diff.files.map((file) => file.path)).toEqual(['about.html']);
  }, 60_000);

  it('regression: the scratch directories it left are removed by the next process, and a live process’s are kept', async () => {
    const w = await world('diff');
    await killSubmitAtStop(w);
    const left = await scratchDirs(w.scratchRoot);
    expect(left.length).toBeGreaterThan(0);
    // A directory of a live process on this host (this test's parent) must survive the clean-up.
    const hostTag = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
    const live = `publishgate-git-${hostTag}-${process.ppid}-abcDEF`;
    await mkdir(join(w.scratchRoot, live));
    process.env.TMPDIR = w.scratchRoot;
    const port = createSimpleGit({ resolveWorkspaceDir: () => w.fixture.workspaceDir, remote: `file://${w.fixture.remoteDir}` });
    await port.preview({ workspace, baseline: { kind: 'blueprint' } });
    expect(await scratchDirs(w.scratchRoot)).toEqual([live]);
  }, 60_000);
});

describe('index.lock that is not a dead publishgate lock', () => {
  it('a lock recorded by a live process is never broken: the commit fails and the lock stays', async () => {
    const fixture = await createRepoFixture();
    cleanups.push(fixture.cleanup);
    const hostTag = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
    const lock = join(fixture.workspaceDir, '.git', 'index.lock');
    const content = `publishgate-index-lock host=${hostTag} pid=${process.ppid} nonce=00000000-0000-4000-8000-000000000000\n`;
    await writeFile(lock, content);
    await writeFile(join(fixture.workspaceDir, 'x.txt'), 'x\n');
    const port = createSimpleGit({ resolveWorkspaceDir: () => fixture.workspaceDir, remote: `file://${fixture.remoteDir}` });
    const error = await rejectionOf(
      port.commit({ workspace, baseline: { kind: 'blueprint' }, message: 'x\n', author: { name: 'B', email: 'b@example.com' } }),
    );
    expect((error as Error).message).toMatch(/index\.lock/);
    expect(await readFile(lock, 'utf8')).toBe(content);
  }, 30_000);
});
