import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { createSimpleGit, type SimpleGitAdapterOptions } from '@publishgate/adapter-git';
import { type Actor, createMemoryStorage, createPublishGate, PublishGateError } from '@publishgate/core';
import { createFakeGitHost, createRecordingNotifier } from '@publishgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpsGitServer, startHttpsGitServer } from './helpers/httpsGitServer.js';
import { createRepoFixture, git, type RepoFixture } from './helpers/repos.js';

const CANARY = 'ghs_CANARYtokenCANARYtokenCANARY0123456789';
const USER = 'x-access-token';
const author = { name: 'Builder One', email: 'builder@example.com' };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(serverPassword = CANARY): Promise<{ fixture: RepoFixture; server: HttpsGitServer; remote: string }> {
  const fixture = await createRepoFixture();
  cleanups.push(fixture.cleanup);
  const server = await startHttpsGitServer(fixture.root, USER, serverPassword);
  cleanups.push(server.close);
  return { fixture, server, remote: `${server.url}remote.git` };
}

function adapter(fixture: RepoFixture, remote: string, server: HttpsGitServer, overrides: Partial<SimpleGitAdapterOptions> = {}) {
  return createSimpleGit({
    resolveWorkspaceDir: () => fixture.workspaceDir,
    remote,
    caFile: server.caFile,
    credentials: () => ({ username: USER, password: CANARY }),
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Everything an error exposes: message, own properties, cause chain, JSON. */
function exposed(value: unknown): string {
  return `${inspect(value, { depth: 12, showHidden: true })}\n${JSON.stringify(value)}\n${String(value)}`;
}

function expectNoCanary(text: string) {
  expect(text).not.toContain(CANARY);
  expect(text).not.toContain(Buffer.from(`${USER}:${CANARY}`).toString('base64'));
  expect(text).not.toContain(CANARY.slice(4, 20));
}

async function filesUnder(dir: string): Promise<string> {
  let text = '';
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && !entry.parentPath.includes(`${join('.git', 'objects')}`)) {
      text += await readFile(join(entry.parentPath, entry.name), 'latin1');
    }
  }
  return text;
}

describe('https credentials', () => {
  it('are sent as an Authorization header: fetch, commit and push work, and nothing is written to the workspace', async () => {
    const { fixture, server, remote } = await setup();
    const port = adapter(fixture, remote, server);
    await import('node:fs/promises').then((fs) => fs.writeFile(join(fixture.workspaceDir, 'new.txt'), 'hello\n'));
    const diff = await port.preview({ workspace: fixture.workspace, baseline: { kind: 'blueprint' } });
    expect(diff.files.map((file) => file.path)).toEqual(['new.txt']);
    const { sha } = await port.commit({ workspace: fixture.workspace, baseline: { kind: 'blueprint' }, message: 'Publish\n', author });
    expect(await port.push({ workspace: fixture.workspace, sha, branch: 'publish/https' })).toEqual({
      branch: 'publish/https',
      sha,
      alreadyPushed: false,
    });
    expect(await fixture.remoteBranchSha('publish/https')).toBe(sha);
    expect(server.authorizations).toContain(`Basic ${Buffer.from(`${USER}:${CANARY}`).toString('base64')}`);
    expectNoCanary(await filesUnder(fixture.workspaceDir));
    expectNoCanary(await git(fixture.workspaceDir, ['config', '--list', '--show-origin']));
  });

  it('the credentials are only asked for by operations that talk to the remote', async () => {
    const { fixture, server, remote } = await setup();
    let asked = 0;
    const port = adapter(fixture, remote, server, {
      credentials: () => {
        asked += 1;
        return { username: USER, password: CANARY };
      },
    });
    const head = await git(fixture.workspaceDir, ['rev-parse', 'HEAD']);
    await port.preview({ workspace: fixture.workspace, baseline: { kind: 'publication', sha: head } });
    expect(asked).toBe(0);
    await port.preview({ workspace: fixture.workspace, baseline: { kind: 'blueprint' } });
    expect(asked).toBe(1);
  });
});

describe('the token canary never appears in errors', () => {
  it('when the remote answers 401', async () => {
    const { fixture, server, remote } = await setup('a-different-password');
    const port = adapter(fixture, remote, server);
    const head = await git(fixture.workspaceDir, ['rev-parse', 'HEAD']);
    const errors = [
      await failure(port.preview({ workspace: fixture.workspace, baseline: { kind: 'blueprint' } })),
      await failure(port.push({ workspace: fixture.workspace, sha: head, branch: 'publish/denied' })),
    ];
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/Authentication failed|401|could not read/i);
      expectNoCanary(exposed(error));
    }
    // The canary really went over the wire: the redaction is what kept it out of the errors.
    expect(server.authorizations).toContain(`Basic ${Buffer.from(`${USER}:${CANARY}`).toString('base64')}`);
  });

  it('when the remote is unreachable', async () => {
    const { fixture, server } = await setup();
    const port = adapter(fixture, 'https://127.0.0.1:1/remote.git', server);
    const head = await git(fixture.workspaceDir, ['rev-parse', 'HEAD']);
    const error = await failure(port.push({ workspace: fixture.workspace, sha: head, branch: 'publish/unreachable' }));
    expect((error as Error).message).toMatch(/Failed to connect|Couldn't connect|Connection refused|unable to access/i);
    expectNoCanary(exposed(error));
  });

  it('when the branch exists at another commit (non-fast-forward): conflict', async () => {
    const { fixture, server, remote } = await setup();
    const port = adapter(fixture, remote, server);
    await import('node:fs/promises').then((fs) => fs.writeFile(join(fixture.workspaceDir, 'a.txt'), 'a\n'));
    const first = await port.commit({ workspace: fixture.workspace, baseline: { kind: 'blueprint' }, message: 'One\n', author });
    await port.push({ workspace: fixture.workspace, sha: first.sha, branch: 'publish/taken' });
    await import('node:fs/promises').then((fs) => fs.writeFile(join(fixture.workspaceDir, 'b.txt'), 'b\n'));
    const second = await port.commit({ workspace: fixture.workspace, baseline: { kind: 'blueprint' }, message: 'Two\n', author });
    const error = await failure(port.push({ workspace: fixture.workspace, sha: second.sha, branch: 'publish/taken' }));
    expect(PublishGateError.is(error, 'conflict')).toBe(true);
    expectNoCanary(exposed(error));
    expect(await fixture.remoteBranchSha('publish/taken')).toBe(first.sha);
  });
});

describe('through the gate, a failing push', () => {
  const builder: Actor = { id: 'builder-1', email: 'builder@example.com', roles: ['builder'] };
  const admin: Actor = { id: 'admin-1', email: 'admin@example.com', roles: ['admin'] };

  it.each([
    ['401 from the remote', (server: HttpsGitServer) => server.requirePassword('rotated-password')],
    ['an unreachable remote', (server: HttpsGitServer) => server.close()],
  ])('leaves no canary in stored requests, history, events, notifications or logged errors (%s)', async (_name, breakRemote) => {
    const { fixture, server, remote } = await setup();
    const storage = createMemoryStorage();
    const notifier = createRecordingNotifier();
    const logged: unknown[] = [];
    const events: unknown[] = [];
    const gate = createPublishGate({
      storage,
      git: adapter(fixture, remote, server),
      gitHost: createFakeGitHost(),
      notifier,
      onError: (error) => logged.push(error),
    });
    gate.events.on('*', (type, event) => events.push({ type, event }));
    await import('node:fs/promises').then((fs) => fs.writeFile(join(fixture.workspaceDir, 'page.html'), '<p>new</p>\n'));
    const workspace = { ...fixture.workspace, ownerId: builder.id };
    const request = await gate.requestPublish({ workspace, subdomain: 'canary-site', actor: builder });
    await breakRemote(server);
    // Retryable: the request waits for its next attempt and shows why, in progress.lastError.
    const waiting = await gate.approve({ id: request.id, actor: admin });
    expect(waiting.status).toBe('approving');
    expect(waiting.progress?.lastError).toMatch(/git adapter failed in push/);
    await gate.sweep();
    const everything = [
      exposed(waiting),
      exposed(await gate.getRequest({ id: request.id, actor: admin })),
      exposed(await gate.history({ actor: admin, requestId: request.id })),
      exposed(events),
      exposed(notifier.notifications),
      exposed(logged),
    ].join('\n');
    expectNoCanary(everything);
  });
});
