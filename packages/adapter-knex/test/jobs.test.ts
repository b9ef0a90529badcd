import type { PublishRequest, StoragePort } from '@publishgate/core';
import { advance, at, codeOf, requestFixture } from '@publishgate/core/testing';
import type { Knex } from 'knex';
import { afterEach, describe, expect, it } from 'vitest';
import { CorruptRowError } from '../src/index.ts';
import { type Store, testBackends } from './backends.ts';

// What the conformance suite cannot see through the port: the rows themselves, and where this
// adapter differs from the in-memory reference (times kept as whole ms).

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.drop();
});

async function fresh(backend: { freshStore(): Promise<Store> }) {
  const store = await backend.freshStore();
  stores.push(store);
  const { db, storage } = await store.storage();
  return { db, storage, jobs: `${store.tablePrefix}publish_jobs`, pacing: `${store.tablePrefix}pacing_reservations` };
}

async function approving(storage: StoragePort, runAt = at(0)): Promise<PublishRequest> {
  const request = await storage.createRequest({ request: requestFixture(), audit: [], outbox: [] });
  return storage.transitionRequest({
    id: request.id,
    expectedVersion: 1,
    next: advance(request, 'approving'),
    audit: [],
    outbox: [],
    job: { requestId: request.id, runAt },
  });
}

async function jobRows(db: Knex, table: string, requestId: string) {
  return db(table).where({ request_id: requestId }).select('request_id', 'run_at_ms', 'lease_until_ms', 'slot_at_ms');
}

describe.each(testBackends('adapter-knex jobs and pacing'))('$name', (backend) => {
  describe.skipIf(!backend.available)('publish jobs and pacing rows', () => {
    it('a request leaving approving leaves no job row behind, whatever status it moves to', async () => {
      const { db, storage, jobs } = await fresh(backend);
      for (const status of ['approved', 'failed', 'rejected', 'withdrawn'] as const) {
        const request = await approving(storage, at(5));
        const [row] = await jobRows(db, jobs, request.id);
        expect(Number(row?.run_at_ms)).toBe(Date.parse(at(5)));
        expect(row?.lease_until_ms).toBeNull();
        await storage.claimJobs({ now: at(5), limit: 10, leaseMs: 60_000 });
        await storage.transitionRequest({ id: request.id, expectedVersion: 2, next: advance(request, status), audit: [], outbox: [] });
        expect(await jobRows(db, jobs, request.id)).toEqual([]);
      }
      expect(Number((await db(jobs).count({ n: '*' }))[0]?.n)).toBe(0);
    });

    it('a transition that loses the compare-and-set leaves the job row as it was', async () => {
      const { db, storage, jobs } = await fresh(backend);
      const request = await approving(storage, at(5));
      const before = await jobRows(db, jobs, request.id);
      const stale = storage.transitionRequest({
        id: request.id,
        expectedVersion: 1,
        next: advance(request, 'failed'),
        audit: [],
        outbox: [],
      });
      expect(await codeOf(stale)).toBe('conflict');
      expect(await jobRows(db, jobs, request.id)).toEqual(before);
    });

    it('job times are kept to the millisecond: a runAt written without fractional seconds comes back in toISOString form', async () => {
      const { storage } = await fresh(backend);
      const request = await approving(storage, '2026-01-01T00:00:10Z');
      expect(await storage.getJob({ requestId: request.id })).toEqual({ requestId: request.id, runAt: '2026-01-01T00:00:10.000Z' });
    });

    it('a job whose time does not parse is refused with validation and writes nothing', async () => {
      const { db, storage, jobs } = await fresh(backend);
      const request = requestFixture({ status: 'approving' });
      const refused = storage.createRequest({ request, audit: [], outbox: [], job: { requestId: request.id, runAt: 'soon' } });
      expect(await codeOf(refused)).toBe('validation');
      expect(await storage.getRequest({ id: request.id })).toBeNull();
      expect(await jobRows(db, jobs, request.id)).toEqual([]);
    });

    it('a job row with a time no Date can hold is reported as a CorruptRowError naming it', async () => {
      const { db, storage, jobs } = await fresh(backend);
      const request = await approving(storage);
      await db(jobs).where({ request_id: request.id }).update({ lease_until_ms: 9e15 });
      await expect(storage.getJob({ requestId: request.id })).rejects.toThrow(`Stored row ${request.id} in ${jobs} is corrupt`);
      await expect(storage.getJob({ requestId: request.id })).rejects.toBeInstanceOf(CorruptRowError);
    });

    it('reservations older than the longest window are deleted, those of other keys are kept', async () => {
      const { db, storage, pacing } = await fresh(backend);
      const limits = [{ max: 2, perMs: 60_000 }];
      for (let index = 0; index < 3; index += 1) await storage.reservePacing({ key: 'a', now: at(0), limits });
      await storage.reservePacing({ key: 'b', now: at(0), limits });
      const rowsOf = async (key: string) =>
        (await db(pacing).where({ key }).orderBy('at_ms').select('at_ms')).map((row) => Number(row.at_ms) - Date.parse(at(0)));
      expect(await rowsOf('a')).toEqual([0, 0, 60_000]);
      // At 100 s the window reaches back to 40 s: the two at 0 leave, the one at 60 s stays.
      expect((await storage.reservePacing({ key: 'a', now: at(100), limits })).at).toBe(at(100));
      expect(await rowsOf('a')).toEqual([60_000, 100_000]);
      expect(await rowsOf('b')).toEqual([0]);
    });

    it('reservePacing refuses a now that does not parse with validation', async () => {
      const { storage } = await fresh(backend);
      expect(await codeOf(storage.reservePacing({ key: 'k', now: 'now', limits: [{ max: 1, perMs: 1_000 }] }))).toBe('validation');
    });
  });
});
