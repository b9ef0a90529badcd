import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Actor,
  type AuditEntry,
  createFetchHandler,
  createPublishGate,
  type FetchHandler,
  toNodeHandler,
  type Workspace,
} from '@publishgate/core';
import { createPublishGateClient, type PublishGateClient } from '@publishgate/core/client';
import { createFakeGit, createFakeGitHost } from '@publishgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Store, testBackends } from './backends.ts';

// Several portal servers on one database: an event stream served by server B must carry the
// changes made through server A. Polling is set to a minute, so only the database's own change
// notification (LISTEN/NOTIFY on PostgreSQL) can deliver within the test.

const admin: Actor = { id: 'admin-1', email: 'ada@example.com', roles: ['admin'] };
const bob: Actor = { id: 'bob', email: 'bob@example.com', roles: ['builder'] };
const carol: Actor = { id: 'carol', email: 'carol@example.com', roles: ['builder'] };
const actors = new Map([admin, bob, carol].map((actor) => [actor.id, actor]));
const workspaces = new Map<string, Workspace>([
  ['ws-bob', { id: 'ws-bob', name: "Bob's shop", blueprintId: 'bp', ownerId: bob.id }],
  ['ws-carol', { id: 'ws-carol', name: "Carol's blog", blueprintId: 'bp', ownerId: carol.id }],
]);

type Running = { url: string; server: Server; handler: FetchHandler; close: () => Promise<void> };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(store: Store, git: ReturnType<typeof createFakeGit>, gitHost: ReturnType<typeof createFakeGitHost>): Promise<Running> {
  const { storage } = await store.storage();
  const gate = createPublishGate({ storage, git, gitHost });
  const handler = createFetchHandler(gate, {
    authenticate: (request) => actors.get(/^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? '') ?? null,
    resolveWorkspace: (id, actor) => {
      const found = workspaces.get(id);
      return found && (found.ownerId === actor.id || actor.roles.includes('admin')) ? found : null;
    },
    events: { pollMs: 60_000, heartbeatMs: 60_000 },
    onError: () => {},
  });
  const server = createServer(toNodeHandler(handler));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/publishgate`,
    server,
    handler,
    close: async () => {
      handler.closeStreams();
      await gate.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function clientFor(running: Running, actor: Actor): PublishGateClient {
  return createPublishGateClient({ baseUrl: running.url, headers: { authorization: `Bearer ${actor.id}` } });
}

function listen(client: PublishGateClient) {
  const received: AuditEntry[] = [];
  let opened: (id: string) => void = () => {};
  const ready = new Promise<string>((resolve) => {
    opened = resolve;
  });
  const stop = client.subscribe((entry) => received.push(entry), { onOpen: ({ lastEventId }) => opened(lastEventId) });
  cleanups.push(async () => stop());
  return { received, ready };
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.each(testBackends('adapter-knex events').filter((backend) => backend.name === 'postgres'))('$name', (backend) => {
  describe.skipIf(!backend.available)('two servers on one database', () => {
    it('a change made through server A reaches event streams on server B, in order, each builder seeing only their own', async () => {
      const store = await backend.freshStore();
      cleanups.push(() => store.drop());
      const git = createFakeGit();
      const gitHost = createFakeGitHost();
      const a = await serve(store, git, gitHost);
      cleanups.push(a.close);
      const b = await serve(store, git, gitHost);
      cleanups.push(b.close);

      const adminOnB = listen(clientFor(b, admin));
      const bobOnB = listen(clientFor(b, bob));
      const carolOnB = listen(clientFor(b, carol));
      await Promise.all([adminOnB.ready, bobOnB.ready, carolOnB.ready]);

      git.write(workspaces.get('ws-bob') as Workspace, 'index.html', '<h1>bikes</h1>\n');
      git.write(workspaces.get('ws-carol') as Workspace, 'index.html', '<h1>posts</h1>\n');
      const bobs = await clientFor(a, bob).requestPublish({ workspaceId: 'ws-bob', subdomain: 'bobs-bikes' });
      const carols = await clientFor(a, carol).requestPublish({ workspaceId: 'ws-carol', subdomain: 'carols-blog' });
      await clientFor(a, admin).reject(carols.id, { feedback: 'Needs an about page' });
      await clientFor(a, admin).approve(bobs.id);

      // Submitted ×2, rejected, approving, two publish steps, approved: all through A, all delivered by B.
      await until(() => adminOnB.received.length >= 7, 15_000);
      expect(adminOnB.received.map((entry) => [entry.type, entry.requestId])).toEqual([
        ['request.submitted', bobs.id],
        ['request.submitted', carols.id],
        ['request.rejected', carols.id],
        ['request.approving', bobs.id],
        ['request.progress', bobs.id],
        ['request.progress', bobs.id],
        ['request.approved', bobs.id],
      ]);
      const seqs = adminOnB.received.map((entry) => entry.seq);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);

      await until(() => bobOnB.received.length >= 3 && carolOnB.received.length >= 2, 15_000);
      expect(bobOnB.received.every((entry) => entry.builderId === bob.id)).toBe(true);
      expect(carolOnB.received.map((entry) => entry.type)).toEqual(['request.submitted', 'request.rejected']);
      expect(carolOnB.received[1]?.data.feedback).toBe('Needs an about page');
    }, 60_000);
  });
});
