import { type Actor, type PublishRequest, type PublishRequestEvent, publishRequestMachine, type RequestRule } from '@publishgate/core';
import { requestFixture, workspaceFixture } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';

const T0 = '2026-05-01T10:00:00.000Z';
const T1 = '2026-05-01T10:05:00.000Z';
const T2 = '2026-05-01T10:10:00.000Z';
const builder: Actor = { id: 'owner-1', email: 'owner@example.com', roles: ['builder'] };
const builderAdmin: Actor = { ...builder, roles: ['builder', 'admin'] };
const ada: Actor = { id: 'admin-1', email: 'ada@example.com', roles: ['admin'] };
const grace: Actor = { id: 'admin-2', email: 'grace@example.com', roles: ['admin'] };
const lead: Actor = { id: 'lead-7', email: 'lead@example.com', roles: ['builder'] };
const stranger: Actor = { id: 'stranger-1', email: 'stranger@example.com', roles: ['builder'] };
const twoOfThree: RequestRule = { requiredApprovals: 2, approvers: [{ userId: ada.id }, { userId: grace.id }, { userId: lead.id }] };
const twoAdmins: RequestRule = { requiredApprovals: 2, approvers: [{ role: 'admin' }] };
const trust = { blueprintId: 'bp-1', userId: builder.id, email: builder.email, grantedBy: { id: ada.id, email: ada.email }, grantedAt: T0 };
const secret = [{ kind: 'secret' as const, path: 'a.js', line: 1, message: 'Possible AWS key' }];

function draft(overrides: Partial<PublishRequest> = {}): PublishRequest {
  return requestFixture({
    id: 'req-1',
    workspace: workspaceFixture({ id: 'ws-1', ownerId: builder.id, blueprintId: 'bp-1' }),
    builder: { id: builder.id, email: builder.email },
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  });
}

const approve = (actor: Actor, at = T1, comment?: string): PublishRequestEvent => ({
  type: 'review.approve',
  actor,
  at,
  ...(comment ? { comment } : {}),
});
const reject = (actor: Actor, at = T1): PublishRequestEvent => ({ type: 'review.reject', actor, at, feedback: 'not yet' });

type Step = { event: PublishRequestEvent; expect: { status: string; approvals?: string[]; refused?: string; records?: string[] } };

// Runs events through pure transition() from a submission, checking each step.
function run(request: PublishRequest, submit: PublishRequestEvent, steps: Step[], allowSelfReview = false) {
  const start = publishRequestMachine.resolveState({ value: 'draft', context: { request, policy: { allowSelfReview } } });
  let [snapshot] = transition(publishRequestMachine, start, submit);
  for (const step of steps) {
    const [after, actions] = transition(publishRequestMachine, snapshot, step.event);
    const declared = actions as Array<{ type: string; params?: { code?: string; type?: string } }>;
    const refused = declared.find((action) => action.type === 'refuse')?.params?.code;
    expect(refused, JSON.stringify(step.event)).toBe(step.expect.refused);
    if (refused) expect(after).toBe(snapshot);
    expect(after.context.request.status).toBe(step.expect.status);
    if (step.expect.approvals)
      expect((after.context.request.approvals ?? []).map((approval) => approval.by.id)).toEqual(step.expect.approvals);
    if (step.expect.records) {
      expect(declared.filter((action) => action.type === 'record').map((action) => action.params?.type)).toEqual(step.expect.records);
    }
    snapshot = after;
  }
  return snapshot;
}

const submit = (rule: RequestRule | null, extra: Partial<Extract<PublishRequestEvent, { type: 'request.submit' }>> = {}) =>
  ({ type: 'request.submit', actor: builder, at: T0, rule, ...extra }) as PublishRequestEvent;

describe('publishRequestMachine: a 2-of-3 approval rule', () => {
  it('two distinct approvers: the first is recorded and waits, the second publishes', () => {
    const done = run(draft(), submit(twoOfThree), [
      { event: approve(ada, T1, 'looks fine'), expect: { status: 'pending', approvals: ['admin-1'], records: ['request.approval_added'] } },
      { event: approve(lead, T2), expect: { status: 'approving', approvals: ['admin-1', 'lead-7'], records: ['request.approving'] } },
    ]);
    expect(done.context.request.approvals?.[0]).toEqual({ by: { id: ada.id, email: ada.email }, at: T1, comment: 'looks fine' });
    expect(done.context.request.decision).toMatchObject({ kind: 'approved', by: { id: lead.id } });
  });

  it('approving twice is refused with conflict and records nothing', () => {
    run(draft(), submit(twoOfThree), [
      { event: approve(ada), expect: { status: 'pending', approvals: ['admin-1'] } },
      { event: approve(ada, T2), expect: { status: 'pending', approvals: ['admin-1'], refused: 'conflict' } },
    ]);
  });

  it('the builder never counts, even an admin builder with self-review allowed', () => {
    run(
      draft(),
      { type: 'request.submit', actor: builderAdmin, at: T0, rule: twoAdmins },
      [
        { event: approve(builderAdmin), expect: { status: 'pending', approvals: [], refused: 'forbidden' } },
        { event: approve(ada), expect: { status: 'pending', approvals: ['admin-1'] } },
        { event: approve(grace), expect: { status: 'approving', approvals: ['admin-1', 'admin-2'] } },
      ],
      true,
    );
  });

  it('someone the rule does not name is refused, whatever their role', () => {
    const onlyNamed: RequestRule = { requiredApprovals: 2, approvers: [{ userId: grace.id }, { userId: lead.id }] };
    run(draft(), submit(onlyNamed), [
      { event: approve(ada), expect: { status: 'pending', approvals: [], refused: 'forbidden' } },
      { event: approve(stranger), expect: { status: 'pending', approvals: [], refused: 'forbidden' } },
      { event: reject(ada), expect: { status: 'pending', refused: 'forbidden' } },
      { event: approve(lead), expect: { status: 'pending', approvals: ['lead-7'] } },
    ]);
  });

  it('a rejection after one approval rejects, keeping the approval given', () => {
    const done = run(draft(), submit(twoOfThree), [
      { event: approve(ada), expect: { status: 'pending', approvals: ['admin-1'] } },
      { event: reject(grace, T2), expect: { status: 'rejected', approvals: ['admin-1'], records: ['request.rejected'] } },
    ]);
    expect(done.context.request.decision).toMatchObject({ kind: 'rejected', by: { id: grace.id }, feedback: 'not yet' });
  });

  it('a rule change is not applied in flight: the request keeps the copy made at submission', () => {
    const submitted = run(draft(), submit(twoOfThree), []);
    expect(submitted.context.request.rule).toEqual(twoOfThree);
    // Whatever the blueprint's rule says later, this request still needs two: the machine reads only its copy.
    const [after] = transition(publishRequestMachine, submitted, approve(ada));
    expect(after.context.request.status).toBe('pending');
    // …and a request submitted before any rule keeps the default (one admin) when a rule appears.
    run(draft(), submit(null), [{ event: approve(ada), expect: { status: 'approving', approvals: ['admin-1'] } }]);
  });

  it('a trusted builder skips the rule', () => {
    const done = run(draft(), submit(twoOfThree, { trust }), []);
    expect(done.context.request.status).toBe('approving');
    expect(done.context.request.decision).toMatchObject({ by: { trust: true } });
  });

  it('a trusted builder with a secret finding is held, and then the rule applies', () => {
    run(draft({ findings: secret }), submit(twoOfThree, { trust }), [
      { event: approve(ada), expect: { status: 'pending', approvals: ['admin-1'] } },
      { event: approve(grace, T2), expect: { status: 'approving', approvals: ['admin-1', 'admin-2'] } },
    ]);
  });

  it('withdrawal and expiry still apply while approvals are being collected', () => {
    run(draft({ expiresAt: T1 }), submit(twoOfThree), [
      { event: approve(ada, T0), expect: { status: 'pending', approvals: ['admin-1'] } },
      { event: { type: 'request.expire', at: T2 }, expect: { status: 'expired', approvals: ['admin-1'] } },
    ]);
    run(draft(), submit(twoOfThree), [
      { event: approve(ada), expect: { status: 'pending' } },
      { event: { type: 'request.withdraw', actor: builder, at: T2 }, expect: { status: 'withdrawn', approvals: ['admin-1'] } },
    ]);
  });

  it('without a rule, one admin approval publishes as before and approvals lists it', () => {
    run(draft(), submit(null), [
      { event: approve(lead), expect: { status: 'pending', refused: 'forbidden' } },
      { event: approve(ada), expect: { status: 'approving', approvals: ['admin-1'] } },
    ]);
  });
});
