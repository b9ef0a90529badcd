import { type GitPort, PublishGateError, type PublishRequest } from '@publishgate/core';
import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../../src/gate/policy.js';
import { nextAttemptAt } from '../../src/gate/publishJob.js';
import { admin, builder, setup, workspace } from '../helpers.js';

type Env = ReturnType<typeof setup>;

async function submitted(env: Env, subdomain = 'jobs-site', ws = workspace, actor = builder): Promise<PublishRequest> {
  env.git.write(ws, `${subdomain}.txt`, `${subdomain}\n`);
  return env.gate.requestPublish({ workspace: ws, subdomain, actor });
}

// Moves the test's clock to the moment the request's next attempt is due.
function toNextAttempt(env: Env, request: PublishRequest) {
  const due = Date.parse(request.progress?.nextAttemptAt as string);
  expect(Number.isFinite(due)).toBe(true);
  env.clock.advance(Math.max(0, due - env.clock.now().getTime()));
}

async function current(env: Env, id: string) {
  return env.gate.getRequest({ id, actor: admin });
}

const retryable = (message: string, extra: { retryAfterMs?: number; rateLimited?: boolean } = {}) =>
  Object.assign(new Error(message), extra);

describe('automatic retries', () => {
  it('a remote unreachable for 30 s ends approved without anyone calling retry', async () => {
    const env = setup();
    const request = await submitted(env);
    const downUntil = env.clock.now().getTime() + 30_000;
    const flaky: GitPort = {
      preview: (args) => env.git.preview(args),
      commit: (args) => env.git.commit(args),
      push: async (args) => {
        if (env.clock.now().getTime() < downUntil) throw new Error('ssh: connect to host git.example.test port 22: Connection refused');
        return env.git.push(args);
      },
    };
    const gated = setup({ storage: env.storage, git: flaky, gitHost: env.gitHost, clock: env.clock.now });
    let seen = await gated.gate.approve({ id: request.id, actor: admin });
    const attempts: number[] = [];
    while (seen.status === 'approving') {
      expect(seen.progress).toMatchObject({ step: 'queued' });
      expect(seen.progress?.lastError).toContain('Connection refused');
      attempts.push(seen.progress?.attempt as number);
      toNextAttempt(env, seen);
      await gated.gate.sweep();
      seen = await current(env, request.id);
    }
    expect(seen).toMatchObject({ status: 'approved', pullRequest: { number: 1 } });
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts).toEqual(attempts.map((_, index) => index + 1));
    expect(env.gitHost.pullRequests()).toHaveLength(1);
  });

  it('a secondary rate limit longer than any client would wait: the job waits it out, then the pull request opens', async () => {
    const env = setup();
    const request = await submitted(env);
    env.gitHost.failNext(retryable('You have exceeded a secondary rate limit', { retryAfterMs: 600_000, rateLimited: true }));
    const waiting = await env.gate.approve({ id: request.id, actor: admin });
    expect(waiting).toMatchObject({ status: 'approving', progress: { step: 'waiting-rate-limit', attempt: 1 } });
    expect(Date.parse(waiting.progress?.nextAttemptAt as string) - env.clock.now().getTime()).toBeGreaterThanOrEqual(600_000);

    // Not before the host said.
    env.clock.advance(599_000);
    expect((await env.gate.sweep()).recovered).toBe(0);
    toNextAttempt(env, waiting);
    expect((await env.gate.sweep()).recovered).toBe(1);
    expect(await current(env, request.id)).toMatchObject({ status: 'approved', attempts: 1 });
    const steps = (await env.gate.history({ actor: admin, requestId: request.id })).items
      .filter((entry) => entry.type === 'request.progress')
      .map((entry) => (entry.data.progress as { step: string }).step);
    expect(steps).toEqual(['pushing', 'opening-pull-request', 'waiting-rate-limit', 'pushing', 'opening-pull-request']);
  });

  it('a non-retryable failure (bad credentials) ends failed at once with the error, retryable false and the attempts', async () => {
    const env = setup();
    const request = await submitted(env);
    env.gitHost.failNext(new PublishGateError('port_failed', 'GitHub rejected the credentials (401).', { retryable: false }));
    const failed = await env.gate.approve({ id: request.id, actor: admin });
    expect(failed).toMatchObject({
      status: 'failed',
      error: { code: 'port_failed', message: 'GitHub rejected the credentials (401).', retryable: false, attempts: 1 },
    });
    expect(failed.progress).toBeUndefined();
  });

  it('a failure that stays retryable ends failed after policy.publishRetry.attempts, saying retryable and how many', async () => {
    const env = setup({ policy: { publishRetry: { attempts: 3 } } });
    const request = await submitted(env);
    env.gitHost.failNext(retryable('503 Service Unavailable'), { times: 3 });
    let seen = await env.gate.approve({ id: request.id, actor: admin });
    while (seen.status === 'approving') {
      toNextAttempt(env, seen);
      await env.gate.sweep();
      seen = await current(env, request.id);
    }
    expect(seen).toMatchObject({ status: 'failed', error: { retryable: true, attempts: 3 } });
    expect(seen.error?.message).toContain('503');
    await env.gate.sweep();
    expect(env.notifier.notifications.filter((note) => note.type === 'request.failed')).toHaveLength(1);

    // An admin retry starts over: a fresh run of attempts, same branch and pull request.
    const retried = await env.gate.retry({ id: request.id, actor: admin });
    expect(retried).toMatchObject({ status: 'approved', attempts: 2 });
    expect(env.gitHost.pullRequests()).toHaveLength(1);
  });

  it('no attempt starts later than publishRetry.withinMs after the publish was queued', async () => {
    const env = setup({ policy: { publishRetry: { attempts: 10, withinMs: 60_000 } } });
    const request = await submitted(env);
    env.gitHost.failNext(retryable('rate limited', { retryAfterMs: 120_000, rateLimited: true }));
    const failed = await env.gate.approve({ id: request.id, actor: admin });
    expect(failed).toMatchObject({ status: 'failed', error: { retryable: true, attempts: 1 } });
  });

  it('nextAttemptAt: exponential backoff with jitter within bounds, never sooner than retryAfterMs', () => {
    const { publishRetry } = resolvePolicy({ publishRetry: { baseDelayMs: 1_000, maxDelayMs: 8_000, attempts: 10 } });
    const since = '2026-03-01T09:00:00.000Z';
    const now = Date.parse(since);
    const failure = new PublishGateError('port_failed', 'boom');
    const delay = (attempt: number, random: number, extra?: PublishGateError) =>
      Date.parse(nextAttemptAt(publishRetry, { attempt, since, failure: extra ?? failure, now }, () => random) as string) - now;
    expect([1, 2, 3, 4, 5].map((attempt) => delay(attempt, 0))).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
    expect([1, 2, 3, 4, 5].map((attempt) => delay(attempt, 1))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    expect(delay(1, 0.5, new PublishGateError('port_failed', 'limit', { retryAfterMs: 30_000 }))).toBe(30_000);
    expect(nextAttemptAt(publishRetry, { attempt: 10, since, failure, now })).toBeUndefined();
    expect(nextAttemptAt(publishRetry, { attempt: 1, since, failure: new PublishGateError('conflict', 'taken'), now })).toBeUndefined();
  });
});

describe('pacing', () => {
  it('past the budget a publish waits for its reserved slot, shown as waiting for the rate limit, and runs then, once', async () => {
    const env = setup({ policy: { publishPacing: [{ max: 2, perMs: 60_000 }] } });
    const workspaces = [0, 1, 2].map((n) => ({ ...workspace, id: `ws-paced-${n}`, name: `Paced ${n}` }));
    const decided = [];
    for (const [n, ws] of workspaces.entries()) {
      const request = await submitted(env, `paced-${n}`, ws);
      decided.push(await env.gate.approve({ id: request.id, actor: admin }));
    }
    expect(decided.map((request) => request.status)).toEqual(['approved', 'approved', 'approving']);
    const third = decided[2] as PublishRequest;
    expect(third.progress).toMatchObject({
      step: 'waiting-rate-limit',
      attempt: 0,
      nextAttemptAt: new Date(Date.parse(third.createdAt) + 60_000).toISOString(),
    });
    expect(env.gitHost.pullRequests()).toHaveLength(2);

    env.clock.advance(59_999);
    expect((await env.gate.sweep()).recovered).toBe(0);
    env.clock.advance(1);
    expect((await env.gate.sweep()).recovered).toBe(1);
    expect(await current(env, third.id)).toMatchObject({ status: 'approved' });
    expect(env.gitHost.pullRequests()).toHaveLength(3);
    const waits = (await env.gate.history({ actor: admin, requestId: third.id })).items.filter(
      (entry) => (entry.data.progress as { step?: string } | undefined)?.step === 'waiting-rate-limit',
    );
    expect(waits).toHaveLength(1);
  });

  it('publishPacing false turns pacing off; a malformed budget is refused when the gate is created', async () => {
    const env = setup({ policy: { publishPacing: false } });
    for (let n = 0; n < 3; n += 1) {
      const request = await submitted(env, `unpaced-${n}`, { ...workspace, id: `ws-unpaced-${n}` });
      expect((await env.gate.approve({ id: request.id, actor: admin })).status).toBe('approved');
    }
    expect(() => setup({ policy: { publishPacing: [{ max: 0, perMs: 1_000 }] } })).toThrow(/publishPacing\[0\]\.max/);
    expect(() => setup({ policy: { publishPacing: [{ max: 1.5, perMs: 1_000 }] } })).toThrow(/whole number/);
    expect(() => setup({ policy: { publishWaitMs: -1 } })).toThrow(/publishWaitMs/);
  });
});

describe('waiting for the outcome', () => {
  it('approve answers approving after publishWaitMs when the publish is slow; the outcome follows as an event', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const env = setup({ policy: { publishWaitMs: 20 } });
    const request = await submitted(env);
    const slowGit: GitPort = {
      preview: (args) => env.git.preview(args),
      commit: (args) => env.git.commit(args),
      push: async (args) => {
        await held;
        return env.git.push(args);
      },
    };
    const slow = setup({ storage: env.storage, git: slowGit, gitHost: env.gitHost, clock: env.clock.now, policy: { publishWaitMs: 20 } });
    const approvedEvent = new Promise((resolve) => slow.gate.events.on('request.approved', resolve));
    const answer = await slow.gate.approve({ id: request.id, actor: admin });
    expect(answer).toMatchObject({ status: 'approving', progress: { step: 'pushing', attempt: 1 } });
    release();
    await approvedEvent;
    expect(await current(env, request.id)).toMatchObject({ status: 'approved' });
    await slow.gate.close();
  });

  it('a trusted submit answers like approve: approved when the publish is quick', async () => {
    const env = setup();
    await env.gate.setTrust({ blueprintId: workspace.blueprintId, userId: builder.id, email: builder.email, trusted: true, actor: admin });
    expect((await submitted(env, 'trusted-quick')).status).toBe('approved');
  });
});

describe('startWorker', () => {
  it('runs a job once it is due on the gate clock, at most `concurrency` at a time, and stop() waits for running publishes', async () => {
    const env = setup({ policy: { publishPacing: [{ max: 1, perMs: 60_000 }] } });
    let running = 0;
    let most = 0;
    const countingGit: GitPort = {
      preview: (args) => env.git.preview(args),
      commit: (args) => env.git.commit(args),
      push: async (args) => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
        return env.git.push(args);
      },
    };
    const gated = setup({
      storage: env.storage,
      git: countingGit,
      gitHost: env.gitHost,
      clock: env.clock.now,
      policy: { publishPacing: [{ max: 2, perMs: 60_000 }] },
    });
    const ids: string[] = [];
    for (let n = 0; n < 6; n += 1) {
      const request = await submitted(env, `worked-${n}`, { ...workspace, id: `ws-worked-${n}` });
      ids.push(request.id);
      await gated.gate.approve({ id: request.id, actor: admin });
    }
    const worker = gated.gate.startWorker({ concurrency: 2, pollIntervalMs: 5 });
    const statuses = async () => Promise.all(ids.map(async (id) => (await current(env, id)).status));
    expect((await statuses()).filter((status) => status === 'approved')).toHaveLength(2);
    // The clock stands still: the worker finds nothing due, however long it runs.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await statuses()).filter((status) => status === 'approved')).toHaveLength(2);
    env.clock.advance(60_000);
    await expect.poll(async () => (await statuses()).filter((status) => status === 'approved').length, { timeout: 5_000 }).toBe(4);
    env.clock.advance(60_000);
    await expect.poll(async () => (await statuses()).filter((status) => status === 'approved').length, { timeout: 5_000 }).toBe(6);
    await worker.stop();
    expect(most).toBeLessThanOrEqual(2);
    expect(env.gitHost.pullRequests()).toHaveLength(6);
  });

  it('an aborted signal stops the worker; bad options are refused', async () => {
    const env = setup();
    const controller = new AbortController();
    const worker = env.gate.startWorker({ signal: controller.signal, pollIntervalMs: 5 });
    controller.abort();
    await expect(worker.stop()).resolves.toBeUndefined();
    expect(() => env.gate.startWorker({ concurrency: 0 })).toThrow(/concurrency/);
    expect(() => env.gate.startWorker({ pollIntervalMs: 0 })).toThrow(/pollIntervalMs/);
  });
});

describe('pacing tolerance', () => {
  it('regression: a slot a few ms ahead (jobs side by side, clocks a hair apart) runs now instead of waiting for the next poll', async () => {
    const env = setup({ policy: { publishPacing: [{ max: 1_000, perMs: 60_000 }] } });
    // Another server, its clock 6 ms ahead, reserved first: every later reservation is at least there.
    await env.storage.reservePacing({
      key: 'publish',
      now: new Date(env.clock.now().getTime() + 6).toISOString(),
      limits: [{ max: 1_000, perMs: 60_000 }],
    });
    const request = await submitted(env, 'tolerated');
    expect((await env.gate.approve({ id: request.id, actor: admin })).status).toBe('approved');
  });
});
