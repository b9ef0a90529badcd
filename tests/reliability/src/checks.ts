import type { AuditEntry, Notification, PublishRequest, StoragePort } from '@publishgate/core';
import type { Knex } from 'knex';

/** One outbox row as stored, read straight from the table (the port only counts pending rows). */
export type OutboxRow = { id: string; delivered: boolean; attempts: number; lastError: string | null; notification: Notification };

/** Every outbox row of a knex store. */
export async function outboxRows(db: Knex, tablePrefix: string): Promise<OutboxRow[]> {
  const rows = (await db(`${tablePrefix}outbox`).select('id', 'data', 'attempts', 'last_error', 'delivered_at').orderBy('seq')) as Array<{
    id: string;
    data: string;
    attempts: number | string;
    last_error: string | null;
    delivered_at: string | null;
  }>;
  return rows.map((row) => ({
    id: row.id,
    delivered: row.delivered_at !== null,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    notification: JSON.parse(row.data) as Notification,
  }));
}

/** The whole audit history (all pages). */
export async function allAudit(storage: StoragePort, filter: { requestId?: string } = {}): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (;;) {
    const page = await storage.listAudit({ ...filter, afterSeq: entries[entries.length - 1]?.seq ?? 0, limit: 500 });
    entries.push(...page);
    if (page.length < 500) return entries;
  }
}

/** Every request of a store (all pages). */
export async function allRequests(storage: StoragePort): Promise<PublishRequest[]> {
  const requests: PublishRequest[] = [];
  for (;;) {
    const last = requests[requests.length - 1];
    const page = await storage.listRequests({
      filter: {},
      limit: 500,
      ...(last ? { after: { createdAt: last.createdAt, id: last.id } } : {}),
    });
    requests.push(...page);
    if (page.length < 500) return requests;
  }
}

/**
 * One request's audit trail as readable steps, in order: the entry type, and for a
 * `request.progress` entry its step and attempt (`request.progress pushing #1`), so a test can
 * assert the whole sequence a publish went through.
 */
export function trailSteps(entries: readonly AuditEntry[]): string[] {
  return entries.map((entry) => {
    if (entry.type !== 'request.progress') return entry.type;
    const progress = entry.data.progress as { step?: unknown; attempt?: unknown } | undefined;
    return `request.progress ${String(progress?.step)} #${String(progress?.attempt)}`;
  });
}

// Which status each audit type leaves a request in, and which notification it sends (DESIGN.md's
// lifecycle; trusted submissions record `request.submitted` then `request.approving`).
const STATUS_AFTER: Record<string, PublishRequest['status']> = {
  'request.submitted': 'pending',
  'request.approving': 'approving',
  'request.retried': 'approving',
  'request.progress': 'approving',
  'request.approved': 'approved',
  'request.failed': 'failed',
  'request.rejected': 'rejected',
  'request.withdrawn': 'withdrawn',
  'request.expired': 'expired',
};
const ALLOWED_AFTER: Record<string, readonly string[]> = {
  start: ['request.submitted'],
  'request.submitted': ['request.approving', 'request.rejected', 'request.withdrawn', 'request.expired'],
  'request.approving': ['request.progress', 'request.approved', 'request.failed'],
  'request.retried': ['request.progress', 'request.approved', 'request.failed'],
  'request.progress': ['request.progress', 'request.approved', 'request.failed'],
  'request.failed': ['request.retried', 'request.withdrawn'],
  'request.approved': [],
  'request.rejected': [],
  'request.withdrawn': [],
  'request.expired': [],
};
/** Audit types that write exactly one outbox notification of the same type. */
export const NOTIFYING = new Set(['request.approved', 'request.failed', 'request.rejected', 'request.withdrawn', 'request.expired']);

/**
 * Checks one request's audit trail against the lifecycle and its stored status, and returns the
 * problems found (empty when consistent): every step is a legal move from the previous one, the
 * trail ends in the stored status, and at most one final decision was ever recorded.
 */
export function auditProblems(request: PublishRequest, trail: readonly AuditEntry[]): string[] {
  const problems: string[] = [];
  let previous = 'start';
  // A trusted submission records submitted then approving with the same stored version; a publish
  // records its steps (request.progress) while approving.
  for (const entry of trail) {
    const allowed = ALLOWED_AFTER[previous] ?? [];
    if (!allowed.includes(entry.type)) problems.push(`${request.id}: ${entry.type} after ${previous}`);
    const expected = STATUS_AFTER[entry.type];
    if (entry.toStatus !== expected && !(entry.type === 'request.submitted' && entry.toStatus === 'approving')) {
      problems.push(`${request.id}: ${entry.type} recorded toStatus ${entry.toStatus}`);
    }
    previous = entry.type;
  }
  const last = trail[trail.length - 1];
  if (!last) problems.push(`${request.id}: no audit entries`);
  else if (STATUS_AFTER[last.type] !== request.status) problems.push(`${request.id}: trail ends in ${last.type}, stored ${request.status}`);
  const finals = trail.filter((entry) =>
    ['request.approved', 'request.rejected', 'request.withdrawn', 'request.expired'].includes(entry.type),
  );
  if (finals.length > 1) problems.push(`${request.id}: ${finals.length} final decisions`);
  return problems;
}

/**
 * Checks the outbox against the audit history and returns the problems found: each notifying
 * entry (and each non-trusted submission) has exactly one notification of its type for its request,
 * and no notification exists without one.
 */
export function outboxProblems(audit: readonly AuditEntry[], outbox: readonly OutboxRow[]): string[] {
  const problems: string[] = [];
  const expected = new Map<string, number>();
  const key = (requestId: string | undefined, type: string) => `${requestId ?? '-'} ${type}`;
  for (const entry of audit) {
    const notifies = NOTIFYING.has(entry.type) || (entry.type === 'request.submitted' && entry.toStatus === 'pending');
    if (!entry.requestId || !notifies) continue;
    expected.set(key(entry.requestId, entry.type), (expected.get(key(entry.requestId, entry.type)) ?? 0) + 1);
  }
  const actual = new Map<string, number>();
  const ids = new Set<string>();
  for (const row of outbox) {
    if (ids.has(row.id)) problems.push(`outbox id ${row.id} stored twice`);
    ids.add(row.id);
    if (!row.notification.requestId) continue;
    const k = key(row.notification.requestId, row.notification.type);
    actual.set(k, (actual.get(k) ?? 0) + 1);
  }
  for (const [k, count] of expected)
    if (actual.get(k) !== count) problems.push(`${k}: ${count} audit entries, ${actual.get(k) ?? 0} notifications`);
  for (const [k, count] of actual) if (!expected.has(k)) problems.push(`${k}: ${count} notifications without an audit entry`);
  return problems;
}
