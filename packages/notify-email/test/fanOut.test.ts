import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createMemoryStorage,
  createPublishGate,
  createWebhookNotifier,
  fanOutNotifier,
  type Notification,
  PublishGateError,
  verifyWebhookSignature,
} from '@publishgate/core';
import { createFakeGit, createFakeGitHost } from '@publishgate/core/testing';
import { createEmailNotifier } from '@publishgate/notify-email';
import { createSlackNotifier } from '@publishgate/notify-slack';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
// The Slack stand-in is notify-slack's own test receiver (it checks the Block Kit schema); shared, not copied.
import { startSlackStandIn } from '../../notify-slack/test/slackStandIn.ts';
import { startSmtpStandIn } from './smtpStandIn';

const TOKEN = 'xoxb-fanout-0123456789-token';
const WEBHOOK_SECRET = 'fan-out-webhook-secret-0123456789';
const ADMINS = ['ada@example.com'];

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A loopback receiver that accepts only correctly signed Standard Webhooks deliveries. */
async function startWebhookReceiver(clock: () => Date) {
  const received: Notification[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        verifyWebhookSignature({ body, secret: WEBHOOK_SECRET, headers: req.headers as Record<string, string>, clock });
      } catch {
        res.writeHead(401).end();
        return;
      }
      received.push(JSON.parse(body) as Notification);
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${port}/hooks`, received };
}

async function setup() {
  let now = Date.parse('2026-03-01T09:00:00.000Z');
  const clock = () => new Date(now);
  const slack = await startSlackStandIn({ token: TOKEN, users: { 'bob@example.com': 'U_BOB' } });
  closers.push(slack.close);
  const smtp = await startSmtpStandIn();
  closers.push(smtp.close);
  const webhook = await startWebhookReceiver(clock);
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true });
  closers.push(async () => transport.close());
  let n = 0;
  const git = createFakeGit();
  const storage = createMemoryStorage();
  const gate = createPublishGate({
    storage,
    git,
    gitHost: createFakeGitHost({ branchExists: (branch) => git.remoteBranch(branch) !== undefined }),
    notifier: fanOutNotifier([
      { name: 'slack', notifier: createSlackNotifier({ token: TOKEN, adminChannel: 'C_ADMINS', slackApiUrl: slack.apiUrl }) },
      {
        name: 'email',
        notifier: createEmailNotifier({
          transport,
          from: 'Publishing <publishing@portal.example>',
          adminAddresses: ADMINS,
        }),
      },
      { name: 'webhook', notifier: createWebhookNotifier({ url: webhook.url, secret: WEBHOOK_SECRET, clock }) },
    ]),
    policy: { maxDeliveryAttempts: 3 },
    clock,
    ids: () => `id-${++n}`,
    requestUrl: (request) => `https://portal.example/requests/${request.id}`,
  });
  closers.push(() => gate.close());
  return {
    gate,
    storage,
    git,
    slack,
    smtp,
    webhook,
    advance(ms: number) {
      now += ms;
    },
  };
}

const builder = { id: 'builder-1', email: 'bob@example.com', roles: ['builder' as const] };
const admin = { id: 'admin-1', email: 'ada@example.com', roles: ['admin' as const] };
const workspace = { id: 'ws-bob', name: "Bob's shop", blueprintId: 'bp-shop', ownerId: builder.id };

describe('fanOutNotifier in a gate, against real local receivers', () => {
  it('one receiver down retries and dead-letters alone; the other channels get exactly one delivery each', async () => {
    const t = await setup();
    t.smtp.refuseWith(() => ({ code: 421, message: 'service not available' }));
    t.git.write(workspace, 'index.html', '<h1>hi</h1>\n');
    const request = await t.gate.requestPublish({ workspace, subdomain: 'shop', actor: builder });
    await t.gate.approve({ id: request.id, actor: admin });
    // submitted (admins) and approved (builder), each on three channels; the gate delivers in the
    // background after each change, and sweep() waits for that.
    await t.gate.sweep();
    expect(t.slack.posts).toHaveLength(2);
    expect(t.webhook.received).toHaveLength(2);
    expect(await t.storage.countPendingOutbox()).toBe(2);

    // Two more failed rounds of the email rows alone; the others are never sent again.
    t.advance(3_600_000);
    expect(await t.gate.sweep()).toMatchObject({ delivered: 0, failedDeliveries: 2, deadLettered: 0 });
    t.advance(3_600_000);
    expect(await t.gate.sweep()).toMatchObject({ delivered: 0, failedDeliveries: 2, deadLettered: 2 });
    t.advance(3_600_000);
    expect(await t.gate.sweep()).toMatchObject({ delivered: 0, failedDeliveries: 0 });

    expect(t.slack.invalid).toEqual([]);
    expect(t.slack.posts.map((post) => post.channel)).toEqual(['C_ADMINS', 'D_U_BOB']);
    expect(t.webhook.received.map((note) => note.type)).toEqual(['request.submitted', 'request.approved']);
    expect(t.smtp.received).toEqual([]);
    const dead = await t.gate.listDeadLetters({ actor: admin });
    expect(dead.map((letter) => [letter.notification.type, letter.channel, letter.attempts])).toEqual([
      ['request.submitted', 'email', 3],
      ['request.approved', 'email', 3],
    ]);
    expect(await t.storage.countPendingOutbox()).toBe(0);

    // Redelivery names the channel: only the email is tried again, and it arrives once.
    t.smtp.refuseWith(undefined);
    const approved = dead[1];
    if (!approved) throw new Error('no dead letter');
    await expect(t.gate.redeliver({ id: approved.notification.id, actor: admin })).rejects.toMatchObject({ code: 'not_found' });
    await expect(t.gate.redeliver({ id: approved.notification.id, channel: 'slack', actor: admin })).rejects.toBeInstanceOf(
      PublishGateError,
    );
    await t.gate.redeliver({ id: approved.notification.id, channel: 'email', actor: admin });
    await t.gate.sweep();
    expect(t.smtp.received.map((message) => message.envelope.to)).toEqual([['bob@example.com']]);
    expect(t.slack.posts).toHaveLength(2);
    expect(t.webhook.received).toHaveLength(2);
    expect((await t.gate.listDeadLetters({ actor: admin })).map((letter) => letter.notification.type)).toEqual(['request.submitted']);
  });

  it('every receiver up: each notification reaches each channel exactly once', async () => {
    const t = await setup();
    t.git.write(workspace, 'index.html', '<h1>hi</h1>\n');
    const request = await t.gate.requestPublish({ workspace, subdomain: 'shop', actor: builder });
    await t.gate.reject({ id: request.id, actor: admin, feedback: 'Not yet.' });
    await t.gate.sweep();
    await t.gate.sweep();
    expect(t.slack.posts).toHaveLength(2);
    expect(t.smtp.received.map((message) => message.envelope.to)).toEqual([ADMINS, ['bob@example.com']]);
    expect(t.webhook.received.map((note) => note.type)).toEqual(['request.submitted', 'request.rejected']);
    expect(await t.gate.listDeadLetters({ actor: admin })).toEqual([]);
  });
});
