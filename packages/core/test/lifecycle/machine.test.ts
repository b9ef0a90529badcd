import {
  type Actor,
  createPublishEffect,
  type PublishRequest,
  type PublishRequestEvent,
  type PublishStatus,
  publishRequestMachine,
} from '@publishgate/core';
import { requestFixture, workspaceFixture } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { createActor, initialTransition, transition, waitFor } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';

const T0 = '2026-05-01T10:00:00.000Z';
const LATER = '2026-05-02T10:00:00.000Z';
const workspace = workspaceFixture({ id: 'ws-1', ownerId: 'owner-1', blueprintId: 'bp-1' });
const owner: Actor = { id: 'owner-1', email: 'owner@example.com', roles: ['builder'] };
const stranger: Actor = { id: 'stranger-1', email: 'stranger@example.com', roles: ['builder'] };
const admin: Actor = { id: 'admin-1', email: 'admin@example.com', roles: ['admin'] };
const ownerAdmin: Actor = { ...owner, roles: ['builder', 'admin'] };

function baseRequest(overrides: Partial<PublishRequest> = {}): PublishRequest {
  return requestFixture({
    id: 'req-1',
    workspace,
    builder: { id: owner.id, email: owner.email },
    createdAt: T0,
    updatedAt: T0,
    expiresAt: '2026-05-01T12:00:00.000Z',
    ...overrides,
  });
}

function snapshotIn(status: PublishStatus, overrides: Partial<PublishRequest> = {}, allowSelfReview = false) {
  return publishRequestMachine.resolveState({
    value: status,
    context: { request: baseRequest({ status, ...overrides }), policy: { allowSelfReview } },
  });
}

const trust = { blueprintId: 'bp-1', userId: owner.id, email: owner.email, grantedBy: { id: admin.id, email: admin.email }, grantedAt: T0 };

// Each command in its "allowed" form: a permitted actor, an overdue clock.
const commands: Record<string, PublishRequestEvent> = {
  submit: { type: 'request.submit', actor: owner, at: T0 },
  approve: { type: 'review.approve', actor: admin, at: LATER, comment: 'ok' },
  reject: { type: 'review.reject', actor: admin, at: LATER, feedback: 'not yet' },
  withdraw: { type: 'request.withdraw', actor: owner, at: LATER },
  expire: { type: 'request.expire', at: LATER },
  retry: { type: 'review.retry', actor: admin, at: LATER },
  succeed: {
    type: 'publish.succeeded',
    at: LATER,
    branch: 'publish/site-req-1',
    pullRequest: { number: 4, url: 'https://example.test/pull/4' },
  },
  fail: { type: 'publish.failed', at: LATER, error: { code: 'port_failed', message: 'remote hung up' } },
};

// Where each (status, command) lands per DESIGN.md; absent pairs must change nothing.
const allowed: Partial<Record<PublishStatus, Partial<Record<keyof typeof commands, PublishStatus>>>> = {
  pending: { approve: 'approving', reject: 'rejected', withdraw: 'withdrawn', expire: 'expired' },
  approving: { succeed: 'approved', fail: 'failed' },
  failed: { retry: 'approving', withdraw: 'withdrawn' },
};

const statuses: PublishStatus[] = ['pending', 'approving', 'approved', 'rejected', 'withdrawn', 'expired', 'failed'];

// Where a live actor stops on its own: a final state, or approved (which then waits for delivery events).
const settled = (snapshot: { status: string; value: unknown }) => snapshot.status === 'done' || snapshot.value === 'approved';

function actionsOf(actions: unknown[]) {
  return (actions as Array<{ type: string; params?: unknown }>)
    .filter((action) => !action.type.startsWith('xstate.'))
    .map((action) => ({ type: action.type, params: action.params }));
}

describe('publishRequestMachine: every (status, command) pair with pure transition()', () => {
  const table = statuses.flatMap((status) => Object.keys(commands).map((command) => [status, command] as const));

  it.each(table)('%s + %s', (status, command) => {
    const before = snapshotIn(status);
    const [after, actions] = transition(publishRequestMachine, before, commands[command] as PublishRequestEvent);
    const target = allowed[status]?.[command];
    if (target) {
      expect(after.value).toBe(target);
      expect(after.context.request.status).toBe(target);
      expect(actionsOf(actions).some((action) => action.type === 'record')).toBe(true);
    } else {
      expect(after).toBe(before);
      expect(actionsOf(actions).filter((action) => action.type !== 'refuse')).toEqual([]);
    }
  });

  it('terminal statuses are final; approved stays active for delivery events only', () => {
    for (const status of ['rejected', 'withdrawn', 'expired'] as const) expect(snapshotIn(status).status).toBe('done');
    for (const status of ['pending', 'approving', 'failed', 'approved'] as const) expect(snapshotIn(status).status).toBe('active');
  });
});

describe('publishRequestMachine: guards', () => {
  const refusal = (status: PublishStatus, event: PublishRequestEvent, overrides: Partial<PublishRequest> = {}, allowSelfReview = false) => {
    const before = snapshotIn(status, overrides, allowSelfReview);
    const [after, actions] = transition(publishRequestMachine, before, event);
    return {
      unchanged: after === before,
      refused: actionsOf(actions).find((action) => action.type === 'refuse')?.params,
      value: after.value,
    };
  };

  it.each([
    ['a builder approving', 'pending', { type: 'review.approve', actor: stranger, at: LATER }],
    ['a builder rejecting', 'pending', { type: 'review.reject', actor: owner, at: LATER }],
    ['a builder retrying', 'failed', { type: 'review.retry', actor: owner, at: LATER }],
    ['an admin reviewing their own request', 'pending', { type: 'review.approve', actor: ownerAdmin, at: LATER }],
    ['an admin rejecting their own request', 'pending', { type: 'review.reject', actor: ownerAdmin, at: LATER }],
    ["a stranger withdrawing someone's request", 'pending', { type: 'request.withdraw', actor: stranger, at: LATER }],
    ['an admin withdrawing a pending request', 'pending', { type: 'request.withdraw', actor: admin, at: LATER }],
    ['a stranger withdrawing a failed request', 'failed', { type: 'request.withdraw', actor: stranger, at: LATER }],
  ] as const)('%s is refused with forbidden and changes nothing', (_name, status, event) => {
    const result = refusal(status, event as PublishRequestEvent);
    expect(result.unchanged).toBe(true);
    expect(result.refused).toMatchObject({ code: 'forbidden' });
  });

  it('self-review is allowed when the policy says so', () => {
    expect(refusal('pending', { type: 'review.approve', actor: ownerAdmin, at: LATER }, {}, true).value).toBe('approving');
  });

  it('an admin may withdraw a failed request', () => {
    expect(refusal('failed', { type: 'request.withdraw', actor: admin, at: LATER }).value).toBe('withdrawn');
  });

  it('expiring before the deadline is refused with invalid_transition', () => {
    const result = refusal('pending', { type: 'request.expire', at: '2026-05-01T11:59:59.999Z' });
    expect(result.unchanged).toBe(true);
    expect(result.refused).toMatchObject({ code: 'invalid_transition' });
    expect(refusal('pending', { type: 'request.expire', at: LATER }, { expiresAt: undefined }).refused).toMatchObject({
      code: 'invalid_transition',
    });
  });

  describe('submission', () => {
    const submit = (event: Partial<Extract<PublishRequestEvent, { type: 'request.submit' }>>, overrides: Partial<PublishRequest> = {}) => {
      const [draft] = initialTransition(publishRequestMachine, { request: baseRequest(overrides) });
      const [after, actions] = transition(publishRequestMachine, draft, { type: 'request.submit', actor: owner, at: T0, ...event });
      return { after, actions: actionsOf(actions), unchanged: after === draft };
    };

    it('the owner submits to pending; admins are notified', () => {
      const { after, actions } = submit({});
      expect(after.value).toBe('pending');
      expect(actions).toEqual([
        { type: 'record', params: { type: 'request.submitted' } },
        { type: 'notify', params: { type: 'request.submitted', to: 'admins' } },
      ]);
    });

    it('someone else cannot submit the owner’s workspace', () => {
      const { unchanged, actions } = submit({ actor: stranger });
      expect(unchanged).toBe(true);
      expect(actions).toEqual([{ type: 'refuse', params: expect.objectContaining({ code: 'forbidden' }) }]);
    });

    it('a valid trust grant goes straight to approving, decided by trust, without notifying admins', () => {
      const { after, actions } = submit({ trust });
      expect(after.value).toBe('approving');
      expect(after.context.request.decision).toEqual({ kind: 'approved', by: { trust: true }, at: T0 });
      expect(actions.map((action) => action.type)).toEqual(['record', 'record', 'publish']);
    });

    it.each([
      ['an expired grant', { trust: { ...trust, expiresAt: T0 } }, {}],
      ['a grant for another blueprint', { trust: { ...trust, blueprintId: 'bp-2' } }, {}],
      ['a grant for another user', { trust: { ...trust, userId: 'someone-else' } }, {}],
      [
        'a likely secret in the diff',
        { trust },
        { findings: [{ kind: 'secret' as const, path: 'a.js', line: 1, message: 'Possible AWS key' }] },
      ],
      ['an .env file in the diff', { trust }, { findings: [{ kind: 'env-file' as const, path: '.env', message: 'env file' }] }],
    ])('%s keeps the request pending', (_name, event, overrides) => {
      expect(submit(event, overrides).after.value).toBe('pending');
    });

    it('a trusted builder with a likely secret waits, and the machine says why in its record and notify', () => {
      const findings = [{ kind: 'secret' as const, path: 'a.js', line: 1, message: 'Possible AWS key' }];
      const held = { heldForReview: 'secret-finding', trusted: true };
      const { after, actions } = submit({ trust }, { findings });
      expect(after.value).toBe('pending');
      expect(actions).toEqual([
        { type: 'record', params: { type: 'request.submitted', data: held } },
        { type: 'notify', params: { type: 'request.submitted', to: 'admins', data: held } },
      ]);
    });

    it('a large-diff or binary finding does not stop trust', () => {
      const findings = [
        { kind: 'large-diff' as const, message: 'big' },
        { kind: 'binary' as const, path: 'a.png', message: 'binary' },
      ];
      expect(submit({ trust }, { findings }).after.value).toBe('approving');
    });
  });

  it('transitions record the decision, the outcome and the attempt count', () => {
    const [approving] = transition(publishRequestMachine, snapshotIn('pending'), commands.approve as PublishRequestEvent);
    expect(approving.context.request).toMatchObject({
      decision: { kind: 'approved', by: { id: admin.id, email: admin.email }, at: LATER, comment: 'ok' },
      attempts: 1,
    });
    const [failed] = transition(publishRequestMachine, approving, commands.fail as PublishRequestEvent);
    expect(failed.context.request.error).toEqual({ code: 'port_failed', message: 'remote hung up' });
    const [retried] = transition(publishRequestMachine, failed, commands.retry as PublishRequestEvent);
    expect(retried.context.request.error).toBeUndefined();
    expect(retried.context.request.attempts).toBe(2);
    const [approved] = transition(publishRequestMachine, retried, commands.succeed as PublishRequestEvent);
    expect(approved.context.request).toMatchObject({ status: 'approved', branch: 'publish/site-req-1', pullRequest: { number: 4 } });
    const [rejected] = transition(publishRequestMachine, snapshotIn('pending'), commands.reject as PublishRequestEvent);
    expect(rejected.context.request.decision).toMatchObject({ kind: 'rejected', feedback: 'not yet' });
  });
});

describe('publishRequestMachine: live actors', () => {
  function liveMachine(outcome: () => Promise<{ branch: string; pullRequest: { number: number; url: string } }>) {
    const seen: string[] = [];
    const machine = publishRequestMachine.provide({
      actions: {
        publish: createPublishEffect(async () => outcome()),
        record: (_, params) => {
          seen.push(`record:${params.type}`);
        },
        notify: (_, params) => {
          seen.push(`notify:${params.type}:${params.to}`);
        },
      },
    });
    return { machine, seen };
  }

  it('a provided publish actor drives approving to approved, running provided effects', async () => {
    const { machine, seen } = liveMachine(async () => ({
      branch: 'publish/x',
      pullRequest: { number: 9, url: 'https://example.test/pull/9' },
    }));
    const actor = createActor(machine, { input: { request: baseRequest() } }).start();
    actor.send(commands.submit as PublishRequestEvent);
    actor.send(commands.approve as PublishRequestEvent);
    const done = await waitFor(actor, settled);
    expect(done.value).toBe('approved');
    expect(done.context.request.pullRequest?.number).toBe(9);
    expect(seen).toEqual([
      'record:request.submitted',
      'notify:request.submitted:admins',
      'record:request.approving',
      'record:request.approved',
      'notify:request.approved:builder',
    ]);
  });

  it('a failing publish actor lands in failed with the error; retry succeeds', async () => {
    let calls = 0;
    const { machine } = liveMachine(async () => {
      calls += 1;
      if (calls === 1) throw new Error('push rejected');
      return { branch: 'publish/x', pullRequest: { number: 1, url: 'https://example.test/pull/1' } };
    });
    const actor = createActor(machine, { input: { request: baseRequest() } }).start();
    actor.send(commands.submit as PublishRequestEvent);
    actor.send(commands.approve as PublishRequestEvent);
    const failed = await waitFor(actor, (snapshot) => snapshot.value === 'failed');
    expect(failed.context.request.error?.message).toBe('push rejected');
    actor.send(commands.retry as PublishRequestEvent);
    expect((await waitFor(actor, settled)).value).toBe('approved');
  });

  it('stopping a live actor aborts the publish effect it started', async () => {
    let seenSignal: AbortSignal | undefined;
    const machine = publishRequestMachine.provide({
      actions: {
        publish: createPublishEffect(
          ({ signal }) =>
            new Promise((_, reject) => {
              seenSignal = signal;
              signal.addEventListener('abort', () => reject(new Error('aborted')));
            }),
        ),
      },
    });
    const actor = createActor(machine, { input: { request: baseRequest() } }).start();
    actor.send(commands.submit as PublishRequestEvent);
    actor.send(commands.approve as PublishRequestEvent);
    expect(actor.getSnapshot().value).toBe('approving');
    expect(seenSignal?.aborted).toBe(false);
    actor.stop();
    expect(seenSignal?.aborted).toBe(true);
  });

  it('persistence round trip: a restored actor behaves like the original', async () => {
    const { machine } = liveMachine(async () => ({ branch: 'publish/x', pullRequest: { number: 2, url: 'https://example.test/pull/2' } }));
    const original = createActor(machine, { input: { request: baseRequest() } }).start();
    original.send(commands.submit as PublishRequestEvent);
    const persisted = JSON.parse(JSON.stringify(original.getPersistedSnapshot()));
    original.stop();

    const restored = createActor(machine, { snapshot: persisted, input: { request: baseRequest() } }).start();
    expect(restored.getSnapshot().value).toBe('pending');
    expect(restored.getSnapshot().context).toEqual(original.getSnapshot().context);
    restored.send({ type: 'review.approve', actor: stranger, at: LATER });
    expect(restored.getSnapshot().value).toBe('pending');
    restored.send(commands.approve as PublishRequestEvent);
    const done = await waitFor(restored, settled);
    expect(done.value).toBe('approved');

    // A failed request survives the round trip too, and retries from it.
    const failing = createActor(
      publishRequestMachine.provide({ actions: { publish: createPublishEffect(async () => Promise.reject(new Error('down'))) } }),
      { input: { request: baseRequest() } },
    ).start();
    failing.send(commands.submit as PublishRequestEvent);
    failing.send(commands.approve as PublishRequestEvent);
    await waitFor(failing, (snapshot) => snapshot.value === 'failed');
    const failedJson = JSON.parse(JSON.stringify(failing.getPersistedSnapshot()));
    const back = createActor(machine, { snapshot: failedJson, input: { request: baseRequest() } }).start();
    expect(back.getSnapshot().value).toBe('failed');
    back.send(commands.retry as PublishRequestEvent);
    expect((await waitFor(back, settled)).value).toBe('approved');
  });
});

describe('publishRequestMachine: path coverage with xstate/graph', () => {
  const events: PublishRequestEvent[] = [
    ...Object.values(commands),
    { type: 'request.submit', actor: owner, at: T0, trust },
    { type: 'review.approve', actor: stranger, at: LATER },
    { type: 'request.withdraw', actor: admin, at: LATER },
  ];
  const input = { request: baseRequest() };
  // Context grows on every retry loop (attempts), so states are told apart by status alone.
  const serializeState = (snapshot: { value: unknown }) => String(snapshot.value);

  it('every state is reachable, and each shortest path ends where the machine says', () => {
    const paths = getShortestPaths(publishRequestMachine, { input, events, serializeState });
    const reached = new Set(paths.map((path) => String(path.state.value)));
    expect([...reached].sort()).toEqual(['approved', 'approving', 'draft', 'expired', 'failed', 'pending', 'rejected', 'withdrawn']);
    for (const path of paths) {
      // Replaying the steps with pure transitions reproduces the path's end state.
      let [snapshot] = initialTransition(publishRequestMachine, input);
      for (const step of path.steps.slice(1)) [snapshot] = transition(publishRequestMachine, snapshot, step.event);
      expect(snapshot.value).toBe(path.state.value);
    }
  });

  it('no simple path leaves a terminal state, and every simple path to approved passes through approving', () => {
    const paths = getSimplePaths(publishRequestMachine, { input, events, serializeState });
    expect(paths.length).toBeGreaterThan(8);
    for (const path of paths) {
      const values = path.steps.map((step) => String(step.state.value));
      const terminal = values.findIndex((value) => ['approved', 'rejected', 'withdrawn', 'expired'].includes(value));
      if (terminal >= 0) expect(terminal).toBe(values.length - 1);
      if (path.state.value === 'approved') expect(values).toContain('approving');
    }
  });
});
