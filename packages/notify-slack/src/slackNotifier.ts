import type { Notification, NotifierPort } from '@publishgate/core';
import { type FetchFunction, LogLevel, WebClient } from '@slack/web-api';
import { renderSlackMessage, type SlackMessage } from './slackMessage.js';
import { SlackNotifyError } from './slackNotifyError.js';

/** Options both delivery modes share. */
export type SlackNotifierCommonOptions = {
  /**
   * Link to the review page when a notification carries no `data.requestUrl` (the gate adds one when
   * it has `requestUrl`). Buttons only open this page; decisions are made there, never from Slack.
   */
  requestUrl?: (notification: Notification) => string | undefined;
  /** Changes or replaces the message; receives the default rendering. Escape your own values with `escapeMrkdwn`. */
  render?: (notification: Notification, message: SlackMessage) => SlackMessage;
  /** Return `false` to skip a notification (it counts as delivered). Default: deliver all. */
  filter?: (notification: Notification) => boolean;
  /** Per Slack call timeout. Default 10 s. */
  timeoutMs?: number;
  /** The fetch to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
};

/** Deliver with a bot token (`xoxb-…`) through the Web API: an admin channel plus DMs to builders. */
export type SlackTokenOptions = SlackNotifierCommonOptions & {
  /** Bot token with `chat:write`, `users:read`, `users:read.email` and `im:write`. */
  token: string;
  webhookUrl?: never;
  /** Channel id for admin notifications (invite the app to it). Needed unless `channel` routes them. */
  adminChannel?: string;
  /**
   * Where a notification goes: a channel id (or user id), `null` to skip it, or `undefined` for the
   * default: admin notifications to `adminChannel`, builder notifications to a DM with the Slack
   * user whose email is the builder's (`users.lookupByEmail` + `conversations.open`).
   */
  channel?: (notification: Notification) => string | null | undefined;
  /** Base URL of Slack's Web API, ending in `/`. Default `https://slack.com/api/`. */
  slackApiUrl?: string;
};

/**
 * Deliver through one incoming webhook. It posts only to the channel it was created for, so every
 * notification, the builders' included, lands there; use `filter` to keep some out, or a token to DM.
 */
export type SlackWebhookOptions = SlackNotifierCommonOptions & {
  /** The incoming webhook's URL; it is a secret and never appears in errors. */
  webhookUrl: string;
  token?: never;
};

/** Options for {@link createSlackNotifier}: a bot `token` or an incoming `webhookUrl`. */
export type SlackNotifierOptions = SlackTokenOptions | SlackWebhookOptions;

// Slack platform errors worth retrying without anyone changing the configuration.
const RETRYABLE_CODES = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);
const HINTS: Record<string, string> = {
  not_in_channel: 'invite the app to the channel',
  channel_not_found: 'check the channel id, and that the app is in it',
  invalid_auth: 'check the token',
  not_authed: 'check the token',
  token_revoked: 'the token was revoked',
  missing_scope: 'the token lacks a scope (chat:write, users:read, users:read.email, im:write)',
  users_not_found: "no Slack user has the builder's email",
};

/**
 * A notifier that posts Block Kit messages to Slack: admin notifications to an admin channel,
 * builder notifications as a direct message to the Slack user with the builder's email. Messages
 * show the request (workspace, builder, subdomain, diff size, findings), rejection feedback and
 * link buttons to the review page and pull request; approving happens on the review page, never
 * through a link. Slack's own retries are off: a failure or a rate limit rejects at once with a
 * {@link SlackNotifyError}, and the outbox retries the notification later.
 *
 * @example
 * ```ts
 * import { createSlackNotifier } from '@publishgate/notify-slack';
 *
 * const notifier = createSlackNotifier({ token: process.env.SLACK_BOT_TOKEN!, adminChannel: 'C0123456789' });
 * const gate = createPublishGate({ storage, git, gitHost, notifier, requestUrl: (r) => `https://portal.example/requests/${r.id}` });
 * ```
 */
export function createSlackNotifier(options: SlackNotifierOptions): NotifierPort {
  if (options.token !== undefined && options.webhookUrl !== undefined) {
    throw new TypeError('createSlackNotifier: pass either a token or a webhookUrl, not both');
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  const render = (notification: Notification) => {
    const message = renderSlackMessage(notification, { requestUrl: options.requestUrl?.(notification) });
    return options.render ? options.render(notification, message) : message;
  };
  const deliver = options.webhookUrl !== undefined ? webhookDelivery(options, timeoutMs) : webApiDelivery(options, timeoutMs);
  return {
    async notify(notification, notifyOptions = {}) {
      if (options.filter && !options.filter(notification)) return;
      await deliver(notification, render(notification), notifyOptions.signal);
    },
  } satisfies NotifierPort;
}

type Deliver = (notification: Notification, message: SlackMessage, signal: AbortSignal | undefined) => Promise<void>;

function webApiDelivery(options: SlackNotifierOptions, timeoutMs: number): Deliver {
  const { token } = options;
  if (typeof token !== 'string' || token.trim() === '') throw new TypeError('createSlackNotifier: pass a token or a webhookUrl');
  const { adminChannel, channel: route } = options as SlackTokenOptions;
  const slackApiUrl = httpUrl((options as SlackTokenOptions).slackApiUrl ?? 'https://slack.com/api/', 'slackApiUrl');
  const baseFetch = options.fetch ?? globalThis.fetch;
  const redact = redactor([token]);
  const clientFor = (signal: AbortSignal | undefined) => {
    // WebClient has no per-call signal; a fetch that adds ours is the one place to pass it in.
    const fetchFn: typeof fetch = signal
      ? (input, init) => baseFetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal })
      : baseFetch;
    return new WebClient(token, {
      slackApiUrl: slackApiUrl.endsWith('/') ? slackApiUrl : `${slackApiUrl}/`,
      timeout: timeoutMs,
      // The outbox owns retries: the client's own (ten over half an hour) would hold the dispatcher.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
      allowAbsoluteUrls: false,
      fetch: fetchFn as FetchFunction,
    });
  };
  const call = async <T>(method: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toSlackError(error, method, redact);
    }
  };

  return async (notification, message, signal) => {
    const client = clientFor(signal);
    let channel = route?.(notification);
    if (channel === null) return;
    if (channel === undefined) {
      // Approvers (a reminder) are reached where admins are; `channel` can route them elsewhere.
      if (!('email' in notification.to)) {
        if (!adminChannel) {
          throw new SlackNotifyError('Slack: no adminChannel is configured for admin notifications', {
            code: 'no_channel',
            method: 'chat.postMessage',
            retryable: false,
          });
        }
        channel = adminChannel;
      } else {
        channel = await directMessageChannel(notification.to.email);
      }
    }
    const target = channel;
    await call('chat.postMessage', () =>
      client.chat.postMessage({
        channel: target,
        text: message.text,
        blocks: message.blocks,
        // Values in the message may be links a builder typed; Slack must not fetch or expand them.
        unfurl_links: false,
        unfurl_media: false,
        link_names: false,
        parse: 'none',
      }),
    );

    async function directMessageChannel(email: string): Promise<string> {
      const found = await call('users.lookupByEmail', () => client.users.lookupByEmail({ email }));
      const user = found.user;
      if (!user?.id || user.deleted) {
        throw new SlackNotifyError("Slack users.lookupByEmail failed: no active Slack user has the builder's email", {
          code: 'users_not_found',
          method: 'users.lookupByEmail',
          retryable: false,
        });
      }
      const userId = user.id;
      const opened = await call('conversations.open', () => client.conversations.open({ users: userId }));
      if (!opened.channel?.id) {
        throw new SlackNotifyError('Slack conversations.open returned no channel', {
          code: 'no_channel',
          method: 'conversations.open',
          retryable: true,
        });
      }
      return opened.channel.id;
    }
  };
}

function webhookDelivery(options: SlackWebhookOptions, timeoutMs: number): Deliver {
  const webhookUrl = httpUrl(options.webhookUrl, 'webhookUrl');
  const doFetch = options.fetch ?? globalThis.fetch;
  const redact = redactor([webhookUrl, new URL(webhookUrl).pathname]);
  const method = 'incoming-webhook';
  return async (_notification, message, signal) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await doFetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        redirect: 'error',
      });
    } catch (error) {
      throw toSlackError(error, method, redact);
    }
    const body = await response.text().catch(() => '');
    if (response.ok) return;
    if (response.status === 429) throw rateLimited(method, retryAfter(response.headers.get('retry-after')));
    // Incoming webhooks answer errors as a bare code (`invalid_blocks`, `no_service`, …).
    const code = /^[a-z_]{1,64}$/.test(body.trim()) ? body.trim() : 'http_error';
    throw new SlackNotifyError(`Slack ${method} answered HTTP ${response.status}${code === 'http_error' ? '' : ` (${code})`}`, {
      code,
      method,
      status: response.status,
      retryable: response.status >= 500 || response.status === 408,
    });
  };
}

function toSlackError(error: unknown, method: string, redact: (text: string) => string): SlackNotifyError {
  if (error instanceof SlackNotifyError) return error;
  type Failure = { name?: unknown; message?: unknown; cause?: { code?: unknown } };
  const shape = (typeof error === 'object' && error !== null ? error : {}) as Failure & {
    code?: unknown;
    retryAfter?: unknown;
    statusCode?: unknown;
    data?: { error?: unknown; needed?: unknown };
    original?: Failure;
  };
  // The web-api error classes are matched by their documented codes, not instanceof, so a second
  // copy of the library in the tree cannot defeat the mapping.
  switch (shape.code) {
    case 'slack_webapi_rate_limited_error':
      return rateLimited(method, typeof shape.retryAfter === 'number' ? shape.retryAfter : undefined);
    case 'slack_webapi_http_error': {
      const status = typeof shape.statusCode === 'number' ? shape.statusCode : 0;
      return new SlackNotifyError(`Slack ${method} answered HTTP ${status}`, {
        code: 'http_error',
        method,
        status,
        retryable: status >= 500 || status === 408 || status === 0,
      });
    }
    case 'slack_webapi_platform_error': {
      const raw = typeof shape.data?.error === 'string' ? shape.data.error : 'unknown_error';
      const code = /^[a-z0-9_.]{1,64}$/.test(raw) ? raw : 'unknown_error';
      const hint = HINTS[code];
      const needed = code === 'missing_scope' && typeof shape.data?.needed === 'string' ? ` (needs ${redact(shape.data.needed)})` : '';
      return new SlackNotifyError(`Slack ${method} failed: ${code}${hint ? ` — ${hint}` : ''}${needed}`, {
        code,
        method,
        retryable: RETRYABLE_CODES.has(code),
      });
    }
    default: {
      const original = shape.original ?? shape;
      const timedOut = original.name === 'TimeoutError' || original.name === 'AbortError';
      const cause = typeof original.cause?.code === 'string' ? ` (${original.cause.code})` : '';
      const detail = timedOut ? 'timed out or was aborted' : `failed: ${redact(String(original.message ?? 'unknown error'))}${cause}`;
      return new SlackNotifyError(`Slack ${method} request ${detail}`, { code: 'request_failed', method, retryable: true });
    }
  }
}

function rateLimited(method: string, seconds: number | undefined): SlackNotifyError {
  return new SlackNotifyError(`Slack rate-limited ${method}${seconds === undefined ? '' : `; retry after ${seconds} s`}`, {
    code: 'rate_limited',
    method,
    retryable: true,
    ...(seconds === undefined ? {} : { retryAfterSeconds: seconds }),
  });
}

function retryAfter(header: string | null): number | undefined {
  const seconds = header === null ? Number.NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

function redactor(secrets: string[]): (text: string) => string {
  const present = secrets.filter((secret) => secret.length >= 8);
  return (text) => present.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}

function httpUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`createSlackNotifier: ${name} must be a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`createSlackNotifier: ${name} must be http(s)`);
  return url.href;
}
