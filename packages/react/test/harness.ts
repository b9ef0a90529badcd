import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  type Actor,
  createFetchHandler,
  createMemoryStorage,
  createPublishGate,
  type PublishGateOptions,
  toNodeHandler,
  validatePublishGateResponse,
  type Workspace,
} from '@publishgate/core';
import { createPublishGateClient, type PublishGateClient } from '@publishgate/core/client';
import { createFakeGit, createFakeGitHost, createRecordingNotifier } from '@publishgate/core/testing';

export const admin: Actor = { id: 'admin-1', email: 'ada@example.com', roles: ['admin'] };
export const admin2: Actor = { id: 'admin-2', email: 'grace@example.com', roles: ['admin'] };
export const builder: Actor = { id: 'builder-1', email: 'bob@example.com', roles: ['builder'] };
export const builder2: Actor = { id: 'builder-2', email: 'carol@example.com', roles: ['builder'] };

export const workspace: Workspace = { id: 'ws-bob', name: "Bob's shop", blueprintId: 'bp-shop', ownerId: builder.id };
export const workspace2: Workspace = { id: 'ws-carol', name: "Carol's blog", blueprintId: 'bp-shop', ownerId: builder2.id };
/** Identical to its blueprint: nothing to publish. */
export const idleWorkspace: Workspace = { id: 'ws-idle', name: 'Idle app', blueprintId: 'bp-shop', ownerId: builder.id };

const BASE_PATH = '/api/publishgate';

/**
 * A gate on memory storage and the core fakes behind a real node:http server on 127.0.0.1:0,
 * authenticating `Bearer <user id>` of the actors above (plus `actors` passed in). Each test file
 * starts its own; `close()` cuts open event streams.
 */
export async function startServer(options: { gateOptions?: Partial<PublishGateOptions>; workspaces?: Workspace[]; actors?: Actor[] } = {}) {
  const git = createFakeGit();
  const gitHost = createFakeGitHost({ branchExists: (branch) => git.remoteBranch(branch) !== undefined });
  const storage = createMemoryStorage();
  const gate = createPublishGate({ storage, git, gitHost, notifier: createRecordingNotifier(), ...options.gateOptions });
  const actors = new Map([admin, admin2, builder, builder2, ...(options.actors ?? [])].map((actor) => [actor.id, actor]));
  const workspaces = new Map([workspace, workspace2, idleWorkspace, ...(options.workspaces ?? [])].map((ws) => [ws.id, ws]));
  const errors: unknown[] = [];
  const handler = createFetchHandler(gate, {
    basePath: BASE_PATH,
    authenticate: (request) => {
      const match = /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '');
      return (match && actors.get(match[1] as string)) || null;
    },
    resolveWorkspace: (id, actor) => {
      const found = workspaces.get(id);
      return found && (found.ownerId === actor.id || actor.roles.includes('admin')) ? found : null;
    },
    events: { heartbeatMs: 5_000, pollMs: 60_000 },
    onError: (error) => errors.push(error),
  });
  const sockets = new Set<Socket>();
  const server: Server = createServer(toNodeHandler(handler));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${BASE_PATH}`;
  return {
    gate,
    git,
    gitHost,
    storage,
    baseUrl,
    errors,
    /** A client for `actor` that also checks every response against core's zod schemas. */
    clientFor(actor: Actor, options: { fetch?: (input: string, init: RequestInit) => Promise<Response> } = {}): PublishGateClient {
      return createPublishGateClient({
        baseUrl,
        headers: { authorization: `Bearer ${actor.id}` },
        validateResponse: validatePublishGateResponse,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
    },
    /** Makes the workspace differ from what is published (a new file each call). */
    edit(ws: Workspace, path = 'index.html', content = `<h1>Edited ${Math.random()}</h1>\n`) {
      git.write(ws, path, content);
    },
    async close() {
      handler.closeStreams();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gate.close();
    },
  };
}

export type TestServer = Awaited<ReturnType<typeof startServer>>;
