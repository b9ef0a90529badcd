import { createHmac } from 'node:crypto';
import { type Actor, createFetchHandler, createOpenApiDocument, type FetchHandler, type OpenApiObject } from '@publishgate/core';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { admin, builder, builder2, setup, workspace, workspace2 } from '../helpers';
import { BASE_PATH, bearer, hostOptions, idleWorkspace } from './harness';

const document = createOpenApiDocument();

const signature = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** `/requests/{id}` → `/requests/:id`, the route table's spelling. */
function routePath(template: string): string {
  return template.replace(/\{([^}]+)\}/g, ':$1');
}

/** The documented operation serving `method` on a concrete path below the base path. */
function operationFor(method: string, path: string): { key: string; operation: OpenApiObject } {
  for (const [template, item] of Object.entries(document.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const operation = item[method.toLowerCase()];
    if (pattern.test(path) && operation) return { key: `${method} ${routePath(template)}`, operation };
  }
  throw new Error(`No documented operation for ${method} ${path}`);
}

// The document's component schemas, loaded into a JSON Schema 2020-12 validator (OpenAPI 3.1's
// dialect) in strict mode, so an unknown keyword in zod's output would fail here too.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
addFormats(ajv);
ajv.addSchema(rebase({ $id: 'https://publishgate.test/components', $defs: document.components.schemas }));

/** `schema` with its `#/components/schemas/` refs pointing into the components loaded above. */
function rebase(schema: unknown): object {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"https://publishgate.test/components#/$defs/'));
}

/** A validator for a schema found in the document. */
function compile(schema: unknown) {
  return ajv.compile(rebase(schema));
}

function responseSchema(operation: OpenApiObject, status: number): unknown {
  const responses = operation.responses as Record<string, OpenApiObject>;
  let response = responses[String(status)];
  if (response === undefined) return undefined;
  if (typeof response.$ref === 'string') {
    response = document.components.responses[response.$ref.replace('#/components/responses/', '')] as OpenApiObject;
  }
  const content = response.content as Record<string, { schema: unknown }>;
  return content['application/json']?.schema;
}

/**
 * Sends one request through the handler and checks the answer against the document: the status
 * must be documented for the operation, and a JSON body must match the documented schema.
 */
function createChecker(handler: FetchHandler) {
  const answered = new Map<string, Set<number>>();
  return {
    answered,
    async send(
      method: string,
      path: string,
      options: { actor?: Actor; body?: unknown; rawBody?: string; contentType?: string; headers?: Record<string, string> } = {},
    ) {
      const headers: Record<string, string> = { ...(options.actor ? bearer(options.actor) : {}), ...options.headers };
      const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
      // Mutations are always JSON, even with an empty body.
      if (method !== 'GET') headers['content-type'] = options.contentType ?? 'application/json';
      const response = await handler(
        new Request(`http://portal.test${BASE_PATH}${path}`, { method, headers, ...(body === undefined ? {} : { body }) }),
      );
      const { key, operation } = operationFor(method, path.split('?')[0] as string);
      const statuses = answered.get(key) ?? new Set<number>();
      statuses.add(response.status);
      answered.set(key, statuses);
      expect(Object.keys(operation.responses as object), `${key} answered an undocumented ${response.status}`).toContain(
        String(response.status),
      );
      const type = response.headers.get('content-type') ?? '';
      if (!type.startsWith('application/json')) {
        // Streams: the media type must be one the operation documents.
        const success = (operation.responses as Record<string, { content: object }>)['200'];
        expect(Object.keys(success?.content ?? {})).toContain(type.split(';')[0]);
        await response.body?.cancel();
        return { status: response.status, body: undefined };
      }
      const json: unknown = await response.json();
      const schema = responseSchema(operation, response.status);
      if (key !== 'GET /openapi.json') {
        const validate = compile(schema);
        expect(validate(json), `${key} ${response.status}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
      return { status: response.status, body: json as { id: string; version: number } & Record<string, unknown> };
    },
  };
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(document.openapi).toMatch(/^3\.1\./);
  });

  it('has component schemas that compile as JSON Schema 2020-12 in strict mode', () => {
    expect(Object.keys(document.components.schemas).length).toBeGreaterThan(20);
    for (const name of Object.keys(document.components.schemas)) {
      expect(() => compile({ $ref: `#/components/schemas/${name}` }), name).not.toThrow();
    }
  });

  it('documents every route the handler serves, and only those', () => {
    const { gate } = setup();
    const handler = createFetchHandler(gate, hostOptions());
    const served = handler.routes.map((route) => `${route.method} ${route.path}`).sort();
    const documented = Object.entries(document.paths)
      .flatMap(([template, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${routePath(template)}`))
      .sort();
    expect(documented).toEqual(served);
    // Every path parameter of the template is declared as a parameter.
    for (const [template, item] of Object.entries(document.paths)) {
      const names = [...template.matchAll(/\{([^}]+)\}/g)].map((found) => found[1]);
      for (const operation of Object.values(item)) {
        const declared = ((operation.parameters ?? []) as OpenApiObject[])
          .filter((param) => param.in === 'path')
          .map((param) => param.name);
        expect(declared, template).toEqual(names);
      }
    }
  });

  it('puts the base path and server URL in servers, and declares security schemes when given', () => {
    expect(createOpenApiDocument().servers).toEqual([{ url: '/api/publishgate' }]);
    expect(createOpenApiDocument({ basePath: '/' }).servers).toEqual([{ url: '/' }]);
    const custom = createOpenApiDocument({
      basePath: '/pg/',
      serverUrl: 'https://portal.example.com/',
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'sid' } },
    });
    expect(custom.servers).toEqual([{ url: 'https://portal.example.com/pg' }]);
    expect(custom.components.securitySchemes).toEqual({ session: { type: 'apiKey', in: 'cookie', name: 'sid' } });
    expect(custom.paths['/requests']?.get?.security).toEqual([{ session: [] }]);
    expect(custom.paths['/openapi.json']?.get?.security).toEqual([]);
  });

  it('is served at GET {basePath}/openapi.json without authentication, with the handler base path as server', async () => {
    const { gate } = setup();
    const calls: string[] = [];
    const handler = createFetchHandler(gate, {
      ...hostOptions(),
      basePath: '/internal/pg',
      authenticate: (request) => {
        calls.push(request.url);
        return null;
      },
    });
    const response = await handler(new Request('http://portal.test/internal/pg/openapi.json'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const served = (await response.json()) as typeof document;
    expect(served).toEqual(createOpenApiDocument({ basePath: '/internal/pg' }));
    expect(calls).toEqual([]);
    // Other routes still need the actor.
    expect((await handler(new Request('http://portal.test/internal/pg/requests'))).status).toBe(401);
    expect((await handler(new Request('http://portal.test/internal/pg/openapi.json?x=1'))).status).toBe(400);
    const post = await handler(new Request('http://portal.test/internal/pg/openapi.json', { method: 'POST' }));
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });

  it('describes the real responses of every route, successes and refusals, on the memory storage and fakes', async () => {
    const { gate, git, gitHost, notifier } = setup();
    const handler = createFetchHandler(gate, {
      ...hostOptions(),
      basePath: BASE_PATH,
      maxBodyBytes: 4_096,
      onError: () => {},
      githubWebhookSecret: 'webhook-secret',
    });
    const { send, answered } = createChecker(handler);

    git.write(workspace, 'index.html', '<h1>Bob sells bikes</h1>\n');
    git.write(workspace2, '.env', 'API_KEY=sk_live_0123456789abcdef0123\n');
    expect((await send('GET', `/workspaces/${workspace.id}/preview`, { actor: builder })).status).toBe(200);
    expect((await send('GET', `/subdomains/Bobs-Bikes?workspaceId=${workspace.id}`, { actor: builder })).status).toBe(200);
    expect((await send('GET', '/subdomains/www', { actor: builder })).body).toMatchObject({ available: false });
    const submitted = await send('POST', '/requests', {
      actor: builder,
      body: { workspaceId: workspace.id, subdomain: 'bobs-bikes', note: 'v1' },
    });
    expect(submitted).toMatchObject({ status: 200, body: { status: 'pending' } });
    const second = await send('POST', '/requests', { actor: builder2, body: { workspaceId: workspace2.id, subdomain: 'carols-blog' } });
    expect(second.status).toBe(200);
    expect((await send('GET', '/requests?status=pending,failed&limit=1', { actor: admin })).body).toMatchObject({
      nextCursor: expect.any(String),
    });
    expect((await send('GET', `/requests/${submitted.body?.id}`, { actor: builder })).status).toBe(200);

    // Refusals, each validated against its status's error response.
    expect((await send('GET', '/requests?stauts=pending', { actor: admin })).status).toBe(400);
    expect((await send('GET', '/requests')).status).toBe(401);
    expect((await send('POST', `/requests/${submitted.body?.id}/approve`, { actor: builder, body: {} })).status).toBe(403);
    expect((await send('GET', '/requests/nope', { actor: admin })).status).toBe(404);
    expect((await send('POST', '/requests', { actor: builder, body: { workspaceId: workspace.id, subdomain: 'bobs-other' } })).status).toBe(
      409,
    );
    expect(
      (await send('POST', '/requests', { actor: builder2, body: { workspaceId: idleWorkspace.id, subdomain: 'idle-app' } })).status,
    ).toBe(422);
    expect(
      (
        await send('POST', `/requests/${second.body?.id}/reject`, {
          actor: admin,
          rawBody: JSON.stringify({ feedback: 'x'.repeat(5_000) }),
        })
      ).status,
    ).toBe(413);
    expect(
      (await send('PUT', '/trust', { actor: admin, rawBody: 'blueprintId=bp', contentType: 'application/x-www-form-urlencoded' })).status,
    ).toBe(415);
    expect((await send('GET', '/events?lastEventId=abc', { actor: admin })).status).toBe(400);

    // Decisions: reject one, fail and retry the other, then withdraw a fresh one.
    expect(
      (await send('POST', `/requests/${second.body?.id}/reject`, { actor: admin, body: { feedback: 'No secrets, please.' } })).body,
    ).toMatchObject({ status: 'rejected' });
    git.failNext('push', Object.assign(new Error('fake git: injected push failure'), { retryable: false }));
    const failed = await send('POST', `/requests/${submitted.body?.id}/approve`, { actor: admin, body: { comment: 'Ship it' } });
    expect(failed.body).toMatchObject({ status: 'failed', error: { code: 'port_failed' } });
    expect((await send('POST', `/requests/${submitted.body?.id}/approve`, { actor: admin, body: {} })).status).toBe(409);
    const retried = await send('POST', `/requests/${submitted.body?.id}/retry`, { actor: admin });
    expect(retried.body).toMatchObject({ status: 'approved', pullRequest: { number: 1 } });

    // A signed GitHub webhook: the pull request was merged.
    const hook = JSON.stringify({
      action: 'closed',
      pull_request: { number: 1, merged: true, merge_commit_sha: 'e'.repeat(40), head: { ref: retried.body?.branch } },
    });
    const hookHeaders = (body: string) => ({ 'x-github-event': 'pull_request', 'x-hub-signature-256': signature('webhook-secret', body) });
    expect((await send('POST', '/hooks/github', { rawBody: hook, headers: { 'x-github-event': 'pull_request' } })).status).toBe(401);
    expect((await send('POST', '/hooks/github', { rawBody: hook, headers: hookHeaders(hook) })).body).toEqual({ outcome: 'updated' });
    expect((await send('POST', '/hooks/github', { rawBody: hook, headers: hookHeaders(hook) })).status).toBe(202);
    expect(gitHost.pullRequests()).toHaveLength(1);
    // Rollback: the merged request is the current publication (422), then a newer one is published and it comes back.
    const rollbackPath = `/workspaces/${workspace.id}/rollback`;
    expect((await send('POST', rollbackPath, { actor: builder, body: { toRequestId: submitted.body?.id } })).status).toBe(422);
    git.write(workspace, 'index.html', '<h1>Bob sells boats</h1>\n');
    const newer = await send('POST', '/requests', { actor: builder, body: { workspaceId: workspace.id, subdomain: 'bobs-bikes' } });
    expect((await send('POST', `/requests/${newer.body?.id}/approve`, { actor: admin, body: {} })).body).toMatchObject({
      status: 'approved',
    });
    const previewed = await send('GET', `${rollbackPath}?toRequestId=${submitted.body?.id}`, { actor: builder });
    expect(previewed.body).toMatchObject({ files: [{ path: 'index.html', status: 'modified' }] });
    expect((await send('GET', `${rollbackPath}?toRequestId=${newer.body?.id}`, { actor: builder })).status).toBe(409);
    const rollback = await send('POST', rollbackPath, { actor: builder, body: { toRequestId: submitted.body?.id, note: 'Bikes again' } });
    expect(rollback.body).toMatchObject({ status: 'pending', kind: 'rollback', rollbackOf: submitted.body?.id });
    expect((await send('POST', rollbackPath, { actor: builder, body: { toRequestId: newer.body?.id } })).status).toBe(409);
    expect((await send('POST', `/requests/${rollback.body?.id}/withdraw`, { actor: builder })).status).toBe(200);
    git.write(workspace2, '.env', 'API_KEY=removed\n');
    const third = await send('POST', '/requests', { actor: builder2, body: { workspaceId: workspace2.id, subdomain: 'carols-blog' } });
    expect((await send('POST', `/requests/${third.body?.id}/withdraw`, { actor: builder2 })).body).toMatchObject({ status: 'withdrawn' });

    // Trust, history, export, events, and the document itself.
    expect(
      (
        await send('PUT', '/trust', {
          actor: admin,
          body: { blueprintId: 'bp-shop', userId: builder.id, email: builder.email, trusted: true },
        })
      ).status,
    ).toBe(200);
    expect((await send('GET', '/trust?blueprintId=bp-shop', { actor: admin })).body).toHaveLength(1);
    expect(
      (
        await send('PUT', '/trust', {
          actor: admin,
          body: { blueprintId: 'bp-shop', userId: builder.id, email: builder.email, trusted: false },
        })
      ).body,
    ).toBeNull();
    // Bulk decisions answer one result per id.
    const bulk = await send('POST', '/requests/decisions', { actor: admin, body: { ids: ['nope-1'], decision: 'reject' } });
    expect(bulk.body).toEqual([{ id: 'nope-1', ok: false, error: { code: 'not_found', message: expect.any(String) } }]);
    expect((await send('POST', '/requests/decisions', { actor: admin, body: { ids: [], decision: 'reject' } })).status).toBe(400);
    // Approval rules: set, listed, refused to builders.
    const rule = await send('PUT', '/approval-rules', {
      actor: admin,
      body: { blueprintId: 'bp-other', requiredApprovals: 2, approvers: [{ role: 'admin' }, { userId: builder2.id }] },
    });
    expect(rule.body).toMatchObject({ blueprintId: 'bp-other', requiredApprovals: 2 });
    expect((await send('GET', '/approval-rules?blueprintId=bp-other', { actor: admin })).body).toHaveLength(1);
    expect((await send('GET', '/approval-rules', { actor: builder })).status).toBe(403);
    expect((await send('PUT', '/approval-rules', { actor: admin, body: { blueprintId: 'bp-other', requiredApprovals: 11 } })).status).toBe(
      400,
    );
    expect((await send('GET', '/history?limit=3', { actor: admin })).body).toMatchObject({ nextAfterSeq: expect.any(Number) });
    // A notification its receiver refuses for good becomes a dead letter; an admin sends it again.
    await gate.sweep();
    notifier.failNext(1, Object.assign(new Error('address rejected'), { retryable: false }));
    await gate.setTrust({ blueprintId: 'bp-dead', userId: builder2.id, email: builder2.email, trusted: true, actor: admin });
    await gate.sweep();
    const dead = await send('GET', '/dead-letters?limit=5', { actor: admin });
    expect(dead.body).toHaveLength(1);
    expect((await send('GET', '/dead-letters', { actor: builder })).status).toBe(403);
    expect((await send('POST', '/dead-letters/nope/redeliver', { actor: admin, body: {} })).status).toBe(404);
    const deadId = (dead.body as unknown as Array<{ notification: { id: string } }>)[0]?.notification.id;
    expect((await send('POST', `/dead-letters/${deadId}/redeliver`, { actor: admin, body: {} })).status).toBe(200);
    expect((await send('GET', `/history?requestId=${submitted.body?.id}`, { actor: builder })).status).toBe(200);
    expect((await send('GET', '/history/export?format=csv', { actor: admin })).status).toBe(200);
    expect((await send('GET', '/history/export', { actor: admin })).status).toBe(200);
    expect((await send('GET', '/events', { actor: admin })).status).toBe(200);
    expect((await send('GET', '/openapi.json')).status).toBe(200);
    handler.closeStreams();

    // Every documented route answered a success in this flow, and every documented error status was met somewhere.
    const served = handler.routes.map((route) => `${route.method} ${route.path}`);
    for (const key of served) expect(answered.get(key), key).toContain(200);
    const met = new Set([...answered.values()].flatMap((statuses) => [...statuses]));
    for (const status of [400, 401, 403, 404, 409, 413, 415, 422]) expect(met, String(status)).toContain(status);
    await gate.close();
  });

  it('describes the bodies the handler accepts and refuses the same unknown keys', () => {
    const body = (name: string) => compile({ $ref: `#/components/schemas/${name}` });
    expect(body('RequestPublishBody')({ workspaceId: 'ws-1', subdomain: 'my-shop', note: 'hi', idempotencyKey: 'k-1' })).toBe(true);
    expect(body('RequestPublishBody')({ workspaceId: 'ws-1', subdomain: 'my-shop', actor: admin })).toBe(false);
    expect(body('RequestPublishBody')({ subdomain: 'my-shop' })).toBe(false);
    expect(body('RequestRollbackBody')({ toRequestId: 'req-1', note: 'back' })).toBe(true);
    expect(body('RequestRollbackBody')({ toRequestId: 'req-1', workspaceId: 'ws-1' })).toBe(false);
    expect(body('RequestRollbackBody')({})).toBe(false);
    expect(body('ApproveBody')({ comment: 'ok', expectedVersion: 2 })).toBe(true);
    expect(body('ApproveBody')({ expectedVersion: 0 })).toBe(false);
    expect(body('WithdrawBody')({})).toBe(true);
    expect(
      body('SetTrustBody')({
        blueprintId: 'bp',
        userId: 'u',
        email: 'u@example.com',
        trusted: true,
        expiresAt: '2030-01-01T00:00:00.000Z',
      }),
    ).toBe(true);
    expect(body('SetTrustBody')({ blueprintId: 'bp', userId: 'u', email: 'not an email', trusted: true })).toBe(false);
  });
});
