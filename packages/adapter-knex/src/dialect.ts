import type { Knex } from 'knex';

/** The two database families this adapter speaks. */
export type Dialect = 'sqlite' | 'postgres';

/** The table prefix used when none is given. */
export const DEFAULT_TABLE_PREFIX = 'publishgate_';

// The prefix is spliced into identifiers (tables, indexes, the NOTIFY channel), never bound, so it is
// restricted to characters that need no escaping; 30 keeps the longest index name under
// PostgreSQL's 63-byte identifier limit.
const PREFIX_PATTERN = /^(?:[a-z_][a-z0-9_]{0,29})?$/;

/** Names of everything the adapter creates, derived from one prefix. */
export type Tables = {
  prefix: string;
  requests: string;
  publications: string;
  claims: string;
  trust: string;
  audit: string;
  outbox: string;
  counters: string;
  /** Publish jobs, one per request in `approving`. */
  jobs: string;
  /** Pacing reservations (ms), per pacing key. */
  pacing: string;
  /** Approval rules, one per blueprint. */
  approvalRules: string;
  migrations: string;
  /** PostgreSQL NOTIFY channel raised when audit entries are committed. */
  auditChannel: string;
};

/** Validates `tablePrefix` and derives every name from it. */
export function tablesFor(tablePrefix: string | undefined): Tables {
  const prefix = tablePrefix ?? DEFAULT_TABLE_PREFIX;
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new TypeError(
      `tablePrefix must be at most 30 characters of [a-z0-9_], not starting with a digit; got ${JSON.stringify(prefix)}.`,
    );
  }
  return {
    prefix,
    requests: `${prefix}requests`,
    publications: `${prefix}publications`,
    claims: `${prefix}subdomain_claims`,
    trust: `${prefix}trust_grants`,
    audit: `${prefix}audit_entries`,
    outbox: `${prefix}outbox`,
    counters: `${prefix}counters`,
    jobs: `${prefix}publish_jobs`,
    pacing: `${prefix}pacing_reservations`,
    approvalRules: `${prefix}approval_rules`,
    migrations: `${prefix}migrations`,
    auditChannel: `${prefix}audit`,
  };
}

/** Which database a knex instance talks to; throws for anything but PostgreSQL and SQLite. */
export function dialectOf(db: Knex): Dialect {
  const name = db.client.dialect;
  if (name === 'postgresql' || name === 'postgres' || name === 'pg') return 'postgres';
  if (name === 'sqlite3' || name === 'better-sqlite3') return 'sqlite';
  throw new TypeError(
    `@publishgate/adapter-knex supports PostgreSQL (client 'pg') and SQLite (client 'better-sqlite3'); this knex instance uses ${JSON.stringify(name)}.`,
  );
}

/** One database row as a driver returns it. */
export type Row = Record<string, unknown>;

/** The rows of a `knex.raw` result: pg wraps them in `{ rows }`, better-sqlite3 returns the array. */
export function rowsOf(result: unknown): Row[] {
  if (Array.isArray(result)) return result as Row[];
  if (typeof result === 'object' && result !== null && Array.isArray((result as { rows?: unknown }).rows)) {
    return (result as { rows: Row[] }).rows;
  }
  return [];
}

/** How many rows a `knex.raw` write touched: pg's `rowCount`, better-sqlite3's `changes`. */
export function affectedRows(result: unknown): number {
  if (typeof result !== 'object' || result === null) return 0;
  const { rowCount, changes } = result as { rowCount?: unknown; changes?: unknown };
  return Number(rowCount ?? changes ?? 0);
}

/** A driver integer as a JS number: pg returns `bigint` columns and `count(*)` as strings. */
export function toInteger(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' || typeof value === 'bigint') return Number(value);
  return Number.NaN;
}

function errorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? code : '';
}

/**
 * Errors that mean "another writer was in the way, nothing was written, run the whole transaction
 * again": SQLite's busy/locked, PostgreSQL's deadlock and serialization failures. Connection
 * failures are not among them: after a lost COMMIT the outcome is unknown, so they surface.
 */
export function isTransient(error: unknown, dialect: Dialect): boolean {
  const code = errorCode(error);
  if (dialect === 'sqlite') return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
  return code === '40P01' || code === '40001';
}

/** The unique constraints whose violation means something to the port. */
export type UniqueKey = 'request_id' | 'idempotency_key' | 'in_flight' | 'subdomain_claim';

/**
 * Which of our unique constraints `error` violated, or null for any other error (including unique
 * violations of constraints we do not know, which must not masquerade as a domain refusal).
 * PostgreSQL names the constraint; SQLite names the table and columns.
 */
export function violatedUniqueKey(error: unknown, dialect: Dialect, tables: Tables): UniqueKey | null {
  const code = errorCode(error);
  if (dialect === 'postgres') {
    if (code !== '23505') return null;
    const constraint = (error as { constraint?: unknown }).constraint;
    switch (constraint) {
      case `${tables.requests}_pk`:
        return 'request_id';
      case `${tables.requests}_idempotency_uq`:
        return 'idempotency_key';
      case `${tables.requests}_in_flight_uq`:
        return 'in_flight';
      case `${tables.claims}_pk`:
        return 'subdomain_claim';
      default:
        return null;
    }
  }
  if (code !== 'SQLITE_CONSTRAINT_PRIMARYKEY' && code !== 'SQLITE_CONSTRAINT_UNIQUE') return null;
  const message = error instanceof Error ? error.message : '';
  const columns = /UNIQUE constraint failed: (.+)$/.exec(message)?.[1]?.trim();
  const r = tables.requests;
  switch (columns) {
    case `${r}.id`:
      return 'request_id';
    case `${r}.builder_id, ${r}.idempotency_key`:
      return 'idempotency_key';
    case `${r}.workspace_id`:
      return 'in_flight';
    case `${tables.claims}.subdomain`:
      return 'subdomain_claim';
    default:
      return null;
  }
}
