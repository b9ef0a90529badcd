import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  type Actor,
  createFetchHandler,
  type FetchHandlerOptions,
  type PublishGate,
  type PublishGateOptions,
  type StoragePort,
  toNodeHandler,
  validatePublishGateResponse,
  type Workspace,
} from '@publishgate/core';
import { createPublishGateClient, type PublishGateClient } from '@publishgate/core/client';
import { admin, admin2, builder, builder2, setup, workspace, workspace2 } from '../helpers';

/** A third workspace, owned by builder2, identical to its blueprint (nothing to publish). */
export const idleWorkspace: Workspace = { id: 'ws-idle', name: 'Idle app', blueprintId: 'bp-shop', ownerId: builder2.id };

export const actors: Record<string, Actor> = {
  [admin.id]: admin,
  [admin2.id]: admin2,
  [builder.id]: builder,
  [builder2.id]: builder2,
};

export const BASE_PATH = '/api/publishgate';

/** Test-only authentication: `authorization: Bearer <user id>` of a fixture actor. */
export function bearer(actor: Actor): Record<string, string> {
  return { authorization: `Bearer ${actor.id}` };
}

/** The host side a portal writes: who is calling, and which workspaces they may see. */
export function hostOptions(): Pick<FetchHandlerOptions, 'authenticate' | 'resolveWorkspace'> {
  const workspaces = new Map([workspace, workspace2, idleWorkspace].map((ws) => [ws.id, ws]));
  return {
    authenticate: (request) => {
      const match = /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '');
      return (match && actors[match[1] as string]) || null;
    },
    resolveWorkspace: (id, actor) => {
      const found = workspaces.get(id);
      return found && (found.ownerId === actor.id || actor.roles.includes('admin')) ? found : null;
    },
  };
}

export type TestServer = Awaited<ReturnType<typeof startServer>>;

/**
 * A gate on memory storage and fakes behind a real node:http server on loopback. `storage` and
 * `gateOptions` let two servers share one store (the multi-server tests).
 */
export async function startServer(
  options: {
    storage?: StoragePort;
    gateOptions?: Partial<PublishGateOptions>;
    handler?: Partial<FetchHandlerOptions>;
    wrapGate?: (gate: PublishGate) => PublishGate;
  } = {},
) {
  const context = setup({ ...(options.storage ? { storage: options.storage } : {}), ...options.gateOptions });
  const errors: unknown[] = [];
  const gate = options.wrapGate ? options.wrapGate(context.gate) : context.gate;
  const handler = createFetchHandler(gate, {
    ...hostOptions(),
    basePath: BASE_PATH,
    // Polling once a minute: deliveries within a test come from change wake-ups; polling has its own test.
    events: { heartbeatMs: 5_000, pollMs: 60_000 },
    onError: (error) => errors.push(error),
    ...options.handler,
  });
  const sockets = new Set<Socket>();
  const server: Server = createServer(toNodeHandler(handler));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const baseUrl = `${origin}${BASE_PATH}`;
  return {
    ...context,
    gate,
    handler,
    server,
    origin,
    baseUrl,
    /** Errors the handler reported (500/502s, stream read failures). */
    errors,
    /** A client that authenticates as `actor` and validates every response against the zod schemas. */
    clientFor(actor: Actor): PublishGateClient {
      return createPublishGateClient({ baseUrl, headers: bearer(actor), validateResponse: validatePublishGateResponse });
    },
    /** Cuts every open connection, as a crashed proxy or a network blip would. */
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await context.gate.close();
    },
  };
}

/** Everything the storage holds that a refused call must leave alone (the outbox drains by itself, so it is left out). */
export async function storageState(storage: StoragePort): Promise<string> {
  const [requests, trust, audit, publications] = await Promise.all([
    storage.listRequests({ filter: {}, limit: 100_000 }),
    storage.listTrust({}),
    storage.listAudit({ limit: 1_000_000 }),
    Promise.all([workspace, workspace2, idleWorkspace].map((ws) => storage.getPublication({ workspaceId: ws.id }))),
  ]);
  return JSON.stringify({ requests, trust, audit, publications });
}

/** Waits until `check` passes (polling), or fails with its last error. */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
