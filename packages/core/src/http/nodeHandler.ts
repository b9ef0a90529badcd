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

/** A client that hung up before it finished sending its request body, as told to `onClientAbort`. */
export type ClientAbort = {
  /** The request method. */
  method: string;
  /** The request path, without the query string. */
  path: string;
  /** Body bytes that arrived before the client went away. */
  receivedBytes: number;
  /** The body size the client announced in `content-length`, when it did. */
  expectedBytes?: number;
};

/** Options for {@link toNodeHandler}. */
export type NodeHandlerOptions = {
  /**
   * Largest unread rest of a request body that is read and discarded after an early answer (401,
   * 404, 413, …) so that a keep-alive connection stays usable. A larger or unknown (chunked) rest
   * closes the connection instead, after the response. Default 256 KiB.
   */
  maxDrainBytes?: number;
  /**
   * Told each time a client hangs up in the middle of sending its request body. That is the
   * client's doing (a closed tab, a lost network), not a server fault: it is neither reported to
   * the handler's `onError` nor logged. Count it here if you want to see it.
   */
  onClientAbort?: (abort: ClientAbort) => void;
};

/** The rest of an unread body up to which a keep-alive connection is kept by draining it. */
export const DEFAULT_MAX_DRAIN_BYTES = 262_144;

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
export function toNodeHandler(handler: WebHandler, options: NodeHandlerOptions = {}): NodeHandler {
  const basePath = handler.basePath;
  const maxDrainBytes = options.maxDrainBytes ?? DEFAULT_MAX_DRAIN_BYTES;
  if (!Number.isSafeInteger(maxDrainBytes) || maxDrainBytes < 0) {
    throw new RangeError(`maxDrainBytes must be a non-negative integer (got ${maxDrainBytes}).`);
  }
  const onClientAbort = options.onClientAbort;
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

    const body = hasBody(request) ? streamBody(request, (received) => tell(onClientAbort, abortOf(request, rawUrl, received))) : undefined;
    let webRequest: Request;
    try {
      webRequest = toWebRequest(request, rawUrl, controller.signal, body?.stream);
    } catch {
      finishBody(request, res, body, maxDrainBytes);
      writeFallback(res, 400, 'validation', 'The request line or headers could not be read.');
      return;
    }
    let response: Response;
    try {
      response = await handler(webRequest);
    } catch (error) {
      // The publishgate handler never throws; a foreign handler might.
      finishBody(request, res, body, maxDrainBytes);
      if (next) {
        next(error);
        return;
      }
      writeFallback(res, 500, 'port_failed', 'Internal server error.');
      return;
    }
    finishBody(request, res, body, maxDrainBytes);
    await writeResponse(response, res, controller.signal);
  };
}

function tell(onClientAbort: NodeHandlerOptions['onClientAbort'], abort: ClientAbort): void {
  try {
    onClientAbort?.(abort);
  } catch {
    // A failing counter must not take the server down: this runs inside a socket event.
  }
}

function abortOf(req: IncomingMessage, rawUrl: string, receivedBytes: number): ClientAbort {
  const declared = declaredLength(req);
  return {
    method: req.method ?? 'GET',
    path: pathOf(rawUrl).slice(0, 2_048),
    receivedBytes,
    ...(declared === undefined ? {} : { expectedBytes: declared }),
  };
}

function declaredLength(req: IncomingMessage): number | undefined {
  const value = req.headers['content-length'];
  return value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

/**
 * Called once the response is known, before its head is written. A request body the handler did
 * not read to its end (answered early: 401, 404, 405, 413, 415) would otherwise stay paused in
 * the socket, and the next request on a keep-alive connection would never be read. A small rest
 * is read and discarded after the response; a large or unknown one closes the connection.
 */
function finishBody(req: IncomingMessage, res: ServerResponse, body: StreamedBody | undefined, maxDrainBytes: number): void {
  if (body === undefined || body.ended()) return;
  const declared = declaredLength(req);
  const drainable = req.complete || (declared !== undefined && declared - body.received() <= maxDrainBytes);
  // node:http ends the connection after a `connection: close` response, and the client knows not to reuse it.
  if (!drainable && !res.headersSent) res.setHeader('connection', 'close');
  // Start discarding only once the response is out: a handler streaming its answer may still read the body until then.
  res.once('finish', () => body.discard());
  res.once('close', () => body.discard());
}

function pathOf(rawUrl: string): string {
  const end = rawUrl.search(/[?#]/);
  return end === -1 ? rawUrl : rawUrl.slice(0, end);
}

function isUnder(path: string, basePath: string): boolean {
  return path === basePath || path.startsWith(`${basePath}/`);
}

function toWebRequest(req: NodeRequest, rawUrl: string, signal: AbortSignal, body: ReadableStream<Uint8Array> | undefined): Request {
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
    init.body = body ?? reparsedBody(req);
    // Required by Node's fetch for a streamed request body.
    init.duplex = 'half';
  }
  return new Request(url, init);
}

/** True when the request body still has to be read from the socket (no body parser ran first). */
function hasBody(req: NodeRequest): boolean {
  const method = req.method ?? 'GET';
  return method !== 'GET' && method !== 'HEAD' && !req.readableEnded;
}

function reparsedBody(req: NodeRequest): string {
  // A body parser ran first. Give the handler the same JSON again so its checks still apply.
  if (typeof req.body === 'string') return req.body;
  if (req.body instanceof Uint8Array) return new TextDecoder().decode(req.body);
  return req.body === undefined ? '' : JSON.stringify(req.body);
}

type StreamedBody = {
  stream: ReadableStream<Uint8Array>;
  /** True once the whole body arrived and was handed on (or discarded). */
  ended(): boolean;
  /** Body bytes read from the socket so far. */
  received(): number;
  /** Stops handing the body on and reads the rest into nothing. */
  discard(): void;
};

function streamBody(req: IncomingMessage, onAbort: (receivedBytes: number) => void): StreamedBody {
  let done = false;
  let ended = false;
  let discarding = false;
  let received = 0;
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
  req.on('data', (chunk: Uint8Array | string) => {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk);
    received += bytes.byteLength;
    if (done || controllerRef === undefined) return;
    controllerRef.enqueue(bytes);
    // Backpressure: stop the socket until the handler asks for more.
    if ((controllerRef.desiredSize ?? 1) <= 0) req.pause();
  });
  req.once('end', () => {
    ended = true;
    if (done) return;
    done = true;
    controllerRef?.close();
  });
  const cutShort = (error: Error) => {
    if (ended) return;
    ended = true;
    // Not complete and gone: the client hung up mid-upload (after an early answer, that is expected).
    if (!req.complete && !discarding) onAbort(received);
    if (done) return;
    done = true;
    controllerRef?.error(error);
  };
  req.on('error', cutShort);
  req.once('close', () => cutShort(new Error('The request body was cut short.')));
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controllerRef = controller;
    },
    pull() {
      if (!done) req.resume();
    },
    cancel() {
      // The handler has seen enough (body over the limit): discard the rest instead of buffering it.
      done = true;
      req.resume();
    },
  });
  return {
    stream,
    ended: () => ended,
    received: () => received,
    discard() {
      discarding = true;
      if (!done) {
        done = true;
        // The handler answered without reading this; nobody will.
        controllerRef?.error(new Error('The response was sent before the request body was read.'));
      }
      req.resume();
    },
  };
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
