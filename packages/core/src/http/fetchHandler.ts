import { PublishGateError } from '../errors.js';
import type { PublishGate } from '../gate/types.js';
import { parseOrThrow } from '../parse.js';
import { type Actor, actorSchema, idSchema, type Workspace, workspaceSchema } from '../schemas/domain.js';
import { createEventStream, createHighWaterMark, type EventStreamOptions, resolveStreamOptions } from './eventStream.js';
import { createGitHubWebhookHandler } from './githubWebhook.js';
import { createOpenApiDocument } from './openApi.js';
import { isJsonContentType, readJsonBody } from './readBody.js';
import { baseHeaders, errorResponse, jsonResponse, responseForError } from './responses.js';
import {
  checkSubdomainQuerySchema,
  exportHistoryQuerySchema,
  historyQuerySchema,
  listApprovalRulesQuerySchema,
  listRequestsQuerySchema,
  listTrustQuerySchema,
  previewRollbackQuerySchema,
} from './wire.js';

/** Where the handler is mounted when `basePath` is not given. */
export const DEFAULT_BASE_PATH = '/api/publishgate';
/** Largest JSON body accepted when `maxBodyBytes` is not given: 64 KiB. */
export const DEFAULT_MAX_BODY_BYTES = 65_536;

/** Options for {@link createFetchHandler}. */
export type FetchHandlerOptions = {
  /**
   * Who is calling, from your session cookie or token; `null` answers 401 `unauthorized`. Throw a
   * `PublishGateError` to answer with its code instead.
   */
  authenticate: (request: Request) => Actor | null | Promise<Actor | null>;
  /**
   * The workspace with this id as your app knows it, or `null` when it does not exist or `actor`
   * may not see it (answers 404 `not_found`). The browser only ever sends a workspace id: owner,
   * name and blueprint always come from here.
   */
  resolveWorkspace: (id: string, actor: Actor) => Workspace | null | Promise<Workspace | null>;
  /** Path prefix of every route. Default `/api/publishgate`. */
  basePath?: string;
  /** Largest accepted JSON body in bytes; larger ones answer 413 `payload_too_large`. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Timing of `GET /events` streams. */
  events?: EventStreamOptions;
  /**
   * The secret of your GitHub webhook: `POST {basePath}/hooks/github` then receives `pull_request`
   * and `deployment_status` deliveries (verified by signature, not by `authenticate`; see
   * `createGitHubWebhookHandler`). Without it that route answers 404.
   */
  githubWebhookSecret?: string;
  /**
   * Told about failures the caller only sees as a generic 500/502 (bugs, adapter outages, invalid
   * values from `authenticate`/`resolveWorkspace`). Default `console.error`.
   */
  onError?: (error: unknown) => void;
};

/** A Web-standard request handler, plus the prefix it serves (adapters use it to fall through). */
export type FetchHandler = ((request: Request) => Promise<Response>) & {
  /** The normalized `basePath`: no trailing slash, `''` for the root. */
  readonly basePath: string;
  /**
   * Ends every open `GET /events` stream (clients reconnect, to another instance if this one is
   * going away). Call it on shutdown: node's `server.close()` waits for open streams otherwise.
   */
  closeStreams(): void;
  /**
   * Every route this handler serves, as method and path pattern below `basePath`
   * (`{ method: 'GET', path: '/requests/:id' }`), in match order: for routers that need each route
   * registered, and for checking the OpenAPI document against the handler.
   */
  readonly routes: ReadonlyArray<{ method: Method; path: string }>;
};

type Method = 'GET' | 'POST' | 'PUT';

type RouteContext = {
  request: Request;
  url: URL;
  params: string[];
  actor: Actor;
  body: unknown;
};

type Route = {
  method: Method;
  segments: string[];
  /** Mutations read a JSON body and insist on `content-type: application/json`. */
  body: boolean;
} & (
  | { public: false; run: (context: RouteContext) => Promise<Response> }
  /**
   * Answers without `authenticate`: routes that describe the API rather than act on the gate, and
   * webhooks, which prove where they come from with a signature instead.
   */
  | { public: true; run: (context: { url: URL; request: Request }) => Response | Promise<Response> }
);

/**
 * Serves the publish gate over HTTP as a Web-standard `Request → Response` function: the route table
 * of the design (every facade operation), JSON in and out, errors as `{ error: { code, message } }`
 * with the status of {@link httpStatusByCode}, and `GET /events` as Server-Sent Events read from
 * storage, so any server instance can serve any client. Mount it as is in Hono, Next.js route
 * handlers, Bun, Deno or workers; wrap it with {@link toNodeHandler} for node:http and Express.
 *
 * A success answers 200 with the JSON of exactly what the facade method returns (`GET /requests/:id`
 * → the request, `GET /trust` → the array, `PUT /trust` → the grant or `null`, `PUT /approval-rules` → the rule).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createFetchHandler, toNodeHandler } from '@publishgate/core';
 *
 * const handler = createFetchHandler(gate, {
 *   authenticate: async (request) => sessions.actorFor(request.headers.get('cookie')),
 *   resolveWorkspace: async (id, actor) => workspaces.findVisible(id, actor.id),
 * });
 * createServer(toNodeHandler(handler)).listen(3000);
 * ```
 */
export function createFetchHandler(gate: PublishGate, options: FetchHandlerOptions): FetchHandler {
  const basePath = normalizeBasePath(options.basePath ?? DEFAULT_BASE_PATH);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new PublishGateError('validation', 'maxBodyBytes must be a positive integer.');
  }
  const streamOptions = resolveStreamOptions(options.events);
  const report = options.onError ?? ((error: unknown) => console.error('[publishgate] request failed:', error));
  const highWater = createHighWaterMark();
  const openStreams = new Set<() => void>();
  let openApiDocument: string | undefined;
  const githubWebhook =
    options.githubWebhookSecret === undefined
      ? undefined
      : createGitHubWebhookHandler({ secret: options.githubWebhookSecret, gate, onError: report });

  async function workspaceFor(id: string, actor: Actor): Promise<Workspace> {
    parseOrThrow(idSchema, id, 'workspace id');
    const found = await options.resolveWorkspace(id, actor);
    if (found === null || found === undefined) throw new PublishGateError('not_found', `No workspace ${id}.`);
    const parsed = workspaceSchema.safeParse(found);
    // A malformed workspace is the host's bug, not the caller's: a 500, not a 400.
    if (!parsed.success || parsed.data.id !== id) throw new Error(`resolveWorkspace returned an invalid workspace for id ${id}.`);
    return parsed.data;
  }

  const routes: Route[] = [
    route('GET', '/workspaces/:id/preview', async ({ url, params, actor }) => {
      readQuery(url, []);
      const workspace = await workspaceFor(param(params, 0), actor);
      return jsonResponse(await gate.preview({ workspace, actor }));
    }),
    route('GET', '/subdomains/:name', async ({ url, params, actor }) => {
      const { workspaceId } = parseOrThrow(checkSubdomainQuerySchema, readQuery(url, ['workspaceId']), 'query');
      // Checking on behalf of a workspace reveals whether it holds the name: only for those who may see it.
      if (workspaceId !== undefined) await workspaceFor(workspaceId, actor);
      return jsonResponse(
        await gate.checkSubdomain({ subdomain: param(params, 0), ...(workspaceId === undefined ? {} : { workspaceId }) }),
      );
    }),
    route('POST', '/requests', async ({ request, url, actor, body }) => {
      readQuery(url, []);
      const { workspaceId, ...input } = bodyFields(body, ['workspace', 'actor']);
      const headerKey = request.headers.get('idempotency-key');
      if (headerKey !== null && input.idempotencyKey !== undefined && headerKey !== input.idempotencyKey) {
        throw new PublishGateError('validation', 'The Idempotency-Key header and the idempotencyKey field differ.', {
          issues: [{ path: 'idempotencyKey', message: 'differs from the Idempotency-Key header' }],
        });
      }
      const idempotencyKey =
        input.idempotencyKey ?? (headerKey === null ? undefined : parseOrThrow(idSchema, headerKey, 'Idempotency-Key header'));
      const workspace = await workspaceFor(parseOrThrow(idSchema, workspaceId, 'workspaceId'), actor);
      return jsonResponse(
        await gate.requestPublish({
          ...input,
          workspace,
          actor,
          ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        } as Parameters<PublishGate['requestPublish']>[0]),
      );
    }),
    route('GET', '/workspaces/:id/rollback', async ({ url, params, actor }) => {
      const { toRequestId } = parseOrThrow(previewRollbackQuerySchema, readQuery(url, ['toRequestId']), 'query');
      const workspace = await workspaceFor(param(params, 0), actor);
      return jsonResponse(await gate.previewRollback({ workspace, toRequestId, actor }));
    }),
    route('POST', '/workspaces/:id/rollback', async ({ url, params, actor, body }) => {
      readQuery(url, []);
      const input = bodyFields(body, ['workspace', 'actor']);
      const workspace = await workspaceFor(param(params, 0), actor);
      return jsonResponse(await gate.requestRollback({ ...input, workspace, actor } as Parameters<PublishGate['requestRollback']>[0]));
    }),
    route('POST', '/requests/decisions', async ({ url, actor, body }) => {
      readQuery(url, []);
      const input = bodyFields(body, ['actor']);
      return jsonResponse(await gate.decideMany({ ...input, actor } as Parameters<PublishGate['decideMany']>[0]));
    }),
    route('GET', '/requests', async ({ url, actor }) => {
      const query = readQuery(
        url,
        ['status', 'blueprintId', 'workspaceId', 'builderId', 'deliveryState', 'cursor', 'limit'],
        ['status', 'deliveryState'],
      );
      const status = query.status === undefined ? undefined : [query.status].flat().flatMap((value) => value.split(','));
      const deliveryState =
        query.deliveryState === undefined ? undefined : [query.deliveryState].flat().flatMap((value) => value.split(','));
      const filters = parseOrThrow(
        listRequestsQuerySchema,
        {
          ...query,
          ...(status === undefined ? {} : { status }),
          ...(deliveryState === undefined ? {} : { deliveryState }),
          ...numbers(query, ['limit']),
        },
        'query',
      );
      return jsonResponse(await gate.listRequests({ ...filters, actor }));
    }),
    route('GET', '/requests/:id', async ({ url, params, actor }) => {
      readQuery(url, []);
      return jsonResponse(await gate.getRequest({ id: param(params, 0), actor }));
    }),
    route('POST', '/requests/:id/approve', async ({ url, params, actor, body }) => {
      readQuery(url, []);
      const input = bodyFields(body, ['id', 'actor']);
      return jsonResponse(await gate.approve({ ...input, id: param(params, 0), actor } as Parameters<PublishGate['approve']>[0]));
    }),
    route('POST', '/requests/:id/reject', async ({ url, params, actor, body }) => {
      readQuery(url, []);
      const input = bodyFields(body, ['id', 'actor']);
      return jsonResponse(await gate.reject({ ...input, id: param(params, 0), actor } as Parameters<PublishGate['reject']>[0]));
    }),
    route('POST', '/requests/:id/withdraw', async ({ url, params, actor, body }) => {
      readQuery(url, []);
      const input = bodyFields(body, ['id', 'actor']);
      return jsonResponse(await gate.withdraw({ ...input, id: param(params, 0), actor } as Parameters<PublishGate['withdraw']>[0]));
    }),
    route('POST', '/requests/:id/retry', async ({ url, params, actor, body }) => {
      readQuery(url, []);
      const input = bodyFields(body, ['id', 'actor']);
      return jsonResponse(await gate.retry({ ...input, id: param(params, 0), actor } as Parameters<PublishGate['retry']>[0]));
    }),
    route('GET', '/trust', async ({ url, actor }) => {
      const filters = parseOrThrow(listTrustQuerySchema, readQuery(url, ['blueprintId']), 'query');
      return jsonResponse(await gate.listTrust({ ...filters, actor }));
    }),
    route('PUT', '/trust', async ({ url, actor, body }) => {
      readQuery(url, []);
      const input = bodyFields(body, ['actor']);
      return jsonResponse(await gate.setTrust({ ...input, actor } as Parameters<PublishGate['setTrust']>[0]));
    }),
    route('GET', '/approval-rules', async ({ url, actor }) => {
      const filters = parseOrThrow(listApprovalRulesQuerySchema, readQuery(url, ['blueprintId']), 'query');
      return jsonResponse(await gate.listApprovalRules({ ...filters, actor }));
    }),
    route('PUT', '/approval-rules', async ({ url, actor, body }) => {
      readQuery(url, []);
      const input = bodyFields(body, ['actor']);
      return jsonResponse(await gate.setApprovalRule({ ...input, actor } as Parameters<PublishGate['setApprovalRule']>[0]));
    }),
    route('GET', '/dead-letters', async ({ url, actor }) => {
      const query = readQuery(url, ['limit']);
      return jsonResponse(
        await gate.listDeadLetters({ ...query, ...numbers(query, ['limit']), actor } as Parameters<PublishGate['listDeadLetters']>[0]),
      );
    }),
    route('POST', '/dead-letters/:id/redeliver', async ({ url, params, actor, body }) => {
      readQuery(url, []);
      const input = bodyFields(body, ['id', 'actor']);
      await gate.redeliver({ ...input, id: param(params, 0), actor } as Parameters<PublishGate['redeliver']>[0]);
      return jsonResponse({ ok: true });
    }),
    route('GET', '/history', async ({ url, actor }) => {
      const query = readQuery(url, ['requestId', 'workspaceId', 'afterSeq', 'limit']);
      const filters = parseOrThrow(historyQuerySchema, { ...query, ...numbers(query, ['afterSeq', 'limit']) }, 'query');
      return jsonResponse(await gate.history({ ...filters, actor }));
    }),
    route('GET', '/history/export', async ({ url, actor }) => {
      const filters = parseOrThrow(exportHistoryQuerySchema, readQuery(url, ['requestId', 'workspaceId', 'format']), 'query');
      return exportResponse(gate.exportHistory({ ...filters, actor }), filters.format ?? 'ndjson', report);
    }),
    route('GET', '/events', async ({ request, url, actor }) => {
      const query = readQuery(url, ['lastEventId']);
      const requested = request.headers.get('last-event-id') ?? (typeof query.lastEventId === 'string' ? query.lastEventId : null);
      let afterSeq: number;
      if (requested === null || requested === '') {
        afterSeq = await highWater.currentEnd(gate, actor);
      } else if (/^\d{1,15}$/.test(requested)) {
        afterSeq = Number(requested);
      } else {
        throw new PublishGateError('validation', 'Last-Event-ID must be a non-negative integer.', {
          issues: [{ path: 'lastEventId', message: 'must be a non-negative integer' }],
        });
      }
      const stream = createEventStream({
        gate,
        actor,
        afterSeq,
        options: streamOptions,
        signal: request.signal,
        report,
        observe: highWater.observe,
        open: openStreams,
      });
      return new Response(stream, {
        status: 200,
        // x-accel-buffering: nginx would otherwise hold events back until its buffer fills.
        headers: baseHeaders({ 'content-type': 'text/event-stream; charset=utf-8', 'x-accel-buffering': 'no' }),
      });
    }),
    publicRoute('POST', '/hooks/github', ({ url, request }) => {
      if (!githubWebhook) return errorResponse('not_found', 'GitHub webhooks are not set up here.', 404);
      readQuery(url, []);
      return githubWebhook(request);
    }),
    publicRoute('GET', '/openapi.json', ({ url }) => {
      readQuery(url, []);
      // Built on first use: most handlers never serve it, and it does not change while they run.
      openApiDocument ??= JSON.stringify(createOpenApiDocument({ basePath }));
      return new Response(openApiDocument, { status: 200, headers: baseHeaders({ 'content-type': 'application/json; charset=utf-8' }) });
    }),
  ];

  async function authenticate(request: Request): Promise<Actor | null> {
    const actor = await options.authenticate(request);
    if (actor === null || actor === undefined) return null;
    const parsed = actorSchema.safeParse(actor);
    if (!parsed.success) throw new Error('authenticate returned an invalid actor.');
    return parsed.data;
  }

  async function handle(request: Request): Promise<Response> {
    try {
      const url = new URL(request.url);
      const path = relativePath(url.pathname, basePath);
      if (path === null) return errorResponse('not_found', `No route ${url.pathname.slice(0, 200)}.`, 404);
      const segments = splitPath(path);
      if (segments === null) return errorResponse('validation', 'The path is not valid percent-encoding.', 400);
      const matched = match(routes, request.method, segments);
      if (matched.kind === 'none') return errorResponse('not_found', `No route ${request.method} ${path.slice(0, 200)}.`, 404);
      if (matched.kind === 'method') {
        return errorResponse('method_not_allowed', `${request.method} is not supported on ${path.slice(0, 200)}.`, 405, {
          headers: { allow: matched.allow.join(', ') },
        });
      }
      if (matched.route.public) return await matched.route.run({ url, request });
      const actor = await authenticate(request);
      if (!actor) return errorResponse('unauthorized', 'Sign in to use publishing.', 401);
      let body: unknown;
      if (matched.route.body) {
        if (!isJsonContentType(request.headers.get('content-type'))) {
          return errorResponse('unsupported_media_type', 'Send the request body as application/json.', 415);
        }
        body = await readJsonBody(request, maxBodyBytes);
      }
      return await matched.route.run({ request, url, params: matched.params, actor, body });
    } catch (error) {
      return responseForError(error, report);
    }
  }

  return Object.assign(handle, {
    basePath,
    routes: routes.map((known) => ({ method: known.method, path: `/${known.segments.join('/')}` })),
    closeStreams() {
      for (const close of [...openStreams]) close();
    },
  });
}

function route(method: Method, pattern: string, run: (context: RouteContext) => Promise<Response>): Route {
  return { method, segments: pattern.split('/').slice(1), body: method !== 'GET', public: false, run };
}

function publicRoute(
  method: Method,
  pattern: string,
  run: (context: { url: URL; request: Request }) => Response | Promise<Response>,
): Route {
  // A public route reads its own body (a webhook verifies the raw bytes before parsing them).
  return { method, segments: pattern.split('/').slice(1), body: false, public: true, run };
}

type Match = { kind: 'route'; route: Route; params: string[] } | { kind: 'method'; allow: string[] } | { kind: 'none' };

function match(routes: readonly Route[], method: string, segments: readonly string[]): Match {
  const allow: string[] = [];
  for (const candidate of routes) {
    if (candidate.segments.length !== segments.length) continue;
    const params: string[] = [];
    let ok = true;
    for (let index = 0; index < segments.length; index += 1) {
      const expected = candidate.segments[index] as string;
      const actual = segments[index] as string;
      if (expected.startsWith(':')) {
        if (actual === '') {
          ok = false;
          break;
        }
        params.push(actual);
      } else if (expected !== actual) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    if (candidate.method === method) return { kind: 'route', route: candidate, params };
    allow.push(candidate.method);
  }
  return allow.length > 0 ? { kind: 'method', allow } : { kind: 'none' };
}

function normalizeBasePath(basePath: string): string {
  if (basePath !== '' && !basePath.startsWith('/')) {
    throw new PublishGateError('validation', `basePath must start with "/" (got "${basePath}").`);
  }
  return basePath.replace(/\/+$/, '');
}

/** The path below `basePath`, or null when the request is not for this handler. */
function relativePath(pathname: string, basePath: string): string | null {
  if (basePath === '') return pathname;
  if (pathname === basePath) return '/';
  return pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length) : null;
}

function splitPath(path: string): string[] | null {
  try {
    return path
      .split('/')
      .slice(1)
      .map((segment) => decodeURIComponent(segment));
  } catch {
    return null;
  }
}

function param(params: readonly string[], index: number): string {
  return params[index] ?? '';
}

type Query = Record<string, string | string[]>;

/**
 * The query string as an object. Unknown keys are refused (a typo such as `?stauts=` would
 * otherwise silently return everything), and so is a repeated key unless listed in `repeatable`.
 */
function readQuery(url: URL, allowed: readonly string[], repeatable: readonly string[] = []): Query {
  const query: Query = {};
  for (const [key, value] of url.searchParams) {
    if (!allowed.includes(key)) {
      throw new PublishGateError('validation', `Unknown query parameter "${key.slice(0, 64)}".`, {
        issues: [{ path: key.slice(0, 64), message: 'unknown query parameter' }],
      });
    }
    const previous = query[key];
    if (previous === undefined) query[key] = value;
    else if (repeatable.includes(key)) query[key] = [previous, value].flat();
    else {
      throw new PublishGateError('validation', `The query parameter "${key}" is given more than once.`, {
        issues: [{ path: key, message: 'given more than once' }],
      });
    }
  }
  return query;
}

/** Query values of `keys` as numbers when they are plain integers; other text is left for the schema to refuse. */
function numbers(query: Query, keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of keys) {
    const value = query[key];
    if (typeof value === 'string' && /^\d{1,15}$/.test(value)) out[key] = Number(value);
  }
  return out;
}

async function exportResponse(lines: AsyncIterable<string>, format: 'ndjson' | 'csv', report: (error: unknown) => void): Promise<Response> {
  const iterator = lines[Symbol.asyncIterator]();
  // Read the first chunk before answering, so a refusal or an outage still gets a proper status.
  let pending: IteratorResult<string> | undefined = await iterator.next();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = pending ?? (await iterator.next());
        pending = undefined;
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        // Headers are gone already; cutting the stream short is the only signal left.
        report(error);
        controller.error(new Error('History export failed.'));
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  const csv = format === 'csv';
  return new Response(body, {
    status: 200,
    headers: baseHeaders({
      'content-type': csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="publishgate-history.${csv ? 'csv' : 'ndjson'}"`,
    }),
  });
}

/**
 * The fields of a JSON body, passed on for the gate to validate: the gate's schema is the one
 * check of every field, so a body is parsed once. Here only its shape is checked, and the fields
 * the server supplies itself (who is calling, which request) are refused rather than overwritten.
 */
function bodyFields(body: unknown, serverFields: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new PublishGateError('validation', 'The request body must be a JSON object.', {
      issues: [{ path: '(root)', message: 'expected an object' }],
    });
  }
  const supplied = serverFields.filter((field) => Object.hasOwn(body, field));
  if (supplied.length > 0) {
    throw new PublishGateError('validation', `The request body may not set ${supplied.join(', ')}: the server supplies it.`, {
      issues: supplied.map((field) => ({ path: field, message: 'set by the server' })),
    });
  }
  return body as Record<string, unknown>;
}
