import { Webhook } from 'standardwebhooks';
import type { NotifierPort } from './ports/notifier.js';
import type { Notification } from './schemas/domain.js';

/** Standard Webhooks header carrying the message id (the notification id, the same on every retry). */
export const WEBHOOK_ID_HEADER = 'webhook-id';
/** Standard Webhooks header carrying the delivery attempt's time in Unix seconds. */
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
/** Standard Webhooks header carrying `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export const WEBHOOK_STANDARD_SIGNATURE_HEADER = 'webhook-signature';
/**
 * Legacy header carrying `sha256=<hex HMAC of the raw body>`, sent only with `legacySignature: true`.
 *
 * @deprecated It signs the body alone, so a captured delivery can be replayed forever. Verify the
 * Standard Webhooks headers instead; the option and this header go away in the next minor version.
 */
export const WEBHOOK_SIGNATURE_HEADER = 'x-publishgate-signature-256';
/** Header carrying the notification id (same value as `webhook-id`); receivers deduplicate on it. */
export const WEBHOOK_DELIVERY_HEADER = 'x-publishgate-delivery';
/** Header carrying the notification type. */
export const WEBHOOK_EVENT_HEADER = 'x-publishgate-event';
/** How far a delivery's `webhook-timestamp` may be from the receiver's clock by default: 5 minutes. */
export const WEBHOOK_DEFAULT_TOLERANCE_SECONDS = 300;

const SECRET_PREFIX = 'whsec_';
const MIN_SECRET_BYTES = 16;

/** Options for {@link createWebhookNotifier}. */
export type WebhookNotifierOptions = {
  /** Where to POST; must be http(s). */
  url: string;
  /**
   * Signing secret. A Standard Webhooks secret (`whsec_` + base64 of at least 16 random bytes, see
   * {@link generateWebhookSecret}) is used as the spec says; any other string of at least 16
   * characters is used as its UTF-8 bytes, so existing secrets keep working. Give receivers
   * {@link toStandardWebhookSecret}`(secret)` for their Standard Webhooks library.
   */
  secret: string;
  /** Per-delivery timeout. Default 5 s. */
  timeoutMs?: number;
  /** Extra headers (an API key for the receiver, say). */
  headers?: Record<string, string>;
  /** The fetch to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** The time stamped on each delivery attempt. Default: the system clock. */
  clock?: () => Date;
  /**
   * Also send the old `x-publishgate-signature-256` header, for receivers not yet migrated.
   * Default `false`.
   *
   * @deprecated Migrate receivers to {@link verifyWebhookSignature} with `headers`; this option goes
   * away in the next minor version.
   */
  legacySignature?: boolean;
};

/**
 * A {@link NotifierPort} that POSTs each notification as JSON, signed per
 * [Standard Webhooks](https://www.standardwebhooks.com): `webhook-id` (the notification id, stable
 * across retries, so receivers deduplicate on it), `webhook-timestamp` (this attempt, in Unix
 * seconds) and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`). Because the
 * timestamp is signed, receivers refuse replays older than their tolerance. A non-2xx answer or a
 * timeout rejects, so the outbox retries later. Verify with {@link verifyWebhookSignature} or any
 * Standard Webhooks library.
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
  const signer = new Webhook(secretKey(options.secret, 'createWebhookNotifier'), { format: 'raw' });
  const timeoutMs = options.timeoutMs ?? 5_000;
  const doFetch = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? (() => new Date());
  const legacyKey = options.legacySignature ? importLegacyKey(options.secret) : undefined;

  return {
    async notify(notification: Notification, notifyOptions = {}) {
      const body = JSON.stringify(notification);
      // Signed per attempt: a retry hours later carries a fresh timestamp that receivers accept.
      const at = new Date(Math.floor(clock().getTime() / 1000) * 1000);
      const headers: Record<string, string> = {
        ...options.headers,
        'content-type': 'application/json',
        'user-agent': 'publishgate-webhook',
        [WEBHOOK_EVENT_HEADER]: notification.type,
        [WEBHOOK_DELIVERY_HEADER]: notification.id,
        [WEBHOOK_ID_HEADER]: notification.id,
        [WEBHOOK_TIMESTAMP_HEADER]: String(at.getTime() / 1000),
        [WEBHOOK_STANDARD_SIGNATURE_HEADER]: signer.sign(notification.id, at, body),
      };
      if (legacyKey) headers[WEBHOOK_SIGNATURE_HEADER] = `sha256=${await legacySign(await legacyKey, body)}`;
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = notifyOptions.signal ? AbortSignal.any([notifyOptions.signal, timeout]) : timeout;
      let response: Response;
      try {
        response = await doFetch(url, { method: 'POST', headers, body, signal, redirect: 'error' });
      } catch (error) {
        throw deliveryError(error, url, timeout, timeoutMs);
      }
      // Drain the body so the connection can be reused; its content is not ours to keep.
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new Error(`webhook at ${url.origin} answered HTTP ${response.status}`);
    },
  } satisfies NotifierPort;
}

// fetch rejects with a bare "fetch failed" that names neither the receiver nor the reason; an
// operator reading a dead letter needs both. Only the origin is quoted: a path or query may hold a token.
function deliveryError(error: unknown, url: URL, timeout: AbortSignal, timeoutMs: number): Error {
  const where = `webhook at ${url.origin}`;
  if (timeout.aborted) return new Error(`${where} did not answer within ${timeoutMs} ms`);
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'AbortError' || name === 'TimeoutError') return new Error(`${where}: delivery was aborted`);
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const reason = code ?? (typeof cause?.message === 'string' ? cause.message.split(url.href).join('[url]').slice(0, 200) : undefined);
  return new Error(`${where} could not be reached${reason ? ` (${reason})` : ''}`, { cause: error });
}

/** Headers as a receiver has them: a fetch `Headers`, or Node's `IncomingHttpHeaders`-like record. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/** Arguments of {@link verifyWebhookSignature} for Standard Webhooks deliveries. */
export type VerifyWebhookArgs = {
  /** The raw body exactly as received. */
  body: string;
  /** The secret the notifier was given (either form, see {@link WebhookNotifierOptions.secret}). */
  secret: string;
  /** The request's headers; `webhook-id`, `webhook-timestamp` and `webhook-signature` are read. */
  headers: WebhookHeaders;
  /** How far the timestamp may be from now, in seconds. Default 300 (5 minutes). */
  toleranceSeconds?: number;
  /** The receiver's clock. Default: the system clock. */
  clock?: () => Date;
};

/**
 * Arguments of {@link verifyWebhookSignature} for the old `x-publishgate-signature-256` header.
 *
 * @deprecated This form cannot tell a replay from a delivery; pass `headers` instead.
 */
export type VerifyLegacyWebhookArgs = {
  /** The raw body exactly as received. */
  body: string;
  /** The secret the notifier was given. */
  secret: string;
  /** The `x-publishgate-signature-256` header's value. */
  signature: string | null | undefined;
};

/**
 * Checks a webhook delivery: the Standard Webhooks signature over id, timestamp and body (in
 * constant time), and that the timestamp is within `toleranceSeconds` of now, so a captured
 * delivery replayed later is refused. Pass the raw body exactly as received. Resolves `false` for
 * any mismatch; never throws for bad input from the network.
 *
 * The deprecated `{ body, secret, signature }` form checks the old `x-publishgate-signature-256`
 * header for one more minor version.
 *
 * @example
 * ```ts
 * const ok = await verifyWebhookSignature({ body: rawBody, secret: process.env.HOOK_SECRET!, headers: request.headers });
 * if (!ok) return new Response('bad signature', { status: 401 });
 * // then deduplicate on request.headers.get('webhook-id')
 * ```
 */
export async function verifyWebhookSignature(args: VerifyWebhookArgs | VerifyLegacyWebhookArgs): Promise<boolean> {
  if (!('headers' in args)) return verifyLegacySignature(args);
  const id = readHeader(args.headers, WEBHOOK_ID_HEADER);
  const timestamp = readHeader(args.headers, WEBHOOK_TIMESTAMP_HEADER);
  const signatures = readHeader(args.headers, WEBHOOK_STANDARD_SIGNATURE_HEADER);
  if (!id || !timestamp || !signatures || !/^\d{1,12}$/.test(timestamp)) return false;
  const seconds = Number(timestamp);
  const now = Math.floor((args.clock ?? (() => new Date()))().getTime() / 1000);
  if (Math.abs(now - seconds) > (args.toleranceSeconds ?? WEBHOOK_DEFAULT_TOLERANCE_SECONDS)) return false;
  const signer = new Webhook(secretKey(args.secret, 'verifyWebhookSignature'), { format: 'raw' });
  const expected = signer.sign(id, new Date(seconds * 1000), args.body);
  // The header may list several space-separated signatures (the sender rotating secrets).
  return signatures.split(' ').some((candidate) => constantTimeEqual(candidate, expected));
}

/**
 * The Standard Webhooks form (`whsec_…`) of a secret given to {@link createWebhookNotifier}, for a
 * receiver's Standard Webhooks library. A `whsec_` secret is returned unchanged.
 *
 * @example
 * ```ts
 * import { Webhook } from 'standardwebhooks';
 * // headers: a plain record of the webhook-id, webhook-timestamp and webhook-signature strings
 * // (Node's req.headers is typed with arrays; pick the three out)
 * new Webhook(toStandardWebhookSecret(process.env.HOOK_SECRET!)).verify(rawBody, headers);
 * ```
 */
export function toStandardWebhookSecret(secret: string): string {
  const key = secretKey(secret, 'toStandardWebhookSecret');
  return secret.startsWith(SECRET_PREFIX) ? secret : `${SECRET_PREFIX}${toBase64(key)}`;
}

/**
 * A new random Standard Webhooks secret: `whsec_` + base64 of 32 bytes from the platform's
 * cryptographic random source.
 *
 * @example
 * ```ts
 * console.log(generateWebhookSecret()); // store it with the host app and the receiver
 * ```
 */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

function secretKey(secret: string, caller: string): Uint8Array {
  if (typeof secret !== 'string') throw new TypeError(`${caller}: secret must be a string`);
  if (secret.startsWith(SECRET_PREFIX)) {
    const encoded = secret.slice(SECRET_PREFIX.length);
    const key = /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) && encoded.length % 4 === 0 ? fromBase64(encoded) : undefined;
    if (!key || key.length < MIN_SECRET_BYTES) {
      throw new TypeError(`${caller}: a whsec_ secret must be base64 of at least ${MIN_SECRET_BYTES} bytes`);
    }
    return key;
  }
  if (secret.length < MIN_SECRET_BYTES) throw new TypeError(`${caller}: secret must be at least ${MIN_SECRET_BYTES} characters`);
  // UTF-8, like the legacy HMAC: the library's own raw format keeps only the low byte of each char.
  return new TextEncoder().encode(secret);
}

function readHeader(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  // A repeated header is ambiguous; refuse it rather than guess which copy was signed.
  return typeof value === 'string' ? value : undefined;
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let index = 0; index < a.length; index += 1) diff |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return diff === 0;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(encoded: string): Uint8Array {
  return Uint8Array.from(atob(encoded), (char) => char.charCodeAt(0));
}

async function verifyLegacySignature(args: VerifyLegacyWebhookArgs): Promise<boolean> {
  if (typeof args.signature !== 'string' || !args.signature.startsWith('sha256=')) return false;
  const expected = `sha256=${await legacySign(await importLegacyKey(args.secret), args.body)}`;
  return constantTimeEqual(expected, args.signature);
}

function importLegacyKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

async function legacySign(key: CryptoKey, body: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)));
  let hex = '';
  for (const byte of mac) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
