import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { type ClientAbort, createFetchHandler, toNodeHandler } from '@publishgate/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { admin, setup } from '../helpers';
import { BASE_PATH, hostOptions } from './harness';

const servers: Server[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/**
 * A gate behind node:http whose handler reports to `errors` (or, with `defaultOnError`, to the
 * default console.error), counting client aborts. `handled` settles when a request was fully served.
 */
async function start(options: { defaultOnError?: boolean } = {}) {
  const { gate } = setup();
  const errors: unknown[] = [];
  const aborts: ClientAbort[] = [];
  const handler = createFetchHandler(gate, {
    ...hostOptions(),
    basePath: BASE_PATH,
    ...(options.defaultOnError ? {} : { onError: (error: unknown) => errors.push(error) }),
  });
  const node = toNodeHandler(handler, { onClientAbort: (abort) => aborts.push(abort) });
  let served: (done: Promise<void>) => void = () => {};
  const handled = new Promise<Promise<void>>((resolve) => {
    served = resolve;
  });
  let arrived: () => void = () => {};
  const requestArrived = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const server = createServer((req, res) => {
    arrived();
    served(node(req, res));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, errors, aborts, requestArrived, handled: async () => await await handled };
}

/** Sends the head and the first part of a JSON body that announces `length` bytes, then hangs up once the server has the request. */
async function hangUpMidUpload(port: number, requestArrived: Promise<void>, length = 10_000) {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    `POST ${BASE_PATH}/requests HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${admin.id}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{"workspaceId":"ws-bob","note":"`,
  );
  await requestArrived;
  socket.destroy();
}

describe('a client that hangs up mid-upload', () => {
  it('is counted by onClientAbort and not reported to onError as a server failure', async () => {
    const server = await start();
    await hangUpMidUpload(server.port, server.requestArrived);
    await server.handled();
    expect(server.errors).toEqual([]);
    expect(server.aborts).toEqual([
      { method: 'POST', path: `${BASE_PATH}/requests`, receivedBytes: expect.any(Number), expectedBytes: 10_000 },
    ]);
    expect(server.aborts[0]?.receivedBytes).toBeLessThan(10_000);
  });

  it('is not logged with console.error under the default onError (regression: a stack per aborted upload)', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const server = await start({ defaultOnError: true });
    await hangUpMidUpload(server.port, server.requestArrived);
    await server.handled();
    expect(logged).not.toHaveBeenCalled();
    expect(server.aborts).toHaveLength(1);
  });

  it('a body cut short reads as a 400 validation error for any Web runtime, never a 500', async () => {
    const { gate } = setup();
    const errors: unknown[] = [];
    const handler = createFetchHandler(gate, { ...hostOptions(), basePath: BASE_PATH, onError: (error) => errors.push(error) });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"workspaceId":'));
        controller.error(new TypeError('terminated'));
      },
    });
    const response = await handler(
      new Request(`http://localhost${BASE_PATH}/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.id}`, 'content-type': 'application/json' },
        body,
        duplex: 'half',
      } as RequestInit & { duplex: 'half' }),
    );
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe('validation');
    expect(errors).toEqual([]);
  });
});
