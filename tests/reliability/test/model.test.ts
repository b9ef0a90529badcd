import {
  type Actor,
  createMemoryStorage,
  createPublishGate,
  type PublishGate,
  PublishGateError,
  type PublishRequest,
  type PublishStatus,
  type StoragePort,
  type Workspace,
} from '@publishgate/core';
import { createFakeGit, createFakeGitHost, type FakeGit, type FakeGitHost } from '@publishgate/core/testing';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { trailSteps } from '../src/checks.js';
import { freshSqliteStore, postgresAvailable, postgresStorePool } from '../src/stores.js';

// A reference model of the facade — a few plain maps and the rules of DESIGN.md written the
// obvious way — run side by side with the real gate on random interleavings of every operation by
// several actors, on each storage (memory, SQLite file, PostgreSQL). After each step the stored
// state must equal the model's: statuses, in-flight slots, publications, one branch and one pull
// request per approved request, trust grants, each request's audit trail, and the outbox.
//
// The model also has a clock (pending requests expire), `sweep()`, failing pushes and lost answers.
// A push failure is retryable: the request stays `approving` with its next attempt scheduled (the
// policy's backoff, read back from the gate since it has jitter) until the attempts or the time
// allowed run out, then it is `failed`; a `sweep()` once the clock reaches `nextAttemptAt` runs the
// attempt. A lost answer: the storage commits a decision's move to `approving` (with its publish
// job) and then the call fails as if the server died, leaving the publish for `sweep()` to run.

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
// Fewer attempts and a shorter window than the defaults, so that runs reach `failed` (and `retry`).
const RETRY = { attempts: 3, withinMs: 3 * 60_000 };
const BASE_DELAY_MS = 10_000;
const iso = (ms: number) => new Date(ms).toISOString();

type ModelRequest = {
  id: string;
  workspaceId: string;
  builderId: string;
  subdomain: string;
  status: PublishStatus;
  expiresAt: number;
  /** Audit steps the gate must have recorded for this request, in order (see `trailSteps`). */
  trail: string[];
  /** Attempts the current (or last) publish made: 0 before the first; a failed request's `error.attempts`. */
  attempt: number;
  /** When the current publish was queued (the decision). */
  since: number;
  /** While `approving`: when the next attempt is due; undefined for a lost answer's publish, due at once. */
  nextAttemptAt: number | undefined;
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
  /** Publish jobs `sweep()` ran (scheduled attempts and lost answers). */
  recovered: number;
  /** Attempts that failed and scheduled the next one. */
  scheduled: number;
  /** Decisions whose answer was lost after their commit. */
  lostAnswers: number;
};
type Real = {
  gate: PublishGate;
  storage: StoragePort;
  git: FakeGit;
  gitHost: FakeGitHost;
  clock: { now: number };
  /** Requests that were `approving` at the last check: their jobs are looked up until they are gone. */
  publishing: Set<string>;
};

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

type AttemptEnd = 'approved' | 'approving' | 'failed';

function backoffMs(attempt: number) {
  return BASE_DELAY_MS * 2 ** (attempt - 1);
}

/** Whether the next push fails: takes the queued failure, if any. */
function takePushFailure(model: Model): boolean {
  if (model.pushFailures === 0) return false;
  model.pushFailures -= 1;
  return true;
}

/**
 * Where the next attempt of a publish can end: approved; or, when its push fails, waiting for the
 * attempt after it, or failed when the attempts are used up or that attempt would start later than
 * `withinMs` after the publish was queued. Near that edge the jitter decides: both are allowed.
 */
function attemptEnds(model: Model, request: Pick<ModelRequest, 'attempt' | 'since'>, pushFails: boolean): AttemptEnd[] {
  if (!pushFails) return ['approved'];
  const attempt = request.attempt + 1;
  if (attempt >= RETRY.attempts) return ['failed'];
  const backoff = backoffMs(attempt);
  if (model.now + backoff - request.since <= RETRY.withinMs) return ['approving'];
  if (model.now + backoff / 2 - request.since > RETRY.withinMs) return ['failed'];
  return ['approving', 'failed'];
}

/** What a decision that publishes (approve, retry, trusted submit) answers: where its first attempt ends. */
function expectedPublish(model: Model): Outcome {
  const ends = attemptEnds(model, { attempt: 0, since: model.now }, takePushFailure(model));
  if (ends.length !== 1) throw new Error(`the model cannot tell where a new publish ends: ${ends.join(' or ')}`);
  return { ok: true, status: ends[0] as AttemptEnd };
}

/** A decision queued a publish: the request is `approving`, its job due at once. */
function startPublish(model: Model, request: ModelRequest, type: 'request.approving' | 'request.retried') {
  request.status = 'approving';
  request.trail.push(type);
  request.attempt = 0;
  request.since = model.now;
  request.nextAttemptAt = undefined;
}

/** Applies one publish attempt that ended as `end` (the gate's `stored` request tells the jittered next attempt time). */
function recordAttempt(model: Model, request: ModelRequest, end: AttemptEnd, stored: PublishRequest | null) {
  const attempt = request.attempt + 1;
  request.attempt = attempt;
  request.trail.push(`request.progress pushing #${attempt}`);
  if (end === 'approving') {
    const next = Date.parse(stored?.progress?.nextAttemptAt ?? '');
    const backoff = backoffMs(attempt);
    expect(next - model.now, `wait after attempt ${attempt} of ${request.id}`).toBeGreaterThanOrEqual(backoff / 2);
    expect(next - model.now, `wait after attempt ${attempt} of ${request.id}`).toBeLessThanOrEqual(backoff);
    expect(next - request.since, `next attempt of ${request.id} within the window`).toBeLessThanOrEqual(RETRY.withinMs);
    request.trail.push(`request.progress queued #${attempt}`);
    request.nextAttemptAt = next;
    model.scheduled += 1;
    return;
  }
  request.status = end;
  request.nextAttemptAt = undefined;
  model.notifications += 1;
  if (end === 'approved') {
    request.trail.push(`request.progress opening-pull-request #${attempt}`, 'request.approved');
    model.approvedCount += 1;
    model.published.set(request.workspaceId, { content: model.committed.get(request.id) ?? '', subdomain: request.subdomain });
  } else {
    request.trail.push('request.failed');
  }
}

/** What an approve or retry that the machine allows answers: where its first attempt ends, or a lost answer after the claim. */
function expectedDecisionToPublish(model: Model): Outcome {
  if (model.loseNextAnswer) return { ok: false, code: 'port_failed' };
  return expectedPublish(model);
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
    else expected = trusted ? expectedPublish(model) : { ok: true, status: 'pending' };
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
        attempt: 0,
        since: model.now,
        nextAttemptAt: undefined,
      };
      model.requests.push(request);
      model.committed.set(request.id, working);
      if (actual.status === 'pending') {
        model.notifications += 1;
      } else {
        startPublish(model, request, 'request.approving');
        recordAttempt(model, request, actual.status as AttemptEnd, stored);
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
      // The claim was committed with its job; the process "died" before the publish. sweep() runs it.
      model.loseNextAnswer = false;
      model.lostAnswers += 1;
      startPublish(model, request, claimStep);
    } else if (actual.ok && 'status' in actual) {
      if (this.decision === 'approve' || this.decision === 'retry') {
        startPublish(model, request, claimStep);
        recordAttempt(model, request, actual.status as AttemptEnd, await real.storage.getRequest({ id: request.id }));
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
  // A few queued failures at most keep most publishes succeeding, so deep states stay reachable.
  check(model: Readonly<Model>) {
    return model.pushFailures < 2;
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
  check(model: Readonly<Model>) {
    return !model.loseNextAnswer;
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

/** Moves the clock to the next scheduled attempt, or a millisecond short of it. */
class UntilNextAttempt implements Command {
  constructor(readonly shortMs: 0 | 1) {}
  private next(model: Readonly<Model>): number | undefined {
    const due = model.requests
      .filter((request) => request.status === 'approving' && request.nextAttemptAt !== undefined)
      .map((request) => (request.nextAttemptAt as number) - this.shortMs)
      .filter((at) => at > model.now);
    return due.length > 0 ? Math.min(...due) : undefined;
  }
  check(model: Readonly<Model>) {
    return this.next(model) !== undefined;
  }
  async run(model: Model, real: Real) {
    model.now = this.next(model) as number;
    real.clock.now = model.now;
  }
  toString() {
    return this.shortMs === 0 ? 'untilNextAttempt()' : `untilNextAttempt(-${this.shortMs} ms)`;
  }
}

class Sweep implements Command {
  check() {
    return true;
  }
  async run(model: Model, real: Real) {
    const overdue = model.requests.filter((request) => request.status === 'pending' && request.expiresAt <= model.now);
    // Jobs due: lost answers' at once, scheduled attempts once the clock reached nextAttemptAt.
    const due = model.requests.filter(
      (request) => request.status === 'approving' && (request.nextAttemptAt === undefined || request.nextAttemptAt <= model.now),
    );
    const failing = Math.min(model.pushFailures, due.length);
    model.pushFailures -= failing;
    const report = await real.gate.sweep();
    expect({ expired: report.expired, recovered: report.recovered }, this.toString()).toEqual({
      expired: overdue.length,
      recovered: due.length,
    });
    for (const request of overdue) {
      request.status = 'expired';
      request.trail.push('request.expired');
      model.notifications += 1;
    }
    // The jobs run side by side, each pushing once: the queued push failures hit as many of them,
    // whichever pushed first.
    const after = await Promise.all(due.map((request) => real.storage.getRequest({ id: request.id })));
    const hit = due.filter((_, index) => after[index]?.status !== 'approved');
    expect(hit.length, `jobs that met a queued push failure in ${this.toString()}`).toBe(failing);
    due.forEach((request, index) => {
      const stored = after[index] ?? null;
      expect(attemptEnds(model, request, hit.includes(request)), `attempt of ${request.id}`).toContain(stored?.status);
      recordAttempt(model, request, stored?.status as AttemptEnd, stored);
    });
    model.recovered += due.length;
  }
  toString() {
    return 'sweep()';
  }
}

async function checkInvariants(model: Model, real: Real) {
  const stored = await real.storage.listRequests({ filter: {}, limit: 1_000 });
  const byId = new Map(stored.map((request) => [request.id, request]));
  expect(stored).toHaveLength(model.requests.length);
  for (const request of model.requests) {
    const actual = byId.get(request.id);
    expect(actual?.status, request.id).toBe(request.status);
    const approving = request.status === 'approving';
    // A publish in flight shows where it waits; one that ended shows no progress.
    const progress = actual?.progress && {
      step: actual.progress.step,
      attempt: actual.progress.attempt,
      nextAttemptAt: actual.progress.nextAttemptAt,
      since: actual.progress.since,
    };
    expect(progress, `progress of ${request.id}`).toEqual(
      approving
        ? {
            step: 'queued',
            attempt: request.attempt,
            nextAttemptAt: request.nextAttemptAt === undefined ? undefined : iso(request.nextAttemptAt),
            since: iso(request.since),
          }
        : undefined,
    );
    if (request.status === 'failed')
      expect(actual?.error, `error of ${request.id}`).toMatchObject({ retryable: true, attempts: request.attempt });
    // The durable half of a publish: a job while approving, due when the model says, and gone
    // with the write that ends the publish (looked up until then: each lookup is a query).
    if (approving || real.publishing.has(request.id)) {
      const job = await real.storage.getJob({ requestId: request.id });
      expect(job?.runAt, `job of ${request.id}`).toBe(approving ? iso(request.nextAttemptAt ?? request.since) : undefined);
    }
    if (approving) real.publishing.add(request.id);
    else real.publishing.delete(request.id);
  }
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
    expect(trailSteps(audit.filter((entry) => entry.requestId === request.id)), `trail of ${request.id}`).toEqual(request.trail);
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
  fc.constantFrom<0 | 1>(0, 1).map((shortMs) => new UntilNextAttempt(shortMs)),
  fc.constant(new Sweep()),
].map((arbitrary, index) => ({ arbitrary, weight: [6, 8, 14, 2, 1, 1, 3, 2, 4][index] ?? 1 }));

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
      // A decision's claim records `request.approving` or `request.retried`; a publish's progress
      // writes (also `approving`) record `request.progress`.
      const decision = args.audit.some((entry) => entry.type === 'request.approving' || entry.type === 'request.retried');
      if (decision && model().loseNextAnswer) {
        throw new Error('connection lost after COMMIT (simulated)');
      }
      return stored;
    },
  };
}

type Tally = {
  runs: number;
  commands: number;
  decided: number;
  approved: number;
  failed: number;
  expired: number;
  recovered: number;
  scheduled: number;
  lostAnswers: number;
};

async function runModel(fresh: StoreFactory, numRuns: number): Promise<{ tally: Tally; ms: number }> {
  const tally: Tally = { runs: 0, commands: 0, decided: 0, approved: 0, failed: 0, expired: 0, recovered: 0, scheduled: 0, lostAnswers: 0 };
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
        scheduled: 0,
        lostAnswers: 0,
      };
      const clock = { now: EPOCH };
      const git = createFakeGit();
      const gitHost = createFakeGitHost();
      const gate = createPublishGate({
        storage: losingAnswers(storage, () => model),
        git,
        gitHost,
        clock: () => new Date(clock.now),
        policy: { pendingTtlMs: TTL_MS, publishRetry: RETRY },
        recoverAfterMs: 0,
      });
      const real: Real = { gate, storage, git, gitHost, clock, publishing: new Set() };
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
      tally.scheduled += model.scheduled;
      tally.lostAnswers += model.lostAnswers;
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
  // The model must have been exercised, not just refused: requests decided, approved, failed,
  // expired; attempts scheduled after a failed push, answers lost, jobs run by sweep().
  expect(tally.decided).toBeGreaterThan(runs);
  expect(tally.approved).toBeGreaterThan(runs / 3);
  // A push failure fails the request only once its publish is out of attempts or time.
  expect(tally.failed).toBeGreaterThan(runs / 20);
  expect(tally.expired).toBeGreaterThan(runs / 50);
  expect(tally.recovered).toBeGreaterThan(runs / 20);
  // Random interleavings: on 30 PostgreSQL runs these counts have been as low as 5; a tenth of the runs still shows the command was exercised.
  expect(tally.scheduled).toBeGreaterThan(runs / 10);
  expect(tally.lostAnswers).toBeGreaterThan(runs / 10);
}

describe('model-based: the gate against a reference model, on every storage', () => {
  it('memory storage: random interleavings by four actors (with clock, sweep, failing pushes retried on schedule, and lost answers) keep the stored state equal to the model', async () => {
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
