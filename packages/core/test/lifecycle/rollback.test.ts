import { type Actor, type DeliveryState, PublishGateError, type PublishRequest, type PublishStatus } from '@publishgate/core';
import { requestFixture, workspaceFixture } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/lifecycle/decide.ts';

const T0 = '2026-05-01T10:00:00.000Z';
const owner: Actor = { id: 'owner-1', email: 'owner@example.com', roles: ['builder'] };
const admin: Actor = { id: 'admin-1', email: 'admin@example.com', roles: ['admin'] };
const stranger: Actor = { id: 'someone-else', email: 'else@example.com', roles: ['builder'] };
const policy = { allowSelfReview: false };
const workspace = workspaceFixture({ id: 'ws-1', ownerId: owner.id, blueprintId: 'bp-1' });

function target(status: PublishStatus, delivery: DeliveryState | undefined, overrides: Partial<PublishRequest> = {}): PublishRequest {
  return requestFixture({
    id: 'req-old',
    status,
    workspace,
    builder: { id: owner.id, email: owner.email },
    ...(delivery ? { delivery: { state: delivery, at: T0 } } : {}),
    ...overrides,
  });
}

function rollback(actor: Actor): PublishRequest {
  return requestFixture({
    id: 'req-rollback',
    status: 'pending',
    workspace,
    builder: { id: actor.id, email: actor.email },
    kind: 'rollback',
    rollbackOf: 'req-old',
    createdAt: T0,
    updatedAt: T0,
  });
}

function submit(actor: Actor, rollbackTarget: PublishRequest | undefined) {
  return decide('draft', rollback(actor), { type: 'request.submit', actor, at: T0, ...(rollbackTarget ? { rollbackTarget } : {}) }, policy);
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (PublishGateError.is(error)) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('machine: submitting a rollback', () => {
  it('the owner or an admin may roll back to a merged or live publication: it lands pending like any request', () => {
    for (const actor of [owner, admin]) {
      for (const state of ['merged', 'live'] as const) {
        const decided = submit(actor, target('approved', state));
        expect(decided.request).toMatchObject({ status: 'pending', kind: 'rollback', rollbackOf: 'req-old' });
        expect(decided.records).toEqual([{ type: 'request.submitted' }]);
        expect(decided.notifications).toEqual([{ type: 'request.submitted', to: 'admins' }]);
      }
    }
  });

  it('every (status, delivery) of the target other than approved+merged/live is refused with invalid_transition', () => {
    const statuses: PublishStatus[] = ['pending', 'approving', 'approved', 'rejected', 'withdrawn', 'expired', 'failed'];
    const deliveries: Array<DeliveryState | undefined> = [
      undefined,
      'pull-request-open',
      'merged',
      'live',
      'closed-unmerged',
      'deploy-failed',
    ];
    const table = statuses.flatMap((status) =>
      deliveries.map((delivery) => `${status}/${delivery ?? '-'}: ${codeOf(() => submit(owner, target(status, delivery)))}`),
    );
    const accepted = table.filter((row) => row.endsWith('accepted'));
    expect(accepted).toEqual(['approved/merged: accepted', 'approved/live: accepted']);
    expect(table.filter((row) => !row.endsWith('accepted')).every((row) => row.endsWith('invalid_transition'))).toBe(true);
  });

  it('someone who is neither the owner nor an admin is refused with forbidden', () => {
    expect(codeOf(() => submit(stranger, target('approved', 'live')))).toBe('forbidden');
  });

  it('a target of another workspace, or not the request named by rollbackOf, is refused with validation', () => {
    const other = target('approved', 'live', { workspace: workspaceFixture({ id: 'ws-2', ownerId: owner.id, blueprintId: 'bp-1' }) });
    expect(codeOf(() => submit(owner, other))).toBe('validation');
    expect(codeOf(() => submit(owner, target('approved', 'live', { id: 'req-other' })))).toBe('validation');
    expect(codeOf(() => submit(owner, undefined))).toBe('validation');
  });

  it('an ordinary submission is unchanged: only the owner, whatever a stray rollbackTarget says', () => {
    const ordinary = requestFixture({ id: 'req-2', status: 'pending', workspace, builder: { id: owner.id, email: owner.email } });
    expect(codeOf(() => decide('draft', ordinary, { type: 'request.submit', actor: admin, at: T0 }, policy))).toBe('forbidden');
    expect(decide('draft', ordinary, { type: 'request.submit', actor: owner, at: T0 }, policy).request.status).toBe('pending');
  });
});
