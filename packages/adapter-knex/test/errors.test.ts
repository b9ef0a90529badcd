import { guardPort, PublishGateError } from '@publishgate/core';
import { auditFixture, rejectionOf, requestFixture, workspaceFixture } from '@publishgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createKnexStorage } from '../src/index.ts';
import { type Store, testBackends } from './backends.ts';

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.drop();
});

describe.each(testBackends('adapter-knex errors'))('$name', (backend) => {
  describe.skipIf(!backend.available)('database errors', () => {
    async function fresh() {
      const store = await backend.freshStore();
      stores.push(store);
      return store;
    }

    it('a unique violation on an index the adapter does not own is not reported as conflict, in_flight or subdomain_unavailable', async () => {
      const store = await fresh();
      const { db, storage } = await store.storage();
      await db.raw(`CREATE UNIQUE INDEX "${store.tablePrefix}host_extra_uq" ON "${store.tablePrefix}requests" ("blueprint_id")`);
      await storage.createRequest({
        request: requestFixture({ workspace: workspaceFixture({ blueprintId: 'bp-x' }) }),
        audit: [],
        outbox: [],
      });
      const error = await rejectionOf(
        storage.createRequest({ request: requestFixture({ workspace: workspaceFixture({ blueprintId: 'bp-x' }) }), audit: [], outbox: [] }),
      );
      expect(PublishGateError.is(error)).toBe(false);
      const wrapped = await rejectionOf(
        guardPort(storage, 'storage').createRequest({
          request: requestFixture({ workspace: workspaceFixture({ blueprintId: 'bp-x' }) }),
          audit: [],
          outbox: [],
        }),
      );
      expect(PublishGateError.is(wrapped, 'port_failed')).toBe(true);
    });

    it('a store that was never migrated fails with the database error, not a domain code', async () => {
      const store = await fresh();
      const storage = createKnexStorage({ knex: store.connect(), tablePrefix: store.tablePrefix });
      const error = await rejectionOf(storage.createRequest({ request: requestFixture(), audit: [], outbox: [] }));
      expect(PublishGateError.is(error)).toBe(false);
      expect(String(error)).toMatch(/no such table|does not exist/);
    });

    it('a missing audit counter row fails the write whole: no request, no claim', async () => {
      const store = await fresh();
      const { db, storage } = await store.storage();
      await db(`${store.tablePrefix}counters`).delete();
      const request = requestFixture();
      await expect(storage.createRequest({ request, audit: [auditFixture(request)], outbox: [] })).rejects.toThrow(
        /audit counter row is missing/,
      );
      expect(await storage.getRequest({ id: request.id })).toBeNull();
      expect(await storage.getSubdomainClaim({ subdomain: request.subdomain })).toBeNull();
    });

    it('an aborted signal rejects every method before it touches the database', async () => {
      const store = await fresh();
      const { storage } = await store.storage();
      const controller = new AbortController();
      controller.abort(new Error('caller went away'));
      const { signal } = controller;
      const request = requestFixture();
      const calls: Array<Promise<unknown>> = [
        storage.createRequest({ request, audit: [], outbox: [], signal }),
        storage.transitionRequest({ id: request.id, expectedVersion: 1, next: request, audit: [], outbox: [], signal }),
        storage.getRequest({ id: request.id, signal }),
        storage.listRequests({ filter: {}, limit: 5, signal }),
        storage.listAudit({ limit: 5, signal }),
        storage.claimOutbox({ now: new Date().toISOString(), limit: 5, leaseMs: 1000, signal }),
        storage.countPendingOutbox({ signal }),
      ];
      for (const call of calls) await expect(call).rejects.toThrow('caller went away');
      expect(await storage.getRequest({ id: request.id })).toBeNull();
    });
  });
});
