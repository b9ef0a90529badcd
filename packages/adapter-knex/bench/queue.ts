/**
 * Queue-page latency and request-creation throughput of the knex storage, on SQLite and PostgreSQL.
 *
 *   pnpm --filter @publishgate/adapter-knex bench
 *
 * Environment: BENCH_ROWS (requests stored before measuring; default 1,000,000), BENCH_PAGES (timed
 * queue pages per variant; default 500), BENCH_CREATES (timed createRequest calls; default 5,000),
 * BENCH_BACKENDS (default `sqlite,postgres`), PUBLISHGATE_PG_URL (a PostgreSQL server to use
 * instead of a throwaway cluster).
 *
 * The baseline for the ratio is the same page fetched with hand-written SQL through the same knex
 * instance and JSON.parse of each row, timed in the same run, interleaved with the SDK calls.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AuditEntryInput, Notification, PublishRequest, StoragePort } from '@publishgate/core';
import knex, { type Knex } from 'knex';
import { type PostgresDatabase, startPostgres, stopPostgres } from '../../../tooling/postgres.ts';
import { createKnexStorage, createSqliteKnex, migrate } from '../src/index.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const PAGES = Number(process.env.BENCH_PAGES ?? 500);
const CREATES = Number(process.env.BENCH_CREATES ?? 5_000);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'sqlite,postgres').split(',').map((name) => name.trim());
const PAGE_SIZE = 50;
const EPOCH = Date.parse('2024-01-01T00:00:00.000Z');
// Every workspace has 10 consecutive requests; one request in 20 is pending (at most one per
// workspace), spread evenly over the whole history, so the pending index has to do the work.
const PER_WORKSPACE = 10;
const STATUSES = ['approved', 'rejected', 'withdrawn', 'expired'] as const;

const T = {
  requests: 'publishgate_requests',
  claims: 'publishgate_subdomain_claims',
};

const PATCH =
  'diff --git a/index.html b/index.html\n--- a/index.html\n+++ b/index.html\n@@ -1,3 +1,3 @@\n <html>\n-<h1>Hello</h1>\n+<h1>Hello, bikes</h1>\n </html>\n';

function seedRequest(i: number): PublishRequest {
  const w = Math.floor(i / PER_WORKSPACE);
  const status = i % 20 === 7 ? 'pending' : STATUSES[i % STATUSES.length];
  const createdAt = new Date(EPOCH + i * 1000).toISOString();
  return {
    id: `req-${String(i).padStart(8, '0')}`,
    version: status === 'pending' ? 1 : 2,
    status: status ?? 'approved',
    workspace: { id: `ws-${w}`, name: `Workspace ${w}`, blueprintId: `bp-${w % 20}`, ownerId: `user-${w % 5000}` },
    builder: { id: `user-${w % 5000}`, email: `user-${w % 5000}@example.com` },
    subdomain: `site-${w}`,
    sha: i.toString(16).padStart(40, 'a'),
    baseline: { kind: 'blueprint' },
    diff: {
      files: [
        { path: 'index.html', status: 'modified', additions: 1, deletions: 1, binary: false },
        { path: 'styles/site.css', status: 'added', additions: 12, deletions: 0, binary: false },
      ],
      additions: 13,
      deletions: 1,
      patch: PATCH,
      truncated: false,
    },
    findings: [],
    createdAt,
    updatedAt: createdAt,
  };
}

const COLUMNS = [
  'id',
  'version',
  'status',
  'workspace_id',
  'blueprint_id',
  'builder_id',
  'subdomain',
  'created_at',
  'expires_at_ms',
  'idempotency_key',
  'data',
];

function row(request: PublishRequest): (string | number | null)[] {
  return [
    request.id,
    request.version,
    request.status,
    request.workspace.id,
    request.workspace.blueprintId,
    request.builder.id,
    request.subdomain,
    request.createdAt,
    null,
    null,
    JSON.stringify(request),
  ];
}

/** SQLite: batched multi-row INSERTs in one transaction. */
async function seedSqlite(db: Knex, rows: number): Promise<void> {
  const batch = 2_000; // 22,000 bound values, under SQLite's 32,766 limit
  await db.transaction(async (trx) => {
    for (let start = 0; start < rows; start += batch) {
      const count = Math.min(batch, rows - start);
      const values: (string | number | null)[] = [];
      for (let i = start; i < start + count; i += 1) values.push(...row(seedRequest(i)));
      const placeholders = `(${COLUMNS.map(() => '?').join(', ')})`;
      await trx.raw(
        `INSERT INTO "${T.requests}" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES ${Array.from({ length: count }, () => placeholders).join(', ')}`,
        values,
      );
    }
    await trx.raw(
      `INSERT INTO "${T.claims}" ("subdomain", "workspace_id") SELECT "subdomain", "workspace_id" FROM "${T.requests}" WHERE "status" = 'pending'`,
    );
  });
  await db.raw('ANALYZE');
}

/** PostgreSQL: one INSERT … SELECT over generate_series, the JSON built by the server. */
async function seedPostgres(db: Knex, rows: number): Promise<void> {
  const sample = seedRequest(0);
  const statuses = `(ARRAY['${STATUSES.join("','")}'])[(i % ${STATUSES.length}) + 1]`;
  await db.raw(
    `INSERT INTO "${T.requests}" (${COLUMNS.map((c) => `"${c}"`).join(', ')})
     SELECT id, version, status, workspace_id, blueprint_id, builder_id, subdomain, created_at, NULL, NULL,
       json_build_object(
         'id', id, 'version', version, 'status', status,
         'workspace', json_build_object('id', workspace_id, 'name', 'Workspace ' || w, 'blueprintId', blueprint_id, 'ownerId', builder_id),
         'builder', json_build_object('id', builder_id, 'email', builder_id || '@example.com'),
         'subdomain', subdomain, 'sha', lpad(to_hex(i), 40, 'a'), 'baseline', json_build_object('kind', 'blueprint'),
         'diff', ?::json, 'findings', json_build_array(), 'createdAt', created_at, 'updatedAt', created_at
       )::text
     FROM (
       SELECT i, w, 'req-' || lpad(i::text, 8, '0') AS id,
         CASE WHEN i % 20 = 7 THEN 1 ELSE 2 END AS version,
         CASE WHEN i % 20 = 7 THEN 'pending' ELSE ${statuses} END AS status,
         'ws-' || w AS workspace_id, 'bp-' || (w % 20) AS blueprint_id, 'user-' || (w % 5000) AS builder_id,
         'site-' || w AS subdomain,
         to_char(timestamp '2024-01-01 00:00:00' + i * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
       FROM (SELECT i, i / ${PER_WORKSPACE} AS w FROM generate_series(0, ?::int - 1) AS i) AS numbered
     ) AS seed`,
    [JSON.stringify(sample.diff), rows],
  );
  await db.raw(
    `INSERT INTO "${T.claims}" ("subdomain", "workspace_id") SELECT "subdomain", "workspace_id" FROM "${T.requests}" WHERE "status" = 'pending'`,
  );
  await db.raw('VACUUM ANALYZE');
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

type Stats = { p50: number; p99: number };
const stats = (samples: number[]): Stats => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

async function time(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** SDK page vs hand-written SQL page, interleaved (alternating which goes first) so drift hits both. */
async function comparePages(
  sdk: () => Promise<PublishRequest[]>,
  sql: () => Promise<PublishRequest[]>,
): Promise<{ sdk: Stats; sql: Stats }> {
  const [a, b] = [await sdk(), await sql()];
  if (JSON.stringify(a) !== JSON.stringify(b) || a.length !== PAGE_SIZE) {
    throw new Error(`The SDK page and the SQL page differ (${a.length} vs ${b.length} items): the comparison would be meaningless.`);
  }
  for (let warm = 0; warm < 50; warm += 1) {
    await sdk();
    await sql();
  }
  const sdkSamples: number[] = [];
  const sqlSamples: number[] = [];
  for (let index = 0; index < PAGES; index += 1) {
    if (index % 2 === 0) {
      sdkSamples.push(await time(sdk));
      sqlSamples.push(await time(sql));
    } else {
      sqlSamples.push(await time(sql));
      sdkSamples.push(await time(sdk));
    }
  }
  return { sdk: stats(sdkSamples), sql: stats(sqlSamples) };
}

function newRequest(n: number): { request: PublishRequest; audit: AuditEntryInput[]; outbox: Notification[] } {
  const base = seedRequest(n);
  const createdAt = new Date().toISOString();
  const request: PublishRequest = {
    ...base,
    id: `bench-${n}`,
    version: 1,
    status: 'pending',
    workspace: { ...base.workspace, id: `bench-ws-${n}` },
    subdomain: `bench-site-${n}`,
    createdAt,
    updatedAt: createdAt,
  };
  const audit: AuditEntryInput = {
    id: `bench-audit-${n}`,
    type: 'request.submitted',
    at: createdAt,
    actor: request.builder,
    builderId: request.builder.id,
    requestId: request.id,
    workspaceId: request.workspace.id,
    blueprintId: request.workspace.blueprintId,
    toStatus: 'pending',
    data: { subdomain: request.subdomain, sha: request.sha },
  };
  const outbox: Notification = {
    id: `bench-note-${n}`,
    type: 'request.submitted',
    requestId: request.id,
    occurredAt: createdAt,
    to: { role: 'admin' },
    data: { subdomain: request.subdomain },
  };
  return { request, audit: [audit], outbox: [outbox] };
}

/** createRequest calls per second, and this process's CPU time per call (load on a shared machine lowers the first, not the second). */
async function creationRate(storage: StoragePort, offset: number, concurrency: number): Promise<{ perSecond: number; cpuMicros: number }> {
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < CREATES) {
        const n = offset + next;
        next += 1;
        await storage.createRequest(newRequest(n));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSecond: CREATES / seconds, cpuMicros: (used.user + used.system) / CREATES };
}

type Result = {
  backend: string;
  rows: number;
  seedSeconds: number;
  first: { sdk: Stats; sql: Stats };
  uncached: { sdk: Stats; sql: Stats };
  deep: { sdk: Stats; sql: Stats };
  createsSequential: { perSecond: number; cpuMicros: number };
  createsConcurrent: { perSecond: number; cpuMicros: number };
  size: string;
};

/**
 * The baseline: the page with hand-written SQL on the same path the storage uses — knex.raw on
 * PostgreSQL; on SQLite the pooled better-sqlite3 connection with a prepared statement, as the
 * storage runs it — plus JSON.parse of each row, without validation.
 */
function handWritten(db: Knex): (sql: string, bindings?: string[]) => Promise<PublishRequest[]> {
  type Connection = { prepare(sql: string): { all(...bindings: string[]): { data: string }[] } };
  const statements = new Map<string, ReturnType<Connection['prepare']>>();
  if (db.client.driverName === 'better-sqlite3') {
    return async (sql, bindings = []) => {
      const connection = (await db.client.acquireConnection()) as Connection;
      try {
        let statement = statements.get(sql);
        if (!statement) {
          statement = connection.prepare(sql);
          statements.set(sql, statement);
        }
        return statement.all(...bindings).map((row) => JSON.parse(row.data) as PublishRequest);
      } finally {
        await db.client.releaseConnection(connection);
      }
    };
  }
  return async (sql, bindings = []) => {
    const result = (await db.raw(sql, bindings)) as { rows: { data: string }[] };
    return result.rows.map((row) => JSON.parse(row.data) as PublishRequest);
  };
}

async function bench(
  name: string,
  db: Knex,
  seed: (db: Knex, rows: number) => Promise<void>,
  size: () => Promise<string>,
): Promise<Result> {
  await migrate(db);
  const seedStarted = performance.now();
  await seed(db, ROWS);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const storage = createKnexStorage({ knex: db });
  const query = handWritten(db);
  // First page of the admin queue: the 50 newest pending requests.
  const firstSql = `SELECT "data" FROM "${T.requests}" WHERE "status" = 'pending' ORDER BY "created_at" DESC, "id" DESC LIMIT ${PAGE_SIZE}`;
  const first = await comparePages(
    () => storage.listRequests({ filter: { status: ['pending'] }, limit: PAGE_SIZE }),
    () => query(firstSql),
  );

  // The same page with the validation memo off: every row goes through core's schema on every read.
  const strict = createKnexStorage({ knex: db, validationCacheChars: 0 });
  const uncached = await comparePages(
    () => strict.listRequests({ filter: { status: ['pending'] }, limit: PAGE_SIZE }),
    () => query(firstSql),
  );

  // A page from the middle of the history, reached by keyset cursor.
  const middle = seedRequest(Math.floor(ROWS / 2));
  const after = { createdAt: middle.createdAt, id: middle.id };
  const deepSql = `SELECT "data" FROM "${T.requests}" WHERE "status" = 'pending' AND ("created_at", "id") < (?, ?) ORDER BY "created_at" DESC, "id" DESC LIMIT ${PAGE_SIZE}`;
  const deep = await comparePages(
    () => storage.listRequests({ filter: { status: ['pending'] }, after, limit: PAGE_SIZE }),
    () => query(deepSql, [after.createdAt, after.id]),
  );

  const createsSequential = await creationRate(storage, 0, 1);
  const createsConcurrent = await creationRate(storage, CREATES, 8);
  return { backend: name, rows: ROWS, seedSeconds, first, uncached, deep, createsSequential, createsConcurrent, size: await size() };
}

const ms = (value: number) => value.toFixed(2);

async function main() {
  const results: Result[] = [];
  console.log(
    `adapter-knex bench: ${ROWS.toLocaleString('en-US')} requests, ${PAGES} timed pages per variant, ${CREATES} creates per mode`,
  );
  // On a shared machine the load changes the figures: print it with them.
  console.log(
    `load average at start: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(', ')} on ${cpus().length} cores`,
  );

  if (BACKENDS.includes('sqlite')) {
    const dir = mkdtempSync(join(tmpdir(), 'publishgate-bench-'));
    const filename = join(dir, 'bench.db');
    const db = createSqliteKnex({ filename });
    try {
      results.push(
        await bench('SQLite (better-sqlite3, WAL, synchronous=NORMAL, file)', db, seedSqlite, async () => {
          const bytes = statSync(filename).size;
          return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
        }),
      );
    } finally {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  if (BACKENDS.includes('postgres')) {
    let database: PostgresDatabase | undefined;
    let db: Knex | undefined;
    try {
      database = await startPostgres();
      const pg = knex({ client: 'pg', connection: database.url, pool: { min: 1, max: 10 } });
      db = pg;
      const label = process.env.PUBLISHGATE_PG_URL ? 'PostgreSQL (PUBLISHGATE_PG_URL)' : 'PostgreSQL 15 (throwaway, fsync=off)';
      results.push(
        await bench(label, pg, seedPostgres, async () => {
          const [size] = (await pg.raw('SELECT pg_size_pretty(pg_database_size(current_database())) AS size')).rows as { size: string }[];
          return size?.size ?? '?';
        }),
      );
    } finally {
      await db?.destroy();
      await database?.stop();
      await stopPostgres();
    }
  }

  console.log('');
  console.log(
    '| backend | rows | seed | first page: SDK p50 / p99 | SQL p50 / p99 | ratio p50 | same, validation memo off: SDK p50 / p99 | ratio p50 | cursor page: SDK p50 / p99 | SQL p50 / p99 | ratio p50 | createRequest/s (1 / 8 concurrent) | client CPU per create | size |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.backend} | ${r.rows.toLocaleString('en-US')} | ${r.seedSeconds.toFixed(0)} s | ${ms(r.first.sdk.p50)} / ${ms(r.first.sdk.p99)} ms | ${ms(r.first.sql.p50)} / ${ms(r.first.sql.p99)} ms | ${(r.first.sdk.p50 / r.first.sql.p50).toFixed(2)} | ${ms(r.uncached.sdk.p50)} / ${ms(r.uncached.sdk.p99)} ms | ${(r.uncached.sdk.p50 / r.uncached.sql.p50).toFixed(2)} | ${ms(r.deep.sdk.p50)} / ${ms(r.deep.sdk.p99)} ms | ${ms(r.deep.sql.p50)} / ${ms(r.deep.sql.p99)} ms | ${(r.deep.sdk.p50 / r.deep.sql.p50).toFixed(2)} | ${r.createsSequential.perSecond.toFixed(0)} / ${r.createsConcurrent.perSecond.toFixed(0)} | ${r.createsSequential.cpuMicros.toFixed(0)} µs | ${r.size} |`,
    );
  }
  console.log(
    `load average at end: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(', ')}`,
  );
  for (const r of results) {
    const ratio = r.first.sdk.p50 / r.first.sql.p50;
    const checks = [
      `p50 ${ms(r.first.sdk.p50)} ms ${r.first.sdk.p50 <= 5 ? '≤' : '>'} 5 ms`,
      `ratio ${ratio.toFixed(2)} ${ratio <= 1.5 ? '≤' : '>'} 1.5`,
      ...(r.backend.startsWith('SQLite')
        ? [`creates ${r.createsSequential.perSecond.toFixed(0)}/s ${r.createsSequential.perSecond >= 2000 ? '≥' : '<'} 2,000/s`]
        : []),
    ];
    console.log(`${r.backend}: ${checks.join('; ')}`);
  }
}

await main();
