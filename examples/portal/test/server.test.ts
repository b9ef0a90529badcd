// The portal server without a browser: seeding and re-runs, the dev-only sign-in, the workspace
// file API's path checks, static serving, and the command line.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '@publishgate/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gitHubFromEnv } from '../src/server/config.js';
import { BLOG_APP, SAMPLE_APP } from '../src/server/demoData.js';
import { type Portal, startPortal } from '../src/server/portal.js';
import { MAX_WRITE_BYTES } from '../src/server/workspaceFiles.js';
import { exampleDir, remoteBranchSha, repoRoot, run } from './support.js';

const bob: Actor = { id: 'u-bob', email: 'bob@example.com', roles: ['builder'] };
const admin: Actor = { id: 'u-ada', email: 'ada@example.com', roles: ['admin'] };

let root: string;
let uiDir: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'publishgate-portal-server-'));
  // A stand-in for the Vite build: the server only needs an index.html and an asset to serve.
  uiDir = join(root, 'ui');
  await mkdir(join(uiDir, 'assets'), { recursive: true });
  await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>portal</title><div id="root"></div>');
  await writeFile(join(uiDir, 'assets', 'app-abc123.js'), 'console.log("portal")');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const started: Portal[] = [];
afterEach(async () => {
  for (const portal of started.splice(0)) await portal.close();
});

async function start(dataDir: string, options: { reset?: boolean } = {}): Promise<Portal> {
  const portal = await startPortal({ dataDir, uiDir, port: 0, log: () => {}, ...options });
  started.push(portal);
  return portal;
}

async function stop(portal: Portal): Promise<void> {
  started.splice(started.indexOf(portal), 1);
  await portal.close();
}

async function signIn(portal: Portal, userId: string): Promise<string> {
  const response = await fetch(`${portal.url}/api/portal/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
  expect(response.status).toBe(200);
  const cookie = response.headers.get('set-cookie') ?? '';
  return cookie.split(';')[0] as string;
}

function rawGet(url: string): Promise<{ status: number; body: string }> {
  const { host, pathname } = new URL(url);
  const path = url.slice(url.indexOf(host) + host.length) || pathname;
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port: Number(host.split(':')[1]), path, method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

function api(portal: Portal, cookie: string, path: string, init: { method?: string; body?: unknown; contentType?: string } = {}) {
  const method = init.method ?? 'GET';
  return fetch(`${portal.url}${path}`, {
    method,
    headers: {
      cookie,
      ...(method === 'GET' ? {} : { 'content-type': init.contentType ?? 'application/json' }),
    },
    ...(method === 'GET' ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body ?? {}) }),
  });
}

describe('seeding and re-runs', () => {
  it('a first start seeds a bare remote with the sample app on main and clones a workspace per builder at that commit', async () => {
    const portal = await start(join(root, 'seed'));
    expect(portal.data.created).toBe(true);
    const main = await remoteBranchSha(portal.data.remoteDir, 'main');
    const { stdout: files } = await run('git', ['--git-dir', portal.data.remoteDir, 'ls-tree', '--name-only', 'main']);
    expect(files.trim().split('\n').sort()).toEqual(Object.keys(SAMPLE_APP).sort());
    for (const id of ['ws-bob', 'ws-carol']) {
      const { stdout } = await run('git', ['-C', portal.workspaceDir(id), 'rev-parse', 'HEAD']);
      expect(stdout.trim()).toBe(main);
      await expect(readFile(join(portal.workspaceDir(id), 'index.html'), 'utf8')).resolves.toBe(SAMPLE_APP['index.html']);
    }
    const { stdout: email } = await run('git', ['-C', portal.workspaceDir('ws-bob'), 'config', 'user.email']);
    expect(email.trim()).toBe('bob@example.com');
  });

  it('a re-run keeps requests, publications and workspace edits; --reset starts over', async () => {
    const dataDir = join(root, 'rerun');
    let portal = await start(dataDir);
    await writeFile(join(portal.workspaceDir('ws-bob'), 'index.html'), '<h1>Kept</h1>\n');
    const workspace = { id: 'ws-bob', name: 'Bike shop', blueprintId: 'bp-website', ownerId: 'u-bob' };
    const request = await portal.gate.requestPublish({ workspace, subdomain: 'kept-shop', actor: bob });
    const approved = await portal.gate.approve({ id: request.id, actor: admin });
    expect(approved.status).toBe('approved');
    await stop(portal);

    portal = await start(dataDir);
    expect(portal.data.created).toBe(false);
    await expect(portal.gate.getRequest({ id: request.id, actor: admin })).resolves.toMatchObject({ status: 'approved', sha: request.sha });
    await expect(readFile(join(portal.workspaceDir('ws-bob'), 'index.html'), 'utf8')).resolves.toBe('<h1>Kept</h1>\n');
    await expect(remoteBranchSha(portal.data.remoteDir, approved.branch as string)).resolves.toBe(request.sha);
    await stop(portal);

    portal = await start(dataDir, { reset: true });
    expect(portal.data).toMatchObject({ created: true, reset: true });
    expect((await portal.gate.listRequests({ actor: admin })).items).toEqual([]);
    await expect(readFile(join(portal.workspaceDir('ws-bob'), 'index.html'), 'utf8')).resolves.toBe(SAMPLE_APP['index.html']);
    await expect(remoteBranchSha(portal.data.remoteDir, approved.branch as string)).rejects.toThrow();
  });

  it('--reset refuses to delete a folder the demo did not create', async () => {
    const foreign = join(root, 'not-demo-data');
    await mkdir(foreign, { recursive: true });
    await writeFile(join(foreign, 'precious.txt'), 'keep me');
    await expect(startPortal({ dataDir: foreign, uiDir, port: 0, reset: true, log: () => {} })).rejects.toThrow(
      /not a publishgate demo data folder/,
    );
    await expect(readFile(join(foreign, 'precious.txt'), 'utf8')).resolves.toBe('keep me');
  });
});

describe('the portal API', () => {
  let portal: Portal;
  let bobCookie: string;
  let carolCookie: string;
  let adaCookie: string;
  beforeAll(async () => {
    portal = await startPortal({ dataDir: join(root, 'api'), uiDir, port: 0, log: () => {} });
    bobCookie = await signIn(portal, 'u-bob');
    carolCookie = await signIn(portal, 'u-carol');
    adaCookie = await signIn(portal, 'u-ada');
  });
  afterAll(async () => {
    await portal.close();
  });

  it('the dev-only sign-in sets an HttpOnly, SameSite=Strict cookie; no or a forged cookie gets 401 from both APIs', async () => {
    const response = await fetch(`${portal.url}/api/portal/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'u-bob' }),
    });
    expect(response.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    const forged = `${bobCookie.split('.')[0]?.replace('u-bob', 'u-ada')}.${bobCookie.split('.')[1]}`;
    for (const cookie of ['', forged, 'publishgate_demo_user=u-ada']) {
      expect((await api(portal, cookie, '/api/portal/workspaces')).status).toBe(401);
      expect((await api(portal, cookie, '/api/publishgate/requests')).status).toBe(401);
    }
    const session = await (await api(portal, bobCookie, '/api/portal/session')).json();
    expect(session.user).toMatchObject({ id: 'u-bob', roles: ['builder'] });
    await expect(api(portal, '', '/api/portal/session', { method: 'POST', body: { userId: 'u-mallory' } })).resolves.toHaveProperty(
      'status',
      400,
    );
  });

  it('builders see only their own workspace; admins see every workspace', async () => {
    const own = await (await api(portal, bobCookie, '/api/portal/workspaces')).json();
    expect(own.workspaces.map((workspace: { id: string }) => workspace.id)).toEqual(['ws-bob']);
    const all = await (await api(portal, adaCookie, '/api/portal/workspaces')).json();
    expect(all.workspaces.map((workspace: { id: string }) => workspace.id)).toEqual(['ws-bob', 'ws-carol', 'ws-dan', 'ws-erin']);
    expect((await api(portal, carolCookie, '/api/portal/workspaces/ws-bob/files')).status).toBe(404);
    expect((await api(portal, carolCookie, '/api/publishgate/workspaces/ws-bob/preview')).status).toBe(404);
  });

  it('the owner reads and writes files; an admin reads but cannot write; another builder cannot see them', async () => {
    const written = await api(portal, bobCookie, '/api/portal/workspaces/ws-bob/file', {
      method: 'PUT',
      body: { path: 'pages/about.html', content: '<p>About</p>\n' },
    });
    expect(written.status).toBe(200);
    await expect(readFile(join(portal.workspaceDir('ws-bob'), 'pages', 'about.html'), 'utf8')).resolves.toBe('<p>About</p>\n');
    const listed = await (await api(portal, bobCookie, '/api/portal/workspaces/ws-bob/files')).json();
    expect(listed.files.map((file: { path: string }) => file.path)).toEqual(['README.md', 'index.html', 'pages/about.html', 'styles.css']);
    const read = await (await api(portal, adaCookie, '/api/portal/workspaces/ws-bob/file?path=pages%2Fabout.html')).json();
    expect(read).toMatchObject({ path: 'pages/about.html', content: '<p>About</p>\n', binary: false });
    const byAdmin = await api(portal, adaCookie, '/api/portal/workspaces/ws-bob/file', {
      method: 'PUT',
      body: { path: 'x.html', content: '' },
    });
    expect(byAdmin.status).toBe(403);
    const byCarol = await api(portal, carolCookie, '/api/portal/workspaces/ws-bob/file', {
      method: 'PUT',
      body: { path: 'x.html', content: '' },
    });
    expect(byCarol.status).toBe(404);
    const deleted = await api(portal, bobCookie, '/api/portal/workspaces/ws-bob/file', {
      method: 'DELETE',
      body: { path: 'pages/about.html' },
    });
    expect(deleted.status).toBe(200);
    expect(existsSync(join(portal.workspaceDir('ws-bob'), 'pages', 'about.html'))).toBe(false);
  });

  it.each([
    ['../outside.txt'],
    ['pages/../../outside.txt'],
    ['/etc/passwd'],
    ['.git/config'],
    ['.git/hooks/pre-commit'],
    ['sub/.GIT/config'],
    ['a\\..\\b'],
    ['./index.html'],
    ['a//b'],
    ['nul\u0000byte'],
    [''],
  ])('a write to %j is refused with 400 and writes nothing outside the workspace', async (path) => {
    const response = await api(portal, bobCookie, '/api/portal/workspaces/ws-bob/file', {
      method: 'PUT',
      body: { path, content: 'owned' },
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe('invalid_path');
    expect(existsSync(join(portal.data.workspacesDir, 'outside.txt'))).toBe(false);
    await expect(readFile(join(portal.workspaceDir('ws-bob'), '.git', 'config'), 'utf8')).resolves.not.toContain('owned');
  });

  it('a symbolic link planted in the workspace (from a terminal) does not lead reads or writes outside it', async () => {
    const secret = join(root, 'secret.txt');
    await writeFile(secret, 'server secret');
    await symlink(secret, join(portal.workspaceDir('ws-bob'), 'link.txt'));
    await symlink(root, join(portal.workspaceDir('ws-bob'), 'linkdir'));
    const read = await api(portal, bobCookie, '/api/portal/workspaces/ws-bob/file?path=link.txt');
    expect(read.status).toBe(409);
    const write = await api(portal, bobCookie, '/api/portal/workspaces/ws-bob/file', {
      method: 'PUT',
      body: { path: 'link.txt', content: 'x' },
    });
    expect(write.status).toBe(409);
    const through = await api(portal, bobCookie, '/api/portal/workspaces/ws-bob/file', {
      method: 'PUT',
      body: { path: 'linkdir/secret.txt', content: 'x' },
    });
    expect(through.status).toBe(409);
    await expect(readFile(secret, 'utf8')).resolves.toBe('server secret');
    const listed = await (await api(portal, bobCookie, '/api/portal/workspaces/ws-bob/files')).json();
    expect(listed.files.map((file: { path: string }) => file.path)).not.toContain('link.txt');
  });

  it('a file over the size limit is refused with 413; a mutation that is not JSON with 415', async () => {
    const big = await api(portal, bobCookie, '/api/portal/workspaces/ws-bob/file', {
      method: 'PUT',
      body: { path: 'big.txt', content: 'x'.repeat(MAX_WRITE_BYTES + 1) },
    });
    expect(big.status).toBe(413);
    expect(existsSync(join(portal.workspaceDir('ws-bob'), 'big.txt'))).toBe(false);
    const form = await api(portal, bobCookie, '/api/portal/workspaces/ws-bob/file', {
      method: 'PUT',
      body: 'path=x.html&content=hi',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    const signInByForm = await api(portal, '', '/api/portal/session', { method: 'POST', body: 'userId=u-ada', contentType: 'text/plain' });
    expect(signInByForm.status).toBe(415);
  });

  it('serves the UI for client routes with security headers, assets by path, and nothing outside the build', async () => {
    const page = await fetch(`${portal.url}/workspaces/ws-bob`);
    expect(page.status).toBe(200);
    await expect(page.text()).resolves.toContain('<div id="root">');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const asset = await fetch(`${portal.url}/assets/app-abc123.js`);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    await writeFile(join(root, 'outside-secret.txt'), 'not for the browser');
    // Sent raw (node:http does not normalize the path the way fetch does).
    for (const path of [
      '/../outside-secret.txt',
      '/%2e%2e/outside-secret.txt',
      '/..%2foutside-secret.txt',
      '/assets/..%2f..%2foutside-secret.txt',
    ]) {
      const response = await rawGet(`${portal.url}${path}`);
      expect(response.body, path).not.toContain('not for the browser');
      expect(response.status, path).toBe(404);
    }
    expect((await fetch(`${portal.url}/assets/missing.js`)).status).toBe(404);
  });

  it('requestUrl links pull requests and notifications back to the request page of this portal', async () => {
    const workspace = { id: 'ws-carol', name: 'Corner cafe', blueprintId: 'bp-website', ownerId: 'u-carol' };
    await writeFile(join(portal.workspaceDir('ws-carol'), 'index.html'), '<h1>Cafe</h1>\n');
    const carol: Actor = { id: 'u-carol', email: 'carol@example.com', roles: ['builder'] };
    const request = await portal.gate.requestPublish({ workspace, subdomain: 'corner-cafe', actor: carol });
    const approved = await portal.gate.approve({ id: request.id, actor: admin });
    const pull = portal.emulator?.pulls().find((candidate) => candidate.head === approved.branch);
    expect(pull?.body).toContain(`${portal.url}/requests/${request.id}`);
    await portal.gate.sweep();
    const inbox = await (await api(portal, carolCookie, '/api/portal/inbox')).json();
    expect(inbox.items.map((item: { type: string }) => item.type)).toContain('request.approved');
    expect(inbox.items.find((item: { type: string }) => item.type === 'request.approved').data.requestUrl).toBe(
      `${portal.url}/requests/${request.id}`,
    );
    const branch = await (
      await api(portal, carolCookie, `/api/portal/remote/branch?name=${encodeURIComponent(approved.branch as string)}`)
    ).json();
    expect(branch).toMatchObject({ sha: request.sha, files: [{ status: 'M', path: 'index.html' }] });
  });
});

describe('a repository per blueprint', () => {
  it('a workspace of the second blueprint is cloned from, and publishes into, the second repository only', async () => {
    const portal = await start(join(root, 'two-repositories'));
    const blogRemote = portal.data.remoteDirs['bp-blog'] as string;
    expect(blogRemote).not.toBe(portal.data.remoteDir);
    const { stdout: files } = await run('git', ['--git-dir', blogRemote, 'ls-tree', '-r', '--name-only', 'main']);
    expect(files.trim().split('\n').sort()).toEqual(Object.keys(BLOG_APP).sort());
    const { stdout: head } = await run('git', ['-C', portal.workspaceDir('ws-dan'), 'rev-parse', 'HEAD']);
    expect(head.trim()).toBe(await remoteBranchSha(blogRemote, 'main'));

    const dan: Actor = { id: 'u-dan', email: 'dan@example.com', roles: ['builder'] };
    const workspace = { id: 'ws-dan', name: 'Dan’s notes', blueprintId: 'bp-blog', ownerId: 'u-dan' };
    await writeFile(join(portal.workspaceDir('ws-dan'), 'posts', 'second.md'), '# Second post\n');
    const request = await portal.gate.requestPublish({ workspace, subdomain: 'dans-notes', actor: dan });
    expect(request.diff.files.map((file) => file.path)).toEqual(['posts/second.md']);
    const approved = await portal.gate.approve({ id: request.id, actor: admin });
    expect(approved.status).toBe('approved');

    const branch = approved.branch as string;
    expect(await remoteBranchSha(blogRemote, branch)).toBe(request.sha);
    await expect(remoteBranchSha(portal.data.remoteDir, branch)).rejects.toThrow();
    const blogPulls = portal.emulators['bp-blog']?.pulls() ?? [];
    expect(blogPulls.map((pull) => ({ head: pull.head, headSha: pull.headSha }))).toEqual([{ head: branch, headSha: request.sha }]);
    expect(portal.emulator?.pulls()).toEqual([]);
    expect(approved.pullRequest?.url).toMatch(/\/acme\/blog\/pull\/1$/);

    // The portal's branch page finds the branch in the blog's remote.
    const danCookie = await signIn(portal, 'u-dan');
    const described = await (await api(portal, danCookie, `/api/portal/remote/branch?name=${encodeURIComponent(branch)}`)).json();
    expect(described).toMatchObject({ sha: request.sha, blueprintId: 'bp-blog', files: [{ status: 'A', path: 'posts/second.md' }] });
    const config = await (await api(portal, danCookie, '/api/portal/config')).json();
    expect(config.blueprints.map((blueprint: { id: string; builderIds: string[] }) => [blueprint.id, blueprint.builderIds])).toEqual([
      ['bp-website', ['u-bob', 'u-carol']],
      ['bp-blog', ['u-dan']],
      ['bp-docs', ['u-erin']],
    ]);
  });
});

describe('GitHub settings from the environment', () => {
  it('uses the local remote and the emulator when no token and repository are set', () => {
    expect(gitHubFromEnv({})).toBeUndefined();
    expect(gitHubFromEnv({ GITHUB_TOKEN: 't' })).toBeUndefined();
  });

  it('reads the PUBLISHGATE_ names, and the plain GITHUB_ names outside GitHub Actions', () => {
    expect(gitHubFromEnv({ PUBLISHGATE_GITHUB_TOKEN: 't', PUBLISHGATE_GITHUB_REPOSITORY: 'acme/sites' })).toMatchObject({
      kind: 'github',
      owner: 'acme',
      repo: 'sites',
      apiUrl: 'https://api.github.com',
      baseBranch: 'main',
    });
    expect(gitHubFromEnv({ GITHUB_TOKEN: 't', GITHUB_REPOSITORY: 'acme/sites' })).toMatchObject({ owner: 'acme' });
  });

  it('ignores GITHUB_TOKEN/GITHUB_REPOSITORY inside GitHub Actions, where they name the CI repository itself', () => {
    expect(gitHubFromEnv({ GITHUB_ACTIONS: 'true', GITHUB_TOKEN: 't', GITHUB_REPOSITORY: 'publishgate/publishgate' })).toBeUndefined();
  });

  it('refuses a repository that is not owner/repo', () => {
    expect(() => gitHubFromEnv({ PUBLISHGATE_GITHUB_TOKEN: 't', PUBLISHGATE_GITHUB_REPOSITORY: 'https://github.com/acme/sites' })).toThrow(
      /owner\/repo/,
    );
  });
});

describe('the command line', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
  });

  it('prints the URL and the demo users, answers HTTP, and stops cleanly on SIGTERM', async () => {
    const dataDir = join(root, 'cli');
    child = spawn(join(repoRoot, 'node_modules', '.bin', 'tsx'), ['--conditions=@publishgate/source', 'src/server/main.ts'], {
      cwd: exampleDir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', PUBLISHGATE_DEMO_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));
    let exitCode: number | null | undefined;
    child.on('exit', (code) => {
      exitCode = code;
    });
    await expect
      .poll(() => exitCode !== undefined || /Portal\s+(http:\/\/127\.0\.0\.1:\d+)/.test(output), { timeout: 90_000, interval: 100 })
      .toBe(true);
    expect(exitCode, `the demo exited early:\n${output}`).toBeUndefined();
    const url = /Portal\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] as string;
    for (const user of [
      'bob@example.com',
      'carol@example.com',
      'dan@example.com',
      'erin@example.com',
      'ada@example.com',
      'grace@example.com',
    ])
      expect(output).toContain(user);
    expect(output).toMatch(/DEV-ONLY sign-in/);
    expect(output).toMatch(/MRs\s+GitLab emulator at http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/Webhooks\s+Standard Webhooks receiver at http:\/\/127\.0\.0\.1:\d+\/hooks\/publishgate/);
    expect(output).toMatch(/Email\s+SMTP catcher at 127\.0\.0\.1:\d+/);
    const session = await (await fetch(`${url}/api/portal/session`)).json();
    expect(session.users).toHaveLength(6);
    child.kill('SIGTERM');
    await expect(exited).resolves.toBe(0);
  });
});

describe('dev-only "Simulate deploy"', () => {
  it('merges the approved request’s pull request on the emulator and reports the deployment live through the signed webhook; admins only, approved and open only', async () => {
    const portal = await start(join(root, 'simulate-deploy'));
    const adaCookie = await signIn(portal, 'u-ada');
    const bobCookie = await signIn(portal, 'u-bob');
    const adaConfig = await (await api(portal, adaCookie, '/api/portal/config')).json();
    expect(adaConfig.devControls).toEqual({ simulateDeploy: true });
    expect((await (await api(portal, bobCookie, '/api/portal/config')).json()).devControls).toEqual({ simulateDeploy: false });

    const workspace = { id: 'ws-bob', name: 'Bike shop', blueprintId: 'bp-website', ownerId: 'u-bob' };
    await writeFile(join(portal.workspaceDir('ws-bob'), 'index.html'), '<h1>Bikes</h1>\n');
    const request = await portal.gate.requestPublish({ workspace, subdomain: 'bike-shop', actor: bob });
    const simulate = (cookie: string, requestId: string) =>
      api(portal, cookie, '/api/portal/dev/simulate-deploy', { method: 'POST', body: { requestId } });

    // Pending: nothing to deploy yet.
    const early = await simulate(adaCookie, request.id);
    expect(early.status).toBe(409);
    expect((await early.json()).error.code).toBe('invalid_state');

    const approved = await portal.gate.approve({ id: request.id, actor: admin });
    expect(approved.delivery?.state).toBe('pull-request-open');
    const refused = await simulate(bobCookie, request.id);
    expect(refused.status).toBe(403);
    expect(portal.emulator?.pulls().find((pull) => pull.number === approved.pullRequest?.number)?.state).toBe('open');
    expect((await simulate(adaCookie, 'r-does-not-exist')).status).toBe(404);
    expect((await api(portal, adaCookie, '/api/portal/dev/simulate-deploy')).status).toBe(405);

    const response = await simulate(adaCookie, request.id);
    expect(response.status).toBe(200);
    const { request: live } = await response.json();
    expect(live.delivery).toMatchObject({ state: 'live', deploymentUrl: 'https://bike-shop.apps.example.com' });
    const pull = portal.emulator?.pulls().find((candidate) => candidate.number === approved.pullRequest?.number);
    expect(pull?.state).toBe('closed');
    expect(live.delivery.mergeSha).toBe(pull?.mergeSha);
    // Both events came through the gate's webhook route, signed, and were accepted.
    expect(portal.emulator?.webhookDeliveries()).toEqual([
      { event: 'pull_request', status: 200 },
      { event: 'deployment_status', status: 200 },
    ]);
    // The builder reads the same through the publishgate API.
    const asBob = await (await api(portal, bobCookie, `/api/publishgate/requests/${request.id}`)).json();
    expect(asBob.delivery).toMatchObject({ state: 'live', deploymentUrl: 'https://bike-shop.apps.example.com' });

    // Once merged there is nothing more to simulate.
    expect((await simulate(adaCookie, request.id)).status).toBe(409);
  });

  it('does not exist against a real GitHub repository: no control in the config, 404 from the route, no webhook route', async () => {
    // Seeded once in local mode, the workspaces are kept when the same data starts in GitHub mode,
    // so the portal starts without reaching any GitHub (nothing is published in this test).
    const dataDir = join(root, 'github-mode');
    await stop(await start(dataDir));
    const portal = await startPortal({
      dataDir,
      uiDir,
      port: 0,
      log: () => {},
      remote: {
        kind: 'github',
        owner: 'acme',
        repo: 'sites',
        token: 'not-a-real-token',
        apiUrl: 'https://api.github.invalid',
        serverUrl: 'https://github.invalid',
        baseBranch: 'main',
      },
    });
    started.push(portal);
    const adaCookie = await signIn(portal, 'u-ada');
    expect((await (await api(portal, adaCookie, '/api/portal/config')).json()).devControls).toEqual({ simulateDeploy: false });
    const response = await api(portal, adaCookie, '/api/portal/dev/simulate-deploy', { method: 'POST', body: { requestId: 'r-1' } });
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe('not_found');
    const hook = await fetch(`${portal.url}/api/publishgate/hooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'ping' },
      body: '{}',
    });
    expect(hook.status).toBe(404);
  });
});
