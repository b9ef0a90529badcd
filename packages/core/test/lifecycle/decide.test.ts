import { type Actor, PublishGateError, type PublishRequest, type PublishStatus } from '@publishgate/core';
import { requestFixture, workspaceFixture } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/lifecycle/decide.ts';

const T0 = '2026-05-01T10:00:00.000Z';
const owner: Actor = { id: 'owner-1', email: 'owner@example.com', roles: ['builder'] };
const admin: Actor = { id: 'admin-1', email: 'admin@example.com', roles: ['admin'] };
const policy = { allowSelfReview: false };
const trust = { blueprintId: 'bp-1', userId: owner.id, email: owner.email, grantedBy: { id: admin.id, email: admin.email }, grantedAt: T0 };

function request(status: PublishStatus, overrides: Partial<PublishRequest> = {}): PublishRequest {
  return requestFixture({
    id: 'req-1',
    status,
    workspace: workspaceFixture({ id: 'ws-1', ownerId: owner.id, blueprintId: 'bp-1' }),
    builder: { id: owner.id, email: owner.email },
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  });
}

function refusalOf(run: () => unknown): PublishGateError {
  try {
    run();
  } catch (error) {
    if (PublishGateError.is(error)) return error;
    throw error;
  }
  throw new Error('expected decide to refuse');
}

describe('decide: the machine through xstate transition(), its effects as data', () => {
  it('a submission lands pending with the record and notify the machine declared, and no publish', () => {
    const decided = decide('draft', request('pending'), { type: 'request.submit', actor: owner, at: T0 }, policy);
    expect(decided.request.status).toBe('pending');
    expect(decided.records).toEqual([{ type: 'request.submitted' }]);
    expect(decided.notifications).toEqual([{ type: 'request.submitted', to: 'admins' }]);
    expect(decided.publish).toBe(false);
  });

  it('an approval moves to approving and asks for the publish; the input request is not changed', () => {
    const pending = request('pending');
    const decided = decide('pending', pending, { type: 'review.approve', actor: admin, at: T0 }, policy);
    expect(decided.request).toMatchObject({ status: 'approving', attempts: 1, decision: { kind: 'approved' } });
    expect(decided.records).toEqual([{ type: 'request.approving' }]);
    expect(decided.publish).toBe(true);
    expect(pending.status).toBe('pending');
    expect(pending.decision).toBeUndefined();
  });

  it('a trusted builder with a likely secret is held for review with the reason the machine gives', () => {
    const findings = [{ kind: 'secret' as const, path: 'a.js', line: 1, message: 'Possible AWS key' }];
    const decided = decide('draft', request('pending', { findings }), { type: 'request.submit', actor: owner, at: T0, trust }, policy);
    expect(decided.request.status).toBe('pending');
    expect(decided.publish).toBe(false);
    expect(decided.records).toEqual([{ type: 'request.submitted', data: { heldForReview: 'secret-finding', trusted: true } }]);
    expect(decided.notifications).toEqual([
      { type: 'request.submitted', to: 'admins', data: { heldForReview: 'secret-finding', trusted: true } },
    ]);
  });

  it("the machine's refusal becomes a PublishGateError with the machine's code", () => {
    const error = refusalOf(() => decide('pending', request('pending'), { type: 'review.approve', actor: owner, at: T0 }, policy));
    expect(error.code).toBe('forbidden');
  });

  it.each([
    ['approved', { type: 'review.approve', actor: admin, at: T0 }, 'Cannot approve a request that is approved.'],
    ['rejected', { type: 'review.retry', actor: admin, at: T0 }, 'Cannot retry a request that is rejected.'],
    [
      'pending',
      { type: 'publish.progress', at: T0, progress: { step: 'pushing', attempt: 1, since: T0 } },
      'Cannot report progress on a request that is pending.',
    ],
    ['draft', { type: 'review.reject', actor: admin, at: T0 }, 'Cannot reject a request that is new.'],
  ] as const)('an event the machine ignores in %s is invalid_transition', (state, event, message) => {
    const error = refusalOf(() => decide(state, request(state === 'draft' ? 'pending' : state), event, policy));
    expect(error.code).toBe('invalid_transition');
    expect(error.message).toBe(message);
  });

  it('progress of a publish is stored on the request and recorded, without asking for another publish or counting one', () => {
    const approving = request('approving', { attempts: 1 });
    const progress = { step: 'waiting-rate-limit', attempt: 1, since: T0, nextAttemptAt: '2026-05-01T11:05:00.000Z' } as const;
    const decided = decide('approving', approving, { type: 'publish.progress', at: '2026-05-01T11:00:00.000Z', progress }, policy);
    expect(decided.request).toMatchObject({ status: 'approving', attempts: 1, updatedAt: '2026-05-01T11:00:00.000Z', progress });
    expect(decided.records).toEqual([{ type: 'request.progress' }]);
    expect(decided.notifications).toEqual([]);
    expect(decided.publish).toBe(false);
  });

  it('entering approving queues the publish: progress starts at queued, attempt 0, since the decision', () => {
    const decided = decide('pending', request('pending'), { type: 'review.approve', actor: admin, at: T0 }, policy);
    expect(decided.request.progress).toEqual({ step: 'queued', attempt: 0, since: T0 });
    expect(decided.publish).toBe(true);
  });

  it('a publish that ends drops its progress: the pull request or the error tells the rest', () => {
    const approving = request('approving', { progress: { step: 'opening-pull-request', attempt: 2, since: T0 } });
    const succeeded = decide(
      'approving',
      approving,
      { type: 'publish.succeeded', at: T0, branch: 'publish/x', pullRequest: { number: 1, url: 'https://example.test/1' } },
      policy,
    );
    expect(succeeded.request.progress).toBeUndefined();
    const error = { code: 'port_failed', message: 'boom', retryable: false, attempts: 2 };
    const failed = decide('approving', approving, { type: 'publish.failed', at: T0, error }, policy);
    expect(failed.request).toMatchObject({ status: 'failed', error });
    expect(failed.request.progress).toBeUndefined();
  });
});
