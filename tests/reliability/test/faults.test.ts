import { createServer } from 'node:net';
import { createGitHubHost, createSimpleGit, type GitHubHostOptions } from '@publishgate/adapter-git';
import { createManualClock, type GitHubEmulator, type ManualClock, type RateLimitedAnswer } from '@publishgate/adapter-git/testing';
import {
  type Actor,
  createPublishGate,
  createWebhookNotifier,
  type GitHostPort,
  type GitPort,
  type PublishGate,
  PublishGateError,
  type PublishRequest,
  type StoragePort,
} from '@publishgate/core';
import { createFakeGit, createFakeGitHost } from '@publishgate/core/testing';
import type { Knex } from 'knex';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { allAudit, allRequests, auditProblems, outboxProblems, outboxRows, trailSteps } from '../src/checks.js';
import { emulatedHostOptions } from '../src/emulator.js';
import { admin, builder, workspace } from '../src/population.js';
import { type GitWorld, git } from '../src/repos.js';
import { freshPostgresStore, freshSqliteStore, postgresAvailable, type TestStore } from '../src/stores.js';
import { WEBHOOK_SECRET, type WebhookReceiver } from '../src/webhookReceiver.js';
import { startWorld } from '../src/world.js';

const ada = admin(1);
const figures: string[] = [];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => {
  if (figures.length > 0) console.log(`[reliability] faults\n${figures.join('\n')}`);
});

/** A port whose implementation the test swaps, as an operator fixes a remote or a token. */
function switchable<T extends object>(initial: T): { port: T; use(next: T): void } {
  let current = initial;
  // The gate captures each method once (guardPort), so every method looks `current` up per call.
  const port: Record<string, unknown> = {};
  for (const key of Object.keys(initial)) {
    port[key] = (...args: unknown[]) => (current as Record<string, (...a: unknown[]) => unknown>)[key]?.(...args);
  }
  return { port: port as T, use: (next) => (current = next) };
}

type Rig = {
  world: GitWorld;
  emulator: GitHubEmulator;
  /** The emulator's time: it moves only when a test moves it. */
  githubClock: ManualClock;
  /** What the emulator does as it refuses a request with a rate limit (default: nothing). */
  onRateLimited(listener: (answer: RateLimitedAnswer) => void): void;
  receiver: WebhookReceiver;
  store: TestStore;
  db: Knex;
  storage: StoragePort;
  gate: PublishGate;
  git: { use(next: GitPort): void; good: GitPort; at(remote: string): GitPort };
  host: { use(next: GitHostPort): void; good: GitHostPort; with(overrides: Partial<GitHubHostOptions>): GitHostPort };
  /** The gate's time: it moves only when a test moves it. */
  now(): number;
  /** Moves the gate's clock forward (outbox backoff, leases). */
  advance(ms: number): void;
  /**
   * Runs the publish attempt a request in `approving` waits for, as time passing does: a sweep a
   * millisecond before `progress.nextAttemptAt` runs nothing; the gate's clock is moved to it and a
   * sweep runs the job. Resolves with the request as stored after that attempt.
   */
  nextAttempt(id: string): Promise<PublishRequest>;
  /** A workspace of its own with a change, submitted by its builder: a pending request. */
  submit(n: number): Promise<PublishRequest>;
};

/** The gate in this process on a SQLite file, real git, the emulator and the webhook notifier; every port swappable. */
async function rig(): Promise<Rig> {
  const githubClock = createManualClock();
  let rateLimited: (answer: RateLimitedAnswer) => void = () => {};
  const { world, emulator, receiver } = await startWorld(cleanups, {
    clock: githubClock,
    onRateLimited: (answer) => rateLimited(answer),
  });
  const store = await freshSqliteStore();
  cleanups.push(store.drop);
  const { db, storage } = store.open();
  const gitAt = (remote: string) =>
    createSimpleGit({ resolveWorkspaceDir: (ws) => `${world.workspacesDir}/${ws.id}`, remote, baseBranch: 'main' });
  const goodGit = gitAt(world.remoteUrl);
  const gitSwitch = switchable<GitPort>(goodGit);
  const goodHost = createGitHubHost(emulatedHostOptions(emulator));
  const hostSwitch = switchable<GitHostPort>(goodHost);
  let now = Date.now();
  const gate = createPublishGate({
    storage,
    git: gitSwitch.port,
    gitHost: hostSwitch.port,
    notifier: createWebhookNotifier({ url: receiver.url, secret: WEBHOOK_SECRET, timeoutMs: 2_000 }),
    clock: () => new Date(now),
    recoverAfterMs: 0,
  });
  cleanups.push(() => gate.close());
  return {
    world,
    emulator,
    githubClock,
    onRateLimited(listener) {
      rateLimited = listener;
    },
    receiver,
    store,
    db,
    storage,
    gate,
    git: { use: gitSwitch.use, good: goodGit, at: gitAt },
    host: { use: hostSwitch.use, good: goodHost, with: (overrides) => createGitHubHost(emulatedHostOptions(emulator, overrides)) },
    now: () => now,
    advance(ms) {
      now += ms;
    },
    async nextAttempt(id) {
      const waiting = await storage.getRequest({ id });
      const due = Date.parse(waiting?.progress?.nextAttemptAt ?? '');
      expect(waiting?.status, `request ${id} waits for an attempt`).toBe('approving');
      expect(due).toBeGreaterThan(now);
      now = due - 1;
      expect((await gate.sweep()).recovered, 'jobs run a millisecond before nextAttemptAt').toBe(0);
      now = due;
      expect((await gate.sweep()).recovered, 'jobs run at nextAttemptAt').toBe(1);
      const after = await storage.getRequest({ id });
      if (!after) throw new Error(`request ${id} is gone`);
      return after;
    },
    async submit(n) {
      const ws = workspace(n);
      await world.addWorkspace(ws.id);
      await world.write(ws.id, 'about.html', `<p>About site ${n}</p>\n`);
      return gate.requestPublish({ workspace: ws, subdomain: `site-${n}`, actor: builder(n) });
    },
  };
}

/** The audit trail of one request, in order, progress entries with their step and attempt. */
async function trail(r: Rig, id: string): Promise<string[]> {
  return trailSteps(await allAudit(r.storage, { requestId: id }));
}

/** Checks that a waiting request's next attempt is the policy's backoff after `failedAt`: between half and all of 10 s doubled per attempt. */
function expectBackoff(request: PublishRequest, failedAt: number) {
  const attempt = request.progress?.attempt ?? 0;
  const backoff = 10_000 * 2 ** (attempt - 1);
  const wait = Date.parse(request.progress?.nextAttemptAt ?? '') - failedAt;
  expect(wait, `wait after attempt ${attempt}`).toBeGreaterThanOrEqual(backoff / 2);
  expect(wait, `wait after attempt ${attempt}`).toBeLessThanOrEqual(backoff);
}

const FIRST_ATTEMPT = ['request.progress pushing #1', 'request.progress opening-pull-request #1'];

/** Everything that must hold whatever happened: one branch and one PR per approved request, consistent audit and outbox. */
async function expectConsistent(r: Rig) {
  const requests = await allRequests(r.storage);
  const audit = await allAudit(r.storage);
  for (const request of requests) {
    expect(
      auditProblems(
        request,
        audit.filter((entry) => entry.requestId === request.id),
      ),
    ).toEqual([]);
  }
  expect(outboxProblems(audit, await outboxRows(r.db, r.store.tablePrefix))).toEqual([]);
  const approved = requests.filter((request) => request.status === 'approved');
  const branches = await r.world.publishBranches();
  for (const request of approved) expect(branches.get(request.branch ?? '')).toBe(request.sha);
  const pulls = r.emulator.pulls();
  expect(pulls.map((pull) => pull.head).sort()).toEqual(approved.map((request) => request.branch).sort());
}

/** A TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('faults in git, GitHub and the notifier (SQLite file, real git, GitHub emulator, webhook)', () => {
  it('remote unreachable: the publish waits for its next attempt instead of failing, nothing pushed or opened; once the remote is back, the scheduled attempt approves it without anyone retrying, one branch, one pull request', async () => {
    const r = await rig();
    const request = await r.submit(1);
    r.git.use(r.git.at(`https://127.0.0.1:${await closedPort()}/acme/sites.git`));
    const waiting = await r.gate.approve({ id: request.id, actor: ada });
    expect(waiting).toMatchObject({ status: 'approving', progress: { step: 'queued', attempt: 1 } });
    expect(waiting.progress?.lastError).toMatch(/git adapter failed in push/);
    expect(waiting.error).toBeUndefined();
    expectBackoff(waiting, r.now());
    // Nothing to retry by hand: the gate owns the next attempt.
    await expect(r.gate.retry({ id: request.id, actor: ada })).rejects.toMatchObject({ code: 'invalid_transition' });

    // Still down (now a missing path) when the attempt is due: it fails the same way, waits longer, creates nothing.
    r.git.use(r.git.at('file:///nonexistent/reliability/remote.git'));
    const second = await r.nextAttempt(request.id);
    expect(second).toMatchObject({ status: 'approving', progress: { step: 'queued', attempt: 2 } });
    expect(second.progress?.lastError).toMatch(/git adapter failed in push/);
    expectBackoff(second, r.now());
    expect((await r.world.publishBranches()).size).toBe(0);
    expect(r.emulator.pulls()).toHaveLength(0);

    r.git.use(r.git.good);
    const approved = await r.nextAttempt(request.id);
    expect(approved).toMatchObject({ status: 'approved', branch: `publish/site-1-${request.id}`, pullRequest: { number: 1 } });
    expect(approved.progress).toBeUndefined();
    expect(await r.storage.getJob({ requestId: request.id })).toBeNull();
    await expect(r.gate.retry({ id: request.id, actor: ada })).rejects.toMatchObject({ code: 'invalid_transition' });
    expect(await trail(r, request.id)).toEqual([
      'request.submitted',
      'request.approving',
      'request.progress pushing #1',
      'request.progress queued #1',
      'request.progress pushing #2',
      'request.progress queued #2',
      'request.progress pushing #3',
      'request.progress opening-pull-request #3',
      'request.approved',
    ]);
    await r.gate.sweep();
    await expectConsistent(r);
  });

  it('branch taken by someone else at another sha (non-fast-forward): failed at once with conflict (not retryable, 1 attempt, nothing scheduled), the branch is never forced; withdraw frees the workspace', async () => {
    const r = await rig();
    const request = await r.submit(1);
    const branch = `publish/site-1-${request.id}`;
    const mainSha = await git(r.world.remoteDir, ['rev-parse', 'refs/heads/main']);
    await git(r.world.remoteDir, ['update-ref', `refs/heads/${branch}`, mainSha]);

    // A conflict cannot heal by waiting: failed at once, nothing scheduled.
    const failed = await r.gate.approve({ id: request.id, actor: ada });
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'conflict', retryable: false, attempts: 1 } });
    expect(failed.progress).toBeUndefined();
    expect(await r.storage.getJob({ requestId: request.id })).toBeNull();
    r.advance(3_600_000);
    expect((await r.gate.sweep()).recovered).toBe(0);
    const again = await r.gate.retry({ id: request.id, actor: ada });
    expect(again).toMatchObject({ status: 'failed', error: { code: 'conflict', retryable: false, attempts: 1 } });
    expect(await trail(r, request.id)).toEqual([
      'request.submitted',
      'request.approving',
      'request.progress pushing #1',
      'request.failed',
      'request.retried',
      'request.progress pushing #1',
      'request.failed',
    ]);
    // Nothing forced: the other party's branch is where they left it, and no pull request exists.
    expect(Object.fromEntries(await r.world.publishBranches())).toEqual({ [branch]: mainSha });
    expect(r.emulator.pulls()).toHaveLength(0);

    expect((await r.gate.withdraw({ id: request.id, actor: builder(1) })).status).toBe('withdrawn');
    await r.world.write('ws-1', 'about.html', '<p>About us, take two</p>\n');
    const next = await r.gate.requestPublish({ workspace: workspace(1), subdomain: 'site-1', actor: builder(1) });
    expect(next.status).toBe('pending');
    expect((await r.gate.approve({ id: next.id, actor: ada })).status).toBe('approved');
    await r.gate.sweep();
    const branches = await r.world.publishBranches();
    expect(branches.get(branch)).toBe(mainSha);
    expect(branches.get(`publish/site-1-${next.id}`)).toBe(next.sha);
    expect(r.emulator.pulls().map((pull) => pull.head)).toEqual([`publish/site-1-${next.id}`]);
  });

  it('GitHub 5xx after creating the pull request: the publish waits for its next attempt, which finds the pull request the first one created (422 "already exists") and approves, one pull request', async () => {
    const r = await rig();
    const request = await r.submit(1);
    r.emulator.failNext({ operation: 'pulls.create', status: 502, afterCreate: true });
    const waiting = await r.gate.approve({ id: request.id, actor: ada });
    expect(waiting).toMatchObject({ status: 'approving', progress: { step: 'queued', attempt: 1 } });
    expect(waiting.progress?.lastError).toMatch(/GitHub failed with 502/);
    expectBackoff(waiting, r.now());
    expect(r.emulator.pulls()).toHaveLength(1);
    const approved = await r.nextAttempt(request.id);
    expect(approved).toMatchObject({ status: 'approved', pullRequest: { number: 1 } });
    expect(r.emulator.pulls()).toHaveLength(1);
    const creates = r.emulator.requests().filter((entry) => entry.operation === 'pulls.create');
    // One request per call: the adapter repeats nothing itself.
    expect(creates.map((entry) => entry.status)).toEqual([502, 422]);
    expect(await trail(r, request.id)).toEqual([
      'request.submitted',
      'request.approving',
      ...FIRST_ATTEMPT,
      'request.progress queued #1',
      'request.progress pushing #2',
      'request.progress opening-pull-request #2',
      'request.approved',
    ]);
    await r.gate.sweep();
    await expectConsistent(r);
  });

  it('GitHub 5xx after create, then 5xx on the next three attempts: each waits a doubled backoff; the fifth attempt finds the pull request and approves without anyone retrying, no duplicate', async () => {
    const r = await rig();
    const request = await r.submit(1);
    r.emulator.failNext({ operation: 'pulls.create', status: 502, afterCreate: true });
    r.emulator.failNext({ operation: 'pulls.create', status: 502, times: 3 });
    let current = await r.gate.approve({ id: request.id, actor: ada });
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      expect(current).toMatchObject({ status: 'approving', progress: { step: 'queued', attempt } });
      expect(current.progress?.lastError).toMatch(/GitHub failed with 502/);
      expectBackoff(current, r.now());
      current = await r.nextAttempt(request.id);
    }
    expect(current).toMatchObject({ status: 'approved', pullRequest: { number: 1 } });
    expect(r.emulator.pulls()).toHaveLength(1);
    const creates = r.emulator.requests().filter((entry) => entry.operation === 'pulls.create');
    expect(creates.map((entry) => entry.status)).toEqual([502, 502, 502, 502, 422]);
    await r.gate.sweep();
    await expectConsistent(r);
  });

  it('secondary rate limit of 120 emulated s: the publish shows waiting for the rate limit until exactly GitHub’s retry-after, then approves, one pull request', async () => {
    const r = await rig();
    const request = await r.submit(1);
    r.emulator.rateLimit({ kind: 'secondary', seconds: 120 });
    const limitedAt = r.now();
    const waiting = await r.gate.approve({ id: request.id, actor: ada });
    expect(waiting).toMatchObject({ status: 'approving', progress: { step: 'waiting-rate-limit', attempt: 1 } });
    expect(waiting.progress?.lastError).toMatch(/rate limit/i);
    // retry-after (120 s) is longer than any backoff of the first attempt (at most 10 s): it wins.
    expect(Date.parse(waiting.progress?.nextAttemptAt ?? '') - limitedAt).toBe(120_000);
    // One refused call; the adapter does not wait or repeat.
    expect(r.emulator.requests().map((entry) => entry.status)).toEqual([403]);
    r.githubClock.advance(120_000);
    const approved = await r.nextAttempt(request.id);
    expect(approved.status).toBe('approved');
    expect(r.emulator.pulls()).toHaveLength(1);
    expect(await trail(r, request.id)).toEqual([
      'request.submitted',
      'request.approving',
      ...FIRST_ATTEMPT,
      'request.progress waiting-rate-limit #1',
      'request.progress pushing #2',
      'request.progress opening-pull-request #2',
      'request.approved',
    ]);
    const statuses = r.emulator.requests().map((entry) => entry.status);
    figures.push(
      `  secondary rate limit of 120 emulated s: waited out by the gate to the second (${statuses.join(' ')}), approved on attempt 2`,
    );
    await r.gate.sweep();
    await expectConsistent(r);
  });

  it('exhausted primary rate limit: the publish waits until x-ratelimit-reset (on GitHub’s clock), then approves, one pull request', async () => {
    const r = await rig();
    const request = await r.submit(1);
    r.emulator.rateLimit({ kind: 'primary', seconds: 300 });
    const limitedAt = r.now();
    const waiting = await r.gate.approve({ id: request.id, actor: ada });
    expect(waiting).toMatchObject({ status: 'approving', progress: { step: 'waiting-rate-limit', attempt: 1 } });
    // The reset is in whole seconds of GitHub's clock: the wait is 300 s, less the part of a second already gone.
    const wait = Date.parse(waiting.progress?.nextAttemptAt ?? '') - limitedAt;
    expect(wait).toBeGreaterThan(299_000);
    expect(wait).toBeLessThanOrEqual(300_000);
    r.githubClock.advance(300_000);
    const approved = await r.nextAttempt(request.id);
    expect(approved.status).toBe('approved');
    expect(r.emulator.pulls()).toHaveLength(1);
    const statuses = r.emulator.requests().map((entry) => entry.status);
    figures.push(
      `  primary rate limit of 300 emulated s: waited out by the gate until the reset (${statuses.join(' ')}), approved on attempt 2`,
    );
    await r.gate.sweep();
    await expectConsistent(r);
  });

  it('401 bad credentials: failed at once (not retryable, 1 attempt, nothing scheduled) with the token redacted, the branch stays pushed; after the token is fixed, retry → approved, one branch, one pull request', async () => {
    const r = await rig();
    const request = await r.submit(1);
    r.host.use(r.host.with({ auth: 'ghp_wrongTokenwrongTokenwrongToken0000000' }));
    // Bad credentials do not heal by waiting: failed at once, nothing scheduled.
    const failed = await r.gate.approve({ id: request.id, actor: ada });
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'port_failed', retryable: false, attempts: 1 } });
    expect(failed.error?.message).toMatch(/rejected the credentials \(401/);
    expect(failed.error?.message).not.toContain('wrongToken');
    expect(await r.storage.getJob({ requestId: request.id })).toBeNull();
    const branch = `publish/site-1-${request.id}`;
    expect(Object.fromEntries(await r.world.publishBranches())).toEqual({ [branch]: request.sha });
    r.advance(3_600_000);
    expect((await r.gate.sweep()).recovered).toBe(0);
    expect(await r.storage.getRequest({ id: request.id })).toMatchObject({ status: 'failed' });

    r.host.use(r.host.good);
    const approved = await r.gate.retry({ id: request.id, actor: ada });
    expect(approved).toMatchObject({ status: 'approved', branch });
    expect(Object.fromEntries(await r.world.publishBranches())).toEqual({ [branch]: request.sha });
    expect(r.emulator.pulls().map((pull) => pull.head)).toEqual([branch]);
    expect(await trail(r, request.id)).toEqual([
      'request.submitted',
      'request.approving',
      ...FIRST_ATTEMPT,
      'request.failed',
      'request.retried',
      ...FIRST_ATTEMPT,
      'request.approved',
    ]);
    await r.gate.sweep();
    await expectConsistent(r);
  });

  it('notifier webhook down for a while: decisions unaffected, notifications wait in the outbox, all delivered once it is back', async () => {
    const r = await rig();
    r.receiver.down();
    const requests = [await r.submit(1), await r.submit(2), await r.submit(3)];
    const decided = [
      await r.gate.approve({ id: requests[0]?.id ?? '', actor: ada }),
      await r.gate.reject({ id: requests[1]?.id ?? '', actor: ada, feedback: 'Not this week' }),
      await r.gate.withdraw({ id: requests[2]?.id ?? '', actor: builder(3) }),
    ];
    expect(decided.map((request) => request.status)).toEqual(['approved', 'rejected', 'withdrawn']);
    const whileDown = await r.gate.sweep();
    expect(whileDown.delivered).toBe(0);
    expect(await r.storage.countPendingOutbox()).toBe(6);
    expect(r.receiver.unique().size).toBe(0);
    expect(r.receiver.refused).toBeGreaterThanOrEqual(6);
    // Several attempts while down, each pushing the next one out (backoff from 5 s, doubling).
    for (let attempt = 0; attempt < 3; attempt += 1) {
      r.advance(60_000);
      expect((await r.gate.sweep()).delivered).toBe(0);
    }
    const rowsDown = await outboxRows(r.db, r.store.tablePrefix);
    expect(rowsDown.every((row) => !row.delivered && row.attempts >= 2)).toBe(true);

    r.receiver.up();
    // Not due yet: the last failure scheduled the next attempt a backoff away.
    expect((await r.gate.sweep()).delivered).toBe(0);
    r.advance(3_600_000);
    const after = await r.gate.sweep();
    expect(after.delivered).toBe(6);
    expect(await r.storage.countPendingOutbox()).toBe(0);
    const rows = await outboxRows(r.db, r.store.tablePrefix);
    expect([...r.receiver.unique().keys()].sort()).toEqual(rows.map((row) => row.id).sort());
    expect(r.receiver.deliveries()).toHaveLength(6);
    figures.push(
      `  webhook down: ${r.receiver.refused} refused deliveries over ${rowsDown[0]?.attempts ?? 0}+ attempts per row, then 6/6 delivered once it was back`,
    );
    await expectConsistent(r);
  });
});

describe.skipIf(!postgresAvailable('reliability faults (PostgreSQL)'))('PostgreSQL connections killed mid-transaction', () => {
  it('pg_terminate_backend during a burst of transitions: every call completes or fails typed, nothing half-written, recovery by sweep, later calls succeed', async () => {
    const store = await freshPostgresStore();
    cleanups.push(store.drop);
    const { db, storage } = store.open({ poolMax: 8, quiet: true });
    const killer = store.connect({ poolMax: 1 });
    const git = createFakeGit();
    const gitHost = createFakeGitHost();
    // No pacing: up to 150 approvals in seconds would exceed the default budget (80 per minute) and
    // wait for slots minutes ahead, past the one sweep this test allows for recovery. This test is
    // about killed database backends; pacing has tests of its own (burst, servers, core).
    const gate = createPublishGate({ storage, git, gitHost, recoverAfterMs: 0, policy: { publishPacing: false } });
    cleanups.push(() => gate.close());
    const count = 150;
    for (let n = 1; n <= count; n += 1) git.write(workspace(n), 'index.html', `<p>site ${n}</p>\n`);

    const outcomes = { ok: 0, typed: new Map<string, number>(), untyped: [] as unknown[] };
    const record = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
      try {
        const result = await call();
        outcomes.ok += 1;
        return result;
      } catch (error) {
        if (PublishGateError.is(error)) outcomes.typed.set(error.code, (outcomes.typed.get(error.code) ?? 0) + 1);
        else outcomes.untyped.push(error);
        return undefined;
      }
    };
    const decide = async (n: number) => {
      const request = await record(() => gate.requestPublish({ workspace: workspace(n), subdomain: `site-${n}`, actor: builder(n) }));
      if (!request) return;
      const actor: Actor = ada;
      switch (n % 3) {
        case 0:
          await record(() => gate.approve({ id: request.id, actor }));
          break;
        case 1:
          await record(() => gate.reject({ id: request.id, actor, feedback: 'no' }));
          break;
        default:
          await record(() => gate.withdraw({ id: request.id, actor: builder(n) }));
      }
    };

    // Kill the app's backends that are inside a transaction (xact_start set) every 100 ms or so:
    // mid-transaction by construction, and spaced so that work also gets done in between.
    let killing = true;
    let terminated = 0;
    const kills = (async () => {
      while (killing) {
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
        const result = await killer.raw(
          `SELECT count(*)::int AS n FROM (
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
           ) AS t`,
        );
        terminated += Number((result as { rows: Array<{ n: number }> }).rows[0]?.n ?? 0);
      }
    })();
    const started = Date.now();
    await Promise.all(Array.from({ length: count }, (_, index) => decide(index + 1)));
    killing = false;
    await kills;
    const burstMs = Date.now() - started;

    // Each call either completed or failed with a typed error; the killing did cause failures.
    expect(outcomes.untyped).toEqual([]);
    expect(terminated).toBeGreaterThan(0);
    expect(outcomes.typed.get('port_failed') ?? 0).toBeGreaterThan(0);

    // Nothing half-written: every request's trail matches its status, the outbox matches the trail.
    const check = async () => {
      const requests = await allRequests(storage);
      const audit = await allAudit(storage);
      for (const request of requests) {
        expect(
          auditProblems(
            request,
            audit.filter((entry) => entry.requestId === request.id),
          ),
        ).toEqual([]);
      }
      expect(outboxProblems(audit, await outboxRows(db, store.tablePrefix))).toEqual([]);
      return requests;
    };
    const atBurstEnd = await check();
    const interrupted = atBurstEnd.filter((request) => request.status === 'approving').length;

    // A sweep finishes approvals whose connection died between the claim and the outcome.
    const report = await gate.sweep();
    expect(report.recovered).toBe(interrupted);
    const requests = await check();
    expect(requests.filter((request) => request.status === 'approving')).toEqual([]);
    const approved = requests.filter((request) => request.status === 'approved');
    expect(
      gitHost
        .pullRequests()
        .map((pull) => pull.requestId)
        .sort(),
    ).toEqual(approved.map((request) => request.id).sort());
    for (const request of approved) expect(git.remoteBranch(request.branch ?? '')).toBe(request.sha);

    // Later calls succeed on the same gate and pools.
    git.write(workspace(999), 'index.html', '<p>after the storm</p>\n');
    const later = await gate.requestPublish({ workspace: workspace(999), subdomain: 'after-storm', actor: builder(999) });
    expect((await gate.approve({ id: later.id, actor: ada })).status).toBe('approved');

    figures.push(
      `  pg_terminate_backend: ${terminated} backends killed during ${burstMs} ms; ${outcomes.ok} calls completed, failed typed ${JSON.stringify(Object.fromEntries(outcomes.typed))}; ${requests.length} requests stored, ${interrupted} left approving and recovered by sweep`,
    );
  });
});
