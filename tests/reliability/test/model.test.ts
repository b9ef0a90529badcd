import {
  type Actor,
  createMemoryStorage,
  createPublishGate,
  type PublishGate,
  PublishGateError,
  type PublishStatus,
  type StoragePort,
  type Workspace,
} from '@publishgate/core';
import { createFakeGit, createFakeGitHost, type FakeGit, type FakeGitHost } from '@publishgate/core/testing';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { freshSqliteStore, postgresAvailable, postgresStorePool } from '../src/stores.js';

// A reference model of the facade — a few plain maps and the rules of DESIGN.md written the
// obvious way — run side by side with the real gate on random interleavings of every operation by
// several actors, on each storage (memory, SQLite file, PostgreSQL). After each step the stored
// state must equal the model's: statuses, in-flight slots, publications, one branch and one pull
// request per approved request, trust grants, each request's audit trail, and the outbox.
//
// The model also has a clock (pending requests expire), `sweep()`, and lost answers: the storage
// commits a decision's move to `approving` and then the call fails as if the server died, leaving
// the publish for `sweep()` to finish.

const bob: Actor = { id: 'bob', email: 'bob@example.com', roles: ['builder'] };
const carol: Actor = { id: 'carol', email: 'carol@example.com', roles: ['builder'] };
const ada: Actor = { id: 'ada', email: 'ada@example.com', roles: ['admin'] };
const grace: Actor = { id: 'grace', email: 'grace@example.com', roles: ['admin', 'builder'] };
const actors = [bob, carol, ada, grace];
const workspaces: Workspace[] = [
  { id: 'ws-bob', name: 'Bob', blueprintId: 'bp', ownerId: bob.id },
  { id: 'ws-carol', name: 'Carol', blueprintId: 'bp', ownerId: carol.id },
  { id: 'ws-grace', name: 'Grace', blueprintId: 'bp', ownerId: grace.id },
];
const BLUEPRINT_INDEX = '<h1>Hello</h1>\n';
const SECRET = `key = "AKIA${'Z'.repeat(16)}"\n`;
const TTL_MS = 4 * 60_000;
const EPOCH = Date.parse('2030-01-01T00:00:00.000Z');

type ModelRequest = {
  id: string;
  workspaceId: string;
  builderId: string;
  subdomain: string;
  status: PublishStatus;
  expiresAt: number;
  /** Audit types the gate must have recorded for this request, in order. */
  trail: string[];
};
type Model = {
  now: number;
  requests: ModelRequest[];
  working: Map<string, string>;
  published: Map<string, { content: string; subdomain: string }>;
  committed: Map<string, string>;
  trusted: Set<string>;
  pushFailures: number;
  /** The next decision's move to `approving` is committed, then its answer is lost. */
  loseNextAnswer: boolean;
  approvedCount: number;
  trustEntries: number;
  notifications: number;
  /** Interrupted publishes `sweep()` finished. */
  recovered: number;
};
type Real = { gate: PublishGate; storage: StoragePort; git: FakeGit; gitHost: FakeGitHost; clock: { now: number } };

type Outcome = { ok: true; status: PublishStatus } | { ok: false; code: string } | { ok: true; trust: boolean };

const isAdmin = (actor: Actor) => actor.roles.includes('admin');
const IN_FLIGHT: readonly PublishStatus[] = ['pending', 'approving', 'failed'];
const inFlight = (model: Model, workspaceId: string) =>
  model.requests.find((request) => request.workspaceId === workspaceId && IN_FLIGHT.includes(request.status));
const claimOf = (model: Model, subdomain: string): string | undefined => {
  for (const [workspaceId, publication] of model.published) if (publication.subdomain === subdomain) return workspaceId;
  return model.requests.find((request) => request.subdomain === subdomain && IN_FLIGHT.includes(request.status))?.workspaceId;
};

let lastId: string | undefined;

async function outcome(run: () => Promise<{ status: PublishStatus } | unknown>): Promise<Outcome> {
  lastId = undefined;
  try {
    const result = await run();
    if (result && typeof result === 'object' && 'status' in result) {
      lastId = (result as { id?: string }).id;
      return { ok: true, status: (result as { status: PublishStatus }).status };
    }
    return { ok: true, trust: result !== null };
  } catch (error) {
    if (PublishGateError.is(error)) return { ok: false, code: error.code };
    throw error;
  }
}

/** The effects of a publish the model allowed: succeeds unless a push failure is queued. */
function publishOutcome(model: Model): 'approved' | 'failed' {
  if (model.pushFailures > 0) {
    model.pushFailures -= 1;
    return 'failed';
  }
  return 'approved';
}

/** Applies a publish's outcome to the model: status, trail, notification, publication. */
function finishPublish(model: Model, request: ModelRequest, result: 'approved' | 'failed') {
  request.status = result;
  request.trail.push(`request.${result}`);
  model.notifications += 1;
  if (result === 'approved') {
    model.approvedCount += 1;
    model.published.set(request.workspaceId, { content: model.committed.get(request.id) ?? '', subdomain: request.subdomain });
  }
}

/** What an approve or retry that the machine allows does: publish, or lose the answer after the claim. */
function expectedDecisionToPublish(model: Model): Outcome {
  if (model.loseNextAnswer) return { ok: false, code: 'port_failed' };
  return { ok: true, status: publishOutcome(model) };
}

type Command = fc.AsyncCommand<Model, Real>;

class Edit implements Command {
  constructor(
    readonly workspace: Workspace,
    readonly content: string,
  ) {}
  check() {
    return true;
  }
  async run(model: Model, real: Real) {
    real.git.write(this.workspace, 'index.html', this.content);
    model.working.set(this.workspace.id, this.content);
  }
  toString() {
    return `edit(${this.workspace.id}, ${JSON.stringify(this.content.slice(0, 12))})`;
  }
}

class Submit implements Command {
  constructor(
    readonly workspace: Workspace,
    readonly actor: Actor,
    readonly subdomain: string,
  ) {}
  check() {
    return true;
  }
  async run(model: Model, real: Real) {
    const normalized = this.subdomain.toLowerCase();
    const working = model.working.get(this.workspace.id) ?? BLUEPRINT_INDEX;
    const baseline = model.published.get(this.workspace.id)?.content ?? BLUEPRINT_INDEX;
    const secret = working.includes('AKIA');
    const trusted = model.trusted.has(this.actor.id) && !secret;
    let expected: Outcome;
    if (this.actor.id !== this.workspace.ownerId) expected = { ok: false, code: 'forbidden' };
    else if (this.subdomain.includes('--')) expected = { ok: false, code: 'validation' };
    else if (normalized === 'admin') expected = { ok: false, code: 'subdomain_unavailable' };
    else if (inFlight(model, this.workspace.id)) expected = { ok: false, code: 'in_flight' };
    else if ((claimOf(model, normalized) ?? this.workspace.id) !== this.workspace.id)
      expected = { ok: false, code: 'subdomain_unavailable' };
    else if (working === baseline) expected = { ok: false, code: 'nothing_to_publish' };
    else expected = { ok: true, status: trusted ? publishOutcome(model) : 'pending' };
    const actual = await outcome(() =>
      real.gate.requestPublish({ workspace: this.workspace, subdomain: this.subdomain, actor: this.actor }),
    );
    expect(actual, this.toString()).toEqual(expected);
    if (actual.ok && 'status' in actual) {
      // Taken from the gate's answer: two requests created in one millisecond tie on createdAt.
      const stored = lastId ? await real.storage.getRequest({ id: lastId }) : null;
      if (!stored) throw new Error('a successful submit stored nothing');
      const request: ModelRequest = {
        id: stored.id,
        workspaceId: this.workspace.id,
        builderId: this.actor.id,
        subdomain: normalized,
        status: 'pending',
        expiresAt: model.now + TTL_MS,
        trail: ['request.submitted'],
      };
      model.requests.push(request);
      model.committed.set(request.id, working);
      if (actual.status === 'pending') {
        model.notifications += 1;
      } else {
        request.trail.push('request.approving');
        finishPublish(model, request, actual.status === 'approved' ? 'approved' : 'failed');
      }
    }
  }
  toString() {
    return `submit(${this.workspace.id}, ${this.actor.id}, ${this.subdomain})`;
  }
}

type Decision = 'approve' | 'reject' | 'withdraw' | 'retry';

class Decide implements Command {
  constructor(
    readonly decision: Decision,
    readonly pick: number,
    readonly actor: Actor,
  ) {}
  check(model: Readonly<Model>) {
    return model.requests.length > 0;
  }
  async run(model: Model, real: Real) {
    // Mostly aim at requests that can still move; sometimes at any, to probe refusals.
    const open = model.requests.filter((candidate) => candidate.status === 'pending' || candidate.status === 'failed');
    const pool = this.pick % 4 !== 0 && open.length > 0 ? open : model.requests;
    const request = pool[Math.floor(this.pick / 4) % pool.length] as ModelRequest;
    const owner = workspaces.find((workspace) => workspace.id === request.workspaceId)?.ownerId;
    const visible = isAdmin(this.actor) || this.actor.id === request.builderId || this.actor.id === owner;
    let expected: Outcome;
    if (!visible) expected = { ok: false, code: 'not_found' };
    else if (this.decision === 'approve' || this.decision === 'reject') {
      if (request.status !== 'pending') expected = { ok: false, code: 'invalid_transition' };
      else if (!isAdmin(this.actor) || this.actor.id === request.builderId) expected = { ok: false, code: 'forbidden' };
      else expected = this.decision === 'reject' ? { ok: true, status: 'rejected' } : expectedDecisionToPublish(model);
    } else if (this.decision === 'withdraw') {
      if (request.status === 'pending')
        expected = this.actor.id === owner ? { ok: true, status: 'withdrawn' } : { ok: false, code: 'forbidden' };
      else if (request.status === 'failed')
        expected = this.actor.id === owner || isAdmin(this.actor) ? { ok: true, status: 'withdrawn' } : { ok: false, code: 'forbidden' };
      else expected = { ok: false, code: 'invalid_transition' };
    } else if (request.status !== 'failed') expected = { ok: false, code: 'invalid_transition' };
    else expected = isAdmin(this.actor) ? expectedDecisionToPublish(model) : { ok: false, code: 'forbidden' };

    const call = { id: request.id, actor: this.actor };
    const actual = await outcome(() =>
      this.decision === 'approve'
        ? real.gate.approve(call)
        : this.decision === 'reject'
          ? real.gate.reject({ ...call, feedback: 'not yet' })
          : this.decision === 'withdraw'
            ? real.gate.withdraw(call)
            : real.gate.retry(call),
    );
    expect(actual, `${this.toString()} on ${request.status} ${request.id}`).toEqual(expected);
    const claimStep = this.decision === 'approve' ? 'request.approving' : 'request.retried';
    if (!actual.ok && actual.code === 'port_failed') {
      // The claim was committed; the process "died" before the publish. sweep() finishes it.
      model.loseNextAnswer = false;
      request.status = 'approving';
      request.trail.push(claimStep);
    } else if (actual.ok && 'status' in actual) {
      if (actual.status === 'approved' || actual.status === 'failed') {
        request.trail.push(claimStep);
        finishPublish(model, request, actual.status);
      } else {
        request.status = actual.status;
        request.trail.push(`request.${actual.status}`);
        model.notifications += 1;
      }
    }
  }
  toString() {
    return `${this.decision}(#${this.pick}, ${this.actor.id})`;
  }
}

class SetTrust implements Command {
  constructor(
    readonly user: Actor,
    readonly trusted: boolean,
    readonly actor: Actor,
  ) {}
  check() {
    return true;
  }
  async run(model: Model, real: Real) {
    let expected: Outcome;
    if (!isAdmin(this.actor)) expected = { ok: false, code: 'forbidden' };
    else if (this.trusted && this.user.id === this.actor.id) expected = { ok: false, code: 'forbidden' };
    else expected = { ok: true, trust: this.trusted };
    const actual = await outcome(() =>
      real.gate.setTrust({ blueprintId: 'bp', userId: this.user.id, email: this.user.email, trusted: this.trusted, actor: this.actor }),
    );
    expect(actual, this.toString()).toEqual(expected);
    if (actual.ok) {
      // A grant is written (and announced) every time; revoking a grant that is not there writes nothing.
      if (this.trusted || model.trusted.has(this.user.id)) {
        model.trustEntries += 1;
        model.notifications += 1;
      }
      if (this.trusted) model.trusted.add(this.user.id);
      else model.trusted.delete(this.user.id);
    }
  }
  toString() {
    return `trust(${this.user.id}, ${this.trusted}, by ${this.actor.id})`;
  }
}

class BreakNextPush implements Command {
  // One queued failure at a time keeps most publishes succeeding, so deep states stay reachable.
  check(model: Readonly<Model>) {
    return model.pushFailures === 0;
  }
  async run(model: Model, real: Real) {
    real.git.failNext('push', new Error('remote hung up'));
    model.pushFailures += 1;
  }
  toString() {
    return 'breakNextPush()';
  }
}

class LoseNextAnswer implements Command {
  // One interrupted publish at a time, so which one a push failure hits stays unambiguous.
  check(model: Readonly<Model>) {
    return !model.loseNextAnswer && !model.requests.some((request) => request.status === 'approving');
  }
  async run(model: Model) {
    model.loseNextAnswer = true;
  }
  toString() {
    return 'loseNextAnswer()';
  }
}

class Tick implements Command {
  constructor(readonly ms: number) {}
  check() {
    return true;
  }
  async run(model: Model, real: Real) {
    model.now += this.ms;
    real.clock.now = model.now;
  }
  toString() {
    return `tick(${this.ms} ms)`;
  }
}

class Sweep implements Command {
  check() {
    return true;
  }
  async run(model: Model, real: Real) {
    const overdue = model.requests.filter((request) => request.status === 'pending' && request.expiresAt <= model.now);
    const interrupted = model.requests.filter((request) => request.status === 'approving');
    const report = await real.gate.sweep();
    expect({ expired: report.expired, recovered: report.recovered }, this.toString()).toEqual({
      expired: overdue.length,
      recovered: interrupted.length,
    });
    for (const request of overdue) {
      request.status = 'expired';
      request.trail.push('request.expired');
      model.notifications += 1;
    }
    for (const request of interrupted) finishPublish(model, request, publishOutcome(model));
    model.recovered += interrupted.length;
  }
  toString() {
    return 'sweep()';
  }
}

async function checkInvariants(model: Model, real: Real) {
  const stored = await real.storage.listRequests({ filter: {}, limit: 1_000 });
  const byId = new Map(stored.map((request) => [request.id, request.status]));
  expect(stored).toHaveLength(model.requests.length);
  for (const request of model.requests) expect(byId.get(request.id), request.id).toBe(request.status);
  for (const workspace of workspaces) {
    const flight = await real.storage.getInFlightRequest({ workspaceId: workspace.id });
    expect(flight?.id).toBe(inFlight(model, workspace.id)?.id);
    const publication = await real.storage.getPublication({ workspaceId: workspace.id });
    expect(publication?.subdomain).toBe(model.published.get(workspace.id)?.subdomain);
  }
  // Exactly one pull request and one branch per approved request, however many retries it took.
  expect(real.gitHost.pullRequests()).toHaveLength(model.approvedCount);
  expect(Object.keys(real.git.remoteBranches())).toHaveLength(model.approvedCount);
  const trust = await real.gate.listTrust({ actor: ada });
  expect(trust.map((grant) => grant.userId).sort()).toEqual([...model.trusted].sort());
  // The audit trail of every request, step by step, and the trust entries.
  const audit = await real.storage.listAudit({ limit: 10_000 });
  for (const request of model.requests) {
    expect(
      audit.filter((entry) => entry.requestId === request.id).map((entry) => entry.type),
      `trail of ${request.id}`,
    ).toEqual(request.trail);
  }
  expect(audit.filter((entry) => entry.requestId === undefined)).toHaveLength(model.trustEntries);
  // One outbox row per notification the transitions sent (no notifier: nothing is delivered).
  expect(await real.storage.countPendingOutbox()).toBe(model.notifications);
}

// Weighted so that most commands do something: owners submit, admins decide, valid names win.
const ownerOr = (workspace: Workspace) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constant(actors.find((actor) => actor.id === workspace.ownerId) as Actor) },
    { weight: 1, arbitrary: fc.constantFrom(...actors) },
  );
const someSubdomain = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('alpha', 'Beta', 'gamma') },
  { weight: 1, arbitrary: fc.constantFrom('admin', 'a--b') },
);
const deciderFor = (decision: Decision) =>
  decision === 'withdraw'
    ? fc.constantFrom(...actors)
    : fc.oneof({ weight: 4, arbitrary: fc.constantFrom(ada, grace) }, { weight: 1, arbitrary: fc.constantFrom(bob, carol) });

const commands = [
  fc
    .tuple(
      fc.constantFrom(...workspaces),
      fc.oneof(
        { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) },
        { weight: 1, arbitrary: fc.constantFrom(SECRET, BLUEPRINT_INDEX) },
      ),
    )
    .map(
      ([workspace, content]) => new Edit(workspace, content === BLUEPRINT_INDEX || content === SECRET ? content : `<p>${content}</p>\n`),
    ),
  fc
    .constantFrom(...workspaces)
    .chain((workspace) => fc.tuple(fc.constant(workspace), ownerOr(workspace), someSubdomain))
    .map(([workspace, actor, subdomain]) => new Submit(workspace, actor, subdomain)),
  fc
    .constantFrom<Decision>('approve', 'approve', 'reject', 'withdraw', 'retry')
    .chain((decision) => fc.tuple(fc.constant(decision), fc.nat(200), deciderFor(decision)))
    .map(([decision, pick, actor]) => new Decide(decision, pick, actor)),
  fc
    .tuple(fc.constantFrom(bob, carol, grace, ada), fc.boolean(), fc.constantFrom(ada, ada, grace, bob))
    .map(([user, trusted, actor]) => new SetTrust(user, trusted, actor)),
  fc.constant(new BreakNextPush()),
  fc.constant(new LoseNextAnswer()),
  fc.integer({ min: 1_000, max: 12 * 60_000 }).map((ms) => new Tick(ms)),
  fc.constant(new Sweep()),
].map((arbitrary, index) => ({ arbitrary, weight: [6, 8, 14, 2, 1, 1, 3, 3][index] ?? 1 }));

// fc.commands picks uniformly among its arbitraries, so weight by repetition.
const weighted = commands.flatMap(({ arbitrary, weight }) => Array.from({ length: weight }, () => arbitrary));

/** A fresh store for one run, and how to dispose of it. */
type StoreFactory = () => Promise<{ storage: StoragePort; dispose(): Promise<void> }>;

/** The storage as the gate sees it, except that the answer to a decision's claim can be lost after the commit. */
function losingAnswers(storage: StoragePort, model: () => Model): StoragePort {
  return {
    ...storage,
    async transitionRequest(args) {
      const stored = await storage.transitionRequest(args);
      // A decision's claim carries its audit entry; a sweep's recovery touch carries none.
      if (stored.status === 'approving' && args.audit.length > 0 && model().loseNextAnswer) {
        throw new Error('connection lost after COMMIT (simulated)');
      }
      return stored;
    },
  };
}

type Tally = { runs: number; commands: number; decided: number; approved: number; failed: number; expired: number; recovered: number };

async function runModel(fresh: StoreFactory, numRuns: number): Promise<{ tally: Tally; ms: number }> {
  const tally: Tally = { runs: 0, commands: 0, decided: 0, approved: 0, failed: 0, expired: 0, recovered: 0 };
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(fc.commands(weighted, { maxCommands: 120, size: 'max' }), async (cmds) => {
      const { storage, dispose } = await fresh();
      const model: Model = {
        now: EPOCH,
        requests: [],
        working: new Map(),
        published: new Map(),
        committed: new Map(),
        trusted: new Set(),
        pushFailures: 0,
        loseNextAnswer: false,
        approvedCount: 0,
        trustEntries: 0,
        notifications: 0,
        recovered: 0,
      };
      const clock = { now: EPOCH };
      const git = createFakeGit();
      const gitHost = createFakeGitHost();
      const gate = createPublishGate({
        storage: losingAnswers(storage, () => model),
        git,
        gitHost,
        clock: () => new Date(clock.now),
        policy: { pendingTtlMs: TTL_MS },
        recoverAfterMs: 0,
      });
      const real: Real = { gate, storage, git, gitHost, clock };
      try {
        await fc.asyncModelRun(
          () => ({ model, real }),
          [...cmds].map((command) => ({
            check: (m: Readonly<Model>) => command.check(m),
            run: async (m: Model, r: Real) => {
              await command.run(m, r);
              await checkInvariants(m, r);
            },
            toString: () => command.toString(),
          })),
        );
      } finally {
        await gate.close();
        await dispose();
      }
      tally.runs += 1;
      tally.commands += [...cmds].length;
      for (const request of model.requests) {
        if (request.trail.length > 1) tally.decided += 1;
        if (request.status === 'approved') tally.approved += 1;
        tally.failed += request.trail.filter((type) => type === 'request.failed').length;
        if (request.status === 'expired') tally.expired += 1;
      }
      tally.recovered += model.recovered;
    }),
    // RELIABILITY_FC_SEED replays a reported failure (fast-check prints the seed).
    { numRuns, ...(process.env.RELIABILITY_FC_SEED ? { seed: Number(process.env.RELIABILITY_FC_SEED) } : {}) },
  );
  return { tally, ms: Date.now() - started };
}

const figures: string[] = [];
afterAll(() => {
  if (figures.length > 0) console.log(`[reliability] model-based\n${figures.join('\n')}`);
});

function expectDeep(tally: Tally, runs: number) {
  // The model must have been exercised, not just refused: requests decided, approved, failed, expired.
  expect(tally.decided).toBeGreaterThan(runs);
  expect(tally.approved).toBeGreaterThan(runs / 3);
  expect(tally.failed).toBeGreaterThan(runs / 10);
  expect(tally.expired).toBeGreaterThan(runs / 50);
  expect(tally.recovered).toBeGreaterThan(runs / 20);
}

describe('model-based: the gate against a reference model, on every storage', () => {
  it('memory storage: random interleavings by four actors (with clock, sweep and lost answers) keep the stored state equal to the model', async () => {
    const runs = 200;
    const { tally, ms } = await runModel(async () => ({ storage: createMemoryStorage(), dispose: async () => {} }), runs);
    figures.push(`  memory   ${runs} runs, ${tally.commands} commands in ${ms} ms: ${JSON.stringify(tally)}`);
    expectDeep(tally, runs);
  });

  it('SQLite file storage: the same property', async () => {
    const runs = 60;
    const { tally, ms } = await runModel(async () => {
      const store = await freshSqliteStore();
      return { storage: store.open().storage, dispose: () => store.drop() };
    }, runs);
    figures.push(`  sqlite   ${runs} runs, ${tally.commands} commands in ${ms} ms: ${JSON.stringify(tally)}`);
    expectDeep(tally, runs);
  });

  const pg = postgresAvailable('reliability model-based (PostgreSQL)') ? postgresStorePool() : undefined;
  afterAll(async () => pg?.stop());
  it.skipIf(!pg)('PostgreSQL storage: the same property', async () => {
    if (!pg) return;
    const runs = 30;
    const { tally, ms } = await runModel(async () => {
      const store = await pg.fresh();
      return { storage: store.open({ poolMax: 4 }).storage, dispose: () => store.drop() };
    }, runs);
    figures.push(`  postgres ${runs} runs, ${tally.commands} commands in ${ms} ms: ${JSON.stringify(tally)}`);
    expectDeep(tally, runs);
  });
});
