import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFetchHandler, toNodeHandler } from '@publishgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { admin, setup } from '../helpers';
import { BASE_PATH, bearer, hostOptions } from './harness';

const servers: Server[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  for (const agent of agents.splice(0)) agent.destroy();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function start(options: Parameters<typeof toNodeHandler>[1] = {}) {
  const { gate } = setup();
  const handler = createFetchHandler(gate, { ...hostOptions(), basePath: BASE_PATH, onError: () => {} });
  const server = createServer(toNodeHandler(handler, options));
  servers.push(server);
  let connections = 0;
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

type Outcome = { status: number; code: string | undefined } | { error: string };

function send(
  agent: Agent,
  port: number,
  options: { method: string; path: string; headers?: Record<string, string>; body?: Uint8Array },
): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, agent, method: options.method, path: `${BASE_PATH}${options.path}`, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let code: string | undefined;
          try {
            code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
          } catch {
            code = undefined;
          }
          resolve({ status: res.statusCode ?? 0, code });
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    if (options.body) req.end(options.body);
    else req.end();
  });
}

const json = { 'content-type': 'application/json' };
const big = (bytes: number) => new TextEncoder().encode(`{"note":"${'x'.repeat(bytes)}"}`);

describe('toNodeHandler on a keep-alive connection', () => {
  it('every response that did not read the body leaves the connection usable: several requests in a row all get their answer', async () => {
    const { port, connections } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    const auth = { ...bearer(admin), ...json };
    const outcomes: Outcome[] = [];
    for (let round = 0; round < 3; round += 1) {
      outcomes.push(await send(agent, port, { method: 'POST', path: '/requests', headers: auth, body: big(150_000) }));
      outcomes.push(await send(agent, port, { method: 'GET', path: '/trust', headers: bearer(admin) }));
      outcomes.push(await send(agent, port, { method: 'POST', path: '/requests', headers: json, body: big(120_000) }));
      outcomes.push(await send(agent, port, { method: 'POST', path: '/nowhere', headers: auth, body: big(120_000) }));
      outcomes.push(await send(agent, port, { method: 'PUT', path: '/requests', headers: auth, body: big(120_000) }));
      outcomes.push(await send(agent, port, { method: 'POST', path: '/requests', headers: bearer(admin), body: big(120_000) }));
      outcomes.push(await send(agent, port, { method: 'GET', path: '/trust', headers: bearer(admin) }));
    }
    const expected: Outcome[] = [
      { status: 413, code: 'payload_too_large' },
      { status: 200, code: undefined },
      { status: 401, code: 'unauthorized' },
      { status: 404, code: 'not_found' },
      { status: 405, code: 'method_not_allowed' },
      { status: 415, code: 'unsupported_media_type' },
      { status: 200, code: undefined },
    ];
    expect(outcomes).toEqual([...expected, ...expected, ...expected]);
    // Rests under maxDrainBytes are read and dropped, so all 21 requests share one connection.
    expect(connections()).toBe(1);
  });

  it('a body far over the limit gets its 413 every time, not ECONNRESET, and the next request is answered on a new connection', async () => {
    const { port, connections } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    const auth = { ...bearer(admin), ...json };
    const outcomes: Outcome[] = [];
    for (let round = 0; round < 8; round += 1) {
      outcomes.push(await send(agent, port, { method: 'POST', path: '/requests', headers: auth, body: big(4_000_000) }));
      outcomes.push(await send(agent, port, { method: 'GET', path: '/trust', headers: bearer(admin) }));
    }
    const expected: Outcome[] = [
      { status: 413, code: 'payload_too_large' },
      { status: 200, code: undefined },
    ];
    expect(outcomes).toEqual(Array.from({ length: 8 }, () => expected).flat());
    // Each oversized upload closes its connection (told by `connection: close`); the GET after it opens
    // the next one, which the following upload reuses: 8 closes, 9 connections.
    expect(connections()).toBe(9);
  });

  it('a chunked body (no content-length) that crosses the limit gets its 413 and the connection still serves the next request', async () => {
    const { port } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    const auth = { ...bearer(admin), ...json, 'transfer-encoding': 'chunked' };
    const outcomes: Outcome[] = [];
    for (let round = 0; round < 3; round += 1) {
      outcomes.push(await send(agent, port, { method: 'POST', path: '/requests', headers: auth, body: big(1_000_000) }));
      outcomes.push(await send(agent, port, { method: 'GET', path: '/trust', headers: bearer(admin) }));
    }
    expect(outcomes).toEqual(
      Array.from({ length: 3 }, () => [
        { status: 413, code: 'payload_too_large' },
        { status: 200, code: undefined },
      ]).flat(),
    );
  });

  it('maxDrainBytes: 0 closes the connection after every early answer instead of reading the rest, and each client still gets its answer', async () => {
    const { port, connections } = await start({ maxDrainBytes: 0 });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    const outcomes: Outcome[] = [];
    for (let round = 0; round < 3; round += 1) {
      outcomes.push(await send(agent, port, { method: 'POST', path: '/requests', headers: json, body: big(300_000) }));
    }
    expect(outcomes).toEqual(Array.from({ length: 3 }, () => ({ status: 401, code: 'unauthorized' })));
    expect(connections()).toBe(3);
    expect(() => toNodeHandler(async () => new Response(null), { maxDrainBytes: -1 })).toThrow(RangeError);
  });

  it('under Express, a handler that throws before reading the body passes to next(error) and the connection still serves the next request', async () => {
    const failing = toNodeHandler(async () => {
      throw new Error('boom');
    });
    const server = createServer((req, res) => {
      void failing(req, res, () => {
        res.statusCode = 500;
        res.end('app error');
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    const outcomes: Outcome[] = [];
    for (let round = 0; round < 3; round += 1) {
      outcomes.push(await send(agent, port, { method: 'POST', path: '/requests', headers: json, body: big(120_000) }));
    }
    expect(outcomes).toEqual(Array.from({ length: 3 }, () => ({ status: 500, code: undefined })));
  });
});
