import { PublishGateError } from '@publishgate/core';
import { codeOf } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { admin, builder, setup, workspace } from '../../helpers';

const HOUR = 3_600_000;

describe('dead letters', () => {
  it('a notification that failed maxDeliveryAttempts times stops retrying, is listed for admins, and redelivery delivers it', async () => {
    const { gate, git, notifier, clock, storage } = setup({ policy: { maxDeliveryAttempts: 3 } });
    git.write(workspace, 'a.txt', 'a\n');
    notifier.failNext(3, new Error('HTTP 503 from the receiver'));
    const request = await gate.requestPublish({ workspace, subdomain: 'dead-letters', actor: builder });
    const reports = [];
    for (let attempt = 0; attempt < 4; attempt += 1) {
      reports.push(await gate.sweep());
      clock.advance(HOUR);
    }
    // The first attempt ran in the background right after the submit; each sweep an hour apart
    // makes one more, and the third failure is the last.
    expect(reports.map((report) => report.failedDeliveries)).toEqual([0, 1, 1, 0]);
    expect(reports.map((report) => report.deadLettered)).toEqual([0, 0, 1, 0]);
    expect(notifier.notifications).toEqual([]);
    expect(await storage.countPendingOutbox()).toBe(0);

    const dead = await gate.listDeadLetters({ actor: admin });
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ attempts: 3, notification: { type: 'request.submitted', requestId: request.id } });
    expect(dead[0]?.lastError).toContain('HTTP 503 from the receiver');

    await gate.redeliver({ id: dead[0]?.notification.id as string, actor: admin });
    await gate.sweep();
    expect(notifier.notifications.map((note) => note.type)).toEqual(['request.submitted']);
    expect(await gate.listDeadLetters({ actor: admin })).toEqual([]);
  });

  it('a failure the notifier calls permanent (retryable: false) becomes a dead letter at once', async () => {
    const { gate, git, notifier } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    notifier.failNext(1, Object.assign(new Error('mailbox does not exist'), { retryable: false }));
    await gate.requestPublish({ workspace, subdomain: 'permanent', actor: builder });
    await gate.sweep();
    const dead = await gate.listDeadLetters({ actor: admin });
    expect(dead.map((letter) => letter.attempts)).toEqual([1]);
    expect(dead[0]?.lastError).toContain('mailbox does not exist');
  });

  it('builders may neither list nor redeliver; an id that is not a dead letter is not_found and changes nothing', async () => {
    const { gate, git, notifier, storage } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    notifier.failNext(1, Object.assign(new Error('gone'), { retryable: false }));
    await gate.requestPublish({ workspace, subdomain: 'not-yours', actor: builder });
    await gate.sweep();
    const [dead] = await gate.listDeadLetters({ actor: admin });
    expect(await codeOf(gate.listDeadLetters({ actor: builder }))).toBe('forbidden');
    expect(await codeOf(gate.redeliver({ id: dead?.notification.id as string, actor: builder }))).toBe('forbidden');
    const missing = await gate.redeliver({ id: 'no-such-notification', actor: admin }).catch((error: unknown) => error);
    expect(PublishGateError.is(missing, 'not_found')).toBe(true);
    expect(await gate.listDeadLetters({ actor: admin })).toEqual([dead]);
    expect(await storage.countPendingOutbox()).toBe(0);
  });
});
