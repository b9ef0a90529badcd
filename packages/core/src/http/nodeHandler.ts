// Types only: the adapter works on the objects node:http hands it, so the package entry stays free
// of Node imports at run time and still bundles for browsers and edge runtimes.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** `IncomingMessage` as Express extends it; both fields are optional so plain node:http works. */
type NodeRequest = IncomingMessage & { originalUrl?: string; body?: unknown };

/**
 * A node:http request listener that is also an Express/Connect middleware. With `next`, requests
 * outside the handler's `basePath` fall through to the next middleware instead of answering 404.
 */
export type NodeHandler = (request: IncomingMessage, response: ServerResponse, next?: (error?: unknown) => void) => Promise<void>;

/** A Web-standard handler, optionally knowing the path prefix it serves (as `createFetchHandler`'s does). */
export type WebHandler = ((request: Request) => Promise<Response>) & { readonly basePath?: string };

/**
 * Adapts a Web-standard handler (such as {@link createFetchHandler}'s) to node:http and Express:
 * streams request and response bodies both ways with backpressure, flushes Server-Sent Events as
 * they are written, and aborts `request.signal` when the client disconnects, which ends event
 * streams and releases their listeners.
 *
 * Mount it before any body parser. If one already consumed a JSON body (`req.body` is set), that
 * body is re-serialized, so size and content-type checks still apply.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createFetchHandler, toNodeHandler } from '@publishgate/core';
 *
 * const app = express();
 * app.use(toNodeHandler(createFetchHandler(gate, { authenticate, resolveWorkspace })));
 * app.listen(3000);
 * ```
 */
export function toNodeHandler(handler: WebHandler): NodeHandler {
  const basePath = handler.basePath;
  return async (req, res, next) => {
    const request = req as NodeRequest;
    const rawUrl = request.originalUrl ?? request.url ?? '/';
    if (next && basePath !== undefined && basePath !== '' && !isUnder(pathOf(rawUrl), basePath)) {
      next();
      return;
    }
    const controller = new AbortController();
    // 'close' on the response fires when the socket goes away; finished responses do not count.
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });

    let webRequest: Request;
    try {
      webRequest = toWebRequest(request, rawUrl, controller.signal);
    } catch {
      writeFallback(res, 400, 'validation', 'The request line or headers could not be read.');
      return;
    }
    let response: Response;
    try {
      response = await handler(webRequest);
    } catch (error) {
      // The publishgate handler never throws; a foreign handler might.
      if (next) {
        next(error);
        return;
      }
      writeFallback(res, 500, 'port_failed', 'Internal server error.');
      return;
    }
    await writeResponse(response, res, controller.signal);
  };
}

function pathOf(rawUrl: string): string {
  const end = rawUrl.search(/[?#]/);
  return end === -1 ? rawUrl : rawUrl.slice(0, end);
}

function isUnder(path: string, basePath: string): boolean {
  return path === basePath || path.startsWith(`${basePath}/`);
}

function toWebRequest(req: NodeRequest, rawUrl: string, signal: AbortSignal): Request {
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const host = typeof req.headers.host === 'string' && /^[A-Za-z0-9.\-:[\]]+$/.test(req.headers.host) ? req.headers.host : 'localhost';
  // Concatenate rather than resolve: `new URL('//evil.example/x', base)` would change the host.
  const url = rawUrl.startsWith('/') ? new URL(`${encrypted ? 'https' : 'http'}://${host}${rawUrl}`) : new URL(rawUrl);
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index] as string;
    // HTTP/2 pseudo-headers (":path") are not headers of the request.
    if (!name.startsWith(':')) headers.append(name, raw[index + 1] as string);
  }
  const method = req.method ?? 'GET';
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal };
  if (method !== 'GET' && method !== 'HEAD') {
    init.body = bodyOf(req);
    // Required by Node's fetch for a streamed request body.
    init.duplex = 'half';
  }
  return new Request(url, init);
}

function bodyOf(req: NodeRequest): ReadableStream<Uint8Array> | string {
  if (req.readableEnded) {
    // A body parser ran first. Give the handler the same JSON again so its checks still apply.
    if (typeof req.body === 'string') return req.body;
    if (req.body instanceof Uint8Array) return new TextDecoder().decode(req.body);
    return req.body === undefined ? '' : JSON.stringify(req.body);
  }
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on('data', (chunk: Uint8Array | string) => {
        if (done) return;
        controller.enqueue(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk));
        // Backpressure: stop the socket until the handler asks for more.
        if ((controller.desiredSize ?? 1) <= 0) req.pause();
      });
      req.once('end', () => {
        if (done) return;
        done = true;
        controller.close();
      });
      req.once('error', (error) => {
        if (done) return;
        done = true;
        controller.error(error);
      });
      // The client went away mid-upload.
      req.once('close', () => {
        if (done) return;
        done = true;
        controller.error(new Error('The request body was cut short.'));
      });
    },
    pull() {
      req.resume();
    },
    cancel() {
      // The handler has seen enough (body over the limit): discard the rest instead of buffering it.
      done = true;
      req.resume();
    },
  });
}

async function writeResponse(response: Response, res: ServerResponse, signal: AbortSignal): Promise<void> {
  res.statusCode = response.status;
  const cookies = response.headers.getSetCookie();
  for (const [name, value] of response.headers) if (name !== 'set-cookie') res.setHeader(name, value);
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  if (!response.body) {
    res.end();
    return;
  }
  // Event streams must reach the client before the first event does.
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) res.flushHeaders();
  const reader = response.body.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) break;
      if (!res.write(value)) await drained(res);
    }
    if (!res.destroyed) res.end();
  } catch {
    // The body failed mid-stream (the handler already reported why); cut the connection so the
    // client sees an incomplete response rather than a truncated one that looks whole.
    res.destroy();
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

function writeFallback(res: ServerResponse, status: number, code: string, message: string) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(JSON.stringify({ error: { code, message } }));
}
