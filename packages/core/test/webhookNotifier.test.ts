import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createWebhookNotifier,
  generateWebhookSecret,
  type Notification,
  type PublishEventType,
  publishEventTypeSchema,
  toStandardWebhookSecret,
  verifyWebhookSignature,
  WEBHOOK_DELIVERY_HEADER,
  WEBHOOK_EVENT_HEADER,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_STANDARD_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from '@publishgate/core';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { admin, builder, manualClock, setup, workspace } from './helpers';

type Received = { headers: IncomingMessage['headers']; body: string };
const SECRET = 'a-shared-secret-of-some-length';
const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

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

function notificationOf(type: string, id = `note-${type}`): Notification {
  // Unknown future types arrive from newer cores; the cast stands in for such a notification.
  return {
    id,
    type: type as PublishEventType,
    requestId: 'req-1',
    occurredAt: '2026-01-01T00:00:00.000Z',
    to: { userId: 'u-1', email: 'u@example.com' },
    data: { subdomain: 'shop', feedback: 'ünïcode ✓ <script>' },
  };
}

const notification = notificationOf('request.approved', 'note-1');

// Node's IncomingHttpHeaders as the plain string record the library's verify() takes.
function stringHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (typeof value === 'string') out[name] = value;
  return out;
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const close of closers.splice(0)) await close();
});

describe('createWebhookNotifier (Standard Webhooks)', () => {
  it.each([...publishEventTypeSchema.options, 'request.merged'])(
    'a %s delivery carries Standard Webhooks headers that the library’s own Webhook.verify accepts',
    async (type) => {
      // The library checks its 5-minute tolerance against Date.now(): pin Date so no wall clock is raced.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2026-06-01T12:00:00.000Z'));
      const receiver = await startReceiver();
      closers.push(receiver.close);
      const sent = notificationOf(type);
      await createWebhookNotifier({ url: receiver.url, secret: WHSEC, clock: () => new Date('2026-06-01T11:58:30.500Z') }).notify(sent);
      const [hit] = receiver.received;
      if (!hit) throw new Error('the receiver got nothing');
      expect(hit.headers[WEBHOOK_ID_HEADER]).toBe(sent.id);
      expect(hit.headers[WEBHOOK_TIMESTAMP_HEADER]).toBe(String(Date.parse('2026-06-01T11:58:30Z') / 1000));
      expect(hit.headers[WEBHOOK_STANDARD_SIGNATURE_HEADER]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(hit.headers[WEBHOOK_EVENT_HEADER]).toBe(type);
      expect(hit.headers[WEBHOOK_SIGNATURE_HEADER]).toBeUndefined();
      expect(new Webhook(WHSEC).verify(hit.body, stringHeaders(hit.headers))).toEqual(sent);
    },
  );

  it('a plain secret keeps working: receivers verify with its whsec_ form from toStandardWebhookSecret', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-06-01T12:00:00.000Z'));
    const receiver = await startReceiver();
    closers.push(receiver.close);
    await createWebhookNotifier({ url: receiver.url, secret: SECRET, clock: () => new Date() }).notify(notification);
    const [hit] = receiver.received;
    if (!hit) throw new Error('the receiver got nothing');
    const standardSecret = toStandardWebhookSecret(SECRET);
    expect(standardSecret).toMatch(/^whsec_/);
    expect(toStandardWebhookSecret(WHSEC)).toBe(WHSEC);
    expect(new Webhook(standardSecret).verify(hit.body, stringHeaders(hit.headers))).toEqual(notification);
    expect(await verifyWebhookSignature({ body: hit.body, secret: SECRET, headers: hit.headers, clock: () => new Date() })).toBe(true);
    expect(await verifyWebhookSignature({ body: hit.body, secret: standardSecret, headers: hit.headers, clock: () => new Date() })).toBe(
      true,
    );
  });

  it('POSTs the notification as JSON with the event, delivery id and extra headers', async () => {
    const receiver = await startReceiver();
    closers.push(receiver.close);
    await createWebhookNotifier({ url: receiver.url, secret: SECRET, headers: { 'x-api-key': 'k' } }).notify(notification);
    const [hit] = receiver.received;
    if (!hit) throw new Error('the receiver got nothing');
    expect(JSON.parse(hit.body)).toEqual(notification);
    expect(hit.headers['content-type']).toBe('application/json');
    expect(hit.headers[WEBHOOK_DELIVERY_HEADER]).toBe('note-1');
    expect(hit.headers['x-api-key']).toBe('k');
  });

  it('a retry of the same notification keeps its webhook-id and signs a fresh timestamp', async () => {
    const clock = manualClock('2026-06-01T12:00:00.000Z');
    const receiver = await startReceiver();
    closers.push(receiver.close);
    const notifier = createWebhookNotifier({ url: receiver.url, secret: SECRET, clock: clock.now });
    await notifier.notify(notification);
    clock.advance(3_600_000);
    await notifier.notify(notification);
    const [first, second] = receiver.received;
    if (!first || !second) throw new Error('the receiver missed a delivery');
    expect(second.headers[WEBHOOK_ID_HEADER]).toBe(first.headers[WEBHOOK_ID_HEADER]);
    expect(Number(second.headers[WEBHOOK_TIMESTAMP_HEADER]) - Number(first.headers[WEBHOOK_TIMESTAMP_HEADER])).toBe(3_600);
    expect(await verifyWebhookSignature({ body: second.body, secret: SECRET, headers: second.headers, clock: clock.now })).toBe(true);
  });

  it('legacySignature: true also sends the old x-publishgate-signature-256 header for receivers not yet migrated', async () => {
    const receiver = await startReceiver();
    closers.push(receiver.close);
    await createWebhookNotifier({ url: receiver.url, secret: SECRET, legacySignature: true }).notify(notification);
    const [hit] = receiver.received;
    if (!hit) throw new Error('the receiver got nothing');
    const signature = hit.headers[WEBHOOK_SIGNATURE_HEADER] as string;
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(await verifyWebhookSignature({ body: hit.body, secret: SECRET, signature })).toBe(true);
    expect(await verifyWebhookSignature({ body: `${hit.body} `, secret: SECRET, signature })).toBe(false);
    expect(await verifyWebhookSignature({ body: hit.body, secret: `${SECRET}x`, signature })).toBe(false);
    expect(await verifyWebhookSignature({ body: hit.body, secret: SECRET, signature: undefined })).toBe(false);
    expect(hit.headers[WEBHOOK_STANDARD_SIGNATURE_HEADER]).toMatch(/^v1,/);
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
    await expect(createWebhookNotifier({ url: receiver.url, secret: SECRET, timeoutMs: 200 }).notify(notification)).rejects.toThrow();
  });

  it('a receiver that cannot be reached rejects naming its origin and the network code, never the path or query', async () => {
    // A port that was listening a moment ago and is closed now: connection refused.
    const receiver = await startReceiver();
    await receiver.close();
    const url = `${receiver.url}?token=s3cr3t-in-query`;
    const failure = await createWebhookNotifier({ url, secret: SECRET })
      .notify(notification)
      .then(
        () => undefined,
        (error: unknown) => error as Error,
      );
    expect(failure?.message).toBe(`webhook at ${new URL(url).origin} could not be reached (ECONNREFUSED)`);
    expect(failure?.message).not.toContain('s3cr3t');
    expect(failure?.message).not.toContain('/hooks');
  });

  it('a receiver that never answers rejects saying it timed out', async () => {
    const receiver = await startReceiver(() => {
      // never answers
    });
    closers.push(async () => {
      receiver.received.length = 0;
      await receiver.close();
    });
    await expect(createWebhookNotifier({ url: receiver.url, secret: SECRET, timeoutMs: 200 }).notify(notification)).rejects.toThrow(
      `webhook at ${new URL(receiver.url).origin} did not answer within 200 ms`,
    );
  });

  it('refuses unsafe configuration', () => {
    expect(() => createWebhookNotifier({ url: 'ftp://example.com/x', secret: SECRET })).toThrow(/http/);
    expect(() => createWebhookNotifier({ url: 'https://user:pw@example.com/x', secret: SECRET })).toThrow(/credentials/);
    expect(() => createWebhookNotifier({ url: 'https://example.com/x', secret: 'short' })).toThrow(/secret/);
    expect(() => createWebhookNotifier({ url: 'https://example.com/x', secret: 'whsec_c2hvcnQ=' })).toThrow(/whsec_/);
    expect(() => createWebhookNotifier({ url: 'https://example.com/x', secret: 'whsec_not base64!!' })).toThrow(/whsec_/);
  });

  it('generateWebhookSecret makes distinct whsec_ secrets of 32 bytes that sign and verify', async () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    const signed = new Webhook(a).sign('msg-1', new Date('2026-06-01T12:00:00Z'), '{}');
    const headers = {
      'webhook-id': 'msg-1',
      'webhook-timestamp': String(Date.parse('2026-06-01T12:00:00Z') / 1000),
      'webhook-signature': signed,
    };
    expect(await verifyWebhookSignature({ body: '{}', secret: a, headers, clock: () => new Date('2026-06-01T12:00:00Z') })).toBe(true);
    expect(await verifyWebhookSignature({ body: '{}', secret: b, headers, clock: () => new Date('2026-06-01T12:00:00Z') })).toBe(false);
  });
});

describe('verifyWebhookSignature', () => {
  const sentAt = new Date('2026-06-01T12:00:00.000Z');

  async function delivery() {
    const receiver = await startReceiver();
    closers.push(receiver.close);
    await createWebhookNotifier({ url: receiver.url, secret: WHSEC, clock: () => sentAt }).notify(notification);
    const [hit] = receiver.received;
    if (!hit) throw new Error('the receiver got nothing');
    return hit;
  }
  const at = (offsetSeconds: number) => () => new Date(sentAt.getTime() + offsetSeconds * 1000);

  it('accepts a fresh delivery, from Node headers or a fetch Headers object', async () => {
    const hit = await delivery();
    expect(await verifyWebhookSignature({ body: hit.body, secret: WHSEC, headers: hit.headers, clock: at(1) })).toBe(true);
    const fetchHeaders = new Headers(stringHeaders(hit.headers));
    expect(await verifyWebhookSignature({ body: hit.body, secret: WHSEC, headers: fetchHeaders, clock: at(299) })).toBe(true);
  });

  it('refuses a replay older than the tolerance (default 5 minutes, or as configured)', async () => {
    const hit = await delivery();
    expect(await verifyWebhookSignature({ body: hit.body, secret: WHSEC, headers: hit.headers, clock: at(300) })).toBe(true);
    expect(await verifyWebhookSignature({ body: hit.body, secret: WHSEC, headers: hit.headers, clock: at(301) })).toBe(false);
    expect(await verifyWebhookSignature({ body: hit.body, secret: WHSEC, headers: hit.headers, clock: at(86_400) })).toBe(false);
    const lenient = { body: hit.body, secret: WHSEC, headers: hit.headers, toleranceSeconds: 3_600 };
    expect(await verifyWebhookSignature({ ...lenient, clock: at(3_000) })).toBe(true);
    expect(await verifyWebhookSignature({ ...lenient, clock: at(3_601) })).toBe(false);
  });

  it('refuses a timestamp from too far in the future', async () => {
    const hit = await delivery();
    expect(await verifyWebhookSignature({ body: hit.body, secret: WHSEC, headers: hit.headers, clock: at(-301) })).toBe(false);
  });

  it('refuses a changed body, a wrong secret, a re-stamped timestamp and a swapped id', async () => {
    const hit = await delivery();
    const base = { body: hit.body, secret: WHSEC, headers: hit.headers, clock: at(0) };
    expect(await verifyWebhookSignature({ ...base, body: hit.body.replace('shop', 'shoq') })).toBe(false);
    expect(await verifyWebhookSignature({ ...base, body: `${hit.body} ` })).toBe(false);
    expect(await verifyWebhookSignature({ ...base, secret: generateWebhookSecret() })).toBe(false);
    const restamped = { ...hit.headers, [WEBHOOK_TIMESTAMP_HEADER]: String(sentAt.getTime() / 1000 + 60) };
    expect(await verifyWebhookSignature({ ...base, headers: restamped, clock: at(60) })).toBe(false);
    expect(await verifyWebhookSignature({ ...base, headers: { ...hit.headers, [WEBHOOK_ID_HEADER]: 'other' } })).toBe(false);
  });

  it('refuses missing, malformed or repeated headers without throwing', async () => {
    const hit = await delivery();
    const base = { body: hit.body, secret: WHSEC, clock: at(0) };
    for (const name of [WEBHOOK_ID_HEADER, WEBHOOK_TIMESTAMP_HEADER, WEBHOOK_STANDARD_SIGNATURE_HEADER]) {
      const headers = { ...hit.headers };
      delete headers[name];
      expect(await verifyWebhookSignature({ ...base, headers })).toBe(false);
    }
    expect(await verifyWebhookSignature({ ...base, headers: { ...hit.headers, [WEBHOOK_TIMESTAMP_HEADER]: '17e8' } })).toBe(false);
    expect(await verifyWebhookSignature({ ...base, headers: { ...hit.headers, [WEBHOOK_STANDARD_SIGNATURE_HEADER]: 'v1,' } })).toBe(false);
    const signature = hit.headers[WEBHOOK_STANDARD_SIGNATURE_HEADER] as string;
    expect(await verifyWebhookSignature({ ...base, headers: { ...hit.headers, [WEBHOOK_STANDARD_SIGNATURE_HEADER]: [signature] } })).toBe(
      false,
    );
  });

  it('accepts any matching entry of a space-separated signature list (secret rotation)', async () => {
    const hit = await delivery();
    const signature = hit.headers[WEBHOOK_STANDARD_SIGNATURE_HEADER] as string;
    const headers = { ...hit.headers, [WEBHOOK_STANDARD_SIGNATURE_HEADER]: `v1,bm90LXRoaXMtb25l ${signature}` };
    expect(await verifyWebhookSignature({ body: hit.body, secret: WHSEC, headers, clock: at(0) })).toBe(true);
  });
});

describe('createWebhookNotifier with the gate', () => {
  it('end to end: a receiver that is down for a while gets every notification once it is back', async () => {
    let up = false;
    const receiver = await startReceiver((_, res) => {
      res.statusCode = up ? 204 : 500;
      res.end();
    });
    closers.push(receiver.close);
    const clock = manualClock();
    const gate = setup({ notifier: createWebhookNotifier({ url: receiver.url, secret: SECRET, clock: clock.now }), clock: clock.now });
    gate.git.write(workspace, 'a.txt', 'a\n');
    const request = await gate.gate.requestPublish({ workspace, subdomain: 'hooked', actor: builder });
    await gate.gate.approve({ id: request.id, actor: admin });
    await gate.gate.sweep();
    expect(await gate.storage.countPendingOutbox()).toBe(2);
    up = true;
    clock.advance(3_600_000);
    expect((await gate.gate.sweep()).delivered).toBe(2);
    const delivered = receiver.received.slice(-2);
    expect(delivered.map((hit) => JSON.parse(hit.body).type).sort()).toEqual(['request.approved', 'request.submitted']);
    for (const hit of delivered) {
      expect(await verifyWebhookSignature({ body: hit.body, secret: SECRET, headers: hit.headers, clock: clock.now })).toBe(true);
    }
  });
});
