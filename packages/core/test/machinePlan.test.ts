import { isDeepStrictEqual } from 'node:util';
import {
  type Actor,
  type Finding,
  type PublishRequest,
  type PublishRequestContext,
  type PublishRequestEvent,
  type PublishRequestInput,
  type PublishStatus,
  publishRequestMachine,
  type TrustGrant,
} from '@publishgate/core';
import { at, requestFixture, trustFixture, workspaceFixture } from '@publishgate/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AnyStateMachine,
  and,
  assign,
  createMachine,
  type EventObject,
  initialTransition,
  not,
  raise,
  setup,
  transition,
} from 'xstate';
import { compileMachinePlan, type MachinePlan, type PlannedStep, publishRequestPlan } from '../src/machinePlan.js';

// No fixed seed: every run explores a fresh part of the space; a failure prints its seed and path.
const RUNS = 5_000;

type Outcome = { value: unknown; context: unknown; actions: Array<{ type: string; params?: unknown }> };
type Reference = { outcome: Outcome; unchanged: boolean; sameSnapshot: boolean };

/** xstate's own answer for `event` in `value` with `context`: the ground truth the plan must reproduce. */
function xstateStep(machine: AnyStateMachine, value: string, context: unknown, event: EventObject): Reference {
  const before = machine.resolveState({ value, context });
  const [after, actions] = transition(machine, before, event);
  const outcome: Outcome = {
    value: after.value,
    context: after.context,
    actions: actions.map((action) => ({ type: action.type, params: action.params })),
  };
  return {
    outcome,
    // "Nothing happened": same state, an equal context, and nothing to carry out.
    unchanged: after.value === value && isDeepStrictEqual(after.context, context) && actions.length === 0,
    sameSnapshot: after === before,
  };
}

function xstateInitial(machine: AnyStateMachine, input: unknown): Outcome {
  const [snapshot, actions] = initialTransition(machine, input);
  return {
    value: snapshot.value,
    context: snapshot.context,
    actions: actions.map((action) => ({ type: action.type, params: action.params })),
  };
}

/** Throws (through `expect`) unless the plan's step is exactly xstate's, with `null` for "nothing happened". */
function expectPlanMatchesXstate(planned: PlannedStep<unknown> | null, reference: Reference): void {
  if (reference.unchanged) {
    expect(planned).toBeNull();
    // The plan's null stands for xstate handing back the very snapshot it was given.
    expect(reference.sameSnapshot).toBe(true);
    return;
  }
  expect(planned).not.toBeNull();
  expect(planned).toStrictEqual(reference.outcome);
}

// ---------------------------------------------------------------------------------------------
// publishRequestMachine cases
// ---------------------------------------------------------------------------------------------

const OWNER_ID = 'owner-1';
const workspaceFor = (blueprintId: string) => workspaceFixture({ id: 'ws-1', name: 'Site', ownerId: OWNER_ID, blueprintId });

const actors = {
  owner: { id: OWNER_ID, email: 'owner@example.com', roles: ['builder'] },
  builder: { id: 'builder-2', email: 'builder@example.com', roles: ['builder'] },
  admin: { id: 'admin-1', email: 'admin@example.com', roles: ['admin'] },
  ownerAdmin: { id: OWNER_ID, email: 'owner@example.com', roles: ['builder', 'admin'] },
} satisfies Record<string, Actor>;

const STATES = ['draft', 'pending', 'approving', 'failed', 'approved', 'rejected', 'withdrawn', 'expired'] as const;
type MachineState = (typeof STATES)[number];
const STATUSES: PublishStatus[] = ['pending', 'approving', 'approved', 'rejected', 'withdrawn', 'expired', 'failed'];
const EVENT_TYPES = [
  'request.submit',
  'review.approve',
  'review.reject',
  'request.withdraw',
  'request.expire',
  'review.retry',
  'publish.succeeded',
  'publish.failed',
] as const satisfies ReadonlyArray<PublishRequestEvent['type']>;
type EventType = (typeof EVENT_TYPES)[number];

// The (state, event) pairs the machine handles; half the cases draw one, so guards get exercised.
const HANDLED: ReadonlyArray<readonly [MachineState, EventType]> = [
  ['draft', 'request.submit'],
  ['pending', 'review.approve'],
  ['pending', 'review.reject'],
  ['pending', 'request.withdraw'],
  ['pending', 'request.expire'],
  ['approving', 'publish.succeeded'],
  ['approving', 'publish.failed'],
  ['failed', 'review.retry'],
  ['failed', 'request.withdraw'],
];

const TRUST_KINDS = ['absent', 'null', 'valid', 'valid-with-expiry', 'expired', 'wrong-blueprint', 'wrong-user'] as const;
type TrustKind = (typeof TRUST_KINDS)[number];

// Hours 0–6 after the fixture epoch: few enough that deadlines and event times often coincide.
const hourArb = fc.integer({ min: 0, max: 6 });
const instant = (hour: number) => at(hour * 3600);

const findingArb: fc.Arbitrary<Finding> = fc
  .record({
    kind: fc.constantFrom<Finding['kind']>('secret', 'env-file', 'large-diff', 'binary'),
    path: fc.option(fc.constantFrom('src/app.ts', '.env', 'logo.png'), { nil: undefined }),
  })
  .map(({ kind, path }) => ({ kind, message: `${kind} finding`, ...(path === undefined ? {} : { path }) }));

const decisionArb: fc.Arbitrary<NonNullable<PublishRequest['decision']>> = fc
  .record({
    kind: fc.constantFrom<'approved' | 'rejected'>('approved', 'rejected'),
    byTrust: fc.boolean(),
    hour: hourArb,
  })
  .map(({ kind, byTrust, hour }) => ({
    kind,
    by: byTrust ? { trust: true as const } : { id: actors.admin.id, email: actors.admin.email },
    at: instant(hour),
  }));

type RequestSpec = {
  builderId: string;
  blueprintId: string;
  status: PublishStatus;
  expiresHour: number | undefined;
  findings: Finding[];
  attempts: number | undefined;
  error: { code: string; message: string } | undefined;
  decision: PublishRequest['decision'];
  published: boolean;
};

const requestSpecArb: fc.Arbitrary<RequestSpec> = fc.record({
  // The owner builds it, or another builder, or an admin (who could then review their own request).
  builderId: fc.constantFrom(OWNER_ID, actors.builder.id, actors.admin.id),
  blueprintId: fc.constantFrom('bp-1', 'bp-2'),
  status: fc.constantFrom(...STATUSES),
  expiresHour: fc.option(hourArb, { nil: undefined }),
  // Mostly no secret, so trust approvals happen often enough to be checked.
  findings: fc.oneof(
    { weight: 2, arbitrary: fc.constant<Finding[]>([]) },
    { weight: 2, arbitrary: fc.array(findingArb, { maxLength: 3 }) },
  ),
  attempts: fc.option(fc.nat({ max: 4 }), { nil: undefined }),
  error: fc.option(fc.record({ code: fc.constantFrom('port_failed', 'conflict'), message: fc.constantFrom('', 'remote hung up') }), {
    nil: undefined,
  }),
  decision: fc.option(decisionArb, { nil: undefined }),
  published: fc.boolean(),
});

function buildRequest(spec: RequestSpec): PublishRequest {
  const workspace = workspaceFor(spec.blueprintId);
  return requestFixture({
    id: 'req-1',
    status: spec.status,
    workspace,
    builder: { id: spec.builderId, email: `${spec.builderId}@example.com` },
    createdAt: instant(0),
    updatedAt: instant(0),
    findings: spec.findings,
    ...(spec.expiresHour === undefined ? {} : { expiresAt: instant(spec.expiresHour) }),
    ...(spec.attempts === undefined ? {} : { attempts: spec.attempts }),
    ...(spec.error === undefined ? {} : { error: spec.error }),
    ...(spec.decision === undefined ? {} : { decision: spec.decision }),
    ...(spec.published ? { branch: 'publish/site-req-1', pullRequest: { number: 3, url: 'https://example.test/pull/3' } } : {}),
  });
}

type EventSpec = {
  actor: Actor;
  hour: number;
  trust: TrustKind;
  trustHours: number;
  text: string | undefined;
  pullRequest: number;
};

const eventSpecArb: fc.Arbitrary<EventSpec> = fc.record({
  actor: fc.constantFrom<Actor>(actors.owner, actors.builder, actors.admin, actors.ownerAdmin),
  hour: hourArb,
  trust: fc.constantFrom(...TRUST_KINDS),
  trustHours: fc.integer({ min: 1, max: 3 }),
  // A comment or feedback: absent, empty (dropped by the machine) or present.
  text: fc.option(fc.constantFrom('', 'looks good'), { nil: undefined }),
  pullRequest: fc.integer({ min: 1, max: 99 }),
});

function trustFor(kind: TrustKind, request: PublishRequest, eventAt: number, hours: number): TrustGrant | null | undefined {
  const grant = (overrides: Partial<TrustGrant>) =>
    trustFixture({
      blueprintId: request.workspace.blueprintId,
      userId: request.builder.id,
      email: request.builder.email,
      grantedAt: instant(0),
      ...overrides,
    });
  switch (kind) {
    case 'absent':
      return undefined;
    case 'null':
      return null;
    case 'valid':
      return grant({});
    case 'valid-with-expiry':
      return grant({ expiresAt: instant(eventAt + hours) });
    case 'expired':
      // At or before the event: `expiresAt <= at` is expired.
      return grant({ expiresAt: instant(Math.max(0, eventAt - hours + 1)) });
    case 'wrong-blueprint':
      return grant({ blueprintId: request.workspace.blueprintId === 'bp-1' ? 'bp-2' : 'bp-1' });
    case 'wrong-user':
      return grant({ userId: 'someone-else' });
  }
}

function buildEvent(type: EventType, spec: EventSpec, request: PublishRequest): PublishRequestEvent {
  const base = { at: instant(spec.hour) };
  switch (type) {
    case 'request.submit': {
      const trust = trustFor(spec.trust, request, spec.hour, spec.trustHours);
      return { type, actor: spec.actor, ...base, ...(trust === undefined ? {} : { trust }) };
    }
    case 'review.approve':
      return { type, actor: spec.actor, ...base, ...(spec.text === undefined ? {} : { comment: spec.text }) };
    case 'review.reject':
      return { type, actor: spec.actor, ...base, ...(spec.text === undefined ? {} : { feedback: spec.text }) };
    case 'request.withdraw':
    case 'review.retry':
      return { type, actor: spec.actor, ...base };
    case 'request.expire':
      return { type, ...base };
    case 'publish.succeeded':
      return {
        type,
        ...base,
        branch: `publish/site-${spec.pullRequest}`,
        pullRequest: { number: spec.pullRequest, url: `https://example.test/pull/${spec.pullRequest}` },
      };
    case 'publish.failed':
      return { type, ...base, error: { code: 'port_failed', message: spec.text ?? 'remote hung up' } };
  }
}

type PublishCase = { value: MachineState; context: PublishRequestContext; event: PublishRequestEvent };

const publishCaseArb: fc.Arbitrary<PublishCase> = fc
  .record({
    pair: fc.oneof(fc.tuple(fc.constantFrom(...STATES), fc.constantFrom(...EVENT_TYPES)), fc.constantFrom(...HANDLED)),
    request: requestSpecArb,
    allowSelfReview: fc.boolean(),
    event: eventSpecArb,
  })
  .map(({ pair: [value, type], request: spec, allowSelfReview, event }) => {
    const request = buildRequest(spec);
    return { value, context: { request, policy: { allowSelfReview } }, event: buildEvent(type, event, request) };
  });

/** What a step did, for coverage: `pending -> approving`, `pending refuse`, `draft null`, … */
function outcomeLabel(value: string, reference: Reference): string {
  if (reference.unchanged) return `${value} null`;
  if (reference.outcome.value !== value) return `${value} -> ${String(reference.outcome.value)}`;
  return `${value} ${reference.outcome.actions.map((action) => action.type).join('+')}`;
}

function publishProperty(plan: MachinePlan<PublishRequestContext, PublishRequestEvent, PublishRequestInput>, seen?: Map<string, number>) {
  return fc.property(publishCaseArb, ({ value, context, event }) => {
    const reference = xstateStep(publishRequestMachine, value, context, event);
    seen?.set(outcomeLabel(value, reference), (seen.get(outcomeLabel(value, reference)) ?? 0) + 1);
    expectPlanMatchesXstate(plan.step(value, context, event), reference);
  });
}

describe('publishRequestPlan', () => {
  it('plan.step returns the value, context and actions of xstate transition(), and null exactly when xstate changes nothing', () => {
    const seen = new Map<string, number>();
    fc.assert(publishProperty(publishRequestPlan(), seen), { numRuns: RUNS });

    // The property is only as good as what it reached: every transition of the machine, every
    // refusal, and the untouched states must all have come up.
    for (const label of [
      'draft -> pending',
      'draft -> approving',
      'draft refuse',
      'pending -> approving',
      'pending -> rejected',
      'pending -> withdrawn',
      'pending -> expired',
      'pending refuse',
      'approving -> approved',
      'approving -> failed',
      'failed -> approving',
      'failed -> withdrawn',
      'failed refuse',
      ...STATES.map((state) => `${state} null`),
    ]) {
      expect(seen.get(label) ?? 0, label).toBeGreaterThan(0);
    }
  });

  it('plan.initial returns the value, context and actions of xstate initialTransition(), with and without a policy', () => {
    const plan = publishRequestPlan();
    const inputArb: fc.Arbitrary<PublishRequestInput> = fc
      .record({
        request: requestSpecArb,
        policy: fc.oneof(
          fc.constant('absent' as const),
          fc.constant({}),
          fc.record({ allowSelfReview: fc.boolean() }),
          fc.record({ allowSelfReview: fc.boolean() }, { requiredKeys: [] }),
        ),
      })
      .map(({ request, policy }) => ({ request: buildRequest(request), ...(policy === 'absent' ? {} : { policy }) }));

    fc.assert(
      fc.property(inputArb, (input) => {
        expect(plan.initial(input)).toStrictEqual(xstateInitial(publishRequestMachine, input));
      }),
      { numRuns: 2_000 },
    );
  });

  it('the comparison catches a plan that disagrees with the machine: a plan compiled with isAdmin always true fails it', () => {
    const wrong = compileMachinePlan<PublishRequestContext, PublishRequestEvent, PublishRequestInput>(
      publishRequestMachine.provide({ guards: { isAdmin: () => true } }),
    );
    const result = fc.check(publishProperty(wrong), { numRuns: RUNS });
    expect(result.failed).toBe(true);
    // The shrunk counterexample is a non-admin reviewing or retrying, which only the real guard refuses.
    const [counterexample] = result.counterexample ?? [];
    expect(counterexample?.value).toMatch(/^(pending|failed)$/);
    expect(counterexample?.event.type).toMatch(/^(review\.approve|review\.reject|review\.retry)$/);
    const actor: unknown = counterexample && 'actor' in counterexample.event ? counterexample.event.actor : undefined;
    expect(actor).toMatchObject({ roles: expect.not.arrayContaining(['admin']) });
  });
});

// ---------------------------------------------------------------------------------------------
// A second machine: parameterised assigns, params functions, guards with params, not(), entry/exit
// ---------------------------------------------------------------------------------------------

type CounterContext = { count: number; limit: number; label: string; log: string[] };
type CounterEvent =
  | { type: 'inc'; by: number }
  | { type: 'dec'; by: number }
  | { type: 'lock'; code: string }
  | { type: 'unlock'; code: string }
  | { type: 'finish' }
  | { type: 'noise' };
type CounterInput = { limit: number; label?: string };

const byOf = (event: CounterEvent) => ('by' in event ? event.by : 0);

const counterMachine = setup({
  types: { context: {} as CounterContext, events: {} as CounterEvent, input: {} as CounterInput },
  actions: {
    // assign({ key: fn }) with params
    add: assign({ count: ({ context }, params: { by: number }) => context.count + params.by }),
    // assign(fn) with params
    note: assign(({ context }, params: { text: string }) => ({ log: [...context.log, params.text] })),
    // assign({ key: value })
    rename: assign({ label: 'renamed' }),
    changed: (_: unknown, _params: { from: number; to: number }) => {},
    beep: (_: unknown, _params: { level: number }) => {},
    tick: () => {},
  },
  guards: {
    below: ({ context }, params: { max: number }) => context.count < params.max,
    codeIs: ({ event }, params: { code: string }) => 'code' in event && event.code === params.code,
    positive: ({ event }) => byOf(event) > 0,
  },
}).createMachine({
  id: 'counter',
  context: ({ input }) => ({ count: 0, limit: input.limit, label: input.label ?? 'counter', log: [] }),
  initial: 'idle',
  states: {
    idle: {
      entry: [{ type: 'note', params: ({ context }) => ({ text: `idle at ${context.count}` }) }, 'tick'],
      exit: [{ type: 'note', params: ({ context }) => ({ text: `leave idle at ${context.count}` }) }],
      on: {
        inc: [
          { guard: not('positive'), actions: { type: 'beep', params: ({ event }) => ({ level: byOf(event) }) } },
          {
            guard: { type: 'below', params: ({ context }) => ({ max: context.limit }) },
            target: 'counting',
            actions: [
              { type: 'add', params: ({ event }) => ({ by: byOf(event) }) },
              // Sees the context after the exit note and the add above.
              { type: 'changed', params: ({ context }) => ({ from: context.log.length, to: context.count }) },
            ],
          },
          { actions: [{ type: 'beep', params: ({ context }) => ({ level: context.count }) }, 'tick'] },
        ],
        lock: { guard: { type: 'codeIs', params: { code: 'open-sesame' } }, target: 'locked', actions: ['rename', 'tick'] },
        finish: { target: 'done' },
      },
    },
    counting: {
      entry: [
        { type: 'note', params: ({ context }) => ({ text: `count ${context.count}` }) },
        { type: 'changed', params: ({ context }) => ({ from: context.count, to: context.count }) },
      ],
      exit: ['tick', { type: 'note', params: { text: 'leave counting' } }],
      on: {
        inc: [
          {
            guard: not({ type: 'below', params: { max: 4 } }),
            target: 'done',
            actions: { type: 'changed', params: ({ context }) => ({ from: context.count, to: context.limit }) },
          },
          {
            guard: 'positive',
            actions: [
              { type: 'add', params: ({ event }) => ({ by: byOf(event) }) },
              { type: 'beep', params: { level: 2 } },
            ],
          },
        ],
        dec: { target: 'idle', actions: { type: 'add', params: ({ event }) => ({ by: -byOf(event) }) } },
        lock: { guard: { type: 'codeIs', params: ({ context }) => ({ code: context.label }) }, target: 'locked' },
      },
    },
    locked: {
      entry: { type: 'beep', params: { level: 3 } },
      exit: 'rename',
      on: {
        unlock: [
          {
            guard: not({ type: 'codeIs', params: { code: 'renamed' } }),
            actions: { type: 'beep', params: ({ context }) => ({ level: context.log.length }) },
          },
          { target: 'idle', actions: { type: 'note', params: { text: 'unlocked' } } },
        ],
        finish: { target: 'done', actions: 'tick' },
      },
    },
    done: { type: 'final', entry: [{ type: 'note', params: { text: 'done' } }, 'tick'] },
  },
});

const COUNTER_STATES = ['idle', 'counting', 'locked', 'done'] as const;
const LABELS = ['counter', 'renamed', 'open-sesame'] as const;

const counterContextArb: fc.Arbitrary<CounterContext> = fc.record({
  count: fc.integer({ min: -3, max: 6 }),
  limit: fc.integer({ min: 0, max: 6 }),
  label: fc.constantFrom(...LABELS),
  log: fc.array(fc.constantFrom('a', 'b'), { maxLength: 2 }),
});

const counterEventArb: fc.Arbitrary<CounterEvent> = fc.oneof(
  fc.record({ type: fc.constant('inc' as const), by: fc.integer({ min: -2, max: 3 }) }),
  fc.record({ type: fc.constant('dec' as const), by: fc.integer({ min: -2, max: 3 }) }),
  fc.record({ type: fc.constant('lock' as const), code: fc.constantFrom(...LABELS, 'wrong') }),
  fc.record({ type: fc.constant('unlock' as const), code: fc.constantFrom(...LABELS, 'wrong') }),
  fc.constant({ type: 'finish' as const }),
  fc.constant({ type: 'noise' as const }),
);

describe('compileMachinePlan on a machine with parameterised assigns, guards with params, not(), entry and exit actions', () => {
  const plan = compileMachinePlan<CounterContext, CounterEvent, CounterInput>(counterMachine);

  it('plan.step returns the value, context and actions of xstate transition(), and null exactly when xstate changes nothing', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(fc.constantFrom(...COUNTER_STATES), counterContextArb, counterEventArb, (value, context, event) => {
        const reference = xstateStep(counterMachine, value, context, event);
        seen.set(outcomeLabel(value, reference), (seen.get(outcomeLabel(value, reference)) ?? 0) + 1);
        expectPlanMatchesXstate(plan.step(value, context, event), reference);
      }),
      { numRuns: RUNS },
    );
    for (const label of [
      'idle -> counting',
      'idle -> locked',
      'idle -> done',
      'idle beep',
      'idle beep+tick',
      'counting -> done',
      'counting -> idle',
      'counting -> locked',
      'counting beep',
      'counting null',
      'locked -> idle',
      'locked -> done',
      'locked beep',
      'done null',
    ]) {
      expect(seen.get(label) ?? 0, label).toBeGreaterThan(0);
    }
  });

  it('plan.initial returns the value, context and actions of xstate initialTransition()', () => {
    const inputArb: fc.Arbitrary<CounterInput> = fc.record(
      { limit: fc.integer({ min: 0, max: 6 }), label: fc.constantFrom(...LABELS) },
      { requiredKeys: ['limit'] },
    );
    fc.assert(
      fc.property(inputArb, (input) => {
        expect(plan.initial(input)).toStrictEqual(xstateInitial(counterMachine, input));
      }),
      { numRuns: 2_000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// What the compiler refuses
// ---------------------------------------------------------------------------------------------

type Ev = { type: 'go' } | { type: 'other' };
const base = setup({
  types: { events: {} as Ev },
  actors: { child: createMachine({}) },
  actions: { mark: () => {}, bounce: raise({ type: 'other' }) },
  guards: { yes: () => true, no: () => false },
});

const unsupportedMachines: ReadonlyArray<readonly [string, () => AnyStateMachine]> = [
  [
    'a nested (compound) state',
    () => base.createMachine({ initial: 'a', states: { a: { initial: 'inner', states: { inner: {} } }, b: {} } }),
  ],
  ['a parallel state', () => base.createMachine({ initial: 'a', states: { a: { type: 'parallel', states: { x: {}, y: {} } }, b: {} } })],
  ['an `always` transition', () => base.createMachine({ initial: 'a', states: { a: { always: { target: 'b', guard: 'yes' } }, b: {} } })],
  ['an `after` transition', () => base.createMachine({ initial: 'a', states: { a: { after: { 1000: 'b' } }, b: {} } })],
  ['an `invoke`', () => base.createMachine({ initial: 'a', states: { a: { invoke: { src: 'child' } }, b: {} } })],
  ['a wildcard event', () => base.createMachine({ initial: 'a', states: { a: { on: { '*': 'b' } }, b: {} } })],
  [
    'an inline function action',
    () => base.createMachine({ initial: 'a', states: { a: { on: { go: { target: 'b', actions: () => {} } } }, b: {} } }),
  ],
  [
    'an inline built-in raise action',
    () => base.createMachine({ initial: 'a', states: { a: { on: { go: { actions: raise({ type: 'other' }) } } }, b: {} } }),
  ],
  [
    'a named built-in raise action',
    () => base.createMachine({ initial: 'a', states: { a: { on: { go: { actions: 'bounce' } } }, b: {} } }),
  ],
  [
    'an and(...) guard',
    () => base.createMachine({ initial: 'a', states: { a: { on: { go: { target: 'b', guard: and(['yes', 'no']) } } }, b: {} } }),
  ],
  [
    'a transition targeting its own state',
    () => base.createMachine({ initial: 'a', states: { a: { on: { go: { target: 'a' } } }, b: {} } }),
  ],
];

describe('compileMachinePlan refuses what it cannot step like xstate', () => {
  it.each(unsupportedMachines)('a machine with %s is refused with a TypeError saying "not supported"', (_name, build) => {
    const machine = build();
    expect(() => compileMachinePlan(machine)).toThrow(TypeError);
    expect(() => compileMachinePlan(machine)).toThrow(/not supported/);
  });

  it('the refusals are specific: the same machines without the unsupported feature compile', () => {
    const machine = base.createMachine({
      initial: 'a',
      states: { a: { on: { go: { target: 'b', guard: not('no'), actions: 'mark' } } }, b: {} },
    });
    const plan = compileMachinePlan<unknown, Ev, undefined>(machine);
    expectPlanMatchesXstate(plan.step('a', {}, { type: 'go' }), xstateStep(machine, 'a', {}, { type: 'go' }));
    expect(plan.step('a', {}, { type: 'go' })).toStrictEqual({ value: 'b', context: {}, actions: [{ type: 'mark', params: undefined }] });
  });
});

describe('compileMachinePlan: targetless transitions without actions', () => {
  // Regression: the plan used to report a step here, while xstate hands back the very snapshot
  // it was given; the publish machine has no such transition, the compiler must still agree.
  it('plan.step returns null for an enabled targetless transition without actions, as xstate changes nothing', () => {
    const machine = base.createMachine({ initial: 'a', states: { a: { on: { go: {} } }, b: {} } });
    const plan = compileMachinePlan<unknown, Ev, undefined>(machine);
    const reference = xstateStep(machine, 'a', {}, { type: 'go' });
    expect(reference.sameSnapshot).toBe(true);
    expectPlanMatchesXstate(plan.step('a', {}, { type: 'go' }), reference);
  });
});
