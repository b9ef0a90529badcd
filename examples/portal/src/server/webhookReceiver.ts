// DEV-ONLY: the other end of the demo's webhook channel. A real portal points
// `createWebhookNotifier` at a service of its own (a chat bridge, a ticketing system, ...); the
// demo serves this small receiver on loopback so that the channel runs without the internet.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toStandardWebhookSecret } from '@publishgate/core';
import { Webhook } from 'standardwebhooks';

/** One delivery as the receiver saw it. */
export type ReceivedWebhook = {
  /** Arrival order, from 1: one delivery of the same notification may come several times. */
  seq: number;
  /** The `webhook-id` header: the notification id, the same on every retry. */
  webhookId: string | null;
  /** The notification type (`request.submitted`, ...): from the verified body, else the unverified `x-publishgate-event` header. */
  type: string | null;
  /** The request line, e.g. `POST /hooks/publishgate`. */
  method: string;
  path: string;
  /** Whether the `standardwebhooks` library accepted the signature and the timestamp. */
  verified: boolean;
  /** Why it was not verified. */
  reason?: string;
  /** When it arrived (ISO). */
  receivedAt: string;
  /** The notification's request id and subdomain, when verified. */
  requestId?: string;
  subdomain?: string;
};

/** A running receiver. */
export type WebhookReceiver = {
  /** Where to point `createWebhookNotifier`, e.g. `http://127.0.0.1:40123/hooks/publishgate`. */
  url: string;
  /** What arrived, newest first. */
  deliveries(): ReceivedWebhook[];
  /** Stops the server. */
  close(): Promise<void>;
};

/** Options of {@link startWebhookReceiver}. */
export type WebhookReceiverOptions = {
  /** The secret the notifier signs with (either form `createWebhookNotifier` takes). */
  secret: string;
  /** Port on 127.0.0.1. Default 0 (any free port). */
  port?: number;
  /** How many deliveries to keep; older ones are dropped. Default 500. */
  keep?: number;
  /** The time each delivery is stamped with. Default: the system clock. */
  clock?: () => Date;
};

const PATH = '/hooks/publishgate';
const MAX_BODY_BYTES = 1024 * 1024;
const SIGNED_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/**
 * Starts a Standard Webhooks receiver on 127.0.0.1 that checks every delivery with the
 * `standardwebhooks` library's own `Webhook.verify` (signature over id, timestamp and body, and
 * the timestamp's tolerance), keeps what it received for the admin page, and answers 204, or 401
 * for a delivery it cannot verify (the gate's outbox then retries it, and in the end dead-letters it).
 *
 * @example
 * ```ts
 * const secret = generateWebhookSecret();
 * const receiver = await startWebhookReceiver({ secret });
 * const notifier = createWebhookNotifier({ url: receiver.url, secret });
 * ```
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const verifier = new Webhook(toStandardWebhookSecret(options.secret));
  const keep = options.keep ?? 500;
  const clock = options.clock ?? (() => new Date());
  const received: ReceivedWebhook[] = [];
  let seq = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://receiver.invalid').pathname;
    if (path !== PATH) return answer(res, 404);
    if (method !== 'POST') return answer(res, 405);
    const body = await readBody(req);
    if (body === null) return answer(res, 413);
    seq += 1;
    const entry: ReceivedWebhook = {
      seq,
      webhookId: header(req, 'webhook-id') ?? null,
      type: header(req, 'x-publishgate-event') ?? null,
      method,
      path,
      verified: false,
      receivedAt: clock().toISOString(),
    };
    try {
      const signed: Record<string, string> = {};
      for (const name of SIGNED_HEADERS) signed[name] = header(req, name) ?? '';
      const payload = verifier.verify(body, signed) as Record<string, unknown>;
      entry.verified = true;
      // Only a verified body is believed; the header above is what an unverified sender claimed.
      if (typeof payload.type === 'string') entry.type = payload.type;
      if (typeof payload.requestId === 'string') entry.requestId = payload.requestId;
      const data = payload.data as Record<string, unknown> | undefined;
      if (typeof data?.subdomain === 'string') entry.subdomain = data.subdomain;
    } catch (error) {
      entry.reason = error instanceof Error ? error.message : String(error);
    }
    received.unshift(entry);
    received.length = Math.min(received.length, keep);
    answer(res, entry.verified ? 204 : 401);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => answer(res, 500));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PATH}`;
  let closed: Promise<void> | undefined;
  return {
    url,
    deliveries: () => received.map((entry) => ({ ...entry })),
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  // A repeated header is ambiguous: treat it as missing rather than guess which copy was signed.
  return typeof value === 'string' ? value : undefined;
}

function answer(res: ServerResponse, status: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-length': 0 });
  res.end();
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
