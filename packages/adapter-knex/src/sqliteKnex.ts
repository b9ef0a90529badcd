import knex, { type Knex } from 'knex';

/** Options for {@link createSqliteKnex} and {@link sqliteKnexConfig}. */
export type SqliteKnexOptions = {
  /** Path of the database file (created when missing), or `:memory:` for a private in-memory database. */
  filename: string;
  /**
   * `NORMAL` (default): with WAL, a commit survives a crash of the process but may be lost on power
   * failure or an OS crash; the database is never corrupted. `FULL`: survives those too, at the
   * cost of an fsync per commit.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /**
   * WAL pages written before SQLite copies them back into the database file (a checkpoint, with
   * an fsync). Default 10,000 (about 40 MB of WAL): each write touches about 20 pages (the row and
   * its indexes), and SQLite's own default of 1,000 checkpoints every few dozen writes, which
   * costs a third of the write throughput.
   */
  walAutocheckpointPages?: number;
};

type SqliteConnection = { pragma(source: string): unknown };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function prepareConnection(connection: SqliteConnection, synchronous: 'NORMAL' | 'FULL', checkpointPages: number): Promise<void> {
  // busy_timeout 0: better-sqlite3 would block the whole event loop while waiting for a lock held by
  // another connection, possibly one in this very process that then can never release it. The
  // storage retries busy transactions asynchronously instead (its `busyTimeoutMs`).
  connection.pragma('busy_timeout = 0');
  connection.pragma('foreign_keys = ON');
  connection.pragma(`synchronous = ${synchronous}`);
  connection.pragma(`wal_autocheckpoint = ${checkpointPages}`);
  // Switching to WAL needs a moment of exclusive access; another connection may be mid-write.
  for (let attempt = 0; ; attempt += 1) {
    try {
      connection.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= 200 || typeof code !== 'string' || !code.startsWith('SQLITE_BUSY')) throw error;
      await sleep(10);
    }
  }
}

/**
 * A knex configuration for SQLite through better-sqlite3 with the settings the storage expects on
 * every connection: WAL (readers never block the writer) with a 10,000-page checkpoint interval,
 * foreign keys on, busy handling left to
 * the storage's asynchronous retry, one connection per instance (better-sqlite3 is synchronous, so
 * more would only contend for the same file lock). Spread it to add your own options.
 *
 * @example
 * ```ts
 * const db = knex({ ...sqliteKnexConfig({ filename: 'data/publishgate.db' }), debug: true });
 * ```
 */
export function sqliteKnexConfig(options: SqliteKnexOptions): Knex.Config {
  const synchronous = options.synchronous ?? 'NORMAL';
  if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
    throw new TypeError(`synchronous must be 'NORMAL' or 'FULL', not ${String(synchronous)}.`);
  }
  const checkpointPages = options.walAutocheckpointPages ?? 10_000;
  if (!Number.isSafeInteger(checkpointPages) || checkpointPages < 0) {
    throw new TypeError(`walAutocheckpointPages must be a non-negative integer, not ${String(checkpointPages)}.`);
  }
  return {
    client: 'better-sqlite3',
    connection: { filename: options.filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate(connection: SqliteConnection, done: (error: Error | null, connection: SqliteConnection) => void) {
        prepareConnection(connection, synchronous, checkpointPages).then(
          () => done(null, connection),
          (error: unknown) => done(error instanceof Error ? error : new Error(String(error)), connection),
        );
      },
    },
  };
}

/**
 * A knex instance for the embedded default: SQLite in one file through better-sqlite3 (install it
 * next to knex), configured by {@link sqliteKnexConfig}. Call `destroy()` on it at shutdown.
 *
 * @example
 * ```ts
 * const db = createSqliteKnex({ filename: 'data/publishgate.db' });
 * await migrate(db);
 * const storage = createKnexStorage({ knex: db });
 * ```
 */
export function createSqliteKnex(options: SqliteKnexOptions): Knex {
  return knex(sqliteKnexConfig(options));
}
