import { request as httpRequest } from 'node:http';
import { type PublishGate, PublishGateError, type PublishRequest } from '@publishgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, builder, builder2, workspace, workspace2 } from '../helpers';
import { bearer, idleWorkspace, startServer, storageState, type TestServer } from './harness';

type Case = {
  name: string;
  method: string;
  path: string | ((ids: Ids) => string);
  headers?: Record<string, string>;
  body?: string | Blob | ((ids: Ids) => string);
  status: number;
  code: string;
  allow?: string;
};
type Ids = { bobs: PublishRequest; carols: PublishRequest; rejected: PublishRequest };

const json = { 'content-type': 'application/json' };
const asBuilder = { ...bearer(builder), ...json };
const asBuilder2 = { ...bearer(builder2), ...json };
const asAdmin = { ...bearer(admin), ...json };
const big = JSON.stringify({ comment: 'x'.repeat(70_000) });

const cases: Case[] = [
  // Transport
  {
    name: 'malformed JSON',
    method: 'POST',
    path: (i) => `/requests/${i.bobs.id}/reject`,
    headers: asAdmin,
    body: '{"feedback": ',
    status: 400,
    code: 'validation',
  },
  { name: 'a JSON array body', method: 'POST', path: '/requests', headers: asBuilder, body: '[1,2]', status: 400, code: 'validation' },
  { name: 'a JSON string body', method: 'PUT', path: '/trust', headers: asAdmin, body: '"trusted"', status: 400, code: 'validation' },
  {
    name: 'invalid UTF-8',
    method: 'POST',
    path: '/requests',
    headers: asBuilder,
    body: new Blob([new TextEncoder().encode('{"subdomain":"'), new Uint8Array([0xff, 0x22, 0x7d])]),
    status: 400,
    code: 'validation',
  },
  {
    name: 'an unknown body key',
    method: 'POST',
    path: (i) => `/requests/${i.bobs.id}/approve`,
    headers: asAdmin,
    body: '{"comment":"ok","status":"approved"}',
    status: 400,
    code: 'validation',
  },
  {
    name: 'an actor smuggled in the body',
    method: 'POST',
    path: '/requests',
    headers: asBuilder,
    body: JSON.stringify({ workspaceId: workspace.id, subdomain: 'x-y-z', actor: admin }),
    status: 400,
    code: 'validation',
  },
  {
    name: 'a workspace smuggled in the body',
    method: 'POST',
    path: '/requests',
    headers: asBuilder2,
    body: JSON.stringify({ workspaceId: workspace2.id, subdomain: 'x-y-z', workspace }),
    status: 400,
    code: 'validation',
  },
  {
    name: 'a wrong body field type',
    method: 'POST',
    path: (i) => `/requests/${i.bobs.id}/approve`,
    headers: asAdmin,
    body: '{"expectedVersion":"1"}',
    status: 400,
    code: 'validation',
  },
  {
    name: 'wrong content type (text/plain)',
    method: 'POST',
    path: (i) => `/requests/${i.bobs.id}/reject`,
    headers: { ...bearer(admin), 'content-type': 'text/plain' },
    body: '{}',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'a form post',
    method: 'POST',
    path: (i) => `/requests/${i.bobs.id}/withdraw`,
    headers: { ...bearer(builder), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'a=b',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'no content type on a body-less mutation',
    method: 'POST',
    path: (i) => `/requests/${i.bobs.id}/withdraw`,
    headers: bearer(builder),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'JSON-looking content type that is not JSON',
    method: 'PUT',
    path: '/trust',
    headers: { ...bearer(admin), 'content-type': 'application/jsonx' },
    body: '{}',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'an oversized body',
    method: 'POST',
    path: (i) => `/requests/${i.bobs.id}/approve`,
    headers: asAdmin,
    body: big,
    status: 413,
    code: 'payload_too_large',
  },
  // Routing
  { name: 'an unknown route', method: 'GET', path: '/nope', headers: bearer(admin), status: 404, code: 'not_found' },
  {
    name: 'an unknown action',
    method: 'POST',
    path: (i) => `/requests/${i.bobs.id}/delete`,
    headers: asAdmin,
    body: '{}',
    status: 404,
    code: 'not_found',
  },
  { name: 'the base path itself', method: 'GET', path: '', headers: bearer(admin), status: 404, code: 'not_found' },
  {
    name: 'a wrong method on a request',
    method: 'DELETE',
    path: (i) => `/requests/${i.bobs.id}`,
    headers: bearer(admin),
    status: 405,
    code: 'method_not_allowed',
    allow: 'GET',
  },
  {
    name: 'GET on an action',
    method: 'GET',
    path: (i) => `/requests/${i.bobs.id}/approve`,
    headers: bearer(admin),
    status: 405,
    code: 'method_not_allowed',
    allow: 'POST',
  },
  {
    name: 'PATCH on trust',
    method: 'PATCH',
    path: '/trust',
    headers: asAdmin,
    body: '{}',
    status: 405,
    code: 'method_not_allowed',
    allow: 'GET, PUT',
  },
  {
    name: 'bad percent-encoding in the path',
    method: 'GET',
    path: '/requests/%E0%A4%A',
    headers: bearer(admin),
    status: 400,
    code: 'validation',
  },
  // Authentication
  { name: 'no authorization', method: 'GET', path: '/requests', status: 401, code: 'unauthorized' },
  {
    name: 'an unknown token',
    method: 'POST',
    path: (i) => `/requests/${i.bobs.id}/approve`,
    headers: { authorization: 'Bearer mallory', ...json },
    body: '{}',
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'a malformed authorization header',
    method: 'GET',
    path: '/trust',
    headers: { authorization: 'Basic YWRtaW4tMQ==' },
    status: 401,
    code: 'unauthorized',
  },
  { name: 'no authorization on the event stream', method: 'GET', path: '/events', status: 401, code: 'unauthorized' },
  // Authorization
  {
    name: 'a builder calling approve on their own request',
    method: 'POST',
    path: (i) => `/requests/${i.bobs.id}/approve`,
    headers: asBuilder,
    body: '{}',
    status: 403,
    code: 'forbidden',
  },
  {
    name: "a builder calling approve on another builder's request (its existence stays hidden)",
    method: 'POST',
    path: (i) => `/requests/${i.carols.id}/approve`,
    headers: asBuilder,
    body: '{}',
    status: 404,
    code: 'not_found',
  },
  {
    name: 'a builder approving their own request',
    method: 'POST',
    path: (i) => `/requests/${i.bobs.id}/approve`,
    headers: asBuilder,
    body: '{}',
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'a builder calling reject',
    method: 'POST',
    path: (i) => `/requests/${i.bobs.id}/reject`,
    headers: asBuilder,
    body: '{"feedback":"no"}',
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'a builder granting trust',
    method: 'PUT',
    path: '/trust',
    headers: asBuilder,
    body: JSON.stringify({ blueprintId: 'bp-shop', userId: builder.id, email: builder.email, trusted: true }),
    status: 403,
    code: 'forbidden',
  },
  {
    name: "a builder reading another's request",
    method: 'GET',
    path: (i) => `/requests/${i.carols.id}`,
    headers: bearer(builder),
    status: 404,
    code: 'not_found',
  },
  {
    name: "a builder withdrawing another's request",
    method: 'POST',
    path: (i) => `/requests/${i.carols.id}/withdraw`,
    headers: asBuilder,
    body: '{}',
    status: 404,
    code: 'not_found',
  },
  {
    name: "a builder previewing another's workspace",
    method: 'GET',
    path: `/workspaces/${workspace2.id}/preview`,
    headers: bearer(builder),
    status: 404,
    code: 'not_found',
  },
  {
    name: "a builder publishing another's workspace",
    method: 'POST',
    path: '/requests',
    headers: asBuilder,
    body: JSON.stringify({ workspaceId: idleWorkspace.id, subdomain: 'stolen' }),
    status: 404,
    code: 'not_found',
  },
  {
    name: "a builder checking a subdomain for another's workspace",
    method: 'GET',
    path: `/subdomains/carols-blog?workspaceId=${workspace2.id}`,
    headers: bearer(builder),
    status: 404,
    code: 'not_found',
  },
  {
    name: "a builder filtering the queue by another's id",
    method: 'GET',
    path: `/requests?builderId=${builder2.id}`,
    headers: bearer(builder),
    status: 403,
    code: 'forbidden',
  },
  // Ids that do not exist, or are not ids
  {
    name: 'a request id that does not exist',
    method: 'GET',
    path: '/requests/req-missing',
    headers: bearer(admin),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'approving a request that does not exist',
    method: 'POST',
    path: '/requests/req-missing/approve',
    headers: asAdmin,
    body: '{}',
    status: 404,
    code: 'not_found',
  },
  {
    name: 'retrying a request that does not exist',
    method: 'POST',
    path: '/requests/req-missing/retry',
    headers: asAdmin,
    body: '{}',
    status: 404,
    code: 'not_found',
  },
  {
    name: 'a workspace id that does not exist',
    method: 'GET',
    path: '/workspaces/ws-missing/preview',
    headers: bearer(admin),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'publishing a workspace that does not exist',
    method: 'POST',
    path: '/requests',
    headers: asBuilder,
    body: JSON.stringify({ workspaceId: 'ws-missing', subdomain: 'ghost' }),
    status: 404,
    code: 'not_found',
  },
  { name: 'an id with a space', method: 'GET', path: '/requests/bad%20id', headers: bearer(admin), status: 400, code: 'validation' },
  {
    name: 'a workspace id with a slash',
    method: 'GET',
    path: '/workspaces/..%2F..%2Fetc/preview',
    headers: bearer(admin),
    status: 400,
    code: 'validation',
  },
  // Queries
  {
    name: 'an unknown status filter',
    method: 'GET',
    path: '/requests?status=pending,bogus',
    headers: bearer(admin),
    status: 400,
    code: 'validation',
  },
  {
    name: 'a misspelt query parameter',
    method: 'GET',
    path: '/requests?stauts=pending',
    headers: bearer(admin),
    status: 400,
    code: 'validation',
  },
  {
    name: 'a repeated non-list parameter',
    method: 'GET',
    path: '/requests?limit=1&limit=2',
    headers: bearer(admin),
    status: 400,
    code: 'validation',
  },
  { name: 'a zero limit', method: 'GET', path: '/requests?limit=0', headers: bearer(admin), status: 400, code: 'validation' },
  { name: 'a text limit', method: 'GET', path: '/history?limit=ten', headers: bearer(admin), status: 400, code: 'validation' },
  { name: 'a negative afterSeq', method: 'GET', path: '/history?afterSeq=-1', headers: bearer(admin), status: 400, code: 'validation' },
  {
    name: 'a forged cursor',
    method: 'GET',
    path: '/requests?cursor=bm90LWEtY3Vyc29y',
    headers: bearer(admin),
    status: 400,
    code: 'validation',
  },
  {
    name: 'an unknown export format',
    method: 'GET',
    path: '/history/export?format=xlsx',
    headers: bearer(admin),
    status: 400,
    code: 'validation',
  },
  {
    name: 'an invalid Last-Event-ID',
    method: 'GET',
    path: '/events',
    headers: { ...bearer(admin), 'last-event-id': 'abc' },
    status: 400,
    code: 'validation',
  },
  // Refusals of the workflow
  {
    name: 'a stale expectedVersion',
    method: 'POST',
    path: (i) => `/requests/${i.bobs.id}/reject`,
    headers: asAdmin,
    body: '{"expectedVersion":7}',
    status: 409,
    code: 'conflict',
  },
  {
    name: 'approving a rejected request',
    method: 'POST',
    path: (i) => `/requests/${i.rejected.id}/approve`,
    headers: asAdmin,
    body: '{}',
    status: 409,
    code: 'invalid_transition',
  },
  {
    name: 'a second request while one is in flight',
    method: 'POST',
    path: '/requests',
    headers: asBuilder,
    body: JSON.stringify({ workspaceId: workspace.id, subdomain: 'bobs-bikes' }),
    status: 409,
    code: 'in_flight',
  },
  {
    name: 'a reserved subdomain',
    method: 'POST',
    path: '/requests',
    headers: asBuilder2,
    body: JSON.stringify({ workspaceId: idleWorkspace.id, subdomain: 'www' }),
    status: 409,
    code: 'subdomain_unavailable',
  },
  {
    name: 'an invalid subdomain',
    method: 'POST',
    path: '/requests',
    headers: asBuilder2,
    body: JSON.stringify({ workspaceId: idleWorkspace.id, subdomain: '-bad-' }),
    status: 400,
    code: 'validation',
  },
  {
    name: 'nothing to publish',
    method: 'POST',
    path: '/requests',
    headers: asBuilder2,
    body: JSON.stringify({ workspaceId: idleWorkspace.id, subdomain: 'idle-app' }),
    status: 422,
    code: 'nothing_to_publish',
  },
  {
    name: 'feedback over the policy limit',
    method: 'POST',
    path: (i) => `/requests/${i.bobs.id}/reject`,
    headers: asAdmin,
    body: JSON.stringify({ feedback: 'x'.repeat(2_001) }),
    status: 400,
    code: 'validation',
  },
  {
    name: 'Idempotency-Key header and field that differ',
    method: 'POST',
    path: '/requests',
    headers: { ...asBuilder2, 'idempotency-key': 'a' },
    body: JSON.stringify({ workspaceId: idleWorkspace.id, subdomain: 'idle-app', idempotencyKey: 'b' }),
    status: 400,
    code: 'validation',
  },
  {
    name: 'an Idempotency-Key header that is not an id',
    method: 'POST',
    path: '/requests',
    headers: { ...asBuilder2, 'idempotency-key': 'a b' },
    body: JSON.stringify({ workspaceId: idleWorkspace.id, subdomain: 'idle-app' }),
    status: 400,
    code: 'validation',
  },
  {
    name: 'trust with an invalid email',
    method: 'PUT',
    path: '/trust',
    headers: asAdmin,
    body: JSON.stringify({ blueprintId: 'bp-shop', userId: builder.id, email: 'bob', trusted: true }),
    status: 400,
    code: 'validation',
  },
  {
    name: 'trust expiring in the past',
    method: 'PUT',
    path: '/trust',
    headers: asAdmin,
    body: JSON.stringify({
      blueprintId: 'bp-shop',
      userId: builder.id,
      email: builder.email,
      trusted: true,
      expiresAt: '2000-01-01T00:00:00.000Z',
    }),
    status: 400,
    code: 'validation',
  },
];

let server: TestServer;
let ids: Ids;

beforeAll(async () => {
  server = await startServer({ handler: { maxBodyBytes: 65_536 } });
  const { gate, git } = server;
  git.write(workspace, 'index.html', 'bob\n');
  git.write(workspace2, 'index.html', 'carol\n');
  const bobs = await gate.requestPublish({ workspace, subdomain: 'bobs-bikes', actor: builder });
  const carols = await gate.requestPublish({ workspace: workspace2, subdomain: 'carols-blog', actor: builder2 });
  git.write(idleWorkspace, 'x.txt', 'x\n');
  const toReject = await gate.requestPublish({ workspace: idleWorkspace, subdomain: 'soon-rejected', actor: builder2 });
  const rejected = await gate.reject({ id: toReject.id, actor: admin });
  git.remove(idleWorkspace, 'x.txt');
  ids = { bobs, carols, rejected };
});
afterAll(async () => {
  await server.close();
});

describe('bad requests get the right status and code, and change nothing', () => {
  it.each(cases)('$name → $status $code', async (testCase) => {
    const before = await storageState(server.storage);
    const path = typeof testCase.path === 'function' ? testCase.path(ids) : testCase.path;
    const body = typeof testCase.body === 'function' ? testCase.body(ids) : testCase.body;
    const response = await fetch(`${server.baseUrl}${path}`, {
      method: testCase.method,
      headers: testCase.headers ?? {},
      ...(body === undefined ? {} : { body }),
    });
    const payload = await response.json();
    expect({ status: response.status, code: payload.error?.code }).toEqual({ status: testCase.status, code: testCase.code });
    expect(typeof payload.error.message).toBe('string');
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    if (testCase.allow) expect(response.headers.get('allow')).toBe(testCase.allow);
    expect(await storageState(server.storage)).toBe(before);
    expect(server.errors).toEqual([]);
  });

  it('an oversized chunked body without content-length is cut off while reading (413)', async () => {
    const before = await storageState(server.storage);
    const url = new URL(`${server.baseUrl}/requests/${ids.bobs.id}/approve`);
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(url, { method: 'POST', headers: { ...asAdmin, 'transfer-encoding': 'chunked' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      // 200 KiB in 1 KiB chunks, more than the 64 KiB limit, never declared up front.
      const chunk = 'x'.repeat(1_024);
      req.write('{"comment":"');
      let sent = 0;
      const pump = () => {
        while (sent < 200) {
          sent += 1;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end('"}');
      };
      pump();
    });
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body).error.code).toBe('payload_too_large');
    expect(await storageState(server.storage)).toBe(before);
  });

  it('a lying content-length larger than the limit is refused before reading', async () => {
    const response = await fetch(`${server.baseUrl}/requests/${ids.bobs.id}/approve`, {
      method: 'POST',
      headers: { ...asAdmin },
      body: big,
    });
    expect(response.status).toBe(413);
  });
});

describe('server failures never leak internals', () => {
  function failing(error: unknown) {
    return (gate: PublishGate): PublishGate => ({
      ...gate,
      getRequest: async () => {
        throw error;
      },
    });
  }

  it('a thrown non-PublishGateError answers 500 with a generic message and is reported', async () => {
    const broken = await startServer({ wrapGate: failing(new Error('password=hunter2 at db.internal:5432')) });
    try {
      const response = await fetch(`${broken.baseUrl}/requests/any`, { headers: bearer(admin) });
      const text = await response.text();
      expect(response.status).toBe(500);
      expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'Internal server error.' } });
      expect(text).not.toContain('hunter2');
      expect(broken.errors).toHaveLength(1);
    } finally {
      await broken.close();
    }
  });

  it('port_failed answers 502 naming the port, not the adapter message', async () => {
    const cause = new PublishGateError('port_failed', 'The storage adapter failed in getRequest: connect ECONNREFUSED 10.0.0.7', {
      port: 'storage',
      operation: 'getRequest',
    });
    const broken = await startServer({ wrapGate: failing(cause) });
    try {
      const response = await fetch(`${broken.baseUrl}/requests/any`, { headers: bearer(admin) });
      const payload = await response.json();
      expect(response.status).toBe(502);
      expect(payload.error).toEqual({ code: 'port_failed', message: 'A backend service failed (storage.getRequest); try again later.' });
      expect(broken.errors).toEqual([cause]);
    } finally {
      await broken.close();
    }
  });

  it('an invalid actor from authenticate is a server error, not the caller’s (500)', async () => {
    const broken = await startServer({ handler: { authenticate: () => ({ id: 'has space', email: 'x', roles: ['admin'] }) } });
    try {
      const response = await fetch(`${broken.baseUrl}/requests`, { headers: bearer(admin) });
      expect(response.status).toBe(500);
      expect(broken.errors).toHaveLength(1);
    } finally {
      await broken.close();
    }
  });

  it('a PublishGateError thrown by authenticate keeps its status', async () => {
    const broken = await startServer({
      handler: {
        authenticate: () => {
          throw new PublishGateError('forbidden', 'Your account is suspended.');
        },
      },
    });
    try {
      const response = await fetch(`${broken.baseUrl}/requests`, { headers: bearer(admin) });
      expect(response.status).toBe(403);
      expect((await response.json()).error.message).toBe('Your account is suspended.');
    } finally {
      await broken.close();
    }
  });
});
