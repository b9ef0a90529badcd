import type { Knex } from 'knex';
import { type Dialect, dialectOf, rowsOf, type Tables, tablesFor } from './dialect.js';
import { withRetry } from './retry.js';

/** What a migration step needs to know about where it runs. */
export type MigrationContext = {
  /** The database family the statements are written for. */
  dialect: Dialect;
  /** Table and index names, derived from the prefix. */
  tables: Tables;
};

/** One schema change of the adapter. Migrations are frozen once released: later changes add a new one. */
export type PublishGateMigration = {
  /** Stable name recorded in the versions table, e.g. `001_initial`. */
  name: string;
  /** Applies the change; every statement is idempotent (`IF NOT EXISTS`). */
  up(db: Knex, context: MigrationContext): Promise<void>;
  /** Reverts it (used by knex's migrator on rollback; `migrate` never goes down). */
  down(db: Knex, context: MigrationContext): Promise<void>;
};

/** Options for {@link migrate} and {@link createMigrationSource}. */
export type MigrateOptions = {
  /** Prefix of every table and index; must match the storage's `tablePrefix`. Default `publishgate_`. */
  tablePrefix?: string;
};

/** What {@link migrate} did. */
export type MigrateResult = {
  /** Names of the migrations applied by this call, in order; empty when the schema was current. */
  applied: string[];
};

async function exec(db: Knex, statements: readonly string[]): Promise<void> {
  // One statement per call: better-sqlite3 prepares a single statement at a time.
  for (const statement of statements) await db.raw(statement);
}

// Frozen copy of core's IN_FLIGHT_STATUSES as of this migration: the partial unique index that
// enforces "one in-flight request per workspace" is defined by it. A test checks they still agree.
const IN_FLIGHT_SQL = `'pending', 'approving', 'failed'`;

function types(dialect: Dialect) {
  return dialect === 'postgres'
    ? {
        // Ids and ISO timestamps are compared and ordered byte-wise, exactly as the in-memory
        // reference compares JS strings, whatever the database's default collation.
        key: 'text COLLATE "C"',
        text: 'text',
        bigint: 'bigint',
        outboxSeq: 'bigint GENERATED ALWAYS AS IDENTITY',
      }
    : { key: 'TEXT', text: 'TEXT', bigint: 'INTEGER', outboxSeq: 'INTEGER' };
}

const initial: PublishGateMigration = {
  name: '001_initial',
  async up(db, { dialect, tables: t }) {
    const { key, text, bigint, outboxSeq } = types(dialect);
    // JSON payloads live in `text`, not jsonb: jsonb refuses "\u0000" (a patch may contain it) and
    // re-parsing on every insert costs throughput; the adapter never queries inside the JSON.
    await exec(db, [
      `CREATE TABLE IF NOT EXISTS "${t.requests}" (
        "id" ${key} NOT NULL,
        "version" integer NOT NULL,
        "status" ${text} NOT NULL,
        "workspace_id" ${key} NOT NULL,
        "blueprint_id" ${key} NOT NULL,
        "builder_id" ${key} NOT NULL,
        "subdomain" ${text} NOT NULL,
        "created_at" ${key} NOT NULL,
        "expires_at_ms" ${bigint},
        "idempotency_key" ${text},
        "data" ${text} NOT NULL,
        CONSTRAINT "${t.requests}_pk" PRIMARY KEY ("id")
      )`,
      `CREATE UNIQUE INDEX IF NOT EXISTS "${t.requests}_idempotency_uq" ON "${t.requests}" ("builder_id", "idempotency_key") WHERE "idempotency_key" IS NOT NULL`,
      `CREATE UNIQUE INDEX IF NOT EXISTS "${t.requests}_in_flight_uq" ON "${t.requests}" ("workspace_id") WHERE "status" IN (${IN_FLIGHT_SQL})`,
      `CREATE INDEX IF NOT EXISTS "${t.requests}_queue_idx" ON "${t.requests}" ("created_at", "id")`,
      `CREATE INDEX IF NOT EXISTS "${t.requests}_status_queue_idx" ON "${t.requests}" ("status", "created_at", "id")`,
      `CREATE INDEX IF NOT EXISTS "${t.requests}_overdue_idx" ON "${t.requests}" ("expires_at_ms") WHERE "status" = 'pending' AND "expires_at_ms" IS NOT NULL`,
      `CREATE TABLE IF NOT EXISTS "${t.publications}" (
        "workspace_id" ${key} NOT NULL,
        "subdomain" ${text} NOT NULL,
        "sha" ${text} NOT NULL,
        "request_id" ${key} NOT NULL,
        "published_at" ${text} NOT NULL,
        CONSTRAINT "${t.publications}_pk" PRIMARY KEY ("workspace_id"),
        CONSTRAINT "${t.publications}_request_fk" FOREIGN KEY ("request_id") REFERENCES "${t.requests}" ("id")
      )`,
      // Keyed by the lower-cased subdomain: the primary key is the "one owner per subdomain" rule.
      `CREATE TABLE IF NOT EXISTS "${t.claims}" (
        "subdomain" ${text} NOT NULL,
        "workspace_id" ${key} NOT NULL,
        CONSTRAINT "${t.claims}_pk" PRIMARY KEY ("subdomain")
      )`,
      `CREATE INDEX IF NOT EXISTS "${t.claims}_workspace_idx" ON "${t.claims}" ("workspace_id")`,
      `CREATE TABLE IF NOT EXISTS "${t.trust}" (
        "blueprint_id" ${key} NOT NULL,
        "user_id" ${key} NOT NULL,
        "data" ${text} NOT NULL,
        CONSTRAINT "${t.trust}_pk" PRIMARY KEY ("blueprint_id", "user_id")
      )`,
      `CREATE TABLE IF NOT EXISTS "${t.audit}" (
        "seq" ${bigint} NOT NULL,
        "id" ${key} NOT NULL,
        "request_id" ${key},
        "workspace_id" ${key},
        "builder_id" ${key},
        "data" ${text} NOT NULL,
        CONSTRAINT "${t.audit}_pk" PRIMARY KEY ("seq")
      )`,
      `CREATE TABLE IF NOT EXISTS "${t.outbox}" (
        "seq" ${outboxSeq} NOT NULL,
        "id" ${key} NOT NULL,
        "data" ${text} NOT NULL,
        "attempts" integer NOT NULL DEFAULT 0,
        "last_error" ${text},
        "retry_at_ms" ${bigint} NOT NULL DEFAULT 0,
        "lease_until_ms" ${bigint} NOT NULL DEFAULT 0,
        "delivered_at" ${text},
        CONSTRAINT "${t.outbox}_pk" PRIMARY KEY ("seq"),
        CONSTRAINT "${t.outbox}_id_uq" UNIQUE ("id")
      )`,
      `CREATE INDEX IF NOT EXISTS "${t.outbox}_pending_idx" ON "${t.outbox}" ("seq") WHERE "delivered_at" IS NULL`,
      // One row per counter. `audit_seq` numbers audit entries in commit order (see appendAudit).
      `CREATE TABLE IF NOT EXISTS "${t.counters}" (
        "name" ${text} NOT NULL,
        "value" ${bigint} NOT NULL,
        CONSTRAINT "${t.counters}_pk" PRIMARY KEY ("name")
      )`,
      `INSERT INTO "${t.counters}" ("name", "value") VALUES ('audit_seq', 0) ON CONFLICT ("name") DO NOTHING`,
    ]);
  },
  async down(db, { tables: t }) {
    await exec(
      db,
      [t.counters, t.outbox, t.audit, t.trust, t.claims, t.publications, t.requests].map((table) => `DROP TABLE IF EXISTS "${table}"`),
    );
  },
};

const filteredQueueIndexes = (t: Tables) =>
  [
    [`${t.requests}_workspace_queue_idx`, t.requests, '"workspace_id", "created_at", "id"'],
    [`${t.requests}_builder_queue_idx`, t.requests, '"builder_id", "created_at", "id"'],
    [`${t.requests}_blueprint_queue_idx`, t.requests, '"blueprint_id", "created_at", "id"'],
    [`${t.audit}_request_idx`, t.audit, '"request_id", "seq"'],
    [`${t.audit}_workspace_idx`, t.audit, '"workspace_id", "seq"'],
    [`${t.audit}_builder_idx`, t.audit, '"builder_id", "seq"'],
  ] as const;

const filteredQueue: PublishGateMigration = {
  name: '002_filtered_queue_indexes',
  // Keyset indexes for the filtered views (a builder's own requests, one workspace, one blueprint)
  // and the per-request / per-workspace history.
  async up(db, { tables }) {
    await exec(
      db,
      filteredQueueIndexes(tables).map(([name, table, columns]) => `CREATE INDEX IF NOT EXISTS "${name}" ON "${table}" (${columns})`),
    );
  },
  async down(db, { tables }) {
    await exec(
      db,
      filteredQueueIndexes(tables).map(([name]) => `DROP INDEX IF EXISTS "${name}"`),
    );
  },
};

const deadLetters: PublishGateMigration = {
  name: '003_outbox_dead_letters',
  // A notification that stopped retrying keeps its row, marked with when it died.
  async up(db, { dialect, tables: t }) {
    if (dialect === 'postgres') {
      await exec(db, [`ALTER TABLE "${t.outbox}" ADD COLUMN IF NOT EXISTS "dead_at" text`]);
      return;
    }
    // SQLite has no ADD COLUMN IF NOT EXISTS; look first, as every step must be idempotent.
    const columns = rowsOf(await db.raw(`PRAGMA table_info("${t.outbox}")`));
    if (!columns.some((column) => column.name === 'dead_at')) await exec(db, [`ALTER TABLE "${t.outbox}" ADD COLUMN "dead_at" text`]);
  },
  async down(db, { dialect, tables: t }) {
    if (dialect === 'postgres') {
      await exec(db, [`ALTER TABLE "${t.outbox}" DROP COLUMN IF EXISTS "dead_at"`]);
      return;
    }
    const columns = rowsOf(await db.raw(`PRAGMA table_info("${t.outbox}")`));
    if (columns.some((column) => column.name === 'dead_at')) await exec(db, [`ALTER TABLE "${t.outbox}" DROP COLUMN "dead_at"`]);
  },
};

const publishJobs: PublishGateMigration = {
  name: '004_publish_jobs_and_pacing',
  // The durable half of a publish (one job per approving request) and the shared pacing budget.
  // Times are integer ms, as in the outbox, so claims and windows compare numbers.
  async up(db, { dialect, tables: t }) {
    const { key, bigint } = types(dialect);
    await exec(db, [
      `CREATE TABLE IF NOT EXISTS "${t.jobs}" (
        "request_id" ${key} NOT NULL,
        "run_at_ms" ${bigint} NOT NULL,
        "lease_until_ms" ${bigint},
        "slot_at_ms" ${bigint},
        CONSTRAINT "${t.jobs}_pk" PRIMARY KEY ("request_id"),
        CONSTRAINT "${t.jobs}_request_fk" FOREIGN KEY ("request_id") REFERENCES "${t.requests}" ("id")
      )`,
      // (run_at_ms, request_id) is the claim order, so the index serves it without a sort.
      `CREATE INDEX IF NOT EXISTS "${t.jobs}_run_at_idx" ON "${t.jobs}" ("run_at_ms", "request_id")`,
      `CREATE TABLE IF NOT EXISTS "${t.pacing}" (
        "key" ${key} NOT NULL,
        "at_ms" ${bigint} NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS "${t.pacing}_key_at_idx" ON "${t.pacing}" ("key", "at_ms")`,
    ]);
    // Requests already approving were publishing when the server stopped for the upgrade: give
    // each a job due now, so a worker resumes it. Idempotent: an existing job is kept as it is.
    await db.raw(
      `INSERT INTO "${t.jobs}" ("request_id", "run_at_ms") SELECT "id", ? FROM "${t.requests}" WHERE "status" = 'approving'
       ON CONFLICT ("request_id") DO NOTHING`,
      [Date.now()],
    );
  },
  async down(db, { tables: t }) {
    await exec(
      db,
      [t.pacing, t.jobs].map((table) => `DROP TABLE IF EXISTS "${table}"`),
    );
  },
};

const approvalRules: PublishGateMigration = {
  name: '005_approval_rules',
  // One rule per blueprint. Requests keep their copy of the rule (and their approvals) in their
  // JSON, so the requests table does not change.
  async up(db, { dialect, tables: t }) {
    const { key, text } = types(dialect);
    await exec(db, [
      `CREATE TABLE IF NOT EXISTS "${t.approvalRules}" (
        "blueprint_id" ${key} NOT NULL,
        "data" ${text} NOT NULL,
        CONSTRAINT "${t.approvalRules}_pk" PRIMARY KEY ("blueprint_id")
      )`,
    ]);
  },
  async down(db, { tables: t }) {
    await exec(db, [`DROP TABLE IF EXISTS "${t.approvalRules}"`]);
  },
};

const DELIVERY_COLUMNS = [
  ['delivery_state', 'text'],
  ['pull_request_number', 'bigint'],
  ['branch', 'text'],
  ['merge_sha', 'text'],
  ['delivery_at_ms', 'bigint'],
  ['delivery_checked_at_ms', 'bigint'],
] as const;

/**
 * Adds the columns the requests table lacks. Idempotent, as every migration here (a schema made
 * through the knex migration source is found complete by migrate()); SQLite has no ADD COLUMN IF
 * NOT EXISTS, so it is asked first.
 */
async function addRequestColumns(
  db: Knex,
  dialect: Dialect,
  t: Tables,
  columns: ReadonlyArray<readonly [string, 'text' | 'bigint']>,
): Promise<void> {
  const kinds = types(dialect);
  const present =
    dialect === 'sqlite'
      ? new Set(rowsOf(await db.raw(`PRAGMA table_info("${t.requests}")`)).map((row) => String(row.name)))
      : new Set<string>();
  const ifNew = dialect === 'postgres' ? 'IF NOT EXISTS ' : '';
  for (const [column, kind] of columns) {
    if (present.has(column)) continue;
    await db.raw(`ALTER TABLE "${t.requests}" ADD COLUMN ${ifNew}"${column}" ${kind === 'bigint' ? kinds.bigint : kinds.text}`);
  }
}

const delivery: PublishGateMigration = {
  name: '006_delivery',
  // What became of an approved request's pull request (`delivery`), as columns the delivery
  // lookups and filters need: webhooks find a request by pull request number + branch or by merge
  // commit, the queue filters by delivery state, and polling claims due checks.
  async up(db, { dialect, tables: t }) {
    await addRequestColumns(db, dialect, t, DELIVERY_COLUMNS);
    await exec(db, [
      `CREATE INDEX IF NOT EXISTS "${t.requests}_pull_request_idx" ON "${t.requests}" ("pull_request_number")`,
      `CREATE INDEX IF NOT EXISTS "${t.requests}_merge_sha_idx" ON "${t.requests}" ("merge_sha")`,
      `CREATE INDEX IF NOT EXISTS "${t.requests}_delivery_idx" ON "${t.requests}" ("delivery_state", "created_at", "id")`,
    ]);
    // Requests approved before this release: their pull request, so a webhook about it finds them.
    // (They carry no `delivery`; the gate counts them as pull-request-open.)
    const approved = rowsOf(await db.raw(`SELECT "id", "data" FROM "${t.requests}" WHERE "status" = 'approved'`));
    for (const row of approved) {
      const request = JSON.parse(String(row.data)) as { pullRequest?: { number?: unknown }; branch?: unknown };
      const number = request.pullRequest?.number;
      if (typeof number !== 'number' || typeof request.branch !== 'string') continue;
      await db.raw(`UPDATE "${t.requests}" SET "pull_request_number" = ?, "branch" = ? WHERE "id" = ?`, [
        number,
        request.branch,
        String(row.id),
      ]);
    }
  },
  async down(db, { tables: t }) {
    await exec(db, [
      `DROP INDEX IF EXISTS "${t.requests}_pull_request_idx"`,
      `DROP INDEX IF EXISTS "${t.requests}_merge_sha_idx"`,
      `DROP INDEX IF EXISTS "${t.requests}_delivery_idx"`,
      ...DELIVERY_COLUMNS.map(([column]) => `ALTER TABLE "${t.requests}" DROP COLUMN "${column}"`),
    ]);
  },
};

const REVIEW_COLUMNS = [
  ['reminded_at_ms', 'bigint'],
  ['approvers', 'text'],
] as const;

/**
 * The approvers column's text for a request: `|user:<id>|role:<role>|…`, from the rule it copied
 * (no rule: the default, role admin). Written by the storage on every write; an id never holds `|`.
 */
export function approversText(rule: { approvers: ReadonlyArray<{ userId: string } | { role: string }> } | undefined): string {
  const approvers = rule?.approvers ?? [{ role: 'admin' }];
  return `|${approvers.map((approver) => ('userId' in approver ? `user:${approver.userId}` : `role:${approver.role}`)).join('|')}|`;
}

const reviewQueue: PublishGateMigration = {
  name: '009_reminders_and_approver_queue',
  // When a pending request's approvers were last reminded (the sweep asks for due reminders), and
  // who may approve it (a non-admin approver's queue), as columns next to its JSON.
  async up(db, { dialect, tables: t }) {
    await addRequestColumns(db, dialect, t, REVIEW_COLUMNS);
    // Only pending requests appear in an approver's queue; their approvers come from their JSON.
    const pending = rowsOf(await db.raw(`SELECT "id", "data" FROM "${t.requests}" WHERE "status" = 'pending'`));
    for (const row of pending) {
      const request = JSON.parse(String(row.data)) as { rule?: { approvers: Array<{ userId: string } | { role: string }> } };
      await db.raw(`UPDATE "${t.requests}" SET "approvers" = ? WHERE "id" = ?`, [approversText(request.rule), String(row.id)]);
    }
  },
  async down(db, { tables: t }) {
    await exec(
      db,
      REVIEW_COLUMNS.map(([column]) => `ALTER TABLE "${t.requests}" DROP COLUMN "${column}"`),
    );
  },
};

// The outbox table as 001_initial made it, plus 003's `dead_at`, with `channel` or without: SQLite
// cannot drop a table's UNIQUE constraint, so 010 (and its down) rebuild the table.
function outboxTableSql(t: Tables, table: string, withChannel: boolean): string {
  return `CREATE TABLE "${table}" (
    "seq" INTEGER NOT NULL,
    "id" TEXT NOT NULL,${withChannel ? `\n    "channel" TEXT NOT NULL DEFAULT '',` : ''}
    "data" TEXT NOT NULL,
    "attempts" integer NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "retry_at_ms" INTEGER NOT NULL DEFAULT 0,
    "lease_until_ms" INTEGER NOT NULL DEFAULT 0,
    "delivered_at" TEXT,
    "dead_at" TEXT,
    CONSTRAINT "${t.outbox}_pk" PRIMARY KEY ("seq"),
    ${withChannel ? `CONSTRAINT "${t.outbox}_id_channel_uq" UNIQUE ("id", "channel")` : `CONSTRAINT "${t.outbox}_id_uq" UNIQUE ("id")`}
  )`;
}

async function rebuildSqliteOutbox(db: Knex, t: Tables, withChannel: boolean): Promise<void> {
  const rebuilt = `${t.outbox}_rebuild`;
  const shared = '"seq", "id", "data", "attempts", "last_error", "retry_at_ms", "lease_until_ms", "delivered_at", "dead_at"';
  await exec(db, [
    `DROP TABLE IF EXISTS "${rebuilt}"`,
    outboxTableSql(t, rebuilt, withChannel),
    withChannel
      ? `INSERT INTO "${rebuilt}" (${shared}, "channel") SELECT ${shared}, '' FROM "${t.outbox}"`
      : // Going back, a notification has one row: the fan-out rows cannot be kept.
        `INSERT INTO "${rebuilt}" (${shared}) SELECT ${shared} FROM "${t.outbox}" WHERE "channel" = ''`,
    `DROP TABLE "${t.outbox}"`,
    `ALTER TABLE "${rebuilt}" RENAME TO "${t.outbox}"`,
    `CREATE INDEX IF NOT EXISTS "${t.outbox}_pending_idx" ON "${t.outbox}" ("seq") WHERE "delivered_at" IS NULL`,
  ]);
}

const outboxChannels: PublishGateMigration = {
  name: '010_outbox_channels',
  // A fan-out notifier keeps one outbox row per notification and channel, each with its own
  // delivery state. `channel` is '' for a row without one (every row written before), never NULL:
  // NULLs are distinct in a unique index, and ('id', '') must stay unique.
  async up(db, { dialect, tables: t }) {
    if (dialect === 'postgres') {
      await exec(db, [
        `ALTER TABLE "${t.outbox}" ADD COLUMN IF NOT EXISTS "channel" text COLLATE "C" NOT NULL DEFAULT ''`,
        `ALTER TABLE "${t.outbox}" DROP CONSTRAINT IF EXISTS "${t.outbox}_id_uq"`,
        `CREATE UNIQUE INDEX IF NOT EXISTS "${t.outbox}_id_channel_uq" ON "${t.outbox}" ("id", "channel")`,
      ]);
      return;
    }
    const columns = rowsOf(await db.raw(`PRAGMA table_info("${t.outbox}")`));
    if (!columns.some((column) => column.name === 'channel')) await rebuildSqliteOutbox(db, t, true);
  },
  async down(db, { dialect, tables: t }) {
    if (dialect === 'postgres') {
      await exec(db, [
        `DELETE FROM "${t.outbox}" WHERE "channel" <> ''`,
        `DROP INDEX IF EXISTS "${t.outbox}_id_channel_uq"`,
        `ALTER TABLE "${t.outbox}" ADD CONSTRAINT "${t.outbox}_id_uq" UNIQUE ("id")`,
        `ALTER TABLE "${t.outbox}" DROP COLUMN IF EXISTS "channel"`,
      ]);
      return;
    }
    const columns = rowsOf(await db.raw(`PRAGMA table_info("${t.outbox}")`));
    if (columns.some((column) => column.name === 'channel')) await rebuildSqliteOutbox(db, t, false);
  },
};

const OWNER_COLUMNS = [['workspace_owner_id', 'text']] as const;

const workspaceOwners: PublishGateMigration = {
  name: '011_workspace_owner',
  // A workspace's owner sees every request on it, an admin's rollback of it included, so a
  // non-admin's queue matches the owner as well as the builder. Filled from each row's JSON.
  async up(db, { dialect, tables: t }) {
    await addRequestColumns(db, dialect, t, OWNER_COLUMNS);
    const unfilled = rowsOf(await db.raw(`SELECT "id", "data" FROM "${t.requests}" WHERE "workspace_owner_id" IS NULL`));
    for (const row of unfilled) {
      const request = JSON.parse(String(row.data)) as { workspace: { ownerId: string } };
      await db.raw(`UPDATE "${t.requests}" SET "workspace_owner_id" = ? WHERE "id" = ?`, [request.workspace.ownerId, String(row.id)]);
    }
    await exec(db, [
      `CREATE INDEX IF NOT EXISTS "${t.requests}_owner_queue_idx" ON "${t.requests}" ("workspace_owner_id", "created_at", "id")`,
    ]);
  },
  async down(db, { tables: t }) {
    await exec(db, [
      `DROP INDEX IF EXISTS "${t.requests}_owner_queue_idx"`,
      ...OWNER_COLUMNS.map(([column]) => `ALTER TABLE "${t.requests}" DROP COLUMN "${column}"`),
    ]);
  },
};

/** Every migration of the adapter, oldest first. */
export const MIGRATIONS: readonly PublishGateMigration[] = [
  initial,
  filteredQueue,
  deadLetters,
  publishJobs,
  approvalRules,
  delivery,
  reviewQueue,
  outboxChannels,
  workspaceOwners,
];

// Namespace for pg_advisory_xact_lock(int, int): "PGMG". The second key is the prefix's hash, so
// two prefixes in one database migrate independently.
const ADVISORY_NAMESPACE = 0x50474d47;

function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/** Applies `migrations` that the versions table does not list yet, in one transaction. */
export async function runMigrations(
  db: Knex,
  migrations: readonly PublishGateMigration[],
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const dialect = dialectOf(db);
  const tables = tablesFor(options.tablePrefix);
  const context: MigrationContext = { dialect, tables };
  const versions = `"${tables.migrations}"`;
  return withRetry({ dialect, budgetMs: 30_000, operation: 'migrate' }, () =>
    db.transaction(async (trx) => {
      // Several servers may start at once: only one migrates, the others then find nothing to do.
      // (PostgreSQL DDL is transactional, so a failed migration leaves no half-made schema.)
      if (dialect === 'postgres') await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', [ADVISORY_NAMESPACE, hash32(tables.prefix)]);
      await trx.raw(
        `CREATE TABLE IF NOT EXISTS ${versions} ("name" text NOT NULL, "applied_at" text NOT NULL, CONSTRAINT "${tables.migrations}_pk" PRIMARY KEY ("name"))`,
      );
      // SQLite: take the write lock before reading what ran, so a concurrent migrator cannot slip in between.
      if (dialect === 'sqlite') await trx.raw(`DELETE FROM ${versions} WHERE 0`);
      const done = new Set(rowsOf(await trx.raw(`SELECT "name" FROM ${versions}`)).map((row) => String(row.name)));
      const applied: string[] = [];
      for (const migration of migrations) {
        if (done.has(migration.name)) continue;
        await migration.up(trx, context);
        await trx.raw(`INSERT INTO ${versions} ("name", "applied_at") VALUES (?, ?)`, [migration.name, new Date().toISOString()]);
        applied.push(migration.name);
      }
      return { applied };
    }),
  );
}

/**
 * Creates or upgrades the adapter's tables. Idempotent and safe to call from every server at
 * start-up: it records what it applied in `<prefix>migrations`, runs pending steps in one
 * transaction, and serializes concurrent callers (an advisory lock on PostgreSQL, the write lock on
 * SQLite).
 *
 * @example
 * ```ts
 * import knex from 'knex';
 * import { createKnexStorage, migrate } from '@publishgate/adapter-knex';
 *
 * const db = knex({ client: 'pg', connection: process.env.DATABASE_URL });
 * await migrate(db); // → { applied: ['001_initial', …, '005_approval_rules'] } the first time, then { applied: [] }
 * const storage = createKnexStorage({ knex: db });
 * ```
 */
export function migrate(db: Knex, options: MigrateOptions = {}): Promise<MigrateResult> {
  return runMigrations(db, MIGRATIONS, options);
}

/**
 * The same migrations as a knex migration source, for hosts that run knex's own migrator
 * (`knex.migrate.latest({ migrationSource })`), possibly next to their own migrations. Every
 * statement is `IF NOT EXISTS`, so switching between this and {@link migrate} later is harmless.
 *
 * @example
 * ```ts
 * import { createMigrationSource } from '@publishgate/adapter-knex';
 * await db.migrate.latest({ migrationSource: createMigrationSource({ tablePrefix: 'pg_' }) });
 * ```
 */
export function createMigrationSource(options: MigrateOptions = {}): Knex.MigrationSource<PublishGateMigration> {
  const tables = tablesFor(options.tablePrefix);
  return {
    async getMigrations() {
      return [...MIGRATIONS];
    },
    getMigrationName(migration) {
      return `${tables.prefix}${migration.name}`;
    },
    async getMigration(migration) {
      return {
        up: (db: Knex) => migration.up(db, { dialect: dialectOf(db), tables }),
        down: (db: Knex) => migration.down(db, { dialect: dialectOf(db), tables }),
      };
    },
  };
}

/** {@link createMigrationSource} with the default table prefix. */
export const migrationSource: Knex.MigrationSource<PublishGateMigration> = createMigrationSource();
