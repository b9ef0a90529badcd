import { createGitHubHost, createSimpleGit } from '@publishgate/adapter-git';
import { type Actor, createPublishGate, createWebhookNotifier, PublishGateError, type PublishRequest } from '@publishgate/core';
import { createPublishGateClient, type PublishGateClient } from '@publishgate/core/client';
import { afterEach, describe, expect, it } from 'vitest';
import { allAudit, allRequests, auditProblems, outboxProblems, outboxRows } from '../src/checks.js';
import { EMULATOR_TOKEN } from '../src/emulator.js';
import { type GateServer, startGateServer } from '../src/gateProcesses.js';
import { ACTOR_HEADER, admin, builder, workspace } from '../src/population.js';
import { freshPostgresStore, postgresAvailable } from '../src/stores.js';
import { WEBHOOK_SECRET } from '../src/webhookReceiver.js';
import { gateProcessTargets, startWorld } from '../src/world.js';

const SERVERS = 4;
const REQUESTS = 200;
const DECISIONS = 1_000;
/** Decisions in flight at once, spread over the servers: all of them. */
const IN_FLIGHT = DECISIONS;
/** Pull request creations the emulator answers with 401: approvals that fail and can be retried. */
const FAILING_CREATES = 15;
const ADMINS = 4;
/** The publish budget the four servers share through PostgreSQL: publishes per second, all servers together. */
const PACE_PER_SECOND = 20;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Decision = 'approve' | 'reject' | 'withdraw' | 'retry';
const DECISION_WEIGHTS: Array<[Decision, number]> = [
  ['approve', 35],
  ['reject', 20],
  ['withdraw', 20],
  ['retry', 25],
];

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed with its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Runs `tasks` with at most `limit` running at once. */
async function pooled<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const index = next;
        next += 1;
        results[index] = await (tasks[index] as () => Promise<T>)();
      }
    }),
  );
  return results;
}

describe.skipIf(!postgresAvailable('reliability several servers'))('several servers on one PostgreSQL', () => {
  it(`${SERVERS} processes serving one database over HTTP: ${REQUESTS} requests, ${DECISIONS} concurrent random decisions → one terminal decision each, pull requests = approved requests, no 5xx, audit and outbox consistent`, async () => {
    const seed = Number(process.env.RELIABILITY_SEED ?? Date.now() % 1_000_000);
    const rand = random(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;

    const testWorld = await startWorld(cleanups);
    const { world, emulator, receiver } = testWorld;
    const store = await freshPostgresStore();
    cleanups.push(store.drop);

    const setupStarted = Date.now();
    for (let n = 1; n <= REQUESTS; n += 1) {
      await world.addWorkspace(workspace(n).id);
      await world.write(workspace(n).id, 'about.html', `<p>About site ${n}</p>\n`);
    }
    const servers: GateServer[] = await Promise.all(
      Array.from({ length: SERVERS }, () =>
        startGateServer({
          ...gateProcessTargets(testWorld, store),
          policy: { publishPacing: [{ max: PACE_PER_SECOND, perMs: 1_000 }] },
          task: { kind: 'serve', sweepIntervalMs: 2_000, worker: { concurrency: 4, pollIntervalMs: 100 } },
        }),
      ),
    );
    cleanups.push(async () => {
      const exits = await Promise.all(servers.map((server) => server.stop()));
      // The servers' own error log, for a failing run.
      const logged = exits.map((exit) => exit.stderr.trim()).filter(Boolean);
      if (logged.length > 0) console.warn(`[reliability] gate servers logged:\n${logged.join('\n').slice(-6_000)}`);
    });
    const setupMs = Date.now() - setupStarted;

    const statuses = new Map<number, number>();
    const clients = new Map<string, PublishGateClient>();
    const clientFor = (server: number, actor: Actor): PublishGateClient => {
      const key = `${server} ${actor.id}`;
      let client = clients.get(key);
      if (!client) {
        client = createPublishGateClient({
          baseUrl: `${servers[server]?.url}/api/publishgate`,
          headers: { [ACTOR_HEADER]: actor.id },
          fetch: async (input, init) => {
            const response = await fetch(input, init);
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            return response;
          },
        });
        clients.set(key, client);
      }
      return client;
    };

    // 200 requests, one per builder and workspace, submitted through random servers.
    const submitStarted = Date.now();
    const submitted = await pooled(
      Array.from({ length: REQUESTS }, (_, index) => () => {
        const n = index + 1;
        return clientFor(Math.floor(rand() * SERVERS), builder(n)).requestPublish({ workspaceId: workspace(n).id, subdomain: `site-${n}` });
      }),
      16,
    );
    const submitMs = Date.now() - submitStarted;
    expect(submitted.map((request) => request.status)).toEqual(Array(REQUESTS).fill('pending'));

    // Some pull requests fail to open (401), so retries have failed requests to work on.
    emulator.failNext({ operation: 'pulls.create', status: 401, times: FAILING_CREATES });

    type Outcome = { decision: Decision; request: PublishRequest; result: PublishRequest | { code: string }; ms: number };
    const totalWeight = DECISION_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
    const plan = Array.from({ length: DECISIONS }, () => {
      let roll = rand() * totalWeight;
      let decision: Decision = 'approve';
      for (const [candidate, weight] of DECISION_WEIGHTS) {
        decision = candidate;
        roll -= weight;
        if (roll < 0) break;
      }
      return { decision, request: pick(submitted), server: Math.floor(rand() * SERVERS), admin: admin(1 + Math.floor(rand() * ADMINS)) };
    });
    const decideStarted = Date.now();
    const outcomes: Outcome[] = await pooled(
      plan.map(({ decision, request, server, admin: reviewer }) => async (): Promise<Outcome> => {
        const n = Number(request.workspace.id.slice(3));
        const client = clientFor(server, decision === 'withdraw' ? builder(n) : reviewer);
        const sent = Date.now();
        try {
          const result =
            decision === 'approve'
              ? await client.approve(request.id, { comment: 'ok' })
              : decision === 'reject'
                ? await client.reject(request.id, { feedback: 'not now' })
                : decision === 'withdraw'
                  ? await client.withdraw(request.id)
                  : await client.retry(request.id);
          return { decision, request, result, ms: Date.now() - sent };
        } catch (error) {
          if (!PublishGateError.is(error)) throw error;
          return { decision, request, result: { code: error.code }, ms: Date.now() - sent };
        }
      }),
      IN_FLIGHT,
    );
    const decideMs = Date.now() - decideStarted;
    const throughput = (DECISIONS / decideMs) * 1_000;
    const latencies = outcomes.map((outcome) => outcome.ms).sort((a, b) => a - b);
    const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;

    // No 5xx, and every refusal is one of the expected races.
    expect([...statuses.keys()].filter((status) => status >= 500)).toEqual([]);
    const refusals = new Map<string, number>();
    const accepted = new Map<Decision, number>();
    for (const outcome of outcomes) {
      if ('code' in outcome.result) refusals.set(outcome.result.code, (refusals.get(outcome.result.code) ?? 0) + 1);
      else accepted.set(outcome.decision, (accepted.get(outcome.decision) ?? 0) + 1);
    }
    expect([...refusals.keys()].filter((code) => code !== 'conflict' && code !== 'invalid_transition')).toEqual([]);

    // The workers finish what the budget made wait; then stop the servers (each finishes its
    // in-flight work) and look at what they left.
    const { db, storage } = store.open({ poolMax: 4 });
    const drainStarted = Date.now();
    for (;;) {
      const approving = await storage.listRequests({ filter: { status: ['approving'] }, limit: 100 });
      if (approving.length === 0) break;
      // A run whose storage call failed under this load leaves its job leased until the lease
      // (recoverAfterMs, 150 s by default) runs out; then another worker finishes it.
      if (Date.now() - drainStarted > 300_000) {
        const stuck = await Promise.all(
          approving.map(async (request) => ({
            id: request.id,
            progress: request.progress,
            job: await storage.getJob({ requestId: request.id }),
          })),
        );
        expect.fail(`still approving after 300 s: ${JSON.stringify(stuck)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const drainMs = Date.now() - drainStarted;
    await Promise.all(servers.map((server) => server.stop()));
    const requests = await allRequests(storage);
    const audit = await allAudit(storage);
    expect(requests).toHaveLength(REQUESTS);

    // Each request: a legal trail ending in its status, at most one final decision, and a decision
    // field that agrees with it; nothing left half-way.
    for (const request of requests) {
      expect(
        auditProblems(
          request,
          audit.filter((entry) => entry.requestId === request.id),
        ),
      ).toEqual([]);
      if (request.status === 'approved' || request.status === 'rejected') expect(request.decision?.kind).toBe(request.status);
    }
    expect(requests.filter((request) => request.status === 'approving')).toEqual([]);
    // Every accepted decision is in the audit exactly once, and nothing else is.
    const auditCount = (type: string) => audit.filter((entry) => entry.type === type).length;
    expect({
      approve: auditCount('request.approving'),
      reject: auditCount('request.rejected'),
      withdraw: auditCount('request.withdrawn'),
      retry: auditCount('request.retried'),
    }).toEqual({
      approve: accepted.get('approve') ?? 0,
      reject: accepted.get('reject') ?? 0,
      withdraw: accepted.get('withdraw') ?? 0,
      retry: accepted.get('retry') ?? 0,
    });

    // Each decision that started a publish (approve, retry) ran it exactly once: one push attempt
    // per decision, whichever server's worker or decision ran it.
    for (const request of requests) {
      const trail = audit.filter((entry) => entry.requestId === request.id);
      const started = trail.filter((entry) => entry.type === 'request.approving' || entry.type === 'request.retried').length;
      const pushes = trail.filter((entry) => (entry.data.progress as { step?: string } | undefined)?.step === 'pushing').length;
      expect({ id: request.id, pushes }).toEqual({ id: request.id, pushes: started });
    }
    // The servers shared one budget: the publishes were spread over at least the time it allows,
    // not four budgets' worth at once.
    const pushTimes = audit
      .filter((entry) => (entry.data.progress as { step?: string } | undefined)?.step === 'pushing')
      .map((entry) => Date.parse(entry.at))
      .sort((a, b) => a - b);
    const pacedMs = (pushTimes.at(-1) ?? 0) - (pushTimes[0] ?? 0);
    expect(pacedMs).toBeGreaterThanOrEqual((Math.ceil(pushTimes.length / PACE_PER_SECOND) - 1) * 1_000 - 50);
    const waitedForBudget = audit.filter(
      (entry) => (entry.data.progress as { step?: string } | undefined)?.step === 'waiting-rate-limit',
    ).length;

    // Pull requests = approved requests, one each; each approved branch at its pinned sha; every
    // other publish branch belongs to a request that got as far as pushing.
    const approved = requests.filter((request) => request.status === 'approved');
    const pulls = emulator.pulls();
    expect(pulls.map((pull) => pull.head).sort()).toEqual(approved.map((request) => request.branch).sort());
    const branches = await world.publishBranches();
    for (const request of approved) expect(branches.get(request.branch ?? '')).toBe(request.sha);
    const pushedIds = new Set(audit.filter((entry) => entry.type === 'request.approving').map((entry) => entry.requestId));
    for (const name of branches.keys()) expect(pushedIds.has(name.slice(-36))).toBe(true);

    // Outbox: one notification per notifying transition; after a final sweep, all delivered, and the
    // receiver (deduplicating by id) has each exactly once.
    expect(outboxProblems(audit, await outboxRows(db, store.tablePrefix))).toEqual([]);
    const finisher = createPublishGate({
      storage,
      git: createSimpleGit({ resolveWorkspaceDir: (ws) => `${world.workspacesDir}/${ws.id}`, remote: world.remoteUrl }),
      gitHost: createGitHubHost({
        auth: EMULATOR_TOKEN,
        owner: emulator.owner,
        repo: emulator.repo,
        baseUrl: emulator.url,
        log: { warn: () => {} },
      }),
      notifier: createWebhookNotifier({ url: receiver.url, secret: WEBHOOK_SECRET }),
      // Past any lease a stopped server still held.
      clock: () => new Date(Date.now() + 3_600_000),
    });
    const final = await finisher.sweep();
    await finisher.close();
    expect(final.recovered).toBe(0);
    const rows = await outboxRows(db, store.tablePrefix);
    expect(rows.filter((row) => !row.delivered)).toEqual([]);
    expect([...receiver.unique().keys()].sort()).toEqual(rows.map((row) => row.id).sort());

    // Deliveries that failed once (a webhook POST timing out under load) were sent again: at least once, deduplicated by id.
    const retriedRows = rows.filter((row) => row.attempts > 0);
    const errors = new Set(retriedRows.map((row) => (row.lastError ?? '').replace(/\d+/g, 'N').slice(0, 120)));
    const byStatus = new Map<string, number>();
    for (const request of requests) byStatus.set(request.status, (byStatus.get(request.status) ?? 0) + 1);
    console.log(
      `[reliability] several servers (seed ${seed}): ${SERVERS} servers, setup ${setupMs} ms, ${REQUESTS} submits in ${submitMs} ms (${((REQUESTS / submitMs) * 1000).toFixed(1)}/s, 16 in flight), ` +
        `${DECISIONS} decisions in ${decideMs} ms = ${throughput.toFixed(1)} decisions/s (${IN_FLIGHT} in flight; latency p50 ${percentile(50)} ms, p95 ${percentile(95)} ms, max ${percentile(100)} ms)\n` +
        `  ${pushTimes.length} publishes, each run once, paced over ${pacedMs} ms by the shared budget of ${PACE_PER_SECOND}/s (${waitedForBudget} waited for a slot; workers drained in ${drainMs} ms)\n` +
        `  accepted ${JSON.stringify(Object.fromEntries(accepted))}, refused ${JSON.stringify(Object.fromEntries(refusals))}, HTTP ${JSON.stringify(Object.fromEntries(statuses))}\n` +
        `  final ${JSON.stringify(Object.fromEntries(byStatus))}, ${pulls.length} pull requests, ${branches.size} publish branches, ` +
        `${rows.length} notifications (${receiver.deliveries().length - receiver.unique().size} duplicate deliveries; ${retriedRows.length} rows needed another attempt: ${JSON.stringify([...errors])}), final sweep ${JSON.stringify(final)}`,
    );
  }, 900_000);
  it('SIGKILL of the server running a publish: another server’s worker takes the job over once its lease runs out and finishes it, once', async () => {
    const testWorld = await startWorld(cleanups);
    const { world, emulator } = testWorld;
    const store = await freshPostgresStore();
    cleanups.push(store.drop);
    await world.addWorkspace(workspace(1).id);
    await world.write(workspace(1).id, 'index.html', '<p>killed mid-publish</p>\n');
    const leaseMs = 3_000;
    // A: decides, holds the job for leaseMs, and is slow to push, so the test can kill it mid-publish.
    const serverA = await startGateServer({
      ...gateProcessTargets(testWorld, store),
      recoverAfterMs: leaseMs,
      pushDelayMs: 60_000,
      task: { kind: 'serve', worker: { pollIntervalMs: 100 } },
    });
    const serverB = await startGateServer({
      ...gateProcessTargets(testWorld, store),
      task: { kind: 'serve', worker: { pollIntervalMs: 100 } },
    });
    cleanups.push(async () => {
      await Promise.all([serverA.stop(), serverB.stop()]);
    });
    const client = (server: GateServer, actor: Actor) =>
      createPublishGateClient({ baseUrl: `${server.url}/api/publishgate`, headers: { [ACTOR_HEADER]: actor.id } });
    const request = await client(serverA, builder(1)).requestPublish({ workspaceId: workspace(1).id, subdomain: 'killed-site' });
    const approving = client(serverA, admin(1))
      .approve(request.id)
      .catch((error: unknown) => error);
    await serverA.process.waitFor((event) => event.event === 'pushing');
    const killedAt = Date.now();
    serverA.process.child.kill('SIGKILL');
    const exit = await serverA.process.exited;
    expect(exit.signal).toBe('SIGKILL');
    // The admin's call died with the server: the client reports it, nothing claims a result.
    expect(await approving).toBeInstanceOf(Error);

    const { storage } = store.open({ poolMax: 2 });
    let finished: PublishRequest | null = null;
    for (;;) {
      finished = await storage.getRequest({ id: request.id });
      if (finished?.status !== 'approving') break;
      expect(Date.now() - killedAt).toBeLessThan(60_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const tookOverMs = Date.now() - killedAt;
    expect(finished).toMatchObject({ status: 'approved', pullRequest: { number: 1 } });
    expect(emulator.pulls()).toHaveLength(1);
    expect((await world.publishBranches()).get(finished?.branch ?? '')).toBe(request.sha);
    const trail = await allAudit(storage, { requestId: request.id });
    expect(auditProblems(finished as PublishRequest, trail)).toEqual([]);
    // A's attempt started and died; B's is the second attempt of the same job.
    expect(trail.map((entry) => [entry.type, (entry.data.progress as { step?: string; attempt?: number } | undefined)?.attempt])).toEqual([
      ['request.submitted', undefined],
      ['request.approving', 0],
      ['request.progress', 1],
      ['request.progress', 2],
      ['request.progress', 2],
      ['request.approved', undefined],
    ]);
    console.log(
      `[reliability] SIGKILL mid-publish on PostgreSQL: the other server's worker finished it ${tookOverMs} ms after the kill (lease ${leaseMs} ms), one pull request`,
    );
  }, 120_000);
});
