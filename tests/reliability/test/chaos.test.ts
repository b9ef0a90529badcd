import type { Actor, AuditEntry, PublishRequest } from '@publishgate/core';
import { createPublishGateClient, type PublishGateClient } from '@publishgate/core/client';
import { afterEach, describe, expect, it } from 'vitest';
import { allAudit, allRequests, outboxRows, trailSteps } from '../src/checks.js';
import { describe as describeExit, type GateServer, startGateServer } from '../src/gateProcesses.js';
import { ACTOR_HEADER, admin, builder, workspace } from '../src/population.js';
import { backends } from '../src/stores.js';
import { gateProcessTargets, startWorld } from '../src/world.js';

// Chaos on the real stack: a gate server process (knex storage, real git, the GitHub emulator, a
// worker and a sweep timer) is driven over HTTP with a random mix of commands (submits, approvals,
// rejections, decideMany, withdrawals, retries, rollbacks, approval-rule changes) while the
// emulator merges, closes and deploys pull requests and sends signed webhooks to the server; the
// server is SIGKILLed after a random delay, restarted on the same database, and so on. Then one
// last server finishes everything and the invariants are checked. The crash test kills at chosen
// boundaries; this one kills wherever the random delay falls. `RELIABILITY_SEED` replays a run,
// `CHAOS_ROUNDS` runs more rounds.

const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 3);
const WORKSPACES = 5;
const ADMINS = 3;
const HOOK_SECRET = 'chaos-github-webhook-secret';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

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

const NOTIFYING = new Set([
  'request.approved',
  'request.failed',
  'request.rejected',
  'request.withdrawn',
  'request.expired',
  'request.merged',
  'request.live',
  'request.closed',
  'request.deploy_failed',
]);
const FINAL = ['request.approved', 'request.rejected', 'request.withdrawn', 'request.expired'];

describe.each(backends('reliability chaos'))('chaos: random SIGKILLs of a serving gate on $name', ({ name, available, fresh }) => {
  it.skipIf(!available)(
    `${ROUNDS} rounds of mixed commands and webhooks, killed at random moments → nothing lost, one pull request per approval, outbox drained, audit and publication consistent`,
    { timeout: 240_000 },
    async () => {
      const seed = Number(process.env.RELIABILITY_SEED ?? Date.now() % 1_000_000);
      const rand = random(seed);
      const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(rand() * items.length)];
      const replay = `(${name}, RELIABILITY_SEED=${seed} CHAOS_ROUNDS=${ROUNDS} replays the commands; kill times are wall-clock)`;

      const testWorld = await startWorld(cleanups);
      const { world, emulator, receiver } = testWorld;
      const store = await fresh();
      cleanups.push(store.drop);
      for (let n = 1; n <= WORKSPACES; n += 1) await world.addWorkspace(workspace(n).id);

      const acknowledged = new Set<string>();
      const serverErrors: string[] = [];
      let server: GateServer | undefined;
      let alive = false;
      const clientFor = (actor: Actor): PublishGateClient =>
        createPublishGateClient({
          baseUrl: `${server?.url}/api/publishgate`,
          headers: { [ACTOR_HEADER]: actor.id },
          fetch: async (input, init) => {
            const response = await fetch(input, init);
            if (response.status >= 500 && alive) serverErrors.push(`${init?.method ?? 'GET'} ${String(input)} → ${response.status}`);
            return response;
          },
        });
      const start = async (extra: { clockOffsetMs?: number } = {}) => {
        server = await startGateServer({
          ...gateProcessTargets(testWorld, store),
          ...extra,
          // A killed server's job lease runs out quickly, so the next one resumes its publishes.
          recoverAfterMs: 1_500,
          policy: { publishWaitMs: 300, publishPacing: false, deliveryPollMs: 200 },
          task: {
            kind: 'serve',
            sweepIntervalMs: 300,
            worker: { concurrency: 2, pollIntervalMs: 100 },
            githubWebhookSecret: HOOK_SECRET,
          },
        });
        alive = true;
        emulator.setWebhook({ url: `${server.url}/api/publishgate/hooks/github`, secret: HOOK_SECRET });
      };
      const refusals = new Map<string, number>();
      // Refusals are the expected races (and, after the kill, failed connections); counted for the summary.
      const swallow = (label: string, promise: Promise<unknown>) =>
        promise.then(
          () => undefined,
          (error: unknown) => {
            const code = `${label}: ${(error as { code?: string }).code ?? ''} ${error instanceof Error ? error.message.slice(0, 160) : String(error)}`;
            refusals.set(code, (refusals.get(code) ?? 0) + 1);
          },
        );

      let edits = 0;
      const operations: Array<[string, number, () => Promise<unknown>]> = [
        [
          'submit',
          30,
          async () => {
            const n = 1 + Math.floor(rand() * WORKSPACES);
            edits += 1;
            await world.write(workspace(n).id, `pages/ws-${n}.html`, `<p>edit ${edits}</p>\n`);
            const request = await clientFor(builder(n)).requestPublish({ workspaceId: workspace(n).id, subdomain: `site-${n}` });
            acknowledged.add(request.id);
          },
        ],
        [
          'approve',
          25,
          async () => {
            const pending = (await clientFor(admin(1)).listRequests({ status: 'pending' })).items;
            const request = pick(pending);
            if (request) await clientFor(admin(1 + Math.floor(rand() * ADMINS))).approve(request.id, { comment: 'ok' });
          },
        ],
        [
          'reject',
          6,
          async () => {
            const request = pick((await clientFor(admin(1)).listRequests({ status: 'pending' })).items);
            if (request) await clientFor(admin(2)).reject(request.id, { feedback: 'not yet' });
          },
        ],
        [
          'decideMany',
          8,
          async () => {
            const pending = (await clientFor(admin(1)).listRequests({ status: 'pending' })).items;
            if (pending.length > 0) await clientFor(admin(3)).decideMany({ ids: pending.map((r) => r.id), decision: 'approve' });
          },
        ],
        [
          'withdraw or retry',
          6,
          async () => {
            const failed = pick((await clientFor(admin(1)).listRequests({ status: 'failed' })).items);
            if (!failed) return;
            if (rand() < 0.5) await clientFor(admin(1)).retry(failed.id);
            else await clientFor(builder(Number(failed.workspace.id.slice(3)))).withdraw(failed.id);
          },
        ],
        [
          'rollback',
          10,
          async () => {
            const n = 1 + Math.floor(rand() * WORKSPACES);
            const approved = (await clientFor(admin(1)).listRequests({ status: 'approved', workspaceId: workspace(n).id })).items;
            const target = pick(approved.filter((r) => r.delivery?.state === 'merged' || r.delivery?.state === 'live'));
            if (target) await clientFor(builder(n)).requestRollback(workspace(n).id, { toRequestId: target.id, note: 'back' });
          },
        ],
        [
          'approval rule',
          3,
          async () => {
            await clientFor(admin(1)).setApprovalRule({ blueprintId: 'bp-site', requiredApprovals: rand() < 0.5 ? 1 : 2 });
          },
        ],
        [
          'merge',
          15,
          async () => {
            const open = pick(emulator.pulls().filter((pull) => pull.state === 'open'));
            if (open) await emulator.mergePullRequest(open.number);
          },
        ],
        [
          'close',
          3,
          async () => {
            const open = pick(emulator.pulls().filter((pull) => pull.state === 'open'));
            if (open) await emulator.closePullRequest(open.number);
          },
        ],
        [
          'deploy',
          6,
          async () => {
            const merged = pick(emulator.pulls().filter((pull) => pull.mergeSha));
            if (merged?.mergeSha) {
              await emulator.deploy({
                sha: merged.mergeSha,
                state: rand() < 0.8 ? 'success' : 'failure',
                environmentUrl: `https://site-${merged.number}.example.com`,
              });
            }
          },
        ],
      ];
      const totalWeight = operations.reduce((sum, [, weight]) => sum + weight, 0);
      const nextOperation = () => {
        let roll = rand() * totalWeight;
        for (const operation of operations) {
          roll -= operation[1];
          if (roll < 0) return operation;
        }
        return operations[0] as (typeof operations)[number];
      };

      const kills: number[] = [];
      const logs: string[] = [];
      const counts = new Map<string, number>();
      for (let round = 0; round < ROUNDS; round += 1) {
        await start();
        const killAfterMs = 300 + Math.floor(rand() * 5_000);
        kills.push(killAfterMs);
        const until = Date.now() + killAfterMs;
        // Three drivers at once, each running random commands back to back until the kill.
        const drivers = Array.from({ length: 3 }, async () => {
          while (Date.now() < until) {
            const [label, , run] = nextOperation();
            counts.set(label, (counts.get(label) ?? 0) + 1);
            await swallow(label, run());
          }
        });
        await new Promise((resolve) => setTimeout(resolve, killAfterMs));
        alive = false;
        server?.process.child.kill('SIGKILL');
        const killed = await server?.process.exited;
        if (killed?.stderr.trim()) logs.push(`round ${round}: ${killed.stderr.trim().slice(-3_000)}`);
        await Promise.all(drivers);
      }

      // The last server starts past every lease and backoff the killed ones left, and runs until
      // nothing is approving and the outbox is empty.
      await start({ clockOffsetMs: 3_600_000 });
      const { db, storage } = store.open({ poolMax: 2 });
      const settled = Date.now();
      for (;;) {
        const approving = await storage.listRequests({ filter: { status: ['approving'] }, limit: 10 });
        const pendingOutbox = await storage.countPendingOutbox();
        if (approving.length === 0 && pendingOutbox === 0) break;
        if (Date.now() - settled > 60_000)
          expect.fail(`not settled after 60 s ${replay}: ${approving.length} approving, ${pendingOutbox} outbox`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      // Let the poller catch up with pull requests whose webhook hit a dead server (or came while
      // their request was still approving): every approved request's delivery matches its pull request.
      const behind = async () => {
        const approved = await storage.listRequests({ filter: { status: ['approved'] }, limit: 500 });
        return approved.filter((request) => {
          const pull = emulator.pulls().find((candidate) => candidate.number === request.pullRequest?.number);
          const state = request.delivery?.state;
          return (
            (pull?.mergeSha && state === 'pull-request-open') || (pull?.state === 'closed' && !pull.mergeSha && state !== 'closed-unmerged')
          );
        });
      };
      for (const caughtUp = Date.now(); (await behind()).length > 0 && Date.now() - caughtUp < 30_000; ) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const exit = await server?.stop();

      const problems: string[] = [];
      const requests = await allRequests(storage);
      const byId = new Map(requests.map((request) => [request.id, request]));
      for (const id of acknowledged) if (!byId.has(id)) problems.push(`acknowledged request ${id} is not stored`);

      // Every approved request: one pull request from its branch, at its pinned commit, and the branch pushed there.
      const pulls = emulator.pulls();
      const branches = await world.publishBranches();
      for (const request of requests) {
        if (request.status === 'approving') problems.push(`${request.id} still approving`);
        const own = pulls.filter((pull) => pull.head === request.branch);
        if (request.status === 'approved') {
          // A pull request closed while its request was still approving is replaced by the next
          // attempt (GitHub only finds open ones): closed-unmerged extras are allowed, nothing else.
          const live = own.filter((pull) => pull.state === 'open' || pull.mergeSha);
          if (live.length > 1) {
            const trail = trailSteps(await allAudit(storage, { requestId: request.id })).join(', ');
            const seen = own.map((pull) => `#${pull.number} ${pull.state}${pull.mergeSha ? ' merged' : ''} at ${pull.headSha.slice(0, 7)}`);
            problems.push(
              `${request.id} approved with ${live.length} open or merged pull requests (${seen.join(', ')}; stored #${request.pullRequest?.number}; ${trail})`,
            );
          }
          const pull = own.find((candidate) => candidate.number === request.pullRequest?.number);
          if (!pull)
            problems.push(
              `${request.id} approved, its pull request #${request.pullRequest?.number} is not on the host (${own.length} for its branch)`,
            );
          if (pull && pull.headSha !== request.sha) problems.push(`${request.id} pull request at ${pull.headSha}, pinned ${request.sha}`);
          const pushed = request.branch ? branches.get(request.branch) : undefined;
          if (pushed !== request.sha) problems.push(`${request.id} branch ${request.branch} at ${pushed}, pinned ${request.sha}`);
          const state = request.delivery?.state;
          if (pull?.state === 'open' && state !== 'pull-request-open') problems.push(`${request.id} pull request open, delivery ${state}`);
          if (pull?.mergeSha && !['merged', 'live', 'deploy-failed'].includes(String(state))) {
            const columns = await db(`${store.tablePrefix}requests`)
              .where({ id: request.id })
              .first('delivery_state', 'pull_request_number', 'branch', 'merge_sha', 'delivery_at_ms', 'delivery_checked_at_ms');
            const trail = trailSteps(await allAudit(storage, { requestId: request.id })).join(', ');
            problems.push(`${request.id} merged, delivery ${state} (row ${JSON.stringify(columns)}; ${trail})`);
          }
          if (pull?.state === 'closed' && !pull.mergeSha && state !== 'closed-unmerged')
            problems.push(`${request.id} closed unmerged, delivery ${state}`);
        }
      }
      for (const pull of pulls) {
        const owner = requests.find((request) => request.branch === pull.head);
        if (owner?.status !== 'approved') {
          const id = pull.head.slice(-36);
          const stored = await storage.getRequest({ id });
          const trail = await allAudit(storage, { requestId: id });
          problems.push(
            `pull request #${pull.number} (${pull.head}, ${pull.state}${pull.mergeSha ? ', merged' : ''}) has no approved request (getRequest: ${stored ? `${stored.status} ${JSON.stringify(stored.error)}` : 'null'}, audit: ${trailSteps(trail).join(', ')})`,
          );
        }
      }

      // Audit: the trail ends in the stored status, one final decision at most, each notifying entry one notification.
      const audit = await allAudit(storage);
      const trails = new Map<string, AuditEntry[]>();
      for (const entry of audit) if (entry.requestId) trails.set(entry.requestId, [...(trails.get(entry.requestId) ?? []), entry]);
      for (const request of requests) {
        const trail = trails.get(request.id) ?? [];
        const last = trail.at(-1);
        if (!last) problems.push(`${request.id} has no audit trail`);
        else if (last.toStatus !== request.status)
          problems.push(`${request.id} trail ends in ${last.type} → ${last.toStatus}, stored ${request.status}`);
        const finals = trail.filter((entry) => FINAL.includes(entry.type));
        if (finals.length > 1)
          problems.push(`${request.id} has ${finals.length} final decisions: ${finals.map((entry) => entry.type).join(', ')}`);
      }
      const rows = await outboxRows(db, store.tablePrefix);
      const expected = new Map<string, number>();
      for (const entry of audit) {
        const notifies = NOTIFYING.has(entry.type) || (entry.type === 'request.submitted' && entry.toStatus === 'pending');
        if (entry.requestId && notifies)
          expected.set(`${entry.requestId} ${entry.type}`, (expected.get(`${entry.requestId} ${entry.type}`) ?? 0) + 1);
      }
      const actual = new Map<string, number>();
      for (const row of rows) {
        if (!row.delivered) problems.push(`outbox row ${row.id} (${row.notification.type}) not delivered: ${row.lastError}`);
        if (!row.notification.requestId) continue;
        const key = `${row.notification.requestId} ${row.notification.type}`;
        actual.set(key, (actual.get(key) ?? 0) + 1);
      }
      for (const [key, count] of expected)
        if (actual.get(key) !== count) problems.push(`${key}: ${count} audit entries, ${actual.get(key) ?? 0} notifications`);
      for (const [key, count] of actual) if (!expected.has(key)) problems.push(`${key}: ${count} notifications without an audit entry`);
      const received = receiver.unique();
      for (const row of rows)
        if (row.delivered && !received.has(row.id)) problems.push(`outbox row ${row.id} marked delivered, never received`);

      // Publication: the newest approved request of the workspace that was not closed unmerged.
      for (let n = 1; n <= WORKSPACES; n += 1) {
        const id = workspace(n).id;
        const publication = await storage.getPublication({ workspaceId: id });
        const newest = requests
          .filter(
            (request) => request.workspace.id === id && request.status === 'approved' && request.delivery?.state !== 'closed-unmerged',
          )
          .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))[0];
        if ((publication?.requestId ?? null) !== (newest?.id ?? null)) {
          problems.push(`${id} publication ${publication?.requestId ?? 'none'}, expected ${newest?.id ?? 'none'}`);
        }
        if (publication && newest && publication.sha !== newest.sha)
          problems.push(`${id} publication sha ${publication.sha}, expected ${newest.sha}`);
      }

      const summary = `${requests.length} requests (${summarize(requests)}), ${pulls.length} pull requests, kills after ${kills.join('/')} ms, commands ${JSON.stringify(Object.fromEntries(counts))}, refusals ${JSON.stringify(Object.fromEntries(refusals))}`;
      console.log(`[reliability] chaos ${name} seed ${seed}: ${summary}`);
      expect(serverErrors, `5xx answers while the server was up ${replay}\n${logs.join('\n')}\n${exit ? describeExit(exit) : ''}`).toEqual(
        [],
      );
      expect(problems, `${replay}\n${summary}\n${exit ? describeExit(exit) : ''}`).toEqual([]);
      expect(emulator.violations()).toEqual([]);
    },
  );
});

function summarize(requests: readonly PublishRequest[]): string {
  const byStatus = new Map<string, number>();
  for (const request of requests) byStatus.set(request.status, (byStatus.get(request.status) ?? 0) + 1);
  return [...byStatus].map(([status, count]) => `${status} ${count}`).join(', ');
}
