import {
  type ApprovalRule,
  type AuditEntry,
  approvalRuleSchema,
  auditEntrySchema,
  type DeadLetter,
  deadLetterSchema,
  type OutboxItem,
  outboxItemSchema,
  type Publication,
  type PublishJob,
  type PublishRequest,
  publicationSchema,
  publishJobSchema,
  publishRequestSchema,
  type TrustGrant,
  trustGrantSchema,
} from '@publishgate/core';
import { CorruptRowError } from './corruptRowError.js';
import { type Row, toInteger } from './dialect.js';

// Every row read back goes through core's schema: a row edited by hand, truncated by a disk
// problem or written by a buggy version becomes a CorruptRowError naming it, never a wrong object.

function parseJson(table: string, rowId: string, data: unknown): unknown {
  if (typeof data !== 'string')
    throw new CorruptRowError(table, rowId, `its data column is ${data === null ? 'null' : typeof data}, not JSON text`);
  try {
    return JSON.parse(data);
  } catch (error) {
    throw new CorruptRowError(table, rowId, 'its data column is not valid JSON', { cause: error });
  }
}

// Structural, so the adapter needs no zod dependency of its own: core's schemas fit it.
type Schema<T> = {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
};

function check<T>(schema: Schema<T>, value: unknown, table: string, rowId: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // Paths and messages only: the offending values may be secrets or large payloads.
  const issues = result.error.issues.slice(0, 3).map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  const more = result.error.issues.length > 3 ? ` (and ${result.error.issues.length - 3} more)` : '';
  throw new CorruptRowError(table, rowId, `it does not match the schema (${issues.join('; ')}${more})`, { cause: result.error });
}

// Larger than any Date can hold: such a column is damage, reported as a corrupt row.
const MAX_DATE_MS = 8.64e15;

/** An integer ms column as an ISO timestamp, or undefined when it is null. */
function timestampOf(table: string, rowId: string, column: string, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const ms = toInteger(value);
  if (!Number.isSafeInteger(ms) || Math.abs(ms) > MAX_DATE_MS)
    throw new CorruptRowError(table, rowId, `its ${column} column is not a time`);
  return new Date(ms).toISOString();
}

/** Options for {@link createRowReader}. */
export type RowReaderOptions = {
  /** Characters of validated row text remembered per kind of row (see {@link createRowReader}); 0 turns memoizing off. */
  validatedCacheChars: number;
};

// Rows larger than this (big patches) are validated on every read: JSON.parse dominates for them,
// and they would crowd everything else out of the cache.
const MAX_MEMO_ENTRY_CHARS = 64 * 1024;

/**
 * Parses stored rows back into core's types. Validation is memoized by the row's exact text: a row
 * whose JSON is byte-for-byte one this reader already validated skips the schema walk (core's
 * schemas validate without transforming, so the result would be identical) but is still parsed and
 * still checked against its indexed columns. Any change to the text means a full validation. This
 * keeps re-reading the same queue page, the common case, at the cost of a JSON.parse.
 */
export function createRowReader(options: RowReaderOptions) {
  const budget = options.validatedCacheChars;

  // One memo per kind of row, keyed by row key (cheap to hash) and holding the validated text
  // (compared whole). Evicted oldest-first: a hot row that falls out is validated and kept again.
  function createMemo() {
    const texts = new Map<string, string>();
    let chars = 0;
    return {
      has(rowId: string, text: string): boolean {
        return texts.get(rowId) === text;
      },
      add(rowId: string, text: string) {
        if (budget <= 0 || text.length > MAX_MEMO_ENTRY_CHARS) return;
        const previous = texts.get(rowId);
        if (previous !== undefined) {
          texts.delete(rowId);
          chars -= previous.length;
        }
        texts.set(rowId, text);
        chars += text.length;
        for (const [oldest, value] of texts) {
          if (chars <= budget) break;
          texts.delete(oldest);
          chars -= value.length;
        }
      },
    };
  }
  const memos = { request: createMemo(), trust: createMemo(), rule: createMemo(), audit: createMemo() };

  /** Parses `data` and validates it with `schema`, unless these exact bytes were validated before. */
  function parsed<T>(
    memo: ReturnType<typeof createMemo>,
    schema: Schema<T>,
    table: string,
    rowId: string,
    data: unknown,
    prepare: (value: unknown) => unknown = (value) => value,
  ): T {
    if (typeof data === 'string' && memo.has(rowId, data)) return prepare(JSON.parse(data)) as T;
    const value = check(schema, prepare(parseJson(table, rowId, data)), table, rowId);
    memo.add(rowId, data as string);
    return value;
  }

  return {
    /** A request row (`id`, `version`, `status`, `data`) as a validated PublishRequest. */
    request(table: string, row: Row): PublishRequest {
      const id = String(row.id);
      const request = parsed(memos.request, publishRequestSchema, table, id, row.data);
      if (request.id !== id || request.version !== toInteger(row.version) || request.status !== row.status) {
        throw new CorruptRowError(table, id, 'its JSON disagrees with its id, version or status column');
      }
      return request;
    },

    /** A publication row as a validated Publication. */
    publication(table: string, row: Row): Publication {
      return check(
        publicationSchema,
        { workspaceId: row.workspace_id, subdomain: row.subdomain, sha: row.sha, requestId: row.request_id, publishedAt: row.published_at },
        table,
        String(row.workspace_id),
      );
    },

    /** A trust row (`blueprint_id`, `user_id`, `data`) as a validated TrustGrant. */
    trust(table: string, row: Row): TrustGrant {
      const key = `${String(row.blueprint_id)}/${String(row.user_id)}`;
      const grant = parsed(memos.trust, trustGrantSchema, table, key, row.data);
      if (grant.blueprintId !== row.blueprint_id || grant.userId !== row.user_id) {
        throw new CorruptRowError(table, key, 'its JSON disagrees with its blueprint_id or user_id column');
      }
      return grant;
    },

    /** An approval rule row (`blueprint_id`, `data`) as a validated ApprovalRule. */
    approvalRule(table: string, row: Row): ApprovalRule {
      const key = String(row.blueprint_id);
      const rule = parsed(memos.rule, approvalRuleSchema, table, key, row.data);
      if (rule.blueprintId !== row.blueprint_id) throw new CorruptRowError(table, key, 'its JSON disagrees with its blueprint_id column');
      return rule;
    },

    /** An audit row (`seq`, `id`, `data`) as a validated AuditEntry. */
    audit(table: string, row: Row): AuditEntry {
      const seq = toInteger(row.seq);
      const key = `seq ${String(row.seq)}`;
      const entry = parsed(memos.audit, auditEntrySchema, table, key, row.data, (value) =>
        typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value, seq } : value,
      );
      if (entry.id !== row.id) throw new CorruptRowError(table, key, 'its JSON disagrees with its id column');
      return entry;
    },

    /** An outbox row (`id`, `channel`, `data`, `attempts`, `last_error`) as a validated OutboxItem. */
    outbox(table: string, row: Row): OutboxItem {
      const id = String(row.id);
      const item = check(
        outboxItemSchema,
        {
          notification: parseJson(table, id, row.data),
          // '' is the row without a channel (see migration 010).
          ...(row.channel === '' || row.channel === null || row.channel === undefined ? {} : { channel: row.channel }),
          attempts: toInteger(row.attempts),
          ...(row.last_error === null || row.last_error === undefined ? {} : { lastError: row.last_error }),
        },
        table,
        id,
      );
      if (item.notification.id !== id) throw new CorruptRowError(table, id, 'its JSON disagrees with its id column');
      return item;
    },

    /** A publish job row (`request_id`, `run_at_ms`, `lease_until_ms`, `slot_at_ms`) as a validated PublishJob. */
    job(table: string, row: Row): PublishJob {
      const id = String(row.request_id);
      const leaseUntil = timestampOf(table, id, 'lease_until_ms', row.lease_until_ms);
      const slotAt = timestampOf(table, id, 'slot_at_ms', row.slot_at_ms);
      // Absent times are left out, not undefined: the job must equal the one that was stored.
      return check(
        publishJobSchema,
        {
          requestId: row.request_id,
          runAt: timestampOf(table, id, 'run_at_ms', row.run_at_ms),
          ...(leaseUntil === undefined ? {} : { leaseUntil }),
          ...(slotAt === undefined ? {} : { slotAt }),
        },
        table,
        id,
      );
    },

    deadLetter(table: string, row: Row): DeadLetter {
      const id = String(row.id);
      return check(deadLetterSchema, { ...this.outbox(table, row), deadAt: row.dead_at }, table, id);
    },
  };
}

/** What {@link createRowReader} returns. */
export type RowReader = ReturnType<typeof createRowReader>;
