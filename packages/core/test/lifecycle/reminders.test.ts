import { type MachinePolicy, type PublishRequest, publishRequestMachine } from '@publishgate/core';
import { requestFixture } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/lifecycle/decide';

const T0 = Date.parse('2026-05-01T10:00:00.000Z');
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const HOUR = 60 * 60_000;
const policy: MachinePolicy = { allowSelfReview: false, remindAfterMs: HOUR, remindEveryMs: 2 * HOUR };

const pending = (overrides: Partial<PublishRequest> = {}) => requestFixture({ createdAt: iso(0), updatedAt: iso(0), ...overrides });
const remind = (request: PublishRequest, minutes: number, machinePolicy = policy) =>
  decide(request.status, request, { type: 'reminder.send', at: iso(minutes) }, machinePolicy);

describe('reminder.send', () => {
  it('is refused with invalid_transition before remindAfterMs has passed, and when reminders are off', () => {
    expect(() => remind(pending(), 59)).toThrow(expect.objectContaining({ code: 'invalid_transition' }));
    expect(() => remind(pending(), 600, { allowSelfReview: false })).toThrow(expect.objectContaining({ code: 'invalid_transition' }));
  });

  it('once due, records the reminder, audits it and notifies the approvers of the request rule; the status stays pending', () => {
    const rule = { requiredApprovals: 2, approvers: [{ userId: 'lead-7' }, { role: 'admin' as const }] };
    const change = remind(pending({ rule, version: 3 }), 60);
    expect(change.request.status).toBe('pending');
    expect(change.request.reminder).toEqual({ at: iso(60), count: 1, version: 4, unchangedSince: 3 });
    expect(change.records.map((record) => record.type)).toEqual(['request.reminder']);
    expect(change.notifications).toEqual([{ type: 'request.reminder', to: 'approvers' }]);
    expect(change.publish).toBe(false);
  });

  it('comes at most once per remindEveryMs: the next one is refused until the period after the last has passed', () => {
    const first = { ...remind(pending(), 61).request, version: 2 };
    expect(() => remind(first, 61 + 119)).toThrow(expect.objectContaining({ code: 'invalid_transition' }));
    const second = remind(first, 61 + 120).request;
    expect(second.reminder).toEqual({ at: iso(181), count: 2, version: 3, unchangedSince: 1 });
  });

  it('keeps unchangedSince across consecutive reminders and resets it after any other change', () => {
    const first = { ...remind(pending(), 60).request, version: 2 };
    // An approval (or any other change) since the last reminder: the next reminder counts from it.
    const changed = { ...first, version: 5 };
    expect(remind(changed, 180).request.reminder).toMatchObject({ count: 2, version: 6, unchangedSince: 5 });
  });

  it('is ignored outside pending (invalid_transition)', () => {
    for (const status of ['approving', 'approved', 'rejected', 'withdrawn', 'expired', 'failed'] as const) {
      expect(() => remind(pending({ status }), 600)).toThrow(expect.objectContaining({ code: 'invalid_transition' }));
    }
  });

  it('the machine policy carries remindAfterMs and remindEveryMs from the actor input', () => {
    const snapshot = publishRequestMachine.resolveState({ value: 'pending', context: { request: pending(), policy } });
    expect(snapshot.context.policy).toEqual(policy);
  });
});
