// Browser entry: runtime imports are limited to errors.ts and this folder. Everything else is
// types only, so neither zod, xstate nor a Node built-in ends up in a browser bundle.
import { PublishGateError, type PublishGateErrorCode, publishGateErrorCodes, type ValidationIssue } from '../errors.js';
import type { DecisionResult, HistoryPage, PreviewResult, RequestPage, SubdomainCheck, TrustView } from '../gate/types.js';
import type {
  ApproveBody,
  DecideManyBody,
  ExportHistoryQuery,
  HistoryQuery,
  ListRequestsQuery,
  RejectBody,
  RequestPublishBody,
  RequestRollbackBody,
  ResponseOperation,
  RetryBody,
  SetApprovalRuleBody,
  SetTrustBody,
  WithdrawBody,
} from '../http/wire.js';
import type { ApprovalRule, AuditEntry, DeadLetter, DiffSummary, PublishRequest, TrustGrant } from '../schemas/domain.js';
import { createSseParser } from './sseParser.js';

/** Options for {@link createPublishGateClient}. */
export type PublishGateClientOptions = {
  /** Where the handler is mounted: `/api/publishgate` (same origin) or an absolute URL. */
  baseUrl: string;
  /** The fetch to use. Default: the global `fetch`. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Extra headers on every call (an `authorization` token); a function is called per request. */
  headers?: HeadersInit | (() => HeadersInit | Promise<HeadersInit>);
  /** Whether cookies go along. Default `same-origin`. */
  credentials?: RequestCredentials;
  /**
   * Checks each response body before it is returned, e.g. `validatePublishGateResponse` from
   * `@publishgate/core` (zod). Off by default: zod would outweigh the rest of the client in a
   * browser bundle, and the server already validated what it stored. A throw becomes `port_failed`.
   */
  validateResponse?: (operation: ResponseOperation, body: unknown) => unknown;
};

/** Per-call options. */
export type CallOptions = {
  /** Aborts the call; the promise then rejects with the signal's reason (an `AbortError`), not a PublishGateError. */
  signal?: AbortSignal;
};

/** Options of {@link PublishGateClient.subscribe}. */
export type SubscribeOptions = {
  /**
   * Start after this event id (an audit `seq`): `'0'` replays all history the actor may see.
   * Default: only what happens from now on.
   */
  lastEventId?: string;
  /**
   * Called on every (re)connection once the server is streaming, with the position it resumes
   * from. Nothing is missed across reconnects, so a refetch is only needed on the first call.
   */
  onOpen?: (info: { lastEventId: string }) => void;
  /**
   * Called when a connection attempt fails or drops. The client keeps reconnecting with backoff,
   * except after 400/401/403/404/405 answers (sign-in needed, wrong base URL), where it stops.
   */
  onError?: (error: PublishGateError, info: { willRetry: boolean }) => void;
  /** First reconnect delay; doubles per failure up to `maxRetryDelayMs`. Default: the server's `retry:` hint, else 1 s. */
  retryDelayMs?: number;
  /** Longest reconnect delay. Default 30 s. */
  maxRetryDelayMs?: number;
  /** Reconnect when nothing (not even a heartbeat) arrived for this long. Default 45 s (3 server heartbeats). */
  idleTimeoutMs?: number;
};

/** The typed client of the publishgate HTTP API; one method per route. */
export type PublishGateClient = {
  /** `GET /workspaces/:id/preview`: the diff, findings and suggested subdomain for publishing a workspace now. */
  preview(workspaceId: string, options?: CallOptions): Promise<PreviewResult>;
  /** `GET /subdomains/:name`: whether a subdomain is valid and free (for this workspace), with suggestions. */
  checkSubdomain(input: { subdomain: string; workspaceId?: string }, options?: CallOptions): Promise<SubdomainCheck>;
  /** `POST /requests`: commits the workspace and asks for review (or auto-approves a trusted builder). */
  requestPublish(input: RequestPublishBody, options?: CallOptions): Promise<PublishRequest>;
  /**
   * `POST /workspaces/:id/rollback`: asks to bring back the version an earlier request published
   * (merged or live); the answer is a new request with `kind: 'rollback'`, reviewed like any other.
   */
  requestRollback(workspaceId: string, input: RequestRollbackBody, options?: CallOptions): Promise<PublishRequest>;
  /** `GET /workspaces/:id/rollback?toRequestId=`: what that rollback would change, before asking for it. */
  previewRollback(workspaceId: string, toRequestId: string, options?: CallOptions): Promise<DiffSummary>;
  /** `GET /requests`: the queue, newest first; builders get their own requests only. */
  listRequests(query?: ListRequestsQuery, options?: CallOptions): Promise<RequestPage>;
  /** `GET /requests/:id`. */
  getRequest(id: string, options?: CallOptions): Promise<PublishRequest>;
  /** `POST /requests/:id/approve`: resolves once the push and pull request were attempted (`approved` or `failed`). */
  approve(id: string, input?: ApproveBody, options?: CallOptions): Promise<PublishRequest>;
  /** `POST /requests/:id/reject`, with optional feedback for the builder. */
  reject(id: string, input?: RejectBody, options?: CallOptions): Promise<PublishRequest>;
  /** `POST /requests/decisions`: approves or rejects up to 100 requests, one result per id (no all-or-nothing). */
  decideMany(input: DecideManyBody, options?: CallOptions): Promise<DecisionResult[]>;
  /** `POST /requests/:id/withdraw`. */
  withdraw(id: string, input?: WithdrawBody, options?: CallOptions): Promise<PublishRequest>;
  /** `POST /requests/:id/retry`: retries a failed publish on the same branch and pull request. */
  retry(id: string, input?: RetryBody, options?: CallOptions): Promise<PublishRequest>;
  /** `GET /trust`: trust grants with `active` and `reviewDue`. */
  listTrust(query?: { blueprintId?: string }, options?: CallOptions): Promise<TrustView[]>;
  /** `PUT /trust`: grants (the grant) or revokes (`null`) trust. */
  setTrust(input: SetTrustBody, options?: CallOptions): Promise<TrustGrant | null>;
  /** `GET /approval-rules`: the approval rules set per blueprint. Admin. */
  listApprovalRules(query?: { blueprintId?: string }, options?: CallOptions): Promise<ApprovalRule[]>;
  /** `PUT /approval-rules`: sets how many approvals, and by whom, a blueprint's later requests need. Admin. */
  setApprovalRule(input: SetApprovalRuleBody, options?: CallOptions): Promise<ApprovalRule>;
  /** `GET /dead-letters`: notifications that stopped retrying, oldest first. Admin. */
  listDeadLetters(query?: { limit?: number }, options?: CallOptions): Promise<DeadLetter[]>;
  /**
   * `POST /dead-letters/:id/redeliver`: delivers a dead letter again with a fresh run of attempts.
   * With a fan-out notifier, give the dead letter's `channel`: only that channel is tried again. Admin.
   */
  redeliver(id: string, options?: CallOptions & { channel?: string }): Promise<void>;
  /** `GET /history`: a page of audit entries, oldest first. */
  history(query?: HistoryQuery, options?: CallOptions): Promise<HistoryPage>;
  /** `GET /history/export`: the whole visible history as NDJSON (default) or CSV text. */
  exportHistory(query?: ExportHistoryQuery, options?: CallOptions): Promise<string>;
  /**
   * `GET /events`: calls `onEvent` with each audit entry the actor may see, in order, over a
   * fetch-based Server-Sent Events stream that reconnects with `Last-Event-ID`. Returns the
   * function that closes it.
   */
  subscribe(onEvent: (entry: AuditEntry) => void, options?: SubscribeOptions): () => void;
};

type QueryValue = string | number | boolean | readonly string[] | undefined;

/**
 * Creates the typed client of a publishgate server. Errors are rethrown as `PublishGateError` with
 * the server's code, so `PublishGateError.is(error, 'conflict')` works the same in the browser as
 * on the server. Browser-safe: no Node built-ins, no zod, no xstate.
 *
 * @example
 * ```ts
 * import { createPublishGateClient, PublishGateError } from '@publishgate/core/client';
 *
 * const client = createPublishGateClient({ baseUrl: '/api/publishgate' });
 * const request = await client.requestPublish({ workspaceId: 'ws-1', subdomain: 'my-shop' });
 * try {
 *   await client.approve(request.id, { expectedVersion: request.version });
 * } catch (error) {
 *   if (PublishGateError.is(error, 'conflict')) reload();
 * }
 * const stop = client.subscribe((entry) => console.log(entry.type, entry.requestId));
 * ```
 */
export function createPublishGateClient(options: PublishGateClientOptions): PublishGateClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  // Looked up per call (not captured) so test doubles and polyfills installed later are used.
  const doFetch = options.fetch ?? ((input: string, init: RequestInit) => globalThis.fetch(input, init));
  const credentials = options.credentials ?? 'same-origin';
  const validate = options.validateResponse;

  function url(path: string, query: Record<string, QueryValue> = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) params.append(key, item);
      else params.append(key, String(value));
    }
    const search = params.toString();
    return `${baseUrl}${path}${search ? `?${search}` : ''}`;
  }

  async function headersFor(extra: Record<string, string>): Promise<Headers> {
    const base = typeof options.headers === 'function' ? await options.headers() : options.headers;
    const headers = new Headers(base);
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    return headers;
  }

  async function send(method: string, target: string, body: unknown, signal: AbortSignal | undefined): Promise<Response> {
    const headers = await headersFor(
      body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    );
    // Aborted while the headers were being resolved: do not start the request at all.
    signal?.throwIfAborted();
    const init: RequestInit = {
      method,
      credentials,
      // Mutations always carry a JSON body: the server refuses anything else (CSRF defence).
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    };
    try {
      return await doFetch(target, init);
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      throw new PublishGateError('port_failed', `Could not reach the publish server: ${messageOf(error)}`, {
        cause: error,
        retryable: true,
      });
    }
  }

  async function call<T>(
    operation: ResponseOperation,
    method: string,
    path: string,
    parts: { query?: Record<string, QueryValue>; body?: unknown; signal?: AbortSignal | undefined } = {},
  ): Promise<T> {
    const response = await send(method, url(path, parts.query), parts.body, parts.signal);
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) throw errorFromResponse(response.status, parsed);
    if (parsed === NOT_JSON)
      throw new PublishGateError('port_failed', `The publish server sent a response that is not JSON (${response.status}).`);
    if (!validate) return parsed as T;
    try {
      return validate(operation, parsed) as T;
    } catch (error) {
      throw new PublishGateError('port_failed', `The publish server sent an unexpected ${operation} response.`, { cause: error });
    }
  }

  const segment = (value: string) => encodeURIComponent(value);

  return {
    preview: (workspaceId, callOptions = {}) =>
      call('preview', 'GET', `/workspaces/${segment(workspaceId)}/preview`, { signal: callOptions.signal }),
    checkSubdomain: ({ subdomain, workspaceId }, callOptions = {}) =>
      call('checkSubdomain', 'GET', `/subdomains/${segment(subdomain)}`, { query: { workspaceId }, signal: callOptions.signal }),
    requestPublish: (input, callOptions = {}) => call('requestPublish', 'POST', '/requests', { body: input, signal: callOptions.signal }),
    previewRollback: (workspaceId, toRequestId, callOptions = {}) =>
      call('previewRollback', 'GET', `/workspaces/${segment(workspaceId)}/rollback`, {
        query: { toRequestId },
        signal: callOptions.signal,
      }),
    requestRollback: (workspaceId, input, callOptions = {}) =>
      call('requestRollback', 'POST', `/workspaces/${segment(workspaceId)}/rollback`, { body: input, signal: callOptions.signal }),
    listRequests: (query = {}, callOptions = {}) =>
      call('listRequests', 'GET', '/requests', {
        query: { ...query, status: query.status === undefined ? undefined : [query.status].flat() },
        signal: callOptions.signal,
      }),
    getRequest: (id, callOptions = {}) => call('getRequest', 'GET', `/requests/${segment(id)}`, { signal: callOptions.signal }),
    approve: (id, input = {}, callOptions = {}) =>
      call('approve', 'POST', `/requests/${segment(id)}/approve`, { body: input, signal: callOptions.signal }),
    reject: (id, input = {}, callOptions = {}) =>
      call('reject', 'POST', `/requests/${segment(id)}/reject`, { body: input, signal: callOptions.signal }),
    decideMany: (input, callOptions = {}) => call('decideMany', 'POST', '/requests/decisions', { body: input, signal: callOptions.signal }),
    withdraw: (id, input = {}, callOptions = {}) =>
      call('withdraw', 'POST', `/requests/${segment(id)}/withdraw`, { body: input, signal: callOptions.signal }),
    retry: (id, input = {}, callOptions = {}) =>
      call('retry', 'POST', `/requests/${segment(id)}/retry`, { body: input, signal: callOptions.signal }),
    listTrust: (query = {}, callOptions = {}) => call('listTrust', 'GET', '/trust', { query, signal: callOptions.signal }),
    setTrust: (input, callOptions = {}) => call('setTrust', 'PUT', '/trust', { body: input, signal: callOptions.signal }),
    listApprovalRules: (query = {}, callOptions = {}) =>
      call('listApprovalRules', 'GET', '/approval-rules', { query, signal: callOptions.signal }),
    setApprovalRule: (input, callOptions = {}) =>
      call('setApprovalRule', 'PUT', '/approval-rules', { body: input, signal: callOptions.signal }),
    listDeadLetters: (query = {}, callOptions = {}) =>
      call('listDeadLetters', 'GET', '/dead-letters', { query, signal: callOptions.signal }),
    redeliver: async (id, callOptions = {}) => {
      const body = callOptions.channel === undefined ? {} : { channel: callOptions.channel };
      await call('redeliver', 'POST', `/dead-letters/${segment(id)}/redeliver`, { body, signal: callOptions.signal });
    },
    history: (query = {}, callOptions = {}) => call('history', 'GET', '/history', { query, signal: callOptions.signal }),
    async exportHistory(query = {}, callOptions = {}) {
      const response = await send('GET', url('/history/export', query), undefined, callOptions.signal);
      const text = await response.text();
      if (!response.ok) throw errorFromResponse(response.status, parseJson(text));
      return text;
    },
    subscribe(onEvent, subscribeOptions = {}) {
      return subscribeToEvents({
        target: url('/events'),
        doFetch,
        credentials,
        headersFor,
        validate,
        onEvent,
        options: subscribeOptions,
      });
    },
  };
}

type SubscriptionArgs = {
  target: string;
  doFetch: (input: string, init: RequestInit) => Promise<Response>;
  credentials: RequestCredentials;
  headersFor: (extra: Record<string, string>) => Promise<Headers>;
  validate: PublishGateClientOptions['validateResponse'];
  onEvent: (entry: AuditEntry) => void;
  options: SubscribeOptions;
};

// Answers that another attempt cannot fix: the caller must sign in again or fix the base URL.
const FINAL_STATUSES = new Set([400, 401, 403, 404, 405]);

function subscribeToEvents(args: SubscriptionArgs): () => void {
  const { options } = args;
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  const maxDelayMs = options.maxRetryDelayMs ?? 30_000;
  let serverRetryMs: number | undefined;
  let lastEventId = options.lastEventId;
  let stopped = false;
  // Ends the current connection: aborts the fetch and cancels the body (a custom fetch may not tie them together).
  let endAttempt: (reason: Error) => void = () => {};
  let wakeUp: (() => void) | undefined;
  let failures = 0;

  const report = (error: PublishGateError, willRetry: boolean) => options.onError?.(error, { willRetry });

  async function connect(): Promise<'retry' | 'stop'> {
    const controller = new AbortController();
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    const end = (reason: Error) => {
      controller.abort(reason);
      void reader?.cancel(reason).catch(() => {});
    };
    endAttempt = end;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      if (idle !== undefined) clearTimeout(idle);
      idle = setTimeout(() => end(new Error('No data from the event stream; reconnecting.')), idleTimeoutMs);
    };
    try {
      touch();
      const extra: Record<string, string> = { accept: 'text/event-stream' };
      if (lastEventId !== undefined) extra['last-event-id'] = lastEventId;
      const response = await args.doFetch(args.target, {
        method: 'GET',
        headers: await args.headersFor(extra),
        credentials: args.credentials,
        cache: 'no-store',
        signal: controller.signal,
      });
      if (!response.ok) {
        const error = errorFromResponse(response.status, parseJson(await response.text()));
        const final = FINAL_STATUSES.has(response.status);
        report(error, !final);
        return final ? 'stop' : 'retry';
      }
      // A proxy's login page or an HTML 200 would otherwise sit silent until the idle timeout.
      if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
        throw new Error(`Expected text/event-stream, got ${response.headers.get('content-type') ?? 'no content type'}.`);
      }
      reader = response.body.getReader();
      const decoder = new TextDecoder();
      const parser = createSseParser({
        onRetry: (ms) => {
          serverRetryMs = ms;
        },
        onMessage: (message) => {
          if (message.event === 'ready') {
            if (message.lastEventId !== undefined) lastEventId = message.lastEventId;
            failures = 0;
            options.onOpen?.({ lastEventId: lastEventId ?? '0' });
            return;
          }
          // Drop a repeat after a reconnect race; ids are increasing audit seqs.
          if (message.lastEventId !== undefined && lastEventId !== undefined && Number(message.lastEventId) <= Number(lastEventId)) return;
          let entry: AuditEntry;
          try {
            const parsed: unknown = JSON.parse(message.data);
            entry = (args.validate ? args.validate('event', parsed) : parsed) as AuditEntry;
          } catch (error) {
            report(new PublishGateError('port_failed', 'The event stream sent an event that could not be read.', { cause: error }), true);
            return;
          }
          lastEventId = message.lastEventId;
          try {
            args.onEvent(entry);
          } catch (error) {
            // A listener's bug must not kill the stream; surface it like an EventSource listener's.
            queueMicrotask(() => {
              throw error;
            });
          }
        },
      });
      for (;;) {
        const { done, value } = await reader.read();
        if (done || stopped) break;
        touch();
        parser.push(decoder.decode(value, { stream: true }));
      }
      if (!stopped) report(new PublishGateError('port_failed', 'The event stream ended; reconnecting.', { retryable: true }), true);
      return 'retry';
    } catch (error) {
      if (stopped) return 'stop';
      report(
        PublishGateError.is(error)
          ? error
          : new PublishGateError('port_failed', `The event stream failed: ${messageOf(error)}`, { cause: error, retryable: true }),
        true,
      );
      return 'retry';
    } finally {
      if (idle !== undefined) clearTimeout(idle);
      end(new Error('The event stream connection closed.'));
    }
  }

  async function run() {
    while (!stopped) {
      const outcome = await connect();
      if (outcome === 'stop' || stopped) return;
      failures += 1;
      const base = options.retryDelayMs ?? serverRetryMs ?? 1_000;
      // Full jitter keeps a fleet of browsers from reconnecting in lockstep after a deploy.
      const delay = Math.min(maxDelayMs, base * 2 ** Math.min(failures - 1, 16)) * (0.5 + Math.random() / 2);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = undefined;
    }
  }

  void run();
  return () => {
    stopped = true;
    endAttempt(new Error('Unsubscribed.'));
    wakeUp?.();
  };
}

const NOT_JSON = Symbol('not json');

function parseJson(text: string): unknown {
  if (text === '') return NOT_JSON;
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

const CODE_BY_STATUS: Record<number, PublishGateErrorCode> = {
  400: 'validation',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'nothing_to_publish',
  500: 'internal',
  502: 'port_failed',
};

/** The server's `{ error }` body as a PublishGateError; a proxy's HTML error page by its status. */
function errorFromResponse(status: number, body: unknown): PublishGateError {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (typeof error === 'object' && error !== null) {
    const { code, message, issues } = error as { code?: unknown; message?: unknown; issues?: unknown };
    if (typeof code === 'string' && (publishGateErrorCodes as readonly string[]).includes(code)) {
      return new PublishGateError(code as PublishGateErrorCode, typeof message === 'string' ? message : `Request failed (${status}).`, {
        ...(Array.isArray(issues) ? { issues: issues as ValidationIssue[] } : {}),
      });
    }
  }
  return new PublishGateError(CODE_BY_STATUS[status] ?? 'port_failed', `The publish server answered ${status}.`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
