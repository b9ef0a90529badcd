import { getEventListeners } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Octokit } from '@octokit/rest';
import { createGitHubHost } from '@publishgate/adapter-git';
import { createManualClock, type GitHubEmulator, startGitHubEmulator } from '@publishgate/adapter-git/testing';
import { PublishGateError } from '@publishgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { hostOptionsFor, SECOND_MS, TOKEN } from './helpers/github.js';
import { createRepoFixture, git } from './helpers/repos.js';

const emulators: GitHubEmulator[] = [];
afterEach(async () => {
  for (const emulator of emulators.splice(0)) {
    const violations = emulator.violations();
    await emulator.close();
    expect(violations).toEqual([]);
  }
});

async function setup(options: Parameters<typeof startGitHubEmulator>[0] = {}) {
  // Scaled time unless the test brings its own clock.
  const emulator = await startGitHubEmulator({ token: TOKEN, ...(options.clock ? {} : { secondMs: SECOND_MS }), ...options });
  emulators.push(emulator);
  return emulator;
}

async function caught(promise: Promise<unknown>): Promise<PublishGateError> {
  try {
    await promise;
  } catch (error) {
    expect(PublishGateError.is(error), String(error)).toBe(true);
    return error as PublishGateError;
  }
  throw new Error('expected a rejection');
}

const open = (host: ReturnType<typeof createGitHubHost>, branch: string, requestId = 'req-1') =>
  host.openPullRequest({ branch, title: `Publish ${branch}`, body: `Request ${requestId}`, requestId });

describe('createGitHubHost against the emulator', () => {
  it('a 502 after the pull request was created fails retryably after one request; the repeat resolves the 422 "already exists" to that pull request', async () => {
    const emulator = await setup();
    emulator.setBranch('publish/lost');
    emulator.failNext({ operation: 'pulls.create', status: 502, afterCreate: true });
    const host = createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main' }));
    const error = await caught(open(host, 'publish/lost'));
    expect(error).toMatchObject({ code: 'port_failed', retryable: true, rateLimited: false, retryAfterMs: undefined });
    expect(emulator.pulls()).toHaveLength(1);
    // The gate's retry: the same call again.
    const result = await open(host, 'publish/lost');
    expect(result).toEqual({ number: 1, url: emulator.pulls()[0]?.url, created: false });
    expect(emulator.pulls()).toHaveLength(1);
    expect(emulator.requests().map((entry) => `${entry.operation} ${entry.status}`)).toEqual([
      'pulls.create 502',
      'pulls.create 422',
      'pulls.list 200',
    ]);
  });

  it('a repeat of a publish whose pull request was merged meanwhile (its answer lost, auto-merge) gets that pull request back instead of failing on the 422 "No commits between"', async () => {
    const fixture = await createRepoFixture();
    try {
      await writeFile(join(fixture.workspaceDir, 'page.html'), '<p>new</p>\n');
      await git(fixture.workspaceDir, ['add', '-A']);
      await git(fixture.workspaceDir, ['-c', 'user.name=B', '-c', 'user.email=b@example.com', 'commit', '-q', '-m', 'publish']);
      await git(fixture.workspaceDir, ['push', '-q', fixture.remoteDir, 'HEAD:refs/heads/publish/merged']);
      const emulator = await setup({ repositoryPath: fixture.remoteDir });
      const host = createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main' }));
      expect(await open(host, 'publish/merged')).toMatchObject({ number: 1, created: true });
      await emulator.mergePullRequest(1);
      // The gate's next attempt (the first one's answer was lost with its server).
      expect(await open(host, 'publish/merged')).toEqual({ number: 1, url: emulator.pulls()[0]?.url, created: false });
      expect(emulator.pulls()).toHaveLength(1);
    } finally {
      await fixture.cleanup();
    }
  });

  it('emulator: two merges at once both land, one after the other as on GitHub, instead of one failing its update of the base branch', async () => {
    const fixture = await createRepoFixture();
    try {
      for (const name of ['one', 'two']) {
        await git(fixture.workspaceDir, ['checkout', '-q', '-B', name, 'origin/main']);
        await writeFile(join(fixture.workspaceDir, `${name}.html`), `<p>${name}</p>\n`);
        await git(fixture.workspaceDir, ['add', '-A']);
        await git(fixture.workspaceDir, ['-c', 'user.name=B', '-c', 'user.email=b@example.com', 'commit', '-q', '-m', name]);
        await git(fixture.workspaceDir, ['push', '-q', fixture.remoteDir, `HEAD:refs/heads/publish/${name}`]);
      }
      const emulator = await setup({ repositoryPath: fixture.remoteDir });
      const host = createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main' }));
      await open(host, 'publish/one');
      await open(host, 'publish/two');
      const merges = await Promise.allSettled([emulator.mergePullRequest(1), emulator.mergePullRequest(2), emulator.mergePullRequest(2)]);
      expect(merges.map((merge) => merge.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
      const files = await git(fixture.remoteDir, ['ls-tree', '--name-only', 'main']);
      expect(files.split('\n')).toEqual(expect.arrayContaining(['one.html', 'two.html']));
    } finally {
      await fixture.cleanup();
    }
  });

  it('opening a pull request is one API call (the create); a second open of the same branch lists only after the 422', async () => {
    const emulator = await setup();
    emulator.setBranch('publish/one-call');
    const host = createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main' }));
    expect(await open(host, 'publish/one-call')).toMatchObject({ number: 1, created: true });
    expect(emulator.requests().map((entry) => `${entry.operation} ${entry.status}`)).toEqual(['pulls.create 201']);
    expect(await open(host, 'publish/one-call')).toMatchObject({ number: 1, created: false });
    expect(emulator.requests().map((entry) => `${entry.operation} ${entry.status}`)).toEqual([
      'pulls.create 201',
      'pulls.create 422',
      'pulls.list 200',
    ]);
  });

  it('regression: pull requests opened with one shared signal leave no abort listener on it', async () => {
    const emulator = await setup();
    const host = createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main' }));
    const signal = new AbortController().signal;
    for (let index = 0; index < 12; index += 1) {
      emulator.setBranch(`publish/signal-${index}`);
      await host.openPullRequest({ branch: `publish/signal-${index}`, title: 'Publish', body: 'Body', requestId: `r${index}`, signal });
    }
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('a 5xx is not retried by the adapter: one request, a retryable port_failed, nothing created', async () => {
    const emulator = await setup();
    emulator.setBranch('publish/down');
    emulator.failNext({ status: 500, times: 10 });
    const host = createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main' }));
    const error = await caught(open(host, 'publish/down'));
    expect(error).toMatchObject({ code: 'port_failed', retryable: true, rateLimited: false, port: 'gitHost' });
    expect(error.message).toMatch(/500/);
    expect(emulator.requests()).toHaveLength(1);
    expect(emulator.pulls()).toHaveLength(0);
  });

  it('a 5xx before anything was created: the repeat creates exactly one pull request', async () => {
    const emulator = await setup();
    emulator.setBranch('publish/flaky');
    emulator.failNext({ operation: 'pulls.create', status: 503 });
    const host = createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main' }));
    expect(await caught(open(host, 'publish/flaky'))).toMatchObject({ retryable: true });
    expect(await open(host, 'publish/flaky')).toMatchObject({ number: 1, created: true });
    expect(emulator.pulls()).toHaveLength(1);
  });

  it('a secondary rate limit is not waited out: one request, retryable and rateLimited, retryAfterMs from retry-after', async () => {
    const clock = createManualClock();
    const emulator = await setup({ clock });
    emulator.setBranch('publish/slow');
    emulator.rateLimit({ kind: 'secondary', seconds: 30 });
    const host = createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main' }));
    const error = await caught(open(host, 'publish/slow'));
    expect(error).toMatchObject({ code: 'port_failed', retryable: true, rateLimited: true, retryAfterMs: 30_000 });
    expect(error.message).toMatch(/rate limit.*retry after 30 s/i);
    expect(emulator.requests().map((entry) => entry.status)).toEqual([403]);
    clock.advance(30_000);
    expect(await open(host, 'publish/slow')).toMatchObject({ number: 1, created: true });
  });

  it('an exhausted primary quota: retryAfterMs is x-ratelimit-reset minus the host clock', async () => {
    const clock = createManualClock();
    const emulator = await setup({ clock });
    emulator.setBranch('publish/quota');
    emulator.rateLimit({ kind: 'primary', seconds: 40 });
    clock.advance(15_000);
    const host = createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main' }));
    const error = await caught(open(host, 'publish/quota'));
    expect(error).toMatchObject({ code: 'port_failed', retryable: true, rateLimited: true, retryAfterMs: 25_000 });
    expect(emulator.requests()).toHaveLength(1);
    // A host clock already past the reset waits 0, never a negative time.
    const late = createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main', clock: () => clock.now() + 60_000 }));
    expect(await caught(open(late, 'publish/quota'))).toMatchObject({ rateLimited: true, retryAfterMs: 0 });
    clock.advance(25_000);
    expect(await open(host, 'publish/quota')).toMatchObject({ created: true });
  });

  it('a long rate limit is reported, not waited: retryAfterMs 600,000 and nothing created', async () => {
    const clock = createManualClock();
    const emulator = await setup({ clock });
    emulator.setBranch('publish/blocked');
    emulator.rateLimit({ kind: 'secondary', seconds: 600 });
    const host = createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main' }));
    expect(await caught(open(host, 'publish/blocked'))).toMatchObject({ retryable: true, rateLimited: true, retryAfterMs: 600_000 });
    expect(emulator.pulls()).toHaveLength(0);
  });

  it('the content-creation limit: the create past it fails rateLimited with a minute to wait; a minute later it succeeds', async () => {
    const clock = createManualClock();
    const emulator = await setup({ clock, contentCreationLimit: 2 });
    const host = createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main' }));
    for (const name of ['a', 'b', 'c']) emulator.setBranch(`publish/${name}`);
    for (const name of ['a', 'b']) expect(await open(host, `publish/${name}`, name)).toMatchObject({ created: true });
    expect(await caught(open(host, 'publish/c', 'c'))).toMatchObject({ retryable: true, rateLimited: true, retryAfterMs: 60_000 });
    clock.advance(60_000);
    expect(await open(host, 'publish/c', 'c')).toMatchObject({ created: true });
    expect(emulator.pulls().map((pull) => pull.head)).toEqual(['publish/a', 'publish/b', 'publish/c']);
    expect(emulator.requests().filter((entry) => entry.status === 403)).toHaveLength(1);
  });

  it('bad credentials fail as a non-retryable port_failed', async () => {
    const emulator = await setup();
    emulator.setBranch('publish/auth');
    const host = createGitHubHost(hostOptionsFor(emulator, { auth: 'ghp_wrongTokenwrongTokenwrongToken00000', baseBranch: 'main' }));
    const error = await caught(open(host, 'publish/auth'));
    expect(error).toMatchObject({ code: 'port_failed', retryable: false });
    expect(error.message).toMatch(/401/);
  });

  it('a branch that was never pushed fails as a non-retryable port_failed naming the head', async () => {
    const emulator = await setup();
    const host = createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main' }));
    const error = await caught(open(host, 'publish/missing'));
    expect(error).toMatchObject({ code: 'port_failed', retryable: false });
    expect(error.message).toMatch(/422.*head/);
  });

  it('after the pull request was closed, opening again creates a new one', async () => {
    const emulator = await setup();
    emulator.setBranch('publish/reopen');
    const host = createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main' }));
    const first = await open(host, 'publish/reopen');
    emulator.closePullRequest(first.number);
    const second = await open(host, 'publish/reopen');
    expect(second.created).toBe(true);
    expect(second.number).not.toBe(first.number);
  });

  it('targets the repository default branch when no baseBranch is given, asking for it once', async () => {
    const emulator = await setup({ defaultBranch: 'production' });
    emulator.setBranch('publish/x');
    emulator.setBranch('publish/y');
    const host = createGitHubHost(hostOptionsFor(emulator));
    await open(host, 'publish/x');
    await open(host, 'publish/y');
    expect(emulator.pulls().map((pull) => pull.base)).toEqual(['production', 'production']);
    expect(emulator.requests().filter((entry) => entry.operation === 'repos.get')).toHaveLength(1);
  });

  it('appends a link back to the portal and a request marker to the body', async () => {
    const emulator = await setup();
    emulator.setBranch('publish/linked');
    const host = createGitHubHost(
      hostOptionsFor(emulator, { baseBranch: 'main', requestUrl: (id) => `https://portal.example/requests/${id}` }),
    );
    await host.openPullRequest({ branch: 'publish/linked', title: 'Publish', body: '| Workspace | Shop |', requestId: 'req-9' });
    const body = emulator.pulls()[0]?.body ?? '';
    expect(body).toContain('| Workspace | Shop |');
    expect(body).toContain('[Open the publish request](https://portal.example/requests/req-9)');
    expect(body).toContain('<!-- publishgate:request req-9 -->');
  });

  it('uses an Octokit instance as given', async () => {
    const emulator = await setup();
    emulator.setBranch('publish/own');
    const octokit = new Octokit({ auth: TOKEN, baseUrl: emulator.url, log: { debug() {}, info() {}, warn() {}, error() {} } });
    const host = createGitHubHost({ octokit, owner: emulator.owner, repo: emulator.repo, baseBranch: 'main' });
    expect(await open(host, 'publish/own')).toMatchObject({ number: 1, created: true });
  });

  it('an aborted call rejects with the abort reason, not as a GitHub failure', async () => {
    const emulator = await setup();
    emulator.setBranch('publish/aborted');
    const host = createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main' }));
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    let caughtError: unknown;
    try {
      await host.openPullRequest({ branch: 'publish/aborted', title: 't', body: 'b', requestId: 'r', signal: controller.signal });
    } catch (error) {
      caughtError = error;
    }
    expect((caughtError as Error).message).toBe('caller gave up');
    expect(emulator.pulls()).toHaveLength(0);
  });

  it('refuses invalid branch names before calling GitHub', async () => {
    const emulator = await setup();
    const host = createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main' }));
    for (const branch of ['--upload-pack=x', 'a..b', 'x:y', '']) {
      expect((await caught(open(host, branch))).code).toBe('validation');
    }
    expect(emulator.requests()).toHaveLength(0);
  });
});

describe('how GitHub failures reach the gate (one HTTP request each, never waited out)', () => {
  const NOW = Date.UTC(2026, 0, 1, 12);
  type Answer = { status: number; headers?: Record<string, string>; message?: string } | 'network error';
  const cases: Array<{ name: string; answer: Answer; expected: Partial<PublishGateError> }> = [
    {
      name: '429 with retry-after: rate limited, wait from the header',
      answer: { status: 429, headers: { 'retry-after': '7' } },
      expected: { retryable: true, rateLimited: true, retryAfterMs: 7_000 },
    },
    {
      name: '403 secondary limit with retry-after',
      answer: { status: 403, headers: { 'retry-after': '45' }, message: 'You have exceeded a secondary rate limit.' },
      expected: { retryable: true, rateLimited: true, retryAfterMs: 45_000 },
    },
    {
      name: '403 with an exhausted quota: until x-ratelimit-reset on the host clock',
      answer: { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 90) } },
      expected: { retryable: true, rateLimited: true, retryAfterMs: 90_000 },
    },
    {
      name: '403 saying "rate limit" without headers: at least a minute, as GitHub advises',
      answer: { status: 403, message: 'API rate limit exceeded for installation ID 1.' },
      expected: { retryable: true, rateLimited: true, retryAfterMs: 60_000 },
    },
    {
      name: '429 without headers: at least a minute',
      answer: { status: 429, message: 'Too Many Requests' },
      expected: { retryable: true, rateLimited: true, retryAfterMs: 60_000 },
    },
    {
      name: 'retry-after as an HTTP date',
      answer: { status: 429, headers: { 'retry-after': new Date(NOW + 30_000).toUTCString() } },
      expected: { retryable: true, rateLimited: true, retryAfterMs: 30_000 },
    },
    {
      name: '503 with retry-after: retryable with the wait, not a rate limit',
      answer: { status: 503, headers: { 'retry-after': '12' }, message: 'Service Unavailable' },
      expected: { retryable: true, rateLimited: false, retryAfterMs: 12_000 },
    },
    {
      name: '502 without retry-after: retryable, no wait given',
      answer: { status: 502, message: 'Server Error' },
      expected: { retryable: true, rateLimited: false, retryAfterMs: undefined },
    },
    {
      name: '403 that is not a rate limit: final',
      answer: { status: 403, message: 'Resource not accessible by integration' },
      expected: { retryable: false, rateLimited: false, retryAfterMs: undefined },
    },
    { name: 'network failure: retryable', answer: 'network error', expected: { retryable: true, rateLimited: false } },
  ];

  it.each(cases)('$name', async ({ answer, expected }) => {
    let calls = 0;
    const fetch = async () => {
      calls += 1;
      if (answer === 'network error') throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
      const body = { message: answer.message ?? 'Error', documentation_url: 'https://docs.github.com/rest' };
      return new Response(JSON.stringify(body), {
        status: answer.status,
        headers: { 'content-type': 'application/json', ...answer.headers },
      });
    };
    const octokit = new Octokit({ auth: TOKEN, request: { fetch }, log: { debug() {}, info() {}, warn() {}, error() {} } });
    const host = createGitHubHost({ octokit, owner: 'acme', repo: 'sites', baseBranch: 'main', clock: () => NOW });
    const error = await caught(open(host, 'publish/x'));
    expect(error).toMatchObject({ code: 'port_failed', port: 'gitHost', ...expected });
    expect(calls).toBe(1);
  });
});

describe('GitHub token canary', () => {
  const CANARY = 'ghp_CANARYcanaryCANARYcanaryCANARY0123456789';

  it('never appears in errors or log lines (debug logs included) under 401, 5xx and rate-limit failures', async () => {
    const emulator = await setup();
    emulator.setBranch('publish/canary');
    const lines: string[] = [];
    const log = {
      debug: (m: string) => lines.push(m),
      info: (m: string) => lines.push(m),
      warn: (m: string) => lines.push(m),
      error: (m: string) => lines.push(m),
    };
    const errors: unknown[] = [];
    const attempt = async (promise: Promise<unknown>) => {
      try {
        await promise;
      } catch (error) {
        errors.push(error);
      }
    };
    // 401: the emulator expects TOKEN, the host presents the canary.
    const wrong = createGitHubHost(hostOptionsFor(emulator, { auth: CANARY, baseBranch: 'main', log }));
    await attempt(open(wrong, 'publish/canary'));
    // 5xx and rate limits with the canary as the accepted token.
    const canaryEmulator = await setup({ token: CANARY });
    canaryEmulator.setBranch('publish/canary');
    const right = createGitHubHost(hostOptionsFor(canaryEmulator, { auth: CANARY, baseBranch: 'main', log }));
    canaryEmulator.failNext({ status: 502, times: 5 });
    await attempt(open(right, 'publish/canary'));
    canaryEmulator.rateLimit({ kind: 'secondary', seconds: 600 });
    await attempt(open(right, 'publish/canary'));
    expect(errors).toHaveLength(3);
    // Every level was captured: request options at debug, one line per failed request at error.
    expect(lines.some((line) => line.startsWith('request {'))).toBe(true);
    expect(lines.some((line) => / - 401 with id /.test(line))).toBe(true);
    const everything = [...lines, ...errors.map((error) => inspect(error, { depth: 10, showHidden: true })), JSON.stringify(errors)].join(
      '\n',
    );
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain(CANARY.slice(4, 24));
  });
});
