import type { NotifierPort } from './ports/notifier.js';
import type { Notification } from './schemas/domain.js';

/** Header carrying `sha256=<hex HMAC of the raw body>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-publishgate-signature-256';
/** Header carrying the notification id; receivers deduplicate on it. */
export const WEBHOOK_DELIVERY_HEADER = 'x-publishgate-delivery';
/** Header carrying the notification type. */
export const WEBHOOK_EVENT_HEADER = 'x-publishgate-event';

/** Options for {@link createWebhookNotifier}. */
export type WebhookNotifierOptions = {
  /** Where to POST; must be http(s). */
  url: string;
  /** Shared secret for the HMAC-SHA256 signature; at least 16 characters. */
  secret: string;
  /** Per-delivery timeout. Default 5 s. */
  timeoutMs?: number;
  /** Extra headers (an API key for the receiver, say). */
  headers?: Record<string, string>;
  /** The fetch to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
};

/**
 * A {@link NotifierPort} that POSTs each notification as JSON, signed like GitHub webhooks: the
 * `x-publishgate-signature-256` header holds `sha256=` and the hex HMAC-SHA256 of the exact body
 * with your secret. A non-2xx answer or a timeout rejects, so the outbox retries later; receivers
 * deduplicate by the `x-publishgate-delivery` id. Verify with {@link verifyWebhookSignature}.
 *
 * @example
 * ```ts
 * const notifier = createWebhookNotifier({ url: 'https://hooks.example.com/publishgate', secret: process.env.HOOK_SECRET! });
 * ```
 */
export function createWebhookNotifier(options: WebhookNotifierOptions): NotifierPort {
  const url = new URL(options.url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('createWebhookNotifier: url must be http(s)');
  if (url.username || url.password) throw new TypeError('createWebhookNotifier: put credentials in headers, not in the url');
  if (typeof options.secret !== 'string' || options.secret.length < 16) {
    throw new TypeError('createWebhookNotifier: secret must be at least 16 characters');
  }
  const timeoutMs = options.timeoutMs ?? 5_000;
  const doFetch = options.fetch ?? globalThis.fetch;
  const keyPromise = importKey(options.secret);

  return {
    async notify(notification: Notification, notifyOptions = {}) {
      const body = JSON.stringify(notification);
      const signature = await sign(await keyPromise, body);
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = notifyOptions.signal ? AbortSignal.any([notifyOptions.signal, timeout]) : timeout;
      const response = await doFetch(url, {
        method: 'POST',
        headers: {
          ...options.headers,
          'content-type': 'application/json',
          'user-agent': 'publishgate-webhook',
          [WEBHOOK_EVENT_HEADER]: notification.type,
          [WEBHOOK_DELIVERY_HEADER]: notification.id,
          [WEBHOOK_SIGNATURE_HEADER]: `sha256=${signature}`,
        },
        body,
        signal,
        redirect: 'error',
      });
      // Drain the body so the connection can be reused; its content is not ours to keep.
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new Error(`webhook answered HTTP ${response.status}`);
    },
  } satisfies NotifierPort;
}

/**
 * Checks a webhook delivery's signature in constant time. Pass the raw body exactly as received.
 *
 * @example
 * ```ts
 * const ok = await verifyWebhookSignature({ body: rawBody, secret, signature: req.headers['x-publishgate-signature-256'] });
 * ```
 */
export async function verifyWebhookSignature(args: {
  body: string;
  secret: string;
  signature: string | null | undefined;
}): Promise<boolean> {
  if (typeof args.signature !== 'string' || !args.signature.startsWith('sha256=')) return false;
  const expected = `sha256=${await sign(await importKey(args.secret), args.body)}`;
  if (expected.length !== args.signature.length) return false;
  let diff = 0;
  for (let index = 0; index < expected.length; index += 1) diff |= expected.charCodeAt(index) ^ args.signature.charCodeAt(index);
  return diff === 0;
}

function importKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

async function sign(key: CryptoKey, body: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)));
  let hex = '';
  for (const byte of mac) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
