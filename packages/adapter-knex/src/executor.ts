import type { Knex } from 'knex';
import { affectedRows, type Dialect, type Row, rowsOf } from './dialect.js';
import { throwIfAborted, withRetry } from './retry.js';

/** A value bound to a `?` placeholder. */
export type Binding = string | number | null;

/** Runs statements inside one read or one write transaction. */
export type Statements = {
  /** Rows of a SELECT or of a write with RETURNING. */
  all(sql: string, bindings?: readonly Binding[]): Promise<Row[]>;
  /** Number of rows a write touched. */
  run(sql: string, bindings?: readonly Binding[]): Promise<number>;
};

/** How the storage talks to its database: every call is one read or one atomic write, retried whole while transient. */
export type Executor = {
  read<T>(operation: string, signal: AbortSignal | undefined, body: (statements: Statements) => Promise<T>): Promise<T>;
  /** `body` must only talk to the database: it may run again after a transient failure, and it holds the write lock. */
  write<T>(operation: string, signal: AbortSignal | undefined, body: (statements: Statements) => Promise<T>): Promise<T>;
};

function knexStatements(runner: Knex | Knex.Transaction): Statements {
  return {
    async all(sql, bindings = []) {
      return rowsOf(await runner.raw(sql, [...bindings]));
    },
    async run(sql, bindings = []) {
      return affectedRows(await runner.raw(sql, [...bindings]));
    },
  };
}

/** PostgreSQL: knex queries; writes in a knex transaction (READ COMMITTED, the default). */
function postgresExecutor(db: Knex, budgetMs: number): Executor {
  const pooled = knexStatements(db);
  return {
    read(operation, signal, body) {
      throwIfAborted(signal);
      return withRetry({ dialect: 'postgres', budgetMs, operation, signal }, () => body(pooled));
    },
    write(operation, signal, body) {
      throwIfAborted(signal);
      return withRetry({ dialect: 'postgres', budgetMs, operation, signal }, () =>
        db.transaction(async (trx) => {
          const result = await body(knexStatements(trx));
          throwIfAborted(signal);
          return result;
        }),
      );
    },
  };
}

/** The parts of a better-sqlite3 `Database` the executor uses. */
type SqliteConnection = {
  prepare(sql: string): SqliteStatement;
  pragma(source: string): unknown;
  readonly inTransaction: boolean;
};
type SqliteStatement = { all(...bindings: Binding[]): unknown[]; run(...bindings: Binding[]): { changes: number } };

function isSqliteConnection(value: unknown): value is SqliteConnection {
  return typeof value === 'object' && value !== null && typeof (value as SqliteConnection).prepare === 'function';
}

const MAX_CACHED_STATEMENTS = 256;
const prepared = new WeakMap<SqliteConnection, Map<string, SqliteStatement>>();

function sqliteStatements(connection: SqliteConnection): Statements & { exec(sql: string): void } {
  let cache = prepared.get(connection);
  if (!cache) {
    cache = new Map();
    prepared.set(connection, cache);
    // Settings the storage relies on, whoever configured the pool: foreign keys enforced, and no
    // busy handler that would block the event loop (busy transactions are retried asynchronously).
    connection.pragma('foreign_keys = ON');
    connection.pragma('busy_timeout = 0');
  }
  const statements = cache;
  const prepare = (sql: string): SqliteStatement => {
    let statement = statements.get(sql);
    if (!statement) {
      // Statement texts vary only with filter combinations and batch sizes; a cap keeps an
      // unusual caller from growing the cache without bound.
      if (statements.size >= MAX_CACHED_STATEMENTS) statements.clear();
      statement = connection.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  return {
    async all(sql, bindings = []) {
      return prepare(sql).all(...bindings) as Row[];
    },
    async run(sql, bindings = []) {
      return prepare(sql).run(...bindings).changes;
    },
    exec(sql) {
      prepare(sql).run();
    },
  };
}

/**
 * SQLite through better-sqlite3, on the connection knex's pool hands out. Statements run on the
 * driver directly, prepared once per connection: the driver is synchronous, so a statement costs
 * a few microseconds while a trip through knex's query pipeline costs tens. Writes open with
 * BEGIN IMMEDIATE, taking the write lock before reading anything, so a transaction can never fail
 * halfway with SQLITE_BUSY after reading data another writer is changing. Holding the pooled
 * connection for the whole call keeps other calls of this instance out of the transaction.
 */
function sqliteExecutor(db: Knex, budgetMs: number): Executor {
  async function withConnection<T>(use: (connection: SqliteConnection) => Promise<T>): Promise<T> {
    const connection: unknown = await db.client.acquireConnection();
    try {
      if (!isSqliteConnection(connection)) throw new TypeError('Expected a better-sqlite3 connection from knex (client "better-sqlite3").');
      return await use(connection);
    } finally {
      await db.client.releaseConnection(connection);
    }
  }
  return {
    read(operation, signal, body) {
      throwIfAborted(signal);
      return withRetry({ dialect: 'sqlite', budgetMs, operation, signal }, () =>
        withConnection((connection) => body(sqliteStatements(connection))),
      );
    },
    write(operation, signal, body) {
      throwIfAborted(signal);
      return withRetry({ dialect: 'sqlite', budgetMs, operation, signal }, () =>
        withConnection(async (connection) => {
          const statements = sqliteStatements(connection);
          statements.exec('BEGIN IMMEDIATE');
          try {
            const result = await body(statements);
            throwIfAborted(signal);
            statements.exec('COMMIT');
            return result;
          } catch (error) {
            if (connection.inTransaction) statements.exec('ROLLBACK');
            throw error;
          }
        }),
      );
    },
  };
}

/** The executor for `db`'s dialect. */
export function createExecutor(db: Knex, dialect: Dialect, budgetMs: number): Executor {
  if (dialect === 'postgres') return postgresExecutor(db, budgetMs);
  if (db.client.driverName !== 'better-sqlite3') {
    throw new TypeError(
      `@publishgate/adapter-knex runs SQLite through better-sqlite3; this knex instance uses ${JSON.stringify(db.client.driverName)}.`,
    );
  }
  return sqliteExecutor(db, budgetMs);
}
