import {
  DELIVERY_MOVES,
  type DeliveryEvent,
  type DeliveryState,
  type PublishRequest,
  type PublishStatus,
  publishRequestMachine,
} from '@publishgate/core';
import { requestFixture } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { decide } from '../../src/lifecycle/decide.ts';

const T0 = '2026-05-01T10:00:00.000Z';
const LATER = '2026-05-02T10:00:00.000Z';
const MERGE_SHA = 'b'.repeat(40);
const policy = { allowSelfReview: false };

const events: Record<DeliveryEvent['type'], DeliveryEvent> = {
  'delivery.merged': { type: 'delivery.merged', at: LATER, mergeSha: MERGE_SHA },
  'delivery.closed': { type: 'delivery.closed', at: LATER },
  'delivery.live': { type: 'delivery.live', at: LATER, deploymentUrl: 'https://site.apps.example.com' },
  'delivery.deploy_failed': { type: 'delivery.deploy_failed', at: LATER },
};
const states: DeliveryState[] = ['pull-request-open', 'merged', 'live', 'closed-unmerged', 'deploy-failed'];

// Where each (delivery state, event) lands; every absent pair changes nothing.
const moves: Partial<Record<DeliveryState, Partial<Record<DeliveryEvent['type'], DeliveryState>>>> = {
  'pull-request-open': {
    'delivery.merged': 'merged',
    'delivery.closed': 'closed-unmerged',
    'delivery.live': 'live',
    'delivery.deploy_failed': 'deploy-failed',
  },
  merged: { 'delivery.live': 'live', 'delivery.deploy_failed': 'deploy-failed' },
  'closed-unmerged': { 'delivery.merged': 'merged', 'delivery.live': 'live', 'delivery.deploy_failed': 'deploy-failed' },
  'deploy-failed': { 'delivery.live': 'live' },
};
const notifications: Record<DeliveryEvent['type'], string> = {
  'delivery.merged': 'request.merged',
  'delivery.closed': 'request.closed',
  'delivery.live': 'request.live',
  'delivery.deploy_failed': 'request.deploy_failed',
};

function approved(state: DeliveryState | undefined, overrides: Partial<PublishRequest> = {}): PublishRequest {
  return requestFixture({
    id: 'req-1',
    status: 'approved',
    createdAt: T0,
    updatedAt: T0,
    branch: 'publish/site-req-1',
    pullRequest: { number: 4, url: 'https://example.test/pull/4' },
    ...(state ? { delivery: { state, at: T0, url: 'https://example.test/pull/4' } } : {}),
    ...overrides,
  });
}

describe('publishRequestMachine: every (delivery state, delivery event) pair', () => {
  const table = states.flatMap((state) => Object.keys(events).map((event) => [state, event as DeliveryEvent['type']] as const));

  it.each(table)('%s + %s', (state, type) => {
    const request = approved(state);
    const target = moves[state]?.[type];
    if (target) {
      const change = decide('approved', request, events[type], policy);
      expect(change.request.status).toBe('approved');
      expect(change.request.delivery?.state).toBe(target);
      expect(change.request.delivery?.at).toBe(LATER);
      expect(change.records.map((record) => record.type)).toEqual([notifications[type]]);
      expect(change.notifications).toEqual([{ type: notifications[type], to: 'builder' }]);
      expect(change.publish).toBe(false);
    } else {
      expect(() => decide('approved', request, events[type], policy)).toThrow(expect.objectContaining({ code: 'invalid_transition' }));
    }
  });

  it('the table above is DELIVERY_MOVES', () => {
    for (const type of Object.keys(events) as Array<DeliveryEvent['type']>) {
      const from = states.filter((state) => moves[state]?.[type] !== undefined);
      expect([...DELIVERY_MOVES[type]].sort()).toEqual(from.sort());
    }
  });

  it('a request approved before delivery tracking (no delivery field) counts as pull-request-open', () => {
    const change = decide('approved', approved(undefined), events['delivery.merged'], policy);
    expect(change.request.delivery).toEqual({ state: 'merged', at: LATER, url: 'https://example.test/pull/4', mergeSha: MERGE_SHA });
  });

  it('delivery events change nothing in any other status', () => {
    const others: PublishStatus[] = ['pending', 'approving', 'rejected', 'withdrawn', 'expired', 'failed'];
    for (const status of others) {
      for (const event of Object.values(events)) {
        const before = publishRequestMachine.resolveState({ value: status, context: { request: approved(undefined, { status }), policy } });
        const [after] = transition(publishRequestMachine, before, event);
        expect(after).toBe(before);
      }
    }
  });
});

describe('publishRequestMachine: delivery never moves backwards', () => {
  const rank: Record<DeliveryState, number> = { 'pull-request-open': 0, 'closed-unmerged': 1, merged: 1, 'deploy-failed': 2, live: 3 };

  // Every order of every event, twice over: the state only climbs, and the end state is the same
  // as for the events in their natural order, whatever the order (with one exception: `closed`
  // counts only while the pull request is open).
  it('any sequence of delivery events only climbs, and duplicates change nothing', () => {
    const all = Object.values(events);
    const sequences: DeliveryEvent[][] = [];
    const permute = (rest: DeliveryEvent[], prefix: DeliveryEvent[]) => {
      if (rest.length === 0) sequences.push([...prefix, ...prefix]);
      for (const [index, event] of rest.entries()) permute([...rest.slice(0, index), ...rest.slice(index + 1)], [...prefix, event]);
    };
    permute(all, []);
    for (const sequence of sequences) {
      let request = approved('pull-request-open');
      for (const event of sequence) {
        const before = request.delivery?.state ?? 'pull-request-open';
        try {
          request = decide('approved', request, event, policy).request;
        } catch (error) {
          expect(error).toMatchObject({ code: 'invalid_transition' });
        }
        const after = request.delivery?.state ?? 'pull-request-open';
        expect(rank[after]).toBeGreaterThanOrEqual(rank[before]);
      }
      expect(request.delivery?.state).toBe('live');
    }
  });

  it('merged after live, and closed after merged, are ignored', () => {
    expect(() => decide('approved', approved('live'), events['delivery.merged'], policy)).toThrow();
    expect(() => decide('approved', approved('merged'), events['delivery.closed'], policy)).toThrow();
  });

  it('closed says where the publication went back to, in the audit entry and the builder notification', () => {
    const restored = { requestId: 'req-0', sha: 'c'.repeat(40), subdomain: 'bike-shop' };
    const back = decide(
      'approved',
      approved('pull-request-open'),
      { type: 'delivery.closed', at: LATER, publicationRestored: restored },
      policy,
    );
    expect(back.records).toEqual([{ type: 'request.closed', data: { publicationRestored: restored } }]);
    expect(back.notifications).toEqual([{ type: 'request.closed', to: 'builder', data: { publicationRestored: restored } }]);
    const none = decide(
      'approved',
      approved('pull-request-open'),
      { type: 'delivery.closed', at: LATER, publicationRestored: null },
      policy,
    );
    expect(none.notifications).toEqual([{ type: 'request.closed', to: 'builder', data: { publicationRestored: null } }]);
  });

  it('live keeps the merge commit it learnt earlier and records where it is live', () => {
    const merged = decide('approved', approved('pull-request-open'), events['delivery.merged'], policy).request;
    const live = decide('approved', merged, { type: 'delivery.live', at: LATER, deploymentUrl: 'https://x.example' }, policy).request;
    expect(live.delivery).toMatchObject({ state: 'live', mergeSha: MERGE_SHA, deploymentUrl: 'https://x.example' });
  });
});

describe('publishRequestMachine: publish.succeeded opens the delivery', () => {
  it('sets delivery pull-request-open with the pull request link', () => {
    const request = requestFixture({ id: 'req-1', status: 'approving', createdAt: T0, updatedAt: T0 });
    const change = decide(
      'approving',
      request,
      { type: 'publish.succeeded', at: LATER, branch: 'publish/x', pullRequest: { number: 9, url: 'https://example.test/pull/9' } },
      policy,
    );
    expect(change.request.delivery).toEqual({ state: 'pull-request-open', at: LATER, url: 'https://example.test/pull/9' });
  });
});
