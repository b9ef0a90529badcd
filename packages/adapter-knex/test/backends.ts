import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';
import { afterAll } from 'vitest';
import { type PostgresDatabase, postgresAvailableForTests, startPostgres } from '../../../tooling/postgres.ts';
import { createKnexStorage, createSqliteKnex, type KnexStorageOptions, migrate } from '../src/index.ts';

export type BackendName = 'sqlite' | 'postgres';

/** A fresh, empty store that any number of independent knex instances (separate pools) can open. */
export type Store = {
  backend: BackendName;
  tablePrefix: string;
  /** SQLite: the database file. PostgreSQL: the database URL. */
  location: string;
  /** A new knex instance with its own pool over this store. */
  connect(options?: { poolMax?: number }): Knex;
  /** A new knex instance, migrated, wrapped in a storage. */
  storage(
    options?: { poolMax?: number } & Omit<KnexStorageOptions, 'knex' | 'tablePrefix'>,
  ): Promise<{ db: Knex; storage: ReturnType<typeof createKnexStorage> }>;
  /** Destroys every knex instance `connect` made, then deletes the store. */
  drop(): Promise<void>;
};

export type Backend = { name: BackendName; available: boolean; freshStore(): Promise<Store> };

let storeCounter = 0;

function makeStore(
  backend: BackendName,
  tablePrefix: string,
  location: string,
  open: (options: { poolMax?: number }) => Knex,
  remove: () => Promise<void>,
): Store {
  const opened: Knex[] = [];
  const store: Store = {
    backend,
    tablePrefix,
    location,
    connect(options = {}) {
      const db = open(options);
      opened.push(db);
      return db;
    },
    async storage(options = {}) {
      const { poolMax, ...storageOptions } = options;
      const db = store.connect(poolMax === undefined ? {} : { poolMax });
      await migrate(db, { tablePrefix });
      return { db, storage: createKnexStorage({ knex: db, tablePrefix, ...storageOptions }) };
    },
    async drop() {
      await Promise.all(opened.splice(0).map((db) => db.destroy()));
      await remove();
    },
  };
  return store;
}

/** SQLite on a real file in a fresh temp directory. */
function sqliteBackend(): Backend {
  return {
    name: 'sqlite',
    available: true,
    async freshStore() {
      const dir = mkdtempSync(join(tmpdir(), 'publishgate-knex-'));
      const filename = join(dir, 'store.db');
      return makeStore(
        'sqlite',
        'publishgate_',
        filename,
        // One connection per instance whatever poolMax says: better-sqlite3 is synchronous.
        () => createSqliteKnex({ filename }),
        async () => rmSync(dir, { recursive: true, force: true }),
      );
    },
  };
}

/**
 * PostgreSQL: one database per test file (created on first use, dropped after the file), one table
 * prefix per store, so stores are as isolated as fresh databases but cost a few CREATE TABLEs.
 */
function postgresBackend(suite: string): Backend {
  const available = postgresAvailableForTests(suite);
  let database: Promise<PostgresDatabase> | undefined;
  afterAll(async () => {
    if (database) await (await database).stop();
  });
  return {
    name: 'postgres',
    available,
    async freshStore() {
      database ??= startPostgres();
      const { url } = await database;
      storeCounter += 1;
      const prefix = `s${storeCounter}_`;
      return makeStore(
        'postgres',
        prefix,
        url,
        (options) =>
          knex({
            client: 'pg',
            connection: url,
            pool: { min: 0, max: options.poolMax ?? 5 },
            // Well under the test timeout, so a pool deadlock fails as such rather than as a hang.
            acquireConnectionTimeout: 10_000,
          }),
        async () => {},
      );
    },
  };
}

/** Both backends; PostgreSQL reports itself unavailable (loudly) when it cannot run here. */
export function testBackends(suite: string): Backend[] {
  return [sqliteBackend(), postgresBackend(suite)];
}
