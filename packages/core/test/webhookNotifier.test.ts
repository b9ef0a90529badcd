import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createWebhookNotifier,
  type Notification,
  verifyWebhookSignature,
  WEBHOOK_DELIVERY_HEADER,
  WEBHOOK_EVENT_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
} from '@publishgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { admin, builder, setup, workspace } from './helpers';

type Received = { headers: IncomingMessage['headers']; body: string };
const SECRET = 'a-shared-secret-of-some-length';

async function startReceiver(respond: (received: Received, res: ServerResponse) => void = (_, res) => res.end('ok')) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(entry);
      respond(entry, res);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const notification: Notification = {
  id: 'note-1',
  type: 'request.approved',
  requestId: 'req-1',
  occurredAt: '2026-01-01T00:00:00.000Z',
  to: { userId: 'u-1', email: 'u@example.com' },
  data: { subdomain: 'shop', feedback: 'ünïcode ✓' },
};

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('createWebhookNotifier', () => {
  it('POSTs the notification as JSON with a verifiable HMAC-SHA256 signature', async () => {
    const receiver = await startReceiver();
    closers.push(receiver.close);
    await createWebhookNotifier({ url: receiver.url, secret: SECRET, headers: { 'x-api-key': 'k' } }).notify(notification);
    const [hit] = receiver.received;
    expect(hit).toBeDefined();
    if (!hit) return;
    expect(JSON.parse(hit.body)).toEqual(notification);
    expect(hit.headers['content-type']).toBe('application/json');
    expect(hit.headers[WEBHOOK_EVENT_HEADER]).toBe('request.approved');
    expect(hit.headers[WEBHOOK_DELIVERY_HEADER]).toBe('note-1');
    expect(hit.headers['x-api-key']).toBe('k');
    const signature = hit.headers[WEBHOOK_SIGNATURE_HEADER] as string;
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(await verifyWebhookSignature({ body: hit.body, secret: SECRET, signature })).toBe(true);
    expect(await verifyWebhookSignature({ body: `${hit.body} `, secret: SECRET, signature })).toBe(false);
    expect(await verifyWebhookSignature({ body: hit.body, secret: `${SECRET}x`, signature })).toBe(false);
    expect(await verifyWebhookSignature({ body: hit.body, secret: SECRET, signature: undefined })).toBe(false);
  });

  it('rejects on a non-2xx answer so the outbox retries', async () => {
    const receiver = await startReceiver((_, res) => {
      res.statusCode = 503;
      res.end('busy');
    });
    closers.push(receiver.close);
    await expect(createWebhookNotifier({ url: receiver.url, secret: SECRET }).notify(notification)).rejects.toThrow(/503/);
  });

  it('gives up after its timeout', async () => {
    const receiver = await startReceiver(() => {
      // never answers
    });
    closers.push(async () => {
      receiver.received.length = 0;
      await receiver.close();
    });
    const started = Date.now();
    await expect(createWebhookNotifier({ url: receiver.url, secret: SECRET, timeoutMs: 200 }).notify(notification)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses unsafe configuration', () => {
    expect(() => createWebhookNotifier({ url: 'ftp://example.com/x', secret: SECRET })).toThrow(/http/);
    expect(() => createWebhookNotifier({ url: 'https://user:pw@example.com/x', secret: SECRET })).toThrow(/credentials/);
    expect(() => createWebhookNotifier({ url: 'https://example.com/x', secret: 'short' })).toThrow(/secret/);
  });

  it('end to end: a receiver that is down for a while gets every notification once it is back', async () => {
    let up = false;
    const receiver = await startReceiver((_, res) => {
      res.statusCode = up ? 204 : 500;
      res.end();
    });
    closers.push(receiver.close);
    const env = setup({ notifier: createWebhookNotifier({ url: receiver.url, secret: SECRET }) });
    env.git.write(workspace, 'a.txt', 'a\n');
    const request = await env.gate.requestPublish({ workspace, subdomain: 'hooked', actor: builder });
    await env.gate.approve({ id: request.id, actor: admin });
    await env.gate.sweep();
    expect(await env.storage.countPendingOutbox()).toBe(2);
    up = true;
    env.clock.advance(3_600_000);
    expect((await env.gate.sweep()).delivered).toBe(2);
    const delivered = receiver.received
      .filter((_, index) => index >= receiver.received.length - 2)
      .map((hit) => JSON.parse(hit.body).type)
      .sort();
    expect(delivered).toEqual(['request.approved', 'request.submitted']);
    for (const hit of receiver.received) {
      expect(
        await verifyWebhookSignature({ body: hit.body, secret: SECRET, signature: hit.headers[WEBHOOK_SIGNATURE_HEADER] as string }),
      ).toBe(true);
    }
  });
});
