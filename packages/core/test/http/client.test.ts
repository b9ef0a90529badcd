import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPublishGateClient, PublishGateError } from '@publishgate/core/client';
import { rejectionOf } from '@publishgate/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSseParser, type SseMessage } from '../../src/client/sseParser';
import { eventually } from './harness';

type Call = { url: string; init: RequestInit };

function fakeFetch(answer: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return answer({ url, init });
    },
  };
}

describe('createPublishGateClient', () => {
  it('builds URLs and bodies per route: encoded path ids, repeated status, JSON bodies with content-type', async () => {
    const fake = fakeFetch(() => Response.json({ items: [], nextCursor: null }));
    const client = createPublishGateClient({
      baseUrl: 'https://portal.example/api/publishgate/',
      fetch: fake.fetch,
      headers: () => ({ authorization: 'Bearer t' }),
    });
    await client.listRequests({ status: ['pending', 'failed'], limit: 5 });
    await client.getRequest('a/b c');
    await client.withdraw('r-1');
    await client.checkSubdomain({ subdomain: 'my shop', workspaceId: 'ws-1' });
    expect(fake.calls.map((call) => `${call.init.method} ${call.url}`)).toEqual([
      'GET https://portal.example/api/publishgate/requests?status=pending&status=failed&limit=5',
      'GET https://portal.example/api/publishgate/requests/a%2Fb%20c',
      'POST https://portal.example/api/publishgate/requests/r-1/withdraw',
      'GET https://portal.example/api/publishgate/subdomains/my%20shop?workspaceId=ws-1',
    ]);
    const withdraw = fake.calls[2] as Call;
    expect(withdraw.init.body).toBe('{}');
    expect(new Headers(withdraw.init.headers).get('content-type')).toBe('application/json');
    expect(new Headers(withdraw.init.headers).get('authorization')).toBe('Bearer t');
    expect(withdraw.init.credentials).toBe('same-origin');
  });

  it('approval rules: GET and PUT /approval-rules with the blueprint filter and the rule as JSON body', async () => {
    const rule = {
      blueprintId: 'bp-1',
      requiredApprovals: 2,
      approvers: [{ role: 'admin' }],
      updatedBy: { id: 'a', email: 'a@example.com' },
    };
    const fake = fakeFetch((call) => Response.json(call.init.method === 'GET' ? [rule] : rule));
    const client = createPublishGateClient({ baseUrl: '/api', fetch: fake.fetch });
    expect(await client.listApprovalRules({ blueprintId: 'bp-1' })).toEqual([rule]);
    expect(await client.setApprovalRule({ blueprintId: 'bp-1', requiredApprovals: 2, approvers: [{ role: 'admin' }] })).toEqual(rule);
    expect(fake.calls.map((call) => `${call.init.method} ${call.url} ${call.init.body ?? ''}`)).toEqual([
      'GET /api/approval-rules?blueprintId=bp-1 ',
      'PUT /api/approval-rules {"blueprintId":"bp-1","requiredApprovals":2,"approvers":[{"role":"admin"}]}',
    ]);
  });

  it('decideMany posts the ids and the decision to /requests/decisions', async () => {
    const fake = fakeFetch(() =>
      Response.json([{ id: 'r-1', ok: false, error: { code: 'not_found', message: 'No publish request r-1.' } }]),
    );
    const client = createPublishGateClient({ baseUrl: '/api', fetch: fake.fetch });
    const results = await client.decideMany({ ids: ['r-1'], decision: 'reject', feedback: 'later' });
    expect(results).toEqual([{ id: 'r-1', ok: false, error: { code: 'not_found', message: 'No publish request r-1.' } }]);
    expect(fake.calls.map((call) => `${call.init.method} ${call.url} ${call.init.body}`)).toEqual([
      'POST /api/requests/decisions {"ids":["r-1"],"decision":"reject","feedback":"later"}',
    ]);
  });

  it("rethrows the server's { error } as a PublishGateError with its code, message and issues", async () => {
    const fake = fakeFetch(() =>
      Response.json(
        { error: { code: 'validation', message: 'Invalid body', issues: [{ path: 'subdomain', message: 'bad' }] } },
        { status: 400 },
      ),
    );
    const error = await rejectionOf(
      createPublishGateClient({ baseUrl: '/x', fetch: fake.fetch }).requestPublish({ workspaceId: 'w', subdomain: '' }),
    );
    expect(PublishGateError.is(error, 'validation')).toBe(true);
    expect(error).toMatchObject({ message: 'Invalid body', issues: [{ path: 'subdomain', message: 'bad' }] });
  });

  it.each([
    [401, 'unauthorized'],
    [404, 'not_found'],
    [413, 'payload_too_large'],
    [502, 'port_failed'],
    [503, 'port_failed'],
  ])('a non-JSON %i from a proxy becomes %s', async (status, code) => {
    const fake = fakeFetch(() => new Response('<html>Bad gateway</html>', { status, headers: { 'content-type': 'text/html' } }));
    const error = await rejectionOf(createPublishGateClient({ baseUrl: '/x', fetch: fake.fetch }).getRequest('r'));
    expect(PublishGateError.is(error, code as never)).toBe(true);
  });

  it('an unknown error code from a newer server falls back to the status', async () => {
    const fake = fakeFetch(() => Response.json({ error: { code: 'rate_limited', message: 'slow down' } }, { status: 409 }));
    const error = await rejectionOf(createPublishGateClient({ baseUrl: '/x', fetch: fake.fetch }).getRequest('r'));
    expect(PublishGateError.is(error, 'conflict')).toBe(true);
  });

  it('a network failure is port_failed and retryable; an abort stays an abort', async () => {
    const down = createPublishGateClient({
      baseUrl: '/x',
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    const error = await rejectionOf(down.listTrust());
    expect(PublishGateError.is(error, 'port_failed')).toBe(true);
    expect((error as PublishGateError).retryable).toBe(true);

    const controller = new AbortController();
    const slow = createPublishGateClient({
      baseUrl: '/x',
      fetch: (_url, init) =>
        new Promise((_resolve, reject) => {
          started();
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    });
    let started: () => void = () => {};
    const fetching = new Promise<void>((resolve) => {
      started = resolve;
    });
    const pending = rejectionOf(slow.preview('ws-1', { signal: controller.signal }));
    await fetching;
    controller.abort();
    const aborted = await pending;
    expect(PublishGateError.is(aborted)).toBe(false);
    expect((aborted as Error).name).toBe('AbortError');
    // Aborted before the request started: it never starts.
    const early = new AbortController();
    early.abort();
    expect(((await rejectionOf(slow.preview('ws-1', { signal: early.signal }))) as Error).name).toBe('AbortError');
  });

  it('a success that is not JSON, or fails validateResponse, is port_failed', async () => {
    const html = createPublishGateClient({ baseUrl: '/x', fetch: async () => new Response('<html></html>', { status: 200 }) });
    expect(PublishGateError.is(await rejectionOf(html.getRequest('r')), 'port_failed')).toBe(true);
    const strict = createPublishGateClient({
      baseUrl: '/x',
      fetch: async () => Response.json({ id: 'r' }),
      validateResponse: () => {
        throw new Error('schema says no');
      },
    });
    expect(PublishGateError.is(await rejectionOf(strict.getRequest('r')), 'port_failed')).toBe(true);
  });
});

describe('subscribe', () => {
  it('reconnects after a silent stream (idle timeout) and resumes with Last-Event-ID', async () => {
    const fake = fakeFetch(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('id: 12\nevent: ready\ndata: {"lastEventId":"12"}\n\n'));
              // …and then nothing, as behind a proxy that swallowed the connection.
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        ),
    );
    const errors: string[] = [];
    const stop = createPublishGateClient({ baseUrl: '/x', fetch: fake.fetch }).subscribe(() => {}, {
      idleTimeoutMs: 30,
      retryDelayMs: 1,
      onError: (error) => errors.push(error.code),
    });
    try {
      await eventually(() => expect(fake.calls.length).toBeGreaterThanOrEqual(2));
      expect(new Headers(fake.calls[0]?.init.headers).get('last-event-id')).toBeNull();
      expect(new Headers(fake.calls[1]?.init.headers).get('last-event-id')).toBe('12');
      expect(errors[0]).toBe('port_failed');
    } finally {
      stop();
    }
  });

  it('a 200 that is not an event stream (a proxy page) is an error and retried', async () => {
    const fake = fakeFetch(() => new Response('<html>login</html>', { headers: { 'content-type': 'text/html' } }));
    const errors: Array<{ code: string; willRetry: boolean }> = [];
    const stop = createPublishGateClient({ baseUrl: '/x', fetch: fake.fetch }).subscribe(() => {}, {
      retryDelayMs: 1,
      onError: (error, { willRetry }) => errors.push({ code: error.code, willRetry }),
    });
    try {
      await eventually(() => expect(fake.calls.length).toBeGreaterThanOrEqual(2));
      expect(errors[0]).toEqual({ code: 'port_failed', willRetry: true });
    } finally {
      stop();
    }
  });
});

describe('the SSE parser', () => {
  const stream =
    'retry: 1500\r\nid: 7\nevent: ready\ndata: {"a":1}\n\n: ping\n\nid: 8\rdata:no space\ndata:  two spaces\r\n\r\nevent: x\n\n';
  const expected: SseMessage[] = [
    { lastEventId: '7', event: 'ready', data: '{"a":1}' },
    { lastEventId: '8', event: 'message', data: 'no space\n two spaces' },
  ];

  function parseAll(chunks: string[]) {
    const messages: SseMessage[] = [];
    const retries: number[] = [];
    const parser = createSseParser({ onMessage: (message) => messages.push(message), onRetry: (ms) => retries.push(ms) });
    for (const chunk of chunks) parser.push(chunk);
    return { messages, retries };
  }

  it('parses CR, LF and CRLF line ends, comments, retry, multi-line data; an event without data dispatches nothing', () => {
    expect(parseAll([stream])).toEqual({ messages: expected, retries: [1500] });
  });

  it('gives the same messages however the stream is split into chunks (CRLF split across chunks included)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: string[] = [];
        let last = 0;
        for (const point of points) {
          chunks.push(stream.slice(last, point));
          last = point;
        }
        chunks.push(stream.slice(last));
        expect(parseAll(chunks).messages).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the browser entry', () => {
  it('imports at run time nothing but errors.ts, subdomain.ts and its own folder (no Node built-ins, no zod, no xstate)', () => {
    const dir = join(import.meta.dirname, '../../src/client');
    const runtimeImports = new Set<string>();
    for (const file of readdirSync(dir)) {
      const source = readFileSync(join(dir, file), 'utf8');
      for (const match of source.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms))
        runtimeImports.add(match[1] as string);
    }
    expect([...runtimeImports].sort()).toEqual(['../errors.js', '../subdomain.js', './publishGateClient.js', './sseParser.js']);
    // subdomain.ts must stay dependency-free for that to hold.
    expect(readFileSync(join(dir, '../subdomain.ts'), 'utf8')).not.toMatch(/^import /m);
  });
});
