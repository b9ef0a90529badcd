import {
  type ApprovalRule,
  type AuditEntryInput,
  type DeliveryState,
  IN_FLIGHT_STATUSES,
  type Notification,
  nextPacingSlot,
  type OutboxItem,
  type PacingLimit,
  PublishGateError,
  type PublishJob,
  type PublishRequest,
  pacingDepth,
  pacingHorizon,
  type RequestFilter,
  type StoragePort,
  type SubdomainClaim,
  type TrustGrant,
} from '@publishgate/core';
import type { Knex } from 'knex';
import { listenForAudit, pollForAudit } from './auditWatch.js';
import { dialectOf, tablesFor, toInteger, violatedUniqueKey } from './dialect.js';
import { type Binding, createExecutor, type Statements } from './executor.js';
import { approversText } from './migrations.js';
import { throwIfAborted } from './retry.js';
import { createRowReader } from './rows.js';

/** Options for {@link createKnexStorage}. */
export type KnexStorageOptions = {
  /**
   * A knex instance for PostgreSQL (client `pg`) or SQLite (client `better-sqlite3`, ideally from
   * `createSqliteKnex`), whose schema `migrate` has created. The storage never destroys it.
   */
  knex: Knex;
  /** Prefix of every table, index and notification channel; the same one `migrate` was given. Default `publishgate_`. */
  tablePrefix?: string;
  /**
   * How long a call keeps retrying while another writer holds the SQLite database, or while
   * PostgreSQL aborts it as a deadlock, before failing with a retryable `port_failed`. Default 5,000 ms.
   */
  busyTimeoutMs?: number;
  /** SQLite: how often `watchAudit` polls for new audit entries. Default 250 ms. */
  pollIntervalMs?: number;
  /**
   * Characters of row text whose validation is remembered, per kind of row (requests, trust
   * grants, audit entries), so that re-reading unchanged rows (the queue page, polled) skips the
   * schema walk; any changed byte is validated again. Default 4,000,000 (about 8 MB per kind at
   * most); 0 validates every row on every read.
   */
  validationCacheChars?: number;
};

// Core's statuses are a closed enum of lower-case words, so inlining them is safe; inlined, the
// query text matches the partial index predicate and PostgreSQL can use the index.
const IN_FLIGHT_SQL = IN_FLIGHT_STATUSES.map((status) => `'${status}'`).join(', ');

const REQUEST_COLUMNS = '"id", "version", "status", "data"';

function expiresMs(timestamp: string | undefined): number | null {
  if (timestamp === undefined) return null;
  const ms = Date.parse(timestamp);
  return Number.isFinite(ms) ? ms : null;
}

function clampLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
}

/** A job's times as the integer ms its columns hold, or null for an absent one. */
type JobTimes = { runAt: number; leaseUntil: number | null; slotAt: number | null };

/**
 * Refuses a job the request cannot have (another request's, or a request not in `approving`) and
 * one whose times do not parse, before anything is written; returns its times in ms.
 */
function jobTimes(request: PublishRequest, job: PublishJob): JobTimes {
  if (job.requestId !== request.id || request.status !== 'approving') {
    throw new PublishGateError('validation', 'A publish job belongs to its own request, and only while it is approving.');
  }
  const ms = (timestamp: string | undefined) => (timestamp === undefined ? null : Date.parse(timestamp));
  const times = { runAt: Date.parse(job.runAt), leaseUntil: ms(job.leaseUntil), slotAt: ms(job.slotAt) };
  if (![times.runAt, times.leaseUntil, times.slotAt].every((time) => time === null || Number.isFinite(time))) {
    throw new PublishGateError('validation', 'A publish job needs ISO timestamps.');
  }
  return times;
}

const JOB_COLUMNS = '"request_id", "run_at_ms", "lease_until_ms", "slot_at_ms"';

// Namespace for pg_advisory_xact_lock(int, int) taken by reservePacing: "PGPC". The second key
// hashes the table prefix and the pacing key; a collision only makes two keys wait for each other.
const PACING_LOCK_NAMESPACE = 0x50475043;

/**
 * The {@link StoragePort} on knex: SQLite through better-sqlite3 (the embedded default) or
 * PostgreSQL through pg (several servers, one database). Every write is one transaction carrying
 * its audit entries and outbox rows; uniqueness (one in-flight request per workspace, one owner
 * per lower-cased subdomain, idempotency keys) is enforced by unique indexes and reported as
 * `in_flight`, `subdomain_unavailable` or `conflict`; transitions are compare-and-set on `version`.
 * Every row read back is validated with core's schemas (a `CorruptRowError` otherwise).
 *
 * On SQLite the storage runs its statements on the better-sqlite3 connection that knex's pool
 * lends it (prepared once, no per-query knex overhead) and sets `foreign_keys = ON` and
 * `busy_timeout = 0` on it; busy databases are retried asynchronously for `busyTimeoutMs`.
 *
 * @example
 * ```ts
 * import { createPublishGate } from '@publishgate/core';
 * import { createKnexStorage, createSqliteKnex, migrate } from '@publishgate/adapter-knex';
 *
 * const db = createSqliteKnex({ filename: 'data/publishgate.db' });
 * await migrate(db);
 * const gate = createPublishGate({ storage: createKnexStorage({ knex: db }), git, gitHost, notifier });
 * ```
 */
export function createKnexStorage(options: KnexStorageOptions): StoragePort {
  const db: Knex = options.knex;
  const dialect = dialectOf(db);
  const t = tablesFor(options.tablePrefix);
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const { read, write } = createExecutor(db, dialect, options.busyTimeoutMs ?? 5_000);
  const rows = createRowReader({ validatedCacheChars: options.validationCacheChars ?? 4_000_000 });
  const R = `"${t.requests}"`;
  const P = `"${t.publications}"`;
  const C = `"${t.claims}"`;
  const T = `"${t.trust}"`;
  const A = `"${t.audit}"`;
  const O = `"${t.outbox}"`;
  const K = `"${t.counters}"`;
  const J = `"${t.jobs}"`;
  const PR = `"${t.pacing}"`;
  const AR = `"${t.approvalRules}"`;

  function domainError(error: unknown, subdomain?: string): unknown {
    switch (violatedUniqueKey(error, dialect, t)) {
      case 'request_id':
        return new PublishGateError('conflict', 'A request with this id already exists.', { cause: error });
      case 'idempotency_key':
        return new PublishGateError('conflict', 'This idempotency key was already used.', { cause: error });
      case 'in_flight':
        return new PublishGateError('in_flight', 'This workspace already has a publish request in flight.', { cause: error });
      case 'subdomain_claim':
        return new PublishGateError(
          'subdomain_unavailable',
          subdomain === undefined ? 'The subdomain is taken.' : `The subdomain "${subdomain.toLowerCase()}" is taken.`,
          { cause: error },
        );
      default:
        return error;
    }
  }

  /**
   * Makes the workspace's claims exactly {its publication's subdomain, its in-flight request's
   * subdomain}, as the in-memory reference's recomputeClaims does. The in-flight request's claim is
   * strict: another workspace holding it fails the insert on the claims primary key, which becomes
   * `subdomain_unavailable`. The publication's is not: one that came back through delivery leaves
   * its subdomain to a workspace that claimed it meanwhile (any other publication holds its
   * subdomain already, claimed while its request was in flight).
   */
  async function syncClaims(q: Statements, workspaceId: string): Promise<void> {
    const found = await q.all(
      `SELECT 'published' AS "kind", "subdomain" FROM ${P} WHERE "workspace_id" = ?
       UNION ALL SELECT 'in-flight', "subdomain" FROM ${R} WHERE "workspace_id" = ? AND "status" IN (${IN_FLIGHT_SQL})
       UNION ALL SELECT 'held', "subdomain" FROM ${C} WHERE "workspace_id" = ?`,
      [workspaceId, workspaceId, workspaceId],
    );
    const strict = new Set<string>();
    const wanted = new Set<string>();
    const held = new Set<string>();
    for (const row of found) {
      const subdomain = String(row.subdomain);
      if (row.kind === 'held') held.add(subdomain);
      else wanted.add(subdomain);
      if (row.kind === 'in-flight') strict.add(subdomain);
    }
    const release = [...held].filter((subdomain) => !wanted.has(subdomain));
    if (release.length > 0) {
      await q.run(`DELETE FROM ${C} WHERE "workspace_id" = ? AND "subdomain" IN (${release.map(() => '?').join(', ')})`, [
        workspaceId,
        ...release,
      ]);
    }
    // In sorted order, so two transactions that both insert several claims lock them in the same order.
    for (const subdomain of [...wanted].filter((name) => !held.has(name)).sort()) {
      await q.run(
        `INSERT INTO ${C} ("subdomain", "workspace_id") VALUES (?, ?)${strict.has(subdomain) ? '' : ' ON CONFLICT ("subdomain") DO NOTHING'}`,
        [subdomain, workspaceId],
      );
    }
  }

  /**
   * Plans pacing slots under `key` (whole ms) under the key's lock, storing nothing until
   * {@link keepSlots} in the same transaction: `take(count, notAfter)` adds the next `count` slots
   * to `taken` if every one falls at or before `notAfter`, else adds none.
   */
  async function planSlots(q: Statements, key: string, nowMs: number, limits: readonly PacingLimit[]) {
    // PostgreSQL: callers on one key queue here until the previous one commits, and each
    // statement after the lock sees what the previous one wrote. SQLite: the write lock does it.
    if (dialect === 'postgres') {
      await q.all('SELECT pg_advisory_xact_lock(?, hashtext(?))', [PACING_LOCK_NAMESPACE, `${t.prefix}:${key}`]);
    }
    // Whole ms, as stored; for whole-ms rows `at_ms > horizon` means the same either way.
    const horizon = Math.floor(nowMs - pacingHorizon(limits));
    // At least the latest reservation: a new one never goes before it, whatever the limits.
    const depth = Math.max(1, pacingDepth(limits));
    const latest = await q.all(`SELECT "at_ms" FROM ${PR} WHERE "key" = ? AND "at_ms" > ? ORDER BY "at_ms" DESC LIMIT ?`, [
      key,
      horizon,
      depth,
    ]);
    const reserved = latest.map((row) => toInteger(row.at_ms)).reverse();
    // Rounded up to whole ms, the unit stored: later, never earlier, than the limits allow.
    const next = (planned: readonly number[] = []) => Math.ceil(nextPacingSlot([...reserved, ...planned], nowMs, limits));
    const taken: number[] = [];
    return {
      taken,
      next: () => next(),
      take(count: number, notAfter: number): boolean {
        const planned: number[] = [];
        for (let index = 0; index < count; index += 1) {
          const slot = next(planned);
          if (slot > notAfter) return false;
          planned.push(slot);
        }
        reserved.push(...planned);
        taken.push(...planned);
        return true;
      },
    };
  }

  /** Stores planned slots and forgets reservations older than the longest window. */
  async function keepSlots(q: Statements, key: string, slots: readonly number[], nowMs: number, limits: readonly PacingLimit[]) {
    if (slots.length === 0) return;
    const horizon = Math.floor(nowMs - pacingHorizon(limits));
    await q.run(
      `INSERT INTO ${PR} ("key", "at_ms") VALUES ${slots.map(() => '(?, ?)').join(', ')}`,
      slots.flatMap((slot) => [key, slot]),
    );
    await q.run(`DELETE FROM ${PR} WHERE "key" = ? AND "at_ms" <= ?`, [key, horizon]);
  }

  /**
   * The publication follows an approved request's delivery into and out of `closed-unmerged` (see
   * the port's `transitionRequest`), in the transition's transaction.
   */
  async function followDelivery(q: Statements, request: PublishRequest, isClosed: boolean): Promise<void> {
    const workspaceId = request.workspace.id;
    // PostgreSQL: a concurrent approval of a newer request waits for this one (or this one for
    // it, then sees its publication and leaves it), so an older publication never overwrites it.
    const [publication] = await q.all(
      `SELECT "request_id" FROM ${P} WHERE "workspace_id" = ?${dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
      [workspaceId],
    );
    if (isClosed && (publication === undefined || String(publication.request_id) !== request.id)) return;
    const [target] = await q.all(
      `SELECT ${REQUEST_COLUMNS} FROM ${R} WHERE "workspace_id" = ? AND "status" = 'approved'
         AND ("delivery_state" IS NULL OR "delivery_state" <> 'closed-unmerged')
       ORDER BY "created_at" DESC, "id" DESC LIMIT 1`,
      [workspaceId],
    );
    const restored = target === undefined ? undefined : rows.request(t.requests, target);
    if (!isClosed && restored?.id !== request.id) return;
    if (restored === undefined) {
      await q.run(`DELETE FROM ${P} WHERE "workspace_id" = ?`, [workspaceId]);
      return;
    }
    await q.run(
      `INSERT INTO ${P} ("workspace_id", "subdomain", "sha", "request_id", "published_at") VALUES (?, ?, ?, ?, ?)
       ON CONFLICT ("workspace_id") DO UPDATE SET "subdomain" = excluded."subdomain", "sha" = excluded."sha",
         "request_id" = excluded."request_id", "published_at" = excluded."published_at"`,
      [workspaceId, restored.subdomain.toLowerCase(), restored.sha, restored.id, request.updatedAt],
    );
  }

  /**
   * Outbox rows and audit entries, in the transaction of the state change they describe.
   *
   * Audit `seq` must grow in commit order: a reader that saw seq 7 must never later find a newly
   * committed 6. A PostgreSQL sequence does not give that (two transactions draw 6 and 7, 7 commits
   * first). So seq comes from a one-row counter updated here: the row lock serializes audit writers
   * from this point to their commit, and the next writer reads the counter only after the previous
   * one committed. It is taken last, after every other lock of the transaction, so that it is held
   * briefly and cannot take part in a deadlock. On SQLite the write lock already serializes writers.
   */
  async function appendSideWrites(
    q: Statements,
    audit: readonly AuditEntryInput[],
    outbox: readonly Notification[],
    channels: readonly string[] | undefined,
  ): Promise<void> {
    if (outbox.length > 0) {
      // One row per notification and channel ('' without one). A row already in the outbox is
      // skipped, as in the reference (at-least-once, deduplicated).
      const rowChannels = channels?.length ? channels : [''];
      const values = outbox.flatMap((notification) => {
        const data = JSON.stringify(notification);
        return rowChannels.map((channel) => [notification.id, channel, data]);
      });
      await q.run(
        `INSERT INTO ${O} ("id", "channel", "data") VALUES ${values.map(() => '(?, ?, ?)').join(', ')} ON CONFLICT ("id", "channel") DO NOTHING`,
        values.flat(),
      );
    }
    if (audit.length === 0) return;
    const entries = audit.flatMap((entry, index): Binding[] => [
      index + 1,
      entry.id,
      entry.requestId ?? null,
      entry.workspaceId ?? null,
      entry.builderId ?? null,
      JSON.stringify(entry),
    ]);
    if (dialect === 'postgres') {
      // One round trip: bump the counter, insert the entries numbered from it, and queue a NOTIFY,
      // which PostgreSQL delivers when (and only if) the transaction commits.
      const [result] = await q.all(
        `WITH counter AS (
           UPDATE ${K} SET "value" = "value" + ? WHERE "name" = 'audit_seq' RETURNING "value"
         ), inserted AS (
           INSERT INTO ${A} ("seq", "id", "request_id", "workspace_id", "builder_id", "data")
           SELECT counter."value" - ? + v.n, v.id, v.request_id, v.workspace_id, v.builder_id, v.data
           FROM counter, (VALUES ${audit.map(() => '(?::integer, ?, ?, ?, ?, ?)').join(', ')}) AS v (n, id, request_id, workspace_id, builder_id, data)
           RETURNING 1
         )
         SELECT pg_notify(?, counter."value"::text), (SELECT count(*) FROM inserted) AS "inserted" FROM counter`,
        [audit.length, audit.length, ...entries, t.auditChannel],
      );
      if (!result || toInteger(result.inserted) !== audit.length)
        throw new Error(`The audit counter row is missing from ${t.counters}; run migrate().`);
      return;
    }
    const [counter] = await q.all(`UPDATE ${K} SET "value" = "value" + ? WHERE "name" = 'audit_seq' RETURNING "value"`, [audit.length]);
    if (!counter) throw new Error(`The audit counter row is missing from ${t.counters}; run migrate().`);
    const first = toInteger(counter.value) - audit.length;
    await q.run(
      `INSERT INTO ${A} ("seq", "id", "request_id", "workspace_id", "builder_id", "data") VALUES ${audit.map(() => '(? + ?, ?, ?, ?, ?, ?)').join(', ')}`,
      audit.flatMap((_, index) => [first, ...entries.slice(index * 6, index * 6 + 6)]),
    );
  }

  /** Creates the request's job, or replaces every field of the one there. */
  async function putJob(q: Statements, requestId: string, times: JobTimes): Promise<void> {
    await q.run(
      `INSERT INTO ${J} (${JOB_COLUMNS}) VALUES (?, ?, ?, ?)
       ON CONFLICT ("request_id") DO UPDATE SET "run_at_ms" = excluded."run_at_ms", "lease_until_ms" = excluded."lease_until_ms",
         "slot_at_ms" = excluded."slot_at_ms"`,
      [requestId, times.runAt, times.leaseUntil, times.slotAt],
    );
  }

  function requestValues(request: PublishRequest, json: string): Binding[] {
    return [
      request.version,
      request.status,
      request.workspace.blueprintId,
      request.builder.id,
      request.subdomain.toLowerCase(),
      request.createdAt,
      expiresMs(request.expiresAt),
      json,
    ];
  }

  // Set by transitions only: a new request has no pull request yet.
  function deliveryValues(request: PublishRequest): Binding[] {
    return [
      request.delivery?.state ?? null,
      request.pullRequest?.number ?? null,
      request.branch ?? null,
      request.delivery?.mergeSha ?? null,
      request.delivery ? Date.parse(request.delivery.at) : null,
    ];
  }

  // Who may see and approve it (for non-admin queues) and when the approvers were last reminded (for the sweep).
  function reviewValues(request: PublishRequest): Binding[] {
    return [approversText(request.rule), request.reminder ? Date.parse(request.reminder.at) : null, request.workspace.ownerId];
  }

  function selectRequests(
    operation: string,
    signal: AbortSignal | undefined,
    sql: string,
    bindings: readonly Binding[],
  ): Promise<PublishRequest[]> {
    return read(operation, signal, async (q) => (await q.all(sql, bindings)).map((row) => rows.request(t.requests, row)));
  }

  return {
    async createRequest({ request, idempotencyKey, audit, outbox, channels, job, signal }) {
      throwIfAborted(signal);
      if (request.version !== 1) throw new PublishGateError('validation', 'A new request must have version 1.');
      const times = job === undefined ? undefined : jobTimes(request, job);
      const json = JSON.stringify(request);
      const subdomain = request.subdomain.toLowerCase();
      const workspaceId = request.workspace.id;
      try {
        await write('createRequest', signal, async (q) => {
          // Unique indexes decide: primary key and idempotency key → conflict, the partial index
          // over in-flight statuses → in_flight, then the claims primary key → subdomain_unavailable.
          await q.run(
            `INSERT INTO ${R} ("id", "workspace_id", "idempotency_key", "version", "status", "blueprint_id", "builder_id", "subdomain", "created_at", "expires_at_ms", "data", "approvers", "reminded_at_ms", "workspace_owner_id")
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [request.id, workspaceId, idempotencyKey ?? null, ...requestValues(request, json), ...reviewValues(request)],
          );
          if (IN_FLIGHT_STATUSES.includes(request.status)) {
            // The insert above proved the workspace had no request in flight, so its claims are
            // exactly its publication's subdomain: claiming the new one (unless that is the same)
            // is the whole recomputation, in one statement.
            await q.run(
              `INSERT INTO ${C} ("subdomain", "workspace_id") SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM ${C} WHERE "subdomain" = ? AND "workspace_id" = ?)`,
              [subdomain, workspaceId, subdomain, workspaceId],
            );
          } else {
            await syncClaims(q, workspaceId);
          }
          // A new request has no job yet (the foreign key rules out a stray one), so storing it is the whole rule.
          if (times) await putJob(q, request.id, times);
          await appendSideWrites(q, audit, outbox, channels);
        });
      } catch (error) {
        throw domainError(error, subdomain);
      }
      // What was stored, as a fresh object the caller cannot use to alias anything.
      return JSON.parse(json) as PublishRequest;
    },

    async transitionRequest({ id, expectedVersion, next, audit, outbox, channels, job, signal }) {
      throwIfAborted(signal);
      const json = JSON.stringify(next);
      try {
        await write('transitionRequest', signal, async (q) => {
          const [current] = await q.all(`SELECT "version", "status", "workspace_id", "delivery_state" FROM ${R} WHERE "id" = ?`, [id]);
          if (!current) throw new PublishGateError('not_found', `No publish request ${id}.`);
          const version = toInteger(current.version);
          if (version !== expectedVersion) {
            throw new PublishGateError('conflict', `Request ${id} changed (version ${version}, expected ${expectedVersion}).`);
          }
          if (next.id !== id || next.version !== expectedVersion + 1 || next.workspace.id !== current.workspace_id) {
            throw new PublishGateError('validation', 'A transition must keep the id and workspace and add one to the version.');
          }
          const times = job === undefined ? undefined : jobTimes(next, job);
          // The compare-and-set. On PostgreSQL a concurrent winner's uncommitted update makes this
          // wait, then re-check `version` against the committed row and match nothing.
          const updated = await q.run(
            `UPDATE ${R} SET "version" = ?, "status" = ?, "blueprint_id" = ?, "builder_id" = ?, "subdomain" = ?, "created_at" = ?, "expires_at_ms" = ?, "data" = ?,
               "delivery_state" = ?, "pull_request_number" = ?, "branch" = ?, "merge_sha" = ?, "delivery_at_ms" = ?,
               "approvers" = ?, "reminded_at_ms" = ?, "workspace_owner_id" = ?
             WHERE "id" = ? AND "version" = ?`,
            [...requestValues(next, json), ...deliveryValues(next), ...reviewValues(next), id, expectedVersion],
          );
          if (updated !== 1) throw new PublishGateError('conflict', `Request ${id} changed (expected version ${expectedVersion}).`);
          const workspaceId = next.workspace.id;
          if (next.status === 'approved' && current.status !== 'approved') {
            await q.run(
              `INSERT INTO ${P} ("workspace_id", "subdomain", "sha", "request_id", "published_at") VALUES (?, ?, ?, ?, ?)
               ON CONFLICT ("workspace_id") DO UPDATE SET "subdomain" = excluded."subdomain", "sha" = excluded."sha",
                 "request_id" = excluded."request_id", "published_at" = excluded."published_at"`,
              [workspaceId, next.subdomain.toLowerCase(), next.sha, id, next.updatedAt],
            );
          }
          const isClosed = next.delivery?.state === 'closed-unmerged';
          if (current.status === 'approved' && next.status === 'approved' && (current.delivery_state === 'closed-unmerged') !== isClosed) {
            await followDelivery(q, next, isClosed);
          }
          // A request has a job exactly while it is approving; staying there without a job keeps the one stored.
          if (next.status !== 'approving') await q.run(`DELETE FROM ${J} WHERE "request_id" = ?`, [id]);
          else if (times) await putJob(q, id, times);
          await syncClaims(q, workspaceId);
          await appendSideWrites(q, audit, outbox, channels);
        });
      } catch (error) {
        throw domainError(error, next.subdomain);
      }
      return JSON.parse(json) as PublishRequest;
    },

    async getRequest({ id, signal }) {
      const [request] = await selectRequests('getRequest', signal, `SELECT ${REQUEST_COLUMNS} FROM ${R} WHERE "id" = ?`, [id]);
      return request ?? null;
    },

    async findRequestByIdempotencyKey({ builderId, key, signal }) {
      const [request] = await selectRequests(
        'findRequestByIdempotencyKey',
        signal,
        `SELECT ${REQUEST_COLUMNS} FROM ${R} WHERE "builder_id" = ? AND "idempotency_key" = ?`,
        [builderId, key],
      );
      return request ?? null;
    },

    async getInFlightRequest({ workspaceId, signal }) {
      const [request] = await selectRequests(
        'getInFlightRequest',
        signal,
        `SELECT ${REQUEST_COLUMNS} FROM ${R} WHERE "workspace_id" = ? AND "status" IN (${IN_FLIGHT_SQL}) ORDER BY "created_at" DESC, "id" DESC LIMIT 1`,
        [workspaceId],
      );
      return request ?? null;
    },

    async listRequests({ filter, after, limit, signal }) {
      const count = clampLimit(limit);
      throwIfAborted(signal);
      if (count === 0) return [];
      const where: string[] = [];
      const bindings: Binding[] = [];
      const statuses = filter.status ?? [];
      const [onlyStatus] = statuses;
      if (statuses.length === 1 && onlyStatus !== undefined) {
        // Equality rather than IN (…) so the (status, created_at, id) index serves the page directly.
        where.push('"status" = ?');
        bindings.push(onlyStatus);
      } else if (statuses.length > 1) {
        where.push(`"status" IN (${statuses.map(() => '?').join(', ')})`);
        bindings.push(...statuses);
      }
      const equal: Array<[keyof RequestFilter, string]> = [
        ['blueprintId', 'blueprint_id'],
        ['workspaceId', 'workspace_id'],
        ['builderId', 'builder_id'],
      ];
      for (const [field, column] of equal) {
        const value = filter[field];
        if (typeof value === 'string') {
          where.push(`"${column}" = ?`);
          bindings.push(value);
        }
      }
      if (filter.visibleTo) {
        // The approvers column reads `|user:<id>|role:<role>|`; `!` escapes LIKE's wildcards in ids.
        const like = (token: string) => `%|${token.replace(/[!%_]/g, (char) => `!${char}`)}|%`;
        const tokens = [`user:${filter.visibleTo.userId}`, ...filter.visibleTo.roles.map((role) => `role:${role}`)];
        where.push(
          `("builder_id" = ? OR "workspace_owner_id" = ? OR ("status" = 'pending' AND (${tokens.map(() => `"approvers" LIKE ? ESCAPE '!'`).join(' OR ')})))`,
        );
        bindings.push(filter.visibleTo.userId, filter.visibleTo.userId, ...tokens.map(like));
      }
      const deliveryStates = filter.deliveryState ?? [];
      if (deliveryStates.length > 0) {
        where.push(`"delivery_state" IN (${deliveryStates.map(() => '?').join(', ')})`);
        bindings.push(...deliveryStates);
      }
      if (after) {
        // Keyset: strictly before the cursor in (created_at desc, id desc) order. Spelled with a
        // leading `created_at <= ?` so that both planners turn it into an index range.
        where.push('"created_at" <= ? AND ("created_at" < ? OR "id" < ?)');
        bindings.push(after.createdAt, after.createdAt, after.id);
      }
      bindings.push(count);
      const sql = `SELECT ${REQUEST_COLUMNS} FROM ${R}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY "created_at" DESC, "id" DESC LIMIT ?`;
      return selectRequests('listRequests', signal, sql, bindings);
    },

    async findRequestByPullRequest({ number, branch, signal }) {
      const [request] = await selectRequests(
        'findRequestByPullRequest',
        signal,
        `SELECT ${REQUEST_COLUMNS} FROM ${R} WHERE "pull_request_number" = ? AND "branch" = ? LIMIT 1`,
        [number, branch],
      );
      return request ?? null;
    },

    async findRequestByMergeSha({ sha, signal }) {
      const [request] = await selectRequests(
        'findRequestByMergeSha',
        signal,
        `SELECT ${REQUEST_COLUMNS} FROM ${R} WHERE "merge_sha" = ? LIMIT 1`,
        [sha],
      );
      return request ?? null;
    },

    async claimDeliveryChecks({ now, limit, intervalMs, pacing, signal }) {
      const count = clampLimit(limit);
      const nowMs = Date.parse(now);
      throwIfAborted(signal);
      if (count === 0 || !Number.isFinite(nowMs)) return [];
      const notAfter = pacing ? Date.parse(pacing.notAfter) : Number.POSITIVE_INFINITY;
      if (Number.isNaN(notAfter))
        throw new PublishGateError('validation', 'claimDeliveryChecks needs `pacing.notAfter` as an ISO timestamp.');
      const since = 'COALESCE("delivery_checked_at_ms", "delivery_at_ms")';
      const due = `"status" = 'approved' AND "delivery_state" IN ('pull-request-open', 'merged') AND ${since} <= ?`;
      // As claimJobs: SKIP LOCKED on PostgreSQL, one write transaction on SQLite.
      const pick = (q: Statements, n: number) =>
        dialect === 'postgres'
          ? q.all(
              `WITH picked AS (SELECT "id" FROM ${R} WHERE ${due} ORDER BY ${since}, "id" LIMIT ? FOR UPDATE SKIP LOCKED)
               UPDATE ${R} AS r SET "delivery_checked_at_ms" = ? FROM picked WHERE r."id" = picked."id"
               RETURNING r."id", r."version", r."status", r."data", r."delivery_at_ms"`,
              [nowMs - intervalMs, n, nowMs],
            )
          : q.all(
              `UPDATE ${R} SET "delivery_checked_at_ms" = ? WHERE "id" IN (SELECT "id" FROM ${R} WHERE ${due} ORDER BY ${since}, "id" LIMIT ?)
               RETURNING "id", "version", "status", "data", "delivery_at_ms"`,
              [nowMs, nowMs - intervalMs, n],
            );
      const claimed = pacing
        ? // Under the pacing lock: the due requests in order, each while all its slots fit; only
          // those are marked checked, and only their slots stored.
          await write('claimDeliveryChecks', signal, async (q) => {
            const planner = await planSlots(q, pacing.key, nowMs, pacing.limits);
            const candidates = await q.all(
              `SELECT "id", "delivery_state" FROM ${R} WHERE ${due} ORDER BY ${since}, "id" LIMIT ?${dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : ''}`,
              [nowMs - intervalMs, count],
            );
            const ids: string[] = [];
            for (const row of candidates) {
              const state = String(row.delivery_state) as DeliveryState;
              if (!planner.take(pacing.slots?.[state] ?? 1, notAfter)) break;
              ids.push(String(row.id));
            }
            if (ids.length === 0) return [];
            const picked = await q.all(
              `UPDATE ${R} SET "delivery_checked_at_ms" = ? WHERE "id" IN (${ids.map(() => '?').join(', ')})
               RETURNING "id", "version", "status", "data", "delivery_at_ms"`,
              [nowMs, ...ids],
            );
            await keepSlots(q, pacing.key, planner.taken, nowMs, pacing.limits);
            return picked;
          })
        : dialect === 'postgres'
          ? await read('claimDeliveryChecks', signal, (q) => pick(q, count))
          : await write('claimDeliveryChecks', signal, (q) => pick(q, count));
      // RETURNING order is unspecified. The previous check time is gone (overwritten); the
      // delivery's own time orders the page, which matches for requests not checked before.
      return claimed
        .map((row) => rows.request(t.requests, row))
        .sort((a, b) => Date.parse(a.delivery?.at ?? '') - Date.parse(b.delivery?.at ?? '') || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },

    async listDueReminders({ now, remindAfterMs, remindEveryMs, limit, signal }) {
      const count = clampLimit(limit);
      const nowMs = Date.parse(now);
      throwIfAborted(signal);
      if (count === 0 || !Number.isFinite(nowMs)) return [];
      // created_at holds the gate's ISO timestamps, which order as text; the (status, created_at,
      // id) index serves the range and the order.
      return selectRequests(
        'listDueReminders',
        signal,
        `SELECT ${REQUEST_COLUMNS} FROM ${R} WHERE "status" = 'pending' AND "created_at" <= ?
           AND ("reminded_at_ms" IS NULL OR "reminded_at_ms" <= ?)
         ORDER BY "created_at", "id" LIMIT ?`,
        [new Date(nowMs - remindAfterMs).toISOString(), nowMs - remindEveryMs, count],
      );
    },

    async listOverdueRequests({ now, limit, signal }) {
      const count = clampLimit(limit);
      const nowMs = Date.parse(now);
      throwIfAborted(signal);
      if (count === 0 || !Number.isFinite(nowMs)) return [];
      return selectRequests(
        'listOverdueRequests',
        signal,
        `SELECT ${REQUEST_COLUMNS} FROM ${R} WHERE "status" = 'pending' AND "expires_at_ms" IS NOT NULL AND "expires_at_ms" <= ?
         ORDER BY "expires_at_ms", "created_at", "id" LIMIT ?`,
        [nowMs, count],
      );
    },

    async getPublication({ workspaceId, signal }) {
      const [row] = await read('getPublication', signal, (q) =>
        q.all(`SELECT "workspace_id", "subdomain", "sha", "request_id", "published_at" FROM ${P} WHERE "workspace_id" = ?`, [workspaceId]),
      );
      return row ? rows.publication(t.publications, row) : null;
    },

    async getSubdomainClaim({ subdomain, signal }): Promise<SubdomainClaim | null> {
      const normalized = subdomain.toLowerCase();
      const [row] = await read('getSubdomainClaim', signal, (q) =>
        q.all(`SELECT "workspace_id" FROM ${C} WHERE "subdomain" = ?`, [normalized]),
      );
      return row ? { subdomain: normalized, workspaceId: String(row.workspace_id) } : null;
    },

    async getTrust({ blueprintId, userId, signal }) {
      const [row] = await read('getTrust', signal, (q) =>
        q.all(`SELECT "blueprint_id", "user_id", "data" FROM ${T} WHERE "blueprint_id" = ? AND "user_id" = ?`, [blueprintId, userId]),
      );
      return row ? rows.trust(t.trust, row) : null;
    },

    async putTrust({ grant, audit, outbox, channels, signal }) {
      const json = JSON.stringify(grant);
      await write('putTrust', signal, async (q) => {
        await q.run(
          `INSERT INTO ${T} ("blueprint_id", "user_id", "data") VALUES (?, ?, ?)
           ON CONFLICT ("blueprint_id", "user_id") DO UPDATE SET "data" = excluded."data"`,
          [grant.blueprintId, grant.userId, json],
        );
        await appendSideWrites(q, audit, outbox, channels);
      });
      return JSON.parse(json) as TrustGrant;
    },

    async deleteTrust({ blueprintId, userId, audit, outbox, channels, signal }) {
      return write('deleteTrust', signal, async (q) => {
        const deleted = await q.run(`DELETE FROM ${T} WHERE "blueprint_id" = ? AND "user_id" = ?`, [blueprintId, userId]);
        if (deleted === 0) return false;
        await appendSideWrites(q, audit, outbox, channels);
        return true;
      });
    },

    async listTrust({ blueprintId, signal } = {}) {
      const found = await read('listTrust', signal, (q) =>
        blueprintId === undefined
          ? q.all(`SELECT "blueprint_id", "user_id", "data" FROM ${T} ORDER BY "blueprint_id", "user_id"`)
          : q.all(`SELECT "blueprint_id", "user_id", "data" FROM ${T} WHERE "blueprint_id" = ? ORDER BY "user_id"`, [blueprintId]),
      );
      return found.map((row) => rows.trust(t.trust, row));
    },

    async getApprovalRule({ blueprintId, signal }) {
      const [row] = await read('getApprovalRule', signal, (q) =>
        q.all(`SELECT "blueprint_id", "data" FROM ${AR} WHERE "blueprint_id" = ?`, [blueprintId]),
      );
      return row ? rows.approvalRule(t.approvalRules, row) : null;
    },

    async putApprovalRule({ rule, audit, outbox, channels, signal }) {
      const json = JSON.stringify(rule);
      await write('putApprovalRule', signal, async (q) => {
        await q.run(
          `INSERT INTO ${AR} ("blueprint_id", "data") VALUES (?, ?)
           ON CONFLICT ("blueprint_id") DO UPDATE SET "data" = excluded."data"`,
          [rule.blueprintId, json],
        );
        await appendSideWrites(q, audit, outbox, channels);
      });
      return JSON.parse(json) as ApprovalRule;
    },

    async listApprovalRules({ blueprintId, signal } = {}) {
      const found = await read('listApprovalRules', signal, (q) =>
        blueprintId === undefined
          ? q.all(`SELECT "blueprint_id", "data" FROM ${AR} ORDER BY "blueprint_id"`)
          : q.all(`SELECT "blueprint_id", "data" FROM ${AR} WHERE "blueprint_id" = ?`, [blueprintId]),
      );
      return found.map((row) => rows.approvalRule(t.approvalRules, row));
    },

    async listAudit({ afterSeq = 0, requestId, workspaceId, builderId, limit, signal }) {
      const count = clampLimit(limit);
      throwIfAborted(signal);
      if (count === 0) return [];
      const where = ['"seq" > ?'];
      const bindings: Binding[] = [afterSeq];
      for (const [column, value] of [
        ['request_id', requestId],
        ['workspace_id', workspaceId],
        ['builder_id', builderId],
      ] as const) {
        if (value !== undefined) {
          where.push(`"${column}" = ?`);
          bindings.push(value);
        }
      }
      bindings.push(count);
      const found = await read('listAudit', signal, (q) =>
        q.all(`SELECT "seq", "id", "data" FROM ${A} WHERE ${where.join(' AND ')} ORDER BY "seq" LIMIT ?`, bindings),
      );
      return found.map((row) => rows.audit(t.audit, row));
    },

    async claimOutbox({ now, limit, leaseMs, signal }) {
      const count = clampLimit(limit);
      const nowMs = Date.parse(now);
      throwIfAborted(signal);
      if (count === 0 || !Number.isFinite(nowMs)) return [];
      const leaseUntil = nowMs + leaseMs;
      // One statement, so it is atomic on its own. PostgreSQL: SKIP LOCKED lets several servers
      // claim at once without waiting for or double-claiming each other's rows. SQLite: a write
      // transaction (BEGIN IMMEDIATE) around it.
      const claimed =
        dialect === 'postgres'
          ? await read('claimOutbox', signal, (q) =>
              q.all(
                `WITH picked AS (
                   SELECT "seq" FROM ${O} WHERE "delivered_at" IS NULL AND "dead_at" IS NULL AND "retry_at_ms" <= ? AND "lease_until_ms" <= ?
                   ORDER BY "seq" LIMIT ? FOR UPDATE SKIP LOCKED
                 )
                 UPDATE ${O} AS o SET "lease_until_ms" = ? FROM picked WHERE o."seq" = picked."seq"
                 RETURNING o."seq", o."id", o."channel", o."data", o."attempts", o."last_error"`,
                [nowMs, nowMs, count, leaseUntil],
              ),
            )
          : await write('claimOutbox', signal, (q) =>
              q.all(
                `UPDATE ${O} SET "lease_until_ms" = ? WHERE "seq" IN (
                   SELECT "seq" FROM ${O} WHERE "delivered_at" IS NULL AND "dead_at" IS NULL AND "retry_at_ms" <= ? AND "lease_until_ms" <= ? ORDER BY "seq" LIMIT ?
                 ) RETURNING "seq", "id", "channel", "data", "attempts", "last_error"`,
                [leaseUntil, nowMs, nowMs, count],
              ),
            );
      // RETURNING order is unspecified; hand rows out oldest first, as written.
      claimed.sort((a, b) => toInteger(a.seq) - toInteger(b.seq));
      return claimed.map((row): OutboxItem => rows.outbox(t.outbox, row));
    },

    async completeOutbox({ id, channel, now, signal }) {
      await write('completeOutbox', signal, (q) =>
        q.run(`UPDATE ${O} SET "delivered_at" = ?, "lease_until_ms" = 0 WHERE "id" = ? AND "channel" = ? AND "delivered_at" IS NULL`, [
          now,
          id,
          channel ?? '',
        ]),
      );
    },

    async failOutbox({ id, channel, error, retryAt, deadLetter, now, signal }) {
      const retryMs = Date.parse(retryAt);
      // PostgreSQL text cannot hold NUL; everything else of the message is kept.
      const message = error.slice(0, 2000).replaceAll('\u0000', '\uFFFD');
      await write('failOutbox', signal, (q) =>
        q.run(
          `UPDATE ${O} SET "attempts" = "attempts" + 1, "last_error" = ?, "retry_at_ms" = ?, "lease_until_ms" = 0, "dead_at" = ?
           WHERE "id" = ? AND "channel" = ? AND "delivered_at" IS NULL`,
          [message, Number.isFinite(retryMs) ? retryMs : 0, deadLetter ? (now ?? retryAt) : null, id, channel ?? ''],
        ),
      );
    },

    async countPendingOutbox({ signal } = {}) {
      const [row] = await read('countPendingOutbox', signal, (q) =>
        q.all(`SELECT COUNT(*) AS "pending" FROM ${O} WHERE "delivered_at" IS NULL AND "dead_at" IS NULL`),
      );
      return toInteger(row?.pending ?? 0);
    },

    async listDeadLetters({ limit, signal }) {
      const found = await read('listDeadLetters', signal, (q) =>
        q.all(
          `SELECT "id", "channel", "data", "attempts", "last_error", "dead_at" FROM ${O}
           WHERE "dead_at" IS NOT NULL AND "delivered_at" IS NULL ORDER BY "seq" LIMIT ?`,
          [clampLimit(limit)],
        ),
      );
      return found.map((row) => rows.deadLetter(t.outbox, row));
    },

    async redeliverOutbox({ id, channel, signal }) {
      const changed = await write('redeliverOutbox', signal, (q) =>
        q.run(
          `UPDATE ${O} SET "dead_at" = NULL, "attempts" = 0, "retry_at_ms" = 0, "lease_until_ms" = 0
           WHERE "id" = ? AND "channel" = ? AND "dead_at" IS NOT NULL AND "delivered_at" IS NULL`,
          [id, channel ?? ''],
        ),
      );
      return changed > 0;
    },

    async claimJobs({ now, limit, leaseMs, signal }) {
      const count = clampLimit(limit);
      const nowMs = Date.parse(now);
      throwIfAborted(signal);
      if (count === 0 || !Number.isFinite(nowMs)) return [];
      // Whole ms, as a Date holds them (the reference's `new Date(now + leaseMs)` truncates too).
      const leaseUntil = Math.trunc(nowMs + leaseMs);
      const due = `"run_at_ms" <= ? AND ("lease_until_ms" IS NULL OR "lease_until_ms" <= ?) ORDER BY "run_at_ms", "request_id" LIMIT ?`;
      // As claimOutbox: one statement, with SKIP LOCKED on PostgreSQL so several servers claim at
      // once without waiting for or double-claiming each other's jobs; a write transaction on SQLite.
      const claimed =
        dialect === 'postgres'
          ? await read('claimJobs', signal, (q) =>
              q.all(
                `WITH picked AS (SELECT "request_id" FROM ${J} WHERE ${due} FOR UPDATE SKIP LOCKED)
                 UPDATE ${J} AS j SET "lease_until_ms" = ? FROM picked WHERE j."request_id" = picked."request_id"
                 RETURNING j."request_id", j."run_at_ms", j."lease_until_ms", j."slot_at_ms"`,
                [nowMs, nowMs, count, leaseUntil],
              ),
            )
          : await write('claimJobs', signal, (q) =>
              q.all(
                `UPDATE ${J} SET "lease_until_ms" = ? WHERE "request_id" IN (SELECT "request_id" FROM ${J} WHERE ${due})
                 RETURNING ${JOB_COLUMNS}`,
                [leaseUntil, nowMs, nowMs, count],
              ),
            );
      // RETURNING order is unspecified; hand jobs out in claim order (ids compared byte-wise, as the index orders them).
      claimed.sort(
        (a, b) =>
          toInteger(a.run_at_ms) - toInteger(b.run_at_ms) ||
          (String(a.request_id) < String(b.request_id) ? -1 : String(a.request_id) > String(b.request_id) ? 1 : 0),
      );
      return claimed.map((row) => rows.job(t.jobs, row));
    },

    async getJob({ requestId, signal }) {
      const [row] = await read('getJob', signal, (q) => q.all(`SELECT ${JOB_COLUMNS} FROM ${J} WHERE "request_id" = ?`, [requestId]));
      return row ? rows.job(t.jobs, row) : null;
    },

    async reservePacing({ key, now, limits, notAfter, signal }) {
      const nowMs = Date.parse(now);
      if (!Number.isFinite(nowMs)) throw new PublishGateError('validation', 'reservePacing needs `now` as an ISO timestamp.');
      const latest = notAfter === undefined ? Number.POSITIVE_INFINITY : Date.parse(notAfter);
      if (Number.isNaN(latest)) throw new PublishGateError('validation', 'reservePacing needs `notAfter` as an ISO timestamp.');
      const { at, reserved } = await write('reservePacing', signal, async (q) => {
        const slot = (await planSlots(q, key, nowMs, limits)).next();
        if (slot > latest) return { at: slot, reserved: false };
        await keepSlots(q, key, [slot], nowMs, limits);
        return { at: slot, reserved: true };
      });
      return reserved ? { at: new Date(at).toISOString() } : { at: new Date(at).toISOString(), reserved: false };
    },

    async watchAudit({ onChange, signal }) {
      if (dialect === 'postgres') await listenForAudit(db, t.auditChannel, onChange, signal);
      else
        await pollForAudit(
          () => read('watchAudit', undefined, (q) => q.all(`SELECT "value" FROM ${K} WHERE "name" = 'audit_seq'`)),
          pollIntervalMs,
          onChange,
          signal,
        );
    },
  } satisfies StoragePort;
}
