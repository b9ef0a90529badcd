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
import { describe, expect, it } from 'vitest';

// A reference model of the facade: a few plain maps and the rules of DESIGN.md written the
// obvious way. Random interleavings of every operation by several actors run against the real
// gate and the model side by side; after each step the stored state must equal the model's.

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

type ModelRequest = { id: string; workspaceId: string; builderId: string; subdomain: string; status: PublishStatus; secret: boolean };
type Model = {
  requests: ModelRequest[];
  working: Map<string, string>;
  published: Map<string, { content: string; subdomain: string }>;
  committed: Map<string, string>;
  trusted: Set<string>;
  pushFailures: number;
  approvedCount: number;
};
type Real = { gate: PublishGate; storage: StoragePort; git: FakeGit; gitHost: FakeGitHost };
// Counts across all runs, so the test can prove it reached deep states, not only refusals.
const tally = { submitted: 0, decided: 0, approved: 0, failed: 0, commands: 0 };

type Outcome = { ok: true; status: PublishStatus } | { ok: false; code: string } | { ok: true; trust: boolean };

const isAdmin = (actor: Actor) => actor.roles.includes('admin');
const inFlight = (model: Model, workspaceId: string) =>
  model.requests.find((request) => request.workspaceId === workspaceId && ['pending', 'approving', 'failed'].includes(request.status));
const claimOf = (model: Model, subdomain: string): string | undefined => {
  for (const [workspaceId, publication] of model.published) if (publication.subdomain === subdomain) return workspaceId;
  return model.requests.find((request) => request.subdomain === subdomain && ['pending', 'approving', 'failed'].includes(request.status))
    ?.workspaceId;
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

/** Runs the effects of a decision the model allowed: publish succeeds unless a push failure is queued. */
function publishOutcome(model: Model): 'approved' | 'failed' {
  if (model.pushFailures > 0) {
    model.pushFailures -= 1;
    return 'failed';
  }
  return 'approved';
}

function markApproved(model: Model, request: ModelRequest) {
  request.status = 'approved';
  model.approvedCount += 1;
  model.published.set(request.workspaceId, { content: model.committed.get(request.id) ?? '', subdomain: request.subdomain });
}

class Edit implements fc.AsyncCommand<Model, Real> {
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

class Submit implements fc.AsyncCommand<Model, Real> {
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
    let expected: Outcome;
    if (this.actor.id !== this.workspace.ownerId) expected = { ok: false, code: 'forbidden' };
    else if (this.subdomain.includes('--')) expected = { ok: false, code: 'validation' };
    else if (normalized === 'admin') expected = { ok: false, code: 'subdomain_unavailable' };
    else if (inFlight(model, this.workspace.id)) expected = { ok: false, code: 'in_flight' };
    else if ((claimOf(model, normalized) ?? this.workspace.id) !== this.workspace.id)
      expected = { ok: false, code: 'subdomain_unavailable' };
    else if (working === baseline) expected = { ok: false, code: 'nothing_to_publish' };
    else {
      const secret = working.includes('AKIA');
      const trusted = model.trusted.has(this.actor.id) && !secret;
      expected = { ok: true, status: trusted ? publishOutcome(model) : 'pending' };
    }
    const actual = await outcome(() =>
      real.gate.requestPublish({ workspace: this.workspace, subdomain: this.subdomain, actor: this.actor }),
    );
    expect(actual, this.toString()).toEqual(expected);
    if (actual.ok && 'status' in actual) {
      tally.submitted += 1;
      // Taken from the gate's answer: two requests created in one millisecond tie on createdAt.
      const stored = lastId ? await real.storage.getRequest({ id: lastId }) : null;
      if (!stored) throw new Error('a successful submit stored nothing');
      const request: ModelRequest = {
        id: stored.id,
        workspaceId: this.workspace.id,
        builderId: this.actor.id,
        subdomain: normalized,
        status: 'pending',
        secret: working.includes('AKIA'),
      };
      model.requests.push(request);
      model.committed.set(request.id, working);
      if (actual.status === 'approved') markApproved(model, request);
      else request.status = actual.status;
    }
  }
  toString() {
    return `submit(${this.workspace.id}, ${this.actor.id}, ${this.subdomain})`;
  }
}

type Decision = 'approve' | 'reject' | 'withdraw' | 'retry';

class Decide implements fc.AsyncCommand<Model, Real> {
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
      else expected = { ok: true, status: this.decision === 'reject' ? 'rejected' : publishOutcome(model) };
    } else if (this.decision === 'withdraw') {
      if (request.status === 'pending')
        expected = this.actor.id === owner ? { ok: true, status: 'withdrawn' } : { ok: false, code: 'forbidden' };
      else if (request.status === 'failed')
        expected = this.actor.id === owner || isAdmin(this.actor) ? { ok: true, status: 'withdrawn' } : { ok: false, code: 'forbidden' };
      else expected = { ok: false, code: 'invalid_transition' };
    } else if (request.status !== 'failed') expected = { ok: false, code: 'invalid_transition' };
    else expected = isAdmin(this.actor) ? { ok: true, status: publishOutcome(model) } : { ok: false, code: 'forbidden' };

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
    if (actual.ok && 'status' in actual) {
      tally.decided += 1;
      if (actual.status === 'approved') tally.approved += 1;
      if (actual.status === 'failed') tally.failed += 1;
      if (actual.status === 'approved') markApproved(model, request);
      else request.status = actual.status;
    }
  }
  toString() {
    return `${this.decision}(#${this.pick}, ${this.actor.id})`;
  }
}

class SetTrust implements fc.AsyncCommand<Model, Real> {
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
      if (this.trusted) model.trusted.add(this.user.id);
      else model.trusted.delete(this.user.id);
    }
  }
  toString() {
    return `trust(${this.user.id}, ${this.trusted}, by ${this.actor.id})`;
  }
}

class BreakNextPush implements fc.AsyncCommand<Model, Real> {
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
].map((arbitrary, index) => ({ arbitrary, weight: [6, 8, 14, 2, 1][index] ?? 1 }));

// fc.commands picks uniformly among its arbitraries, so weight by repetition.
const weighted = commands.flatMap(({ arbitrary, weight }) => Array.from({ length: weight }, () => arbitrary));

describe('model-based: the gate against a reference model', () => {
  it('random interleavings of every operation by several actors keep the stored state equal to the model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(weighted, { maxCommands: 80, size: 'max' }), async (cmds) => {
        tally.commands += [...cmds].length;
        const storage = createMemoryStorage();
        const git = createFakeGit();
        const gitHost = createFakeGitHost();
        const gate = createPublishGate({ storage, git, gitHost });
        const model: Model = {
          requests: [],
          working: new Map(),
          published: new Map(),
          committed: new Map(),
          trusted: new Set(),
          pushFailures: 0,
          approvedCount: 0,
        };
        const real: Real = { gate, storage, git, gitHost };
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
      }),
      { numRuns: 150 },
    );
    console.log('model run tally', tally);
    // The model must have been exercised, not just refused: enough requests got decided.
    expect(tally.decided).toBeGreaterThan(150);
    expect(tally.approved).toBeGreaterThan(50);
    expect(tally.failed).toBeGreaterThan(5);
  }, 120_000);
});
