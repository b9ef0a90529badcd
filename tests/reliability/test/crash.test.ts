import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { allAudit, outboxRows, trailSteps } from '../src/checks.js';
import { CRASH_POINTS, type CrashPoint } from '../src/gateProcessConfig.js';
import { describe as describeExit, runGateProcess } from '../src/gateProcesses.js';
import { admin, builder, workspace } from '../src/population.js';
import { backends, type TestStore } from '../src/stores.js';
import { type HostKind, startHostWorld } from '../src/world.js';

const figures: string[] = [];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => {
  if (figures.length > 0) console.log(`[reliability] crash points\n${figures.join('\n')}`);
});

type StateAtCrash = {
  status: string;
  /** The stored publish progress, as `step #attempt`. */
  progress: string | undefined;
  /** The publish job: none, or still leased to the dead process. */
  job: 'none' | 'leased' | 'claimable';
  /** Jobs another server claiming right now (real time) gets. */
  claimableNow: number;
  branches: number;
  pulls: number;
  approvedDelivered: boolean;
  approvedRowDelivered: boolean | undefined;
};

/** What the store, the remote, the emulator and the receiver hold right after the crash. */
function expectStateAtCrash(point: CrashPoint, seen: StateAtCrash) {
  // Until `approved` is stored, the job stored with the decision is leased to the dead process for
  // its recoverAfterMs (the default, 150 s): nobody picks it up before then.
  const publishing = {
    status: 'approving',
    job: 'leased',
    claimableNow: 0,
    approvedDelivered: false,
    approvedRowDelivered: undefined,
  } as const;
  const done = { status: 'approved', progress: undefined, job: 'none', claimableNow: 0, branches: 1, pulls: 1 } as const;
  const expected: Record<CrashPoint, StateAtCrash> = {
    claim: { ...publishing, progress: 'queued #0', branches: 0, pulls: 0 },
    push: { ...publishing, progress: 'pushing #1', branches: 1, pulls: 0 },
    pullRequest: { ...publishing, progress: 'opening-pull-request #1', branches: 1, pulls: 1 },
    store: { ...done, approvedDelivered: false, approvedRowDelivered: false },
    // Delivered to the receiver, but the process died before marking the row: it will go out again.
    notify: { ...done, approvedDelivered: true, approvedRowDelivered: false },
  };
  expect(seen, `state right after the crash at ${point}`).toEqual(expected[point]);
}

const FIRST_ATTEMPT = ['request.progress pushing #1', 'request.progress opening-pull-request #1'];
const SECOND_ATTEMPT = ['request.progress pushing #2', 'request.progress opening-pull-request #2'];

/**
 * The audit trail once recovered: the decision, every attempt's steps exactly once, one approval.
 * An attempt cut short by the crash stays on record and the recovery is the next attempt.
 */
const EXPECTED_TRAIL: Record<CrashPoint, string[]> = {
  claim: FIRST_ATTEMPT,
  push: ['request.progress pushing #1', ...SECOND_ATTEMPT],
  pullRequest: [...FIRST_ATTEMPT, ...SECOND_ATTEMPT],
  store: FIRST_ATTEMPT,
  notify: FIRST_ATTEMPT,
};

// GitHub on every storage; GitLab once more, on SQLite only: the host is what differs, and the
// storage's crash behaviour is already covered, so the run stays short for CI.
const runs: Array<{ host: HostKind; backend: ReturnType<typeof backends>[number] }> = backends('reliability crash points').flatMap(
  (backend) => [{ host: 'github' as const, backend }, ...(backend.name === 'sqlite' ? [{ host: 'gitlab' as const, backend }] : [])],
);

for (const { host, backend } of runs) {
  const { name, available, fresh } = backend;
  describe(`crash points on ${name} with the ${host === 'github' ? 'GitHub' : 'GitLab'} host`, () => {
    it.skipIf(!available).each(CRASH_POINTS)(
      'SIGKILL right after %s: a new process and sweep() finish with one branch at the pinned sha, one pull request, approved, every notification delivered once after dedupe, audit complete',
      async (point) => {
        const testWorld = await startHostWorld(cleanups, host);
        const { world, receiver } = testWorld;
        const ws = workspace(1);
        await world.addWorkspace(ws.id);
        await world.write(ws.id, 'about.html', `<p>About us (${point})</p>\n`);
        const store: TestStore = await fresh();
        cleanups.push(store.drop);

        const base = testWorld.targets(store);
        const subdomain = `crash-${point.toLowerCase()}`;

        const crashStarted = Date.now();
        const crash = await runGateProcess({
          ...base,
          task: { kind: 'publish', workspace: ws, builder: builder(1), admin: admin(1), subdomain, crashAfter: point },
        });
        const crashMs = Date.now() - crashStarted;
        // A real SIGKILL at the boundary, not an orderly exit.
        expect(crash.signal, describeExit(crash)).toBe('SIGKILL');
        expect(crash.events.at(-1)).toEqual({ event: 'crashing', point });
        const submitted = crash.events.find((event) => event.event === 'submitted');
        if (submitted?.event !== 'submitted') throw new Error('the request was never submitted');
        const { request } = submitted;
        const branch = `publish/${subdomain}-${request.id}`;

        const { db, storage } = store.open({ poolMax: 2 });
        const atCrash = await storage.getRequest({ id: request.id });
        const rowsAtCrash = await outboxRows(db, store.tablePrefix);
        const jobAtCrash = await storage.getJob({ requestId: request.id });
        expectStateAtCrash(point, {
          status: atCrash?.status ?? 'missing',
          progress: atCrash?.progress ? `${atCrash.progress.step} #${atCrash.progress.attempt}` : undefined,
          job: !jobAtCrash ? 'none' : Date.parse(jobAtCrash.leaseUntil ?? '') > Date.now() ? 'leased' : 'claimable',
          claimableNow: (await storage.claimJobs({ now: new Date().toISOString(), limit: 10, leaseMs: 0 })).length,
          branches: (await world.publishBranches()).size,
          pulls: testWorld.changes().length,
          approvedDelivered: receiver.deliveries().some((delivery) => delivery.type === 'request.approved'),
          approvedRowDelivered: rowsAtCrash.find((row) => row.notification.type === 'request.approved')?.delivered,
        });

        // A new process, with a clock past the job and outbox leases the dead one held.
        const recoverStarted = Date.now();
        const recovery = await runGateProcess({
          ...base,
          clockOffsetMs: 5 * 60_000,
          task: { kind: 'recover', sweeps: 2 },
        });
        const recoverMs = Date.now() - recoverStarted;
        expect(recovery.code, describeExit(recovery)).toBe(0);
        const swept = recovery.events.find((event) => event.event === 'swept');
        if (swept?.event !== 'swept') throw new Error(`no sweep report:\n${describeExit(recovery)}`);
        // The first sweep ran the interrupted publish (if the crash left one); the second found nothing.
        const interrupted = point === 'claim' || point === 'push' || point === 'pullRequest' ? 1 : 0;
        expect(swept.reports.map((report) => report.recovered)).toEqual([interrupted, 0]);

        // Exactly one branch, at the pinned sha.
        expect(Object.fromEntries(await world.publishBranches())).toEqual({ [branch]: request.sha });
        // Exactly one pull (merge) request, for that branch.
        expect(testWorld.changes().map((change) => ({ head: change.head, headSha: change.headSha, state: change.state }))).toEqual([
          { head: branch, headSha: request.sha, state: 'open' },
        ]);
        // Approved, with that branch and pull request; the publish is over (no progress, no job).
        const final = await storage.getRequest({ id: request.id });
        expect(final).toMatchObject({ status: 'approved', branch, pullRequest: { number: 1 } });
        expect(final?.progress).toBeUndefined();
        expect(await storage.getJob({ requestId: request.id })).toBeNull();
        // Audit complete: the decision, each attempt's steps once, one approval.
        expect(trailSteps(await allAudit(storage, { requestId: request.id }))).toEqual([
          'request.submitted',
          'request.approving',
          ...EXPECTED_TRAIL[point],
          'request.approved',
        ]);
        // Every notification delivered; duplicates (the `notify` crash) collapse by id.
        const rows = await outboxRows(db, store.tablePrefix);
        expect(rows.map((row) => row.notification.type)).toEqual(['request.submitted', 'request.approved']);
        expect(rows.every((row) => row.delivered)).toBe(true);
        const unique = receiver.unique();
        expect([...unique.keys()].sort()).toEqual(rows.map((row) => row.id).sort());
        const duplicates = receiver.deliveries().length - unique.size;
        expect(duplicates).toBe(point === 'notify' ? 1 : 0);

        figures.push(
          `  ${name.padEnd(8)} ${host.padEnd(6)} ${point.padEnd(11)} crash run ${crashMs} ms, recovery run ${recoverMs} ms, sweep 1 ${JSON.stringify(swept.reports[0])}, duplicate deliveries ${duplicates}`,
        );
      },
    );
  });
}
