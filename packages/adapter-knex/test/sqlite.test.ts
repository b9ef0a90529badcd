import { PublishGateError } from '@publishgate/core';
import { advance, auditFixture, requestFixture } from '@publishgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/dialect.ts';
import { createSqliteKnex } from '../src/index.ts';
import { type Store, testBackends } from './backends.ts';

const [sqlite] = testBackends('adapter-knex sqlite');
const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.drop();
});

async function fresh() {
  if (!sqlite) throw new Error('no sqlite backend');
  const store = await sqlite.freshStore();
  stores.push(store);
  return store;
}

/** Another connection to the same file holding the write lock until `release()`, as another process would. */
async function holdWriteLock(store: Store) {
  const other = store.connect();
  const trx = await other.transaction();
  await trx.raw(`UPDATE "${store.tablePrefix}counters" SET "value" = "value" WHERE 0`);
  return { release: () => trx.commit() };
}

describe('SQLite specifics', () => {
  it('connections run in WAL mode with foreign keys on, no event-loop-blocking busy handler and a 10,000-page checkpoint interval', async () => {
    const store = await fresh();
    const db = createSqliteKnex({ filename: store.location });
    try {
      expect(rowsOf(await db.raw('PRAGMA journal_mode'))[0]).toEqual({ journal_mode: 'wal' });
      expect(rowsOf(await db.raw('PRAGMA foreign_keys'))[0]).toEqual({ foreign_keys: 1 });
      expect(rowsOf(await db.raw('PRAGMA busy_timeout'))[0]).toEqual({ timeout: 0 });
      expect(rowsOf(await db.raw('PRAGMA synchronous'))[0]).toEqual({ synchronous: 1 });
      expect(rowsOf(await db.raw('PRAGMA wal_autocheckpoint'))[0]).toEqual({ wal_autocheckpoint: 10_000 });
    } finally {
      await db.destroy();
    }
    expect(() => createSqliteKnex({ filename: ':memory:', synchronous: 'OFF' as 'FULL' })).toThrow(/synchronous/);
    expect(() => createSqliteKnex({ filename: ':memory:', walAutocheckpointPages: -1 })).toThrow(/walAutocheckpointPages/);
  });

  it('every write transaction opens with BEGIN IMMEDIATE, taking the write lock before it reads', async () => {
    const store = await fresh();
    const { db, storage } = await store.storage();
    const statements: string[] = [];
    const connection = (await db.client.acquireConnection()) as { prepare(sql: string): unknown };
    const prepare = connection.prepare.bind(connection);
    connection.prepare = (sql: string) => {
      statements.push(sql.replace(/\s+/g, ' ').trim());
      return prepare(sql);
    };
    await db.client.releaseConnection(connection);
    const request = requestFixture();
    await storage.createRequest({ request, audit: [auditFixture(request)], outbox: [] });
    await storage.transitionRequest({ id: request.id, expectedVersion: 1, next: advance(request, 'rejected'), audit: [], outbox: [] });
    expect(statements[0]).toBe('BEGIN IMMEDIATE');
    expect(statements[1]).toMatch(/^INSERT INTO "publishgate_requests"/);
    expect(statements).toContain('COMMIT');
    // Statements are prepared once per connection: the transition reused BEGIN IMMEDIATE, and
    // plain BEGIN (deferred, read-first) never appears.
    expect(statements.filter((sql) => sql.startsWith('BEGIN'))).toEqual(['BEGIN IMMEDIATE']);
    expect(statements).toContainEqual(
      expect.stringMatching(/^SELECT "version", "status", "workspace_id"[^;]* FROM "publishgate_requests"/),
    );
  });

  it('a write that meets a locked database waits for the lock without blocking the event loop, then succeeds', async () => {
    const store = await fresh();
    const { storage } = await store.storage();
    const lock = await holdWriteLock(store);
    const request = requestFixture();
    const started = Date.now();
    const writing = storage.createRequest({ request, audit: [], outbox: [] });
    // Timers still fire while the write waits: the release below could not happen otherwise.
    await new Promise((resolve) => setTimeout(resolve, 150));
    await lock.release();
    await expect(writing).resolves.toEqual(request);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('a database locked past busyTimeoutMs fails with a retryable port_failed and writes nothing (no silent lost update)', async () => {
    const store = await fresh();
    const { storage } = await store.storage({ busyTimeoutMs: 200 });
    const lock = await holdWriteLock(store);
    const request = requestFixture();
    let caught: unknown;
    try {
      await storage.createRequest({ request, audit: [], outbox: [] });
    } catch (error) {
      caught = error;
    }
    await lock.release();
    expect(PublishGateError.is(caught, 'port_failed')).toBe(true);
    expect(caught).toMatchObject({ retryable: true, port: 'storage', operation: 'createRequest' });
    expect((caught as Error).message).toMatch(/locked/);
    expect(await storage.getRequest({ id: request.id })).toBeNull();
    await expect(storage.createRequest({ request, audit: [], outbox: [] })).resolves.toEqual(request);
  });
});
