import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFetchHandler, toNodeHandler } from '@publishgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { admin, builder, setup, workspace } from '../helpers';
import { BASE_PATH, bearer, eventually, hostOptions } from './harness';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

type Next = (error?: unknown) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void | Promise<void>;

/** The smallest Express-like chain: each middleware gets `next`; the last answers 404 "app". */
function chain(...middlewares: Middleware[]): RequestListener {
  return (req, res) => {
    const run = (index: number, error?: unknown) => {
      const middleware = middlewares[index];
      if (error || !middleware) {
        res.statusCode = error ? 500 : 404;
        res.end(error ? 'app error' : 'app 404');
        return;
      }
      void middleware(req, res, (nextError) => run(index + 1, nextError));
    };
    run(0);
  };
}

function gateHandler() {
  const context = setup();
  return { ...context, handler: createFetchHandler(context.gate, { ...hostOptions(), basePath: BASE_PATH }) };
}

describe('toNodeHandler', () => {
  it('as Express middleware: serves its base path and passes every other path to next()', async () => {
    const { handler } = gateHandler();
    const origin = await listen(chain(toNodeHandler(handler)));
    const own = await fetch(`${origin}${BASE_PATH}/requests`, { headers: bearer(admin) });
    expect(own.status).toBe(200);
    expect(await own.json()).toEqual({ items: [], nextCursor: null });
    const other = await fetch(`${origin}/somewhere/else`);
    expect(other.status).toBe(404);
    expect(await other.text()).toBe('app 404');
    // A prefix that only looks like the base path is not under it.
    expect(await (await fetch(`${origin}${BASE_PATH}-admin/x`)).text()).toBe('app 404');
  });

  it('mounted under a path (req.url stripped, originalUrl kept) still routes by the full path', async () => {
    const { handler } = gateHandler();
    const mounted: Middleware = (req, res, next) => {
      const original = req.url ?? '/';
      if (!original.startsWith(BASE_PATH)) return next();
      // What `app.use('/api/publishgate', …)` does to the request.
      Object.assign(req, { originalUrl: original, url: original.slice(BASE_PATH.length) || '/' });
      return toNodeHandler(handler)(req, res, next);
    };
    const origin = await listen(chain(mounted));
    const response = await fetch(`${origin}${BASE_PATH}/trust`, { headers: bearer(admin) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
  });

  it('without next (plain node:http) paths outside the base path answer 404 not_found', async () => {
    const { handler } = gateHandler();
    const origin = await listen(toNodeHandler(handler));
    const response = await fetch(`${origin}/elsewhere`);
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe('not_found');
  });

  it('a body already parsed by a body parser is re-serialized and still checked', async () => {
    const { handler, git } = gateHandler();
    git.write(workspace, 'index.html', 'parsed\n');
    const bodyParser: Middleware = async (req, _res, next) => {
      if (req.method === 'POST' && req.headers['content-type']?.startsWith('application/json')) {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        Object.assign(req, { body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      }
      next();
    };
    const origin = await listen(chain(bodyParser, toNodeHandler(handler)));
    const ok = await fetch(`${origin}${BASE_PATH}/requests`, {
      method: 'POST',
      headers: { ...bearer(builder), 'content-type': 'application/json' },
      body: JSON.stringify({ workspaceId: workspace.id, subdomain: 'parsed-site' }),
    });
    expect(ok.status).toBe(200);
    expect((await ok.json()).subdomain).toBe('parsed-site');
    const extra = await fetch(`${origin}${BASE_PATH}/requests`, {
      method: 'POST',
      headers: { ...bearer(builder), 'content-type': 'application/json' },
      body: JSON.stringify({ workspaceId: workspace.id, subdomain: 'x-y-z', sneaky: true }),
    });
    expect(extra.status).toBe(400);
  });

  it('passes status, every header (several set-cookie too) and a streamed body through', async () => {
    const origin = await listen(
      toNodeHandler(async (request) => {
        const headers = new Headers({ 'x-path': new URL(request.url).pathname, 'x-method': request.method });
        headers.append('set-cookie', 'a=1');
        headers.append('set-cookie', 'b=2');
        const echo = await request.text();
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('echo:'));
            controller.enqueue(new TextEncoder().encode(echo));
            controller.close();
          },
        });
        return new Response(body, { status: 207, headers });
      }),
    );
    const response = await fetch(`${origin}//evil.example/x?y=1`, { method: 'PUT', body: 'hello' });
    expect(response.status).toBe(207);
    // A path starting with // stays a path on this host.
    expect(response.headers.get('x-path')).toBe('//evil.example/x');
    expect(response.headers.get('x-method')).toBe('PUT');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.text()).toBe('echo:hello');
  });

  it('aborts request.signal when the client disconnects, and cancels the response body', async () => {
    let aborted = false;
    let cancelled = false;
    const origin = await listen(
      toNodeHandler(async (request) => {
        request.signal.addEventListener('abort', () => {
          aborted = true;
        });
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('first'));
          },
          cancel() {
            cancelled = true;
          },
        });
        return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
      }),
    );
    const controller = new AbortController();
    const response = await fetch(origin, { signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first');
    controller.abort();
    await eventually(() => expect({ aborted, cancelled }).toEqual({ aborted: true, cancelled: true }));
  });

  it('a handler that throws goes to next(error) under Express, and answers a generic 500 under node:http', async () => {
    const failing = toNodeHandler(async () => {
      throw new Error('boom: secret');
    });
    const viaExpress = await listen(chain(failing));
    expect(await (await fetch(viaExpress)).text()).toBe('app error');
    const plain = await listen(failing);
    const response = await fetch(plain);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('secret');
  });
});
