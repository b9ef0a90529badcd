import type { StoragePort } from '@publishgate/core';
import { advance, auditFixture, requestFixture } from '@publishgate/core/testing';
import type { Knex } from 'knex';
import { afterEach, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/dialect.ts';
import { type Store, testBackends } from './backends.ts';

const stores: Store[] = [];
const controllers: AbortController[] = [];
afterEach(async () => {
  for (const controller of controllers.splice(0)) controller.abort();
  for (const store of stores.splice(0)) await store.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts onChange calls and lets a test wait for the next one. */
function watcher() {
  let calls = 0;
  let waiting: Array<() => void> = [];
  return {
    onChange: () => {
      calls += 1;
      for (const resolve of waiting.splice(0)) resolve();
    },
    get calls() {
      return calls;
    },
    reset() {
      calls = 0;
    },
    next(timeoutMs = 5_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no onChange within ${timeoutMs} ms`)), timeoutMs);
        waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    clear() {
      waiting = [];
    },
  };
}

async function pair(backend: { freshStore(): Promise<Store> }) {
  const store = await backend.freshStore();
  stores.push(store);
  const watching = await store.storage({ pollIntervalMs: 20 });
  const writing = await store.storage();
  return { store, watching, writer: writing.storage };
}

async function watch(storage: StoragePort, onChange: () => void) {
  const controller = new AbortController();
  controllers.push(controller);
  await storage.watchAudit?.({ onChange, signal: controller.signal });
  return controller;
}

function write(storage: StoragePort) {
  const request = requestFixture();
  return storage.createRequest({ request, audit: [auditFixture(request)], outbox: [] });
}

async function listeners(db: Knex, channel: string): Promise<number> {
  const rows = rowsOf(await db.raw('SELECT count(*) AS n FROM pg_stat_activity WHERE query = ?', [`LISTEN "${channel}"`]));
  return Number(rows[0]?.n ?? 0);
}

const backends = testBackends('adapter-knex watchAudit');

describe.each(backends)('$name', (backend) => {
  describe.skipIf(!backend.available)('watchAudit', () => {
    it('calls onChange after another instance commits audit entries', async () => {
      const { watching, writer } = await pair(backend);
      const seen = watcher();
      await watch(watching.storage, seen.onChange);
      const next = seen.next();
      await write(writer);
      await next;
      expect(seen.calls).toBeGreaterThanOrEqual(1);
    });

    it('a write that rolls back does not call onChange', async () => {
      const { watching, writer } = await pair(backend);
      const seen = watcher();
      const request = await write(writer);
      await watch(watching.storage, seen.onChange);
      await sleep(100);
      seen.reset();
      // A stale version: the transition and its audit entry roll back together.
      await expect(
        writer.transitionRequest({
          id: request.id,
          expectedVersion: 5,
          next: advance(request, 'rejected'),
          audit: [auditFixture(request)],
          outbox: [],
        }),
      ).rejects.toThrow();
      await sleep(300);
      expect(seen.calls).toBe(0);
    });

    it('stops calling onChange once the signal aborts', async () => {
      const { store, watching, writer } = await pair(backend);
      const seen = watcher();
      const controller = await watch(watching.storage, seen.onChange);
      const first = seen.next();
      await write(writer);
      await first;
      controller.abort();
      if (store.backend === 'postgres') {
        // The dedicated listening connection is closed, not left behind.
        for (let attempt = 0; attempt < 50 && (await listeners(watching.db, `${store.tablePrefix}audit`)) > 0; attempt += 1)
          await sleep(20);
        expect(await listeners(watching.db, `${store.tablePrefix}audit`)).toBe(0);
      }
      seen.reset();
      await write(writer);
      await sleep(300);
      expect(seen.calls).toBe(0);
    });
  });
});

const postgres = backends.find((backend) => backend.name === 'postgres');

describe.skipIf(!postgres?.available)('watchAudit on PostgreSQL', () => {
  it('reconnects when the listening connection drops and keeps notifying', async () => {
    if (!postgres) throw new Error('no postgres backend');
    const { store, watching, writer } = await pair(postgres);
    const channel = `${store.tablePrefix}audit`;
    const seen = watcher();
    await watch(watching.storage, seen.onChange);
    expect(await listeners(watching.db, channel)).toBe(1);
    const afterReconnect = seen.next();
    await watching.db.raw('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = ?', [`LISTEN "${channel}"`]);
    // Reconnecting calls onChange once, since notifications may have been missed meanwhile.
    await afterReconnect;
    expect(await listeners(watching.db, channel)).toBe(1);
    const afterWrite = seen.next();
    await write(writer);
    await afterWrite;
  });
});
