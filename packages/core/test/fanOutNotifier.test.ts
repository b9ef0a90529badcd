import { createMemoryStorage, fanOutNotifier, isFanOutNotifier, type PublishGateError } from '@publishgate/core';
import { createRecordingNotifier, notificationFixture, trustFixture } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { createOutboxDispatcher } from '../src/outbox.ts';
import { admin, builder, setup, workspace } from './helpers';

function refusal(make: () => unknown): PublishGateError {
  try {
    make();
  } catch (error) {
    return error as PublishGateError;
  }
  throw new Error('expected a refusal');
}

describe('fanOutNotifier', () => {
  it('refuses no channels, a bad name, a repeated name and a channel without notify with validation', () => {
    const notifier = createRecordingNotifier();
    expect(refusal(() => fanOutNotifier([])).code).toBe('validation');
    expect(refusal(() => fanOutNotifier([{ name: 'Slack!', notifier }])).code).toBe('validation');
    expect(refusal(() => fanOutNotifier([{ name: '', notifier }])).code).toBe('validation');
    expect(
      refusal(() =>
        fanOutNotifier([
          { name: 'slack', notifier },
          { name: 'slack', notifier },
        ]),
      ).code,
    ).toBe('validation');
    expect(refusal(() => fanOutNotifier([{ name: 'slack', notifier: {} as typeof notifier }])).code).toBe('validation');
  });

  it('is recognised as a fan-out; a plain notifier is not', () => {
    const notifier = createRecordingNotifier();
    expect(isFanOutNotifier(fanOutNotifier([{ name: 'a', notifier }]))).toBe(true);
    expect(isFanOutNotifier(notifier)).toBe(false);
    expect(isFanOutNotifier(undefined)).toBe(false);
  });

  it('called directly, tries every channel and rejects naming the ones that failed', async () => {
    const up = createRecordingNotifier();
    const down = createRecordingNotifier();
    down.goDown(Object.assign(new Error('HTTP 404'), { retryable: false }));
    const fanOut = fanOutNotifier([
      { name: 'down', notifier: down },
      { name: 'up', notifier: up },
    ]);
    const note = notificationFixture();
    const error = await fanOut.notify(note).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as Error).message).toContain('down');
    expect((error as { retryable: boolean }).retryable).toBe(false);
    expect(up.deliveries).toEqual([note]);
  });

  it('the dispatcher delivers a channel row through its channel only, and dead-letters a row whose channel is gone', async () => {
    const storage = createMemoryStorage();
    const slack = createRecordingNotifier();
    const email = createRecordingNotifier();
    const note = notificationFixture();
    await storage.putTrust({ grant: trustFixture(), audit: [], outbox: [note], channels: ['slack', 'email', 'sms'] });
    const fallback = createRecordingNotifier();
    const dispatcher = createOutboxDispatcher({
      storage,
      notifier: fallback,
      channels: new Map([
        ['slack', slack],
        ['email', email],
      ]),
      clock: () => new Date('2026-03-01T10:00:00.000Z'),
    });
    expect(await dispatcher.drain()).toEqual({ delivered: 2, failed: 1, deadLettered: 1 });
    expect(slack.deliveries).toEqual([note]);
    expect(email.deliveries).toEqual([note]);
    expect(fallback.deliveries).toEqual([]);
    const [dead] = await storage.listDeadLetters({ limit: 10 });
    expect(dead).toMatchObject({ channel: 'sms', attempts: 1 });
    expect(dead?.lastError).toContain('No notifier channel named "sms"');
  });

  it('a failing channel is named in the error the gate reports and in its dead letter, so a log line says which receiver is down', async () => {
    const chat = createRecordingNotifier();
    const mail = createRecordingNotifier();
    mail.goDown(Object.assign(new Error('mailbox unavailable'), { retryable: false }));
    const reported: unknown[] = [];
    const { gate, git } = setup({
      notifier: fanOutNotifier([
        { name: 'chat', notifier: chat },
        { name: 'mail', notifier: mail },
      ]),
      onError: (error) => reported.push(error),
    });
    git.write(workspace, 'a.txt', 'a\n');
    await gate.requestPublish({ workspace, subdomain: 'named-channel', actor: builder });
    await gate.sweep();

    const messages = reported.map((error) => (error as Error).message);
    expect(messages).toContain('The notifier adapter (channel "mail") failed in notify: mailbox unavailable');
    expect(messages.some((message) => message.includes('"chat"'))).toBe(false);
    const [dead] = await gate.listDeadLetters({ actor: admin });
    expect(dead).toMatchObject({
      channel: 'mail',
      lastError: 'The notifier adapter (channel "mail") failed in notify: mailbox unavailable',
    });
  });
});
