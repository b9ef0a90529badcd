import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { createGitLabHost, type GitLabClient, type GitLabHostOptions } from '@publishgate/adapter-git';
import { createManualClock, type GitLabEmulator } from '@publishgate/adapter-git/testing';
import { PublishGateError } from '@publishgate/core';
import { describe, expect, it } from 'vitest';
import {
  failure,
  GITLAB_TOKEN,
  type GitLabConnection,
  gitLabApi,
  gitLabEmulatorsClosedAfterEach,
  gitLabHostOptions,
} from './helpers/gitlab.js';

const start = gitLabEmulatorsClosedAfterEach();

const open = (host: ReturnType<typeof createGitLabHost>, branch = 'publish/site-1', extra: { body?: string; title?: string } = {}) =>
  host.openPullRequest({ branch, title: extra.title ?? `Publish ${branch}`, body: extra.body ?? 'Changes', requestId: 'req-1' });

/** Everything an error exposes: message, own properties (hidden ones too), cause chain, JSON. */
function exposed(value: unknown): string {
  return `${inspect(value, { depth: 12, showHidden: true })}\n${JSON.stringify(value)}\n${String(value)}`;
}

function expectNoToken(error: unknown) {
  const text = exposed(error);
  expect(text).not.toContain(GITLAB_TOKEN);
  expect(text).not.toContain(GITLAB_TOKEN.slice(6, 20));
  expect(text).not.toContain(Buffer.from(GITLAB_TOKEN).toString('base64'));
}

const posts = (emulator: GitLabEmulator) => emulator.requests().filter((request) => request.operation === 'mergeRequests.create');

describe('createGitLabHost options', () => {
  const valid = { token: GITLAB_TOKEN, projectPath: 'acme/sites' };
  it.each<[string, Record<string, unknown>]>([
    ['no token and no gitlab instance', { projectPath: 'acme/sites' }],
    ['a token with whitespace', { ...valid, token: 'glpat-abc def' }],
    ['a project path without namespace', { ...valid, projectPath: 'sites' }],
    ['a project path with ..', { ...valid, projectPath: 'acme/../sites' }],
    ['a project path ending in .git', { ...valid, projectPath: 'acme/sites.git' }],
    ['a projectId that is not a positive integer', { token: GITLAB_TOKEN, projectId: 0 }],
    ['an http host that is not this machine', { ...valid, host: 'http://gitlab.acme.example' }],
    ['a host with credentials', { ...valid, host: 'https://oauth2:secret@gitlab.example' }],
    ['a host with a query', { ...valid, host: 'https://gitlab.example/?x=1' }],
    ['an invalid base branch', { ...valid, baseBranch: 'main..x' }],
  ])('refuses %s with validation', (_name, options) => {
    let thrown: unknown;
    try {
      createGitLabHost(options as GitLabHostOptions);
    } catch (error) {
      thrown = error;
    }
    expect(PublishGateError.is(thrown, 'validation')).toBe(true);
    expect(exposed(thrown)).not.toContain('secret');
  });

  it('accepts a numeric projectId, a nested project path and a self-managed https host with a path', () => {
    expect(() => createGitLabHost({ token: GITLAB_TOKEN, projectId: 7 })).not.toThrow();
    expect(() => createGitLabHost({ ...valid, projectPath: 'acme/web/sites', host: 'https://code.acme.example/gitlab/' })).not.toThrow();
  });
});

describe.each<GitLabConnection>(['token', 'gitlab'])('createGitLabHost over %s', (connection) => {
  const hostFor = (emulator: GitLabEmulator, overrides: Partial<GitLabHostOptions> = {}) =>
    createGitLabHost(gitLabHostOptions(emulator, connection, overrides));

  it('opens a merge request into the default branch with the request marker and link; the project is asked once', async () => {
    const emulator = await start({ defaultBranch: 'trunk' });
    emulator.setBranch('publish/a');
    emulator.setBranch('publish/b');
    const host = hostFor(emulator, { requestUrl: (id) => `https://portal.example/requests/${id} (x)` });
    const result = await open(host, 'publish/a', { body: 'A table of changes' });
    expect(result).toEqual({ number: 1, url: `${emulator.url}/acme/sites/-/merge_requests/1`, created: true });
    await open(host, 'publish/b');
    const [mr] = emulator.mergeRequests();
    expect(mr).toMatchObject({ sourceBranch: 'publish/a', targetBranch: 'trunk', title: 'Publish publish/a', state: 'opened' });
    expect(mr?.description).toBe(
      'A table of changes\n\n[Open the publish request](https://portal.example/requests/req-1%20%28x%29)\n\n<!-- publishgate:request req-1 -->',
    );
    expect(emulator.requests().map((request) => request.operation)).toEqual([
      'projects.show',
      'mergeRequests.create',
      'mergeRequests.create',
    ]);
  });

  it('baseBranch is used without asking the project', async () => {
    const emulator = await start();
    emulator.setBranch('release');
    emulator.setBranch('publish/a');
    await open(hostFor(emulator, { baseBranch: 'release' }), 'publish/a');
    expect(emulator.mergeRequests()[0]?.targetBranch).toBe('release');
    expect(emulator.requests().map((request) => request.operation)).toEqual(['mergeRequests.create']);
  });

  it('a projectId addresses the project as well as its path', async () => {
    const emulator = await start({ projectId: 42 });
    emulator.setBranch('publish/a');
    const host = createGitLabHost({
      ...gitLabHostOptions(emulator, connection),
      projectPath: undefined,
      projectId: 42,
    } as GitLabHostOptions);
    expect((await open(host, 'publish/a')).created).toBe(true);
  });

  it('cuts a long title to 255 characters and a long description before the marker', async () => {
    const emulator = await start();
    emulator.setBranch('publish/a');
    await open(hostFor(emulator), 'publish/a', { title: 'T'.repeat(400), body: 'x'.repeat(1_200_000) });
    const [mr] = emulator.mergeRequests();
    expect(mr?.title).toHaveLength(255);
    expect(mr?.description.length).toBeLessThanOrEqual(1_000_000);
    expect(mr?.description).toMatch(/… \(truncated\)\n\n<!-- publishgate:request req-1 -->$/);
  });

  it('refuses an invalid branch or an empty title with validation, before any request', async () => {
    const emulator = await start();
    const host = hostFor(emulator);
    expect((await failure(open(host, 'bad..branch'))).code).toBe('validation');
    expect((await failure(open(host, 'publish/a', { title: '  ' }))).code).toBe('validation');
    expect(emulator.requests()).toEqual([]);
  });

  it('an open merge request someone else opened from the branch is returned with created: false (409)', async () => {
    const emulator = await start();
    emulator.setBranch('publish/a');
    const made = await gitLabApi(emulator, '/projects/1/merge_requests', {
      method: 'POST',
      body: JSON.stringify({ source_branch: 'publish/a', target_branch: 'main', title: 'By hand' }),
    });
    expect(made.status).toBe(201);
    const result = await open(hostFor(emulator, { baseBranch: 'main' }), 'publish/a');
    expect(result).toEqual({ number: 1, url: `${emulator.url}/acme/sites/-/merge_requests/1`, created: false });
    expect(emulator.mergeRequests()).toHaveLength(1);
  });

  it('a branch that was never pushed fails as not retryable with GitLab’s reason', async () => {
    const emulator = await start();
    const error = await failure(open(hostFor(emulator), 'publish/never-pushed'));
    expect(error).toMatchObject({ code: 'port_failed', port: 'gitHost', operation: 'openPullRequest', retryable: false });
    expect(error.message).toContain('Source branch "publish/never-pushed" does not exist');
  });

  it.each([
    [401, /rejected the credentials/],
    [403, /refused access to acme\/sites/],
    [404, /project acme\/sites was not found/],
    [409, /refused the merge request \(409/],
  ])('%i fails as not retryable, without the token', async (status, message) => {
    const emulator = await start();
    emulator.setBranch('publish/a');
    emulator.failNext({ operation: 'mergeRequests.create', status });
    const error = await failure(open(hostFor(emulator, { baseBranch: 'main' }), 'publish/a'));
    expect(error).toMatchObject({ code: 'port_failed', retryable: false, rateLimited: false, retryAfterMs: undefined });
    expect(error.message).toMatch(message);
    expect(error.cause).toBeUndefined();
    expectNoToken(error);
  });

  it('a wrong token gets 401 from the project lookup, without the token in the error', async () => {
    const emulator = await start({ token: 'glpat-theRightOne000000' });
    const error = await failure(open(hostFor(emulator)));
    expect(error).toMatchObject({ code: 'port_failed', retryable: false });
    expect(error.message).toMatch(/401/);
    expectNoToken(error);
  });

  it('an unknown project gets 404 naming the project', async () => {
    const emulator = await start();
    const error = await failure(open(hostFor(emulator, { projectPath: 'acme/elsewhere' })));
    expect(error).toMatchObject({ retryable: false });
    expect(error.message).toBe('GitLab project acme/elsewhere was not found or the token cannot see it (404).');
  });

  it('an unreachable GitLab fails as retryable', async () => {
    const emulator = await start();
    const host = hostFor(emulator);
    await emulator.close();
    const error = await failure(open(host));
    expect(error).toMatchObject({ code: 'port_failed', retryable: true, rateLimited: false });
    expect(error.message).toMatch(/could not be reached|ECONNREFUSED/);
    expectNoToken(error);
  });

  it('an already aborted signal rejects with its reason, before any request', async () => {
    const emulator = await start();
    const reason = new Error('the worker stopped');
    await expect(
      hostFor(emulator).openPullRequest({ branch: 'publish/a', title: 'x', body: '', requestId: 'r', signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
    expect(emulator.requests()).toEqual([]);
  });
});

describe('createGitLabHost with a token sends each request once (the gate retries, not the adapter)', () => {
  const hostFor = (emulator: GitLabEmulator, overrides: Partial<GitLabHostOptions> = {}) =>
    createGitLabHost(gitLabHostOptions(emulator, 'token', { baseBranch: 'main', ...overrides }));

  it('429 with Retry-After: retryable, rateLimited, retryAfterMs from the header; one request', async () => {
    const emulator = await start();
    emulator.setBranch('publish/a');
    emulator.rateLimit({ seconds: 30, headers: 'retry-after' });
    const error = await failure(open(hostFor(emulator), 'publish/a'));
    expect(error).toMatchObject({ code: 'port_failed', retryable: true, rateLimited: true, retryAfterMs: 30_000 });
    expect(error.message).toBe('GitLab rate limit reached for acme/sites; retry after 30 s.');
    expect(emulator.requests()).toHaveLength(1);
  });

  it('429 with only RateLimit-Reset: retryAfterMs is the reset minus the clock', async () => {
    const clock = createManualClock();
    const emulator = await start({ clock });
    emulator.setBranch('publish/a');
    emulator.rateLimit({ seconds: 5, headers: 'reset' });
    const host = hostFor(emulator, { clock: () => new Date(clock.now() + 1_000) });
    expect(await failure(open(host, 'publish/a'))).toMatchObject({ retryable: true, rateLimited: true, retryAfterMs: 4_000 });
  });

  it('429 that says nothing about when: rateLimited without retryAfterMs', async () => {
    const emulator = await start();
    emulator.rateLimit({ seconds: 5, headers: 'none' });
    expect(await failure(open(hostFor(emulator)))).toMatchObject({ retryable: true, rateLimited: true, retryAfterMs: undefined });
  });

  it('the merge request creation limit (JSON 429) is a rate limit too', async () => {
    const clock = createManualClock();
    const emulator = await start({ clock, mergeRequestLimit: 1 });
    emulator.setBranch('publish/a');
    emulator.setBranch('publish/b');
    await open(hostFor(emulator), 'publish/a');
    expect(await failure(open(hostFor(emulator), 'publish/b'))).toMatchObject({ rateLimited: true, retryAfterMs: 60_000 });
  });

  it.each([500, 502, 503])('%i: retryable, not a rate limit, one request', async (status) => {
    const emulator = await start();
    emulator.setBranch('publish/a');
    emulator.failNext({ operation: 'mergeRequests.create', status });
    const error = await failure(open(hostFor(emulator), 'publish/a'));
    expect(error).toMatchObject({ code: 'port_failed', retryable: true, rateLimited: false });
    expect(error.message).toMatch(new RegExp(`^GitLab failed with ${status}`));
    expect(posts(emulator)).toHaveLength(1);
  });

  it('a lost answer (created, then 502) fails retryably; the next call returns that merge request with created: false', async () => {
    const emulator = await start();
    emulator.setBranch('publish/a');
    emulator.failNext({ operation: 'mergeRequests.create', status: 502, afterCreate: true });
    const host = hostFor(emulator);
    expect((await failure(open(host, 'publish/a'))).retryable).toBe(true);
    expect(await open(host, 'publish/a')).toMatchObject({ number: 1, created: false });
    expect(emulator.mergeRequests()).toHaveLength(1);
  });

  it('a redirect is not followed: the token stays with the configured host', async () => {
    const seen: Array<string | undefined> = [];
    const server = createServer((request, response) => {
      seen.push(request.headers['private-token'] as string | undefined);
      response.writeHead(301, { location: 'http://127.0.0.1:9/elsewhere' });
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const host = createGitLabHost({
        token: GITLAB_TOKEN,
        host: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        projectPath: 'acme/sites',
      });
      const error = await failure(open(host));
      expect(error).toMatchObject({ retryable: false });
      expect(error.message).toMatch(/redirect \(301\)/);
      expect(seen).toHaveLength(1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a GitLab message that quotes the token is redacted', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: `401 Unauthorized: token ${GITLAB_TOKEN} expired` }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const host = createGitLabHost({
        token: GITLAB_TOKEN,
        host: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        projectPath: 'acme/sites',
      });
      const error = await failure(open(host));
      expect(error.message).toContain('token *** expired');
      expectNoToken(error);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('createGitLabHost with a gitbeaker instance (used as given)', () => {
  it('a project without a default branch fails as not retryable and is asked again next time (regression: the failure was cached)', async () => {
    const emulator = await start();
    emulator.setBranch('publish/a');
    const { gitlab } = gitLabHostOptions(emulator, 'gitlab') as { gitlab: GitLabClient };
    const answers = [
      { id: 1, default_branch: null },
      { id: 1, default_branch: 'main' },
    ];
    const host = createGitLabHost({
      gitlab: { Projects: { show: async () => answers.shift() }, MergeRequests: gitlab.MergeRequests },
      projectPath: 'acme/sites',
    });
    const error = await failure(open(host, 'publish/a'));
    expect(error).toMatchObject({ retryable: false });
    expect(error.message).toMatch(/no default branch; set baseBranch/);
    expect(await open(host, 'publish/a')).toMatchObject({ number: 1, created: true });
  });

  it('gitbeaker’s own retry of a 502 lands on the merge request it created: created: false, one merge request', async () => {
    const emulator = await start();
    emulator.setBranch('publish/a');
    emulator.failNext({ operation: 'mergeRequests.create', status: 502, afterCreate: true });
    const host = createGitLabHost(gitLabHostOptions(emulator, 'gitlab', { baseBranch: 'main' }));
    expect(await open(host, 'publish/a')).toMatchObject({ number: 1, created: false });
    expect(emulator.mergeRequests()).toHaveLength(1);
  });

  it('a 429 that outlasts gitbeaker’s retries is a retryable rate limit, without the token', async () => {
    const emulator = await start();
    emulator.rateLimit({ seconds: 600 });
    const error = await failure(open(createGitLabHost(gitLabHostOptions(emulator, 'gitlab', { baseBranch: 'main' }))));
    expect(error).toMatchObject({ code: 'port_failed', retryable: true, rateLimited: true });
    expectNoToken(error);
  });
});
