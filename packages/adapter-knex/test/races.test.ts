import { PublishGateError, type PublishRequest, type StoragePort } from '@publishgate/core';
import { advance, auditFixture, notificationFixture, requestFixture, workspaceFixture } from '@publishgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Store, testBackends } from './backends.ts';

// Several knex instances with separate pools over one database, as several portal servers would
// have; every race is repeated so that an unlucky interleaving has a chance to show up.

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.drop();
});

async function sharedStorages(backend: { freshStore(): Promise<Store> }, count: number, options: { poolMax?: number } = {}) {
  const store = await backend.freshStore();
  stores.push(store);
  const instances: StoragePort[] = [];
  for (let index = 0; index < count; index += 1) instances.push((await store.storage(options)).storage);
  return { store, instances };
}

function create(storage: StoragePort, request: PublishRequest) {
  return storage.createRequest({ request, audit: [auditFixture(request)], outbox: [notificationFixture({ requestId: request.id })] });
}

function codes(results: PromiseSettledResult<unknown>[]) {
  return results.map((result) =>
    result.status === 'fulfilled' ? 'ok' : PublishGateError.is(result.reason) ? result.reason.code : `other: ${String(result.reason)}`,
  );
}

describe.each(testBackends('adapter-knex races'))('$name', (backend) => {
  describe.skipIf(!backend.available)('races across instances', () => {
    it('50 concurrent approvals of one request from 5 instances: exactly one transition, one audit entry, one outbox row', async () => {
      const { instances } = await sharedStorages(backend, 5);
      const [first] = instances as [StoragePort];
      const request = await create(first, requestFixture());
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, index) => {
          const next = advance(request, 'approving', {
            decision: { kind: 'approved', by: { id: `admin-${index}`, email: 'a@example.com' }, at: request.createdAt },
          });
          return (instances[index % instances.length] as StoragePort).transitionRequest({
            id: request.id,
            expectedVersion: 1,
            next,
            audit: [auditFixture(next, { type: 'request.approving' })],
            outbox: [notificationFixture({ requestId: request.id, type: 'request.approved' })],
          });
        }),
      );
      const outcome = codes(results);
      expect(outcome.filter((code) => code === 'ok')).toHaveLength(1);
      expect(outcome.filter((code) => code === 'conflict')).toHaveLength(49);
      const stored = await first.getRequest({ id: request.id });
      expect(stored?.version).toBe(2);
      expect(stored?.status).toBe('approving');
      // The winner's decision is the one stored, and only its side writes exist.
      const winner = results.findIndex((result) => result.status === 'fulfilled');
      expect(stored?.decision?.by).toEqual({ id: `admin-${winner}`, email: 'a@example.com' });
      expect((await first.listAudit({ requestId: request.id, limit: 100 })).map((entry) => entry.type)).toEqual([
        'request.submitted',
        'request.approving',
      ]);
      expect(await first.countPendingOutbox()).toBe(2);
    });

    it('approve against reject from two instances: exactly one wins and its status is stored (20 rounds)', async () => {
      const { instances } = await sharedStorages(backend, 2);
      const [a, b] = instances as [StoragePort, StoragePort];
      for (let round = 0; round < 20; round += 1) {
        const request = await create(a, requestFixture());
        const approve = advance(request, 'approving');
        const reject = advance(request, 'rejected');
        const results = await Promise.allSettled([
          a.transitionRequest({ id: request.id, expectedVersion: 1, next: approve, audit: [auditFixture(approve)], outbox: [] }),
          b.transitionRequest({ id: request.id, expectedVersion: 1, next: reject, audit: [auditFixture(reject)], outbox: [] }),
        ]);
        const outcome = codes(results);
        expect(outcome.sort()).toEqual(['conflict', 'ok']);
        const winner = results[0]?.status === 'fulfilled' ? 'approving' : 'rejected';
        expect((await b.getRequest({ id: request.id }))?.status).toBe(winner);
        expect(await a.listAudit({ requestId: request.id, limit: 10 })).toHaveLength(2);
        // A rejected request freed the workspace; an approving one still holds it.
        expect((await a.getInFlightRequest({ workspaceId: request.workspace.id }))?.id).toBe(
          winner === 'approving' ? request.id : undefined,
        );
      }
    });

    it('two workspaces claiming "Foo" and "foo" from two instances: exactly one wins and owns the claim (20 rounds)', async () => {
      const { instances } = await sharedStorages(backend, 2);
      const [a, b] = instances as [StoragePort, StoragePort];
      for (let round = 0; round < 20; round += 1) {
        const upper = requestFixture({ subdomain: `Foo-${round}` });
        const lower = requestFixture({ subdomain: `foo-${round}` });
        const results = await Promise.allSettled([create(a, upper), create(b, lower)]);
        expect(codes(results).sort()).toEqual(['ok', 'subdomain_unavailable']);
        const winner = results[0]?.status === 'fulfilled' ? upper : lower;
        const loser = winner === upper ? lower : upper;
        expect(await a.getSubdomainClaim({ subdomain: `FOO-${round}` })).toEqual({
          subdomain: `foo-${round}`,
          workspaceId: winner.workspace.id,
        });
        expect(await b.getRequest({ id: loser.id })).toBeNull();
        expect(await b.listAudit({ requestId: loser.id, limit: 10 })).toEqual([]);
      }
    });

    it('two requests from one workspace on two instances: exactly one wins, the other is in_flight (20 rounds)', async () => {
      const { instances } = await sharedStorages(backend, 2);
      const [a, b] = instances as [StoragePort, StoragePort];
      for (let round = 0; round < 20; round += 1) {
        const workspace = workspaceFixture();
        const one = requestFixture({ workspace });
        const two = requestFixture({ workspace });
        const results = await Promise.allSettled([create(a, one), create(b, two)]);
        expect(codes(results).sort()).toEqual(['in_flight', 'ok']);
        const winner = results[0]?.status === 'fulfilled' ? one : two;
        expect((await a.getInFlightRequest({ workspaceId: workspace.id }))?.id).toBe(winner.id);
        // Only the winner's subdomain is claimed: the loser left nothing behind.
        const loser = winner === one ? two : one;
        expect(await b.getSubdomainClaim({ subdomain: loser.subdomain })).toBeNull();
      }
    });

    it('audit seq grows in commit order: a reader following afterSeq during concurrent writes misses nothing', async () => {
      const { instances } = await sharedStorages(backend, 4);
      const [reader] = instances as [StoragePort];
      const seen = new Map<string, number>();
      let cursor = 0;
      let writing = true;
      const pages: number[][] = [];
      const follow = (async () => {
        // Like an event stream: page from the last seq seen. An entry that commits later with a
        // smaller seq than the cursor would be skipped forever.
        for (;;) {
          // Read the flag before the query: only a page whose snapshot was taken after the last
          // write committed may end the loop by coming back empty.
          const finished = !writing;
          const page = await reader.listAudit({ afterSeq: cursor, limit: 50 });
          pages.push(page.map((entry) => entry.seq));
          for (const entry of page) seen.set(entry.id, entry.seq);
          cursor = page.at(-1)?.seq ?? cursor;
          if (finished && page.length === 0) break;
          // better-sqlite3 answers synchronously: without a macrotask break this loop would be all
          // microtasks and starve the timers the writers' busy retries wait on.
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await Promise.all(
        instances.map(async (storage) => {
          for (let index = 0; index < 25; index += 1) {
            const request = requestFixture();
            await storage.createRequest({
              request,
              audit: [auditFixture(request), auditFixture(request, { type: 'request.approving' })],
              outbox: [],
            });
          }
        }),
      );
      writing = false;
      await follow;
      const all = await reader.listAudit({ limit: 1000 });
      expect(all).toHaveLength(200);
      expect(all.map((entry) => entry.seq)).toEqual(Array.from({ length: 200 }, (_, index) => index + 1));
      expect(new Set(all.map((entry) => entry.id)).size).toBe(200);
      const missed = all.filter((entry) => seen.get(entry.id) !== entry.seq).map((entry) => entry.seq);
      expect(missed, `entries the reader never saw (pages: ${JSON.stringify(pages)})`).toEqual([]);
    });

    it('more concurrent calls than pooled connections complete without deadlock', async () => {
      // PostgreSQL: 2 connections per instance; SQLite: its single connection.
      const { instances } = await sharedStorages(backend, 2, { poolMax: 2 });
      const [a, b] = instances as [StoragePort, StoragePort];
      const seeded = await Promise.all(Array.from({ length: 20 }, () => create(a, requestFixture())));
      const started = Date.now();
      const results = await Promise.allSettled([
        ...seeded.map((request, index) =>
          (index % 2 === 0 ? a : b).transitionRequest({
            id: request.id,
            expectedVersion: 1,
            next: advance(request, index % 3 === 0 ? 'rejected' : 'approving'),
            audit: [auditFixture(request)],
            outbox: [notificationFixture()],
          }),
        ),
        ...Array.from({ length: 30 }, (_, index) => create(index % 2 === 0 ? b : a, requestFixture())),
        ...Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? a : b).listRequests({ filter: { status: ['pending'] }, limit: 10 })),
        ...Array.from({ length: 10 }, (_, index) =>
          (index % 2 === 0 ? a : b).claimOutbox({ now: new Date().toISOString(), limit: 5, leaseMs: 60_000 }),
        ),
        ...Array.from({ length: 10 }, () => b.listAudit({ limit: 20 })),
      ]);
      expect(codes(results).filter((code) => code !== 'ok')).toEqual([]);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(await a.listRequests({ filter: {}, limit: 100 })).toHaveLength(50);
    });
  });
});
