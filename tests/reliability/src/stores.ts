import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKnexStorage, createSqliteKnex, type KnexStorageOptions, migrate } from '@publishgate/adapter-knex';
import type { StoragePort } from '@publishgate/core';
import knex, { type Knex } from 'knex';
import { postgresAvailableForTests, startPostgres } from '../../../tooling/postgres.ts';

/** The two durable backends the suite runs on. */
export type BackendName = 'sqlite' | 'postgres';

/**
 * Where a store lives, as a child process is told: a SQLite file, or a PostgreSQL URL, plus the
 * table prefix. Plain JSON, so it can cross a process boundary.
 */
export type StoreLocation = { backend: BackendName; location: string; tablePrefix: string };

/** A fresh, migrated store that any number of knex instances (each with its own pool) can open. */
export type TestStore = StoreLocation & {
  /** A new knex instance over the store; destroyed by {@link TestStore.drop}. */
  connect(options?: ConnectOptions): Knex;
  /** A new knex instance wrapped in the storage adapter. */
  open(options?: ConnectOptions & Omit<KnexStorageOptions, 'knex' | 'tablePrefix'>): { db: Knex; storage: StoragePort };
  /** Destroys every knex instance made here, then deletes the store. */
  drop(): Promise<void>;
};

/** Opens a knex instance for a {@link StoreLocation}; used by the tests and by the child processes. */
export function connectTo(store: StoreLocation, options: ConnectOptions = {}): Knex {
  if (store.backend === 'sqlite') return createSqliteKnex({ filename: store.location });
  return knex({
    client: 'pg',
    connection: store.location,
    pool: { min: 0, max: options.poolMax ?? 10 },
    // Long enough for the several-servers test, which queues hundreds of calls per pool; still
    // under the test timeouts, so an exhausted pool fails as such instead of hanging.
    acquireConnectionTimeout: 60_000,
    // knex warns once per dropped connection; a test that kills them on purpose would drown in it.
    ...(options.quiet ? { log: { warn: () => {}, error: () => {}, debug: () => {}, deprecate: () => {} } } : {}),
  });
}

/** Options of {@link connectTo}. */
export type ConnectOptions = {
  /** PostgreSQL pool size. Default 10. */
  poolMax?: number;
  /** Silence knex's own log lines (dropped connections). */
  quiet?: boolean;
};

function makeStore(location: StoreLocation, remove: () => Promise<void>): TestStore {
  const opened: Knex[] = [];
  const store: TestStore = {
    ...location,
    connect(options = {}) {
      const db = connectTo(location, options);
      opened.push(db);
      return db;
    },
    open(options = {}) {
      const { poolMax, quiet, ...storageOptions } = options;
      const db = store.connect({ ...(poolMax === undefined ? {} : { poolMax }), ...(quiet === undefined ? {} : { quiet }) });
      return { db, storage: createKnexStorage({ knex: db, tablePrefix: location.tablePrefix, ...storageOptions }) };
    },
    async drop() {
      await Promise.all(opened.splice(0).map((db) => db.destroy()));
      await remove();
    },
  };
  return store;
}

async function migrated(store: TestStore): Promise<TestStore> {
  const db = store.connect({ poolMax: 1 });
  await migrate(db, { tablePrefix: store.tablePrefix });
  return store;
}

/** A migrated SQLite database in a file of its own temp directory. */
export async function freshSqliteStore(): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-reliability-sqlite-'));
  return migrated(
    makeStore({ backend: 'sqlite', location: join(dir, 'publishgate.db'), tablePrefix: 'publishgate_' }, async () =>
      rmSync(dir, { recursive: true, force: true }),
    ),
  );
}

/** A migrated, fresh PostgreSQL database (on the suite's throwaway cluster). */
export async function freshPostgresStore(): Promise<TestStore> {
  const database = await startPostgres();
  return migrated(makeStore({ backend: 'postgres', location: database.url, tablePrefix: 'publishgate_' }, () => database.stop()));
}

/**
 * Many small stores on one PostgreSQL database, one table prefix each: as isolated as fresh
 * databases for the adapter, but a store costs a few CREATE TABLEs instead of a CREATE DATABASE.
 */
export function postgresStorePool(): { fresh(): Promise<TestStore>; stop(): Promise<void> } {
  let database: ReturnType<typeof startPostgres> | undefined;
  let counter = 0;
  return {
    async fresh() {
      database ??= startPostgres();
      const { url } = await database;
      counter += 1;
      return migrated(makeStore({ backend: 'postgres', location: url, tablePrefix: `m${counter}_` }, async () => {}));
    },
    async stop() {
      if (database) await (await database).stop();
      database = undefined;
    },
  };
}

/**
 * Whether this file's PostgreSQL tests run. Absent PostgreSQL skips them with a loud banner, or
 * fails the run under `PUBLISHGATE_REQUIRE_PG=1` (as `.ci/run` sets), via tooling/postgres.ts.
 */
export function postgresAvailable(suite: string): boolean {
  return postgresAvailableForTests(suite);
}

/** The backends a matrix test runs on: SQLite always, PostgreSQL when available. */
export function backends(suite: string): Array<{ name: BackendName; available: boolean; fresh: () => Promise<TestStore> }> {
  return [
    { name: 'sqlite', available: true, fresh: freshSqliteStore },
    { name: 'postgres', available: postgresAvailable(suite), fresh: freshPostgresStore },
  ];
}
