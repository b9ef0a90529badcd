import { fanOutNotifier } from '@publishgate/core';
import { codeOf, createRecordingNotifier } from '@publishgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { admin, builder, workspace } from '../helpers';
import { bearer, startServer, type TestServer } from './harness';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
});

describe('dead letters over HTTP', () => {
  it('an admin lists a dead letter and redelivers it; a builder is refused; an unknown id is a 404', async () => {
    server = await startServer();
    const { git, notifier, gate, clientFor } = server;
    git.write(workspace, 'a.txt', 'a\n');
    notifier.failNext(1, Object.assign(new Error('address rejected'), { retryable: false }));
    await clientFor(builder).requestPublish({ workspaceId: workspace.id, subdomain: 'dead-http' });
    await gate.sweep();

    const asAdmin = clientFor(admin);
    const dead = await asAdmin.listDeadLetters();
    expect(dead.map((letter) => letter.notification.type)).toEqual(['request.submitted']);
    expect(await codeOf(clientFor(builder).listDeadLetters())).toBe('forbidden');
    expect(await codeOf(clientFor(builder).redeliver(dead[0]?.notification.id as string))).toBe('forbidden');
    expect(await codeOf(asAdmin.redeliver('no-such-notification'))).toBe('not_found');

    const unknownKey = await fetch(`${server.baseUrl}/dead-letters/${dead[0]?.notification.id}/redeliver`, {
      method: 'POST',
      headers: { ...bearer(admin), 'content-type': 'application/json' },
      body: JSON.stringify({ force: true }),
    });
    expect(unknownKey.status).toBe(400);
    expect(await asAdmin.listDeadLetters()).toHaveLength(1);

    await asAdmin.redeliver(dead[0]?.notification.id as string);
    await gate.sweep();
    expect(notifier.notifications.map((note) => note.type)).toEqual(['request.submitted']);
    expect(await asAdmin.listDeadLetters({ limit: 10 })).toEqual([]);
  });

  it('with a fan-out notifier, a dead letter names its channel and is redelivered on that channel only', async () => {
    const chat = createRecordingNotifier();
    const mail = createRecordingNotifier();
    mail.goDown(Object.assign(new Error('mailbox unavailable'), { retryable: false }));
    server = await startServer({
      gateOptions: {
        notifier: fanOutNotifier([
          { name: 'chat', notifier: chat },
          { name: 'mail', notifier: mail },
        ]),
      },
    });
    const { git, gate, clientFor } = server;
    git.write(workspace, 'a.txt', 'a\n');
    await clientFor(builder).requestPublish({ workspaceId: workspace.id, subdomain: 'fan-out-http' });
    await gate.sweep();

    const asAdmin = clientFor(admin);
    const dead = await asAdmin.listDeadLetters();
    expect(dead.map((letter) => [letter.notification.type, letter.channel])).toEqual([['request.submitted', 'mail']]);
    const id = dead[0]?.notification.id as string;
    expect(await codeOf(asAdmin.redeliver(id))).toBe('not_found');
    expect(await codeOf(asAdmin.redeliver(id, { channel: 'chat' }))).toBe('not_found');
    expect(await codeOf(asAdmin.redeliver(id, { channel: 'Not A Channel' }))).toBe('validation');

    mail.recover();
    await asAdmin.redeliver(id, { channel: 'mail' });
    await gate.sweep();
    expect(mail.deliveries.map((note) => note.type)).toEqual(['request.submitted']);
    expect(chat.deliveries.map((note) => note.type)).toEqual(['request.submitted']);
    expect(await asAdmin.listDeadLetters()).toEqual([]);
  });
});
