import { PublishGateError } from './errors.js';
import { nextPacingSlot, pacingDepth, pacingHorizon } from './pacing.js';
import type { PacingLimit, RequestCursor, RequestFilter, SideWrites, StoragePort, SubdomainClaim } from './ports/storage.js';
import {
  type ApprovalRule,
  type AuditEntry,
  type AuditEntryInput,
  DEFAULT_REQUEST_RULE,
  type DeadLetter,
  IN_FLIGHT_STATUSES,
  OPEN_DELIVERY_STATES,
  type OutboxItem,
  type Publication,
  type PublishJob,
  type PublishRequest,
  type TrustGrant,
} from './schemas/domain.js';

type OutboxRow = OutboxItem & { retryAt: number; leaseUntil: number; deadAt?: string };

/** Options for {@link createMemoryStorage}. */
export type MemoryStorageOptions = {
  /**
   * Deep-copies and freezes every object written, so callers can never change stored state by
   * accident (objects read back are those frozen copies: share them, never mutate them). Default
   * true; turn it off only where the caller promises never to change what it wrote or read.
   */
  clone?: boolean;
};

/**
 * The reference {@link StoragePort}: everything in process memory, lost on restart. Each method
 * runs synchronously to completion inside one microtask, which makes it atomic in a single Node
 * process; uniqueness and compare-and-set follow the same rules the database adapters enforce
 * with indexes. Use it for tests, demos and single-process prototypes.
 *
 * @example
 * ```ts
 * const gate = createPublishGate({ storage: createMemoryStorage(), git, gitHost, notifier });
 * ```
 */
export function createMemoryStorage(options: MemoryStorageOptions = {}): StoragePort {
  const copy: <T>(value: T) => T = options.clone === false ? (value) => value : (value) => deepFreeze(structuredClone(value));
  const withSeq = (entry: AuditEntryInput, seq: number): AuditEntry =>
    options.clone === false ? { ...entry, seq } : Object.freeze({ ...entry, seq });
  const requests = new Map<string, PublishRequest>();
  // Request ids ascending by (createdAt, id); listing walks it backwards for newest-first pages.
  // Ids, not requests: the sort key never changes, so a transition does not touch this.
  const ordered: string[] = [];
  const idempotency = new Map<string, string>();
  const inFlight = new Map<string, string>();
  const publications = new Map<string, Publication>();
  const claims = new Map<string, string>();
  // A workspace holds at most two names: its live publication's and its in-flight request's.
  const claimsByWorkspace = new Map<string, readonly string[]>();
  const trust = new Map<string, TrustGrant>();
  const approvalRules = new Map<string, ApprovalRule>();
  // Entries as written; an entry's seq is its position + 1, added when it is read.
  const audit: AuditEntryInput[] = [];
  // Undelivered rows only (keyed by notification id and channel), in write order; a delivered row
  // leaves, and its key stays in `delivered` so a second write of the same notification is still ignored. Claims then look at what is
  // pending instead of walking every notification ever written.
  const outbox = new Map<string, OutboxRow>();
  const delivered = new Set<string>();
  const watchers = new Set<() => void>();
  const jobs = new Map<string, PublishJob>();
  // When each request's delivery was last asked about (ms); absent until its first claim.
  const deliveryChecks = new Map<string, number>();
  // Reservation times (ms, ascending) per pacing key.
  const pacing = new Map<string, number[]>();

  const trustKey = (blueprintId: string, userId: string) => `${blueprintId}\u0000${userId}`;
  const idemKey = (builderId: string, key: string) => `${builderId}\u0000${key}`;

  function checkSignal(signal: AbortSignal | undefined) {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  }

  function compareKey(a: { createdAt: string; id: string }, b: { createdAt: string; id: string }): number {
    if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  }

  const at = (index: number) => requests.get(ordered[index] as string) as PublishRequest;

  function insertOrdered(request: PublishRequest) {
    let lo = 0;
    let hi = ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKey(at(mid), request) < 0) lo = mid + 1;
      else hi = mid;
    }
    ordered.splice(lo, 0, request.id);
  }

  // Checked before anything is written, so a bad job changes nothing.
  function checkJob(request: PublishRequest, job: PublishJob | undefined) {
    if (job === undefined) return;
    if (job.requestId !== request.id || request.status !== 'approving') {
      throw new PublishGateError('validation', 'A publish job belongs to its own request, and only while it is approving.');
    }
  }

  function applyJob(request: PublishRequest, job: PublishJob | undefined) {
    if (request.status !== 'approving') jobs.delete(request.id);
    else if (job !== undefined) jobs.set(request.id, copy(job));
  }

  function applySideWrites(writes: SideWrites) {
    for (const entry of writes.audit) audit.push(copy(entry));
    if (writes.audit.length > 0 && watchers.size > 0) {
      // Outside the current call stack, as a database notification would arrive.
      queueMicrotask(() => {
        for (const watcher of watchers) watcher();
      });
    }
    const channels: readonly (string | undefined)[] = writes.channels?.length ? writes.channels : [undefined];
    for (const notification of writes.outbox) {
      for (const channel of channels) {
        const key = rowKey(notification.id, channel);
        if (outbox.has(key) || delivered.has(key)) continue;
        outbox.set(key, {
          notification: copy(notification),
          ...(channel === undefined ? {} : { channel }),
          attempts: 0,
          retryAt: 0,
          leaseUntil: 0,
        });
      }
    }
  }

  // A publication that came back through delivery leaves its subdomain to a workspace that
  // claimed it meanwhile, then and on every later change of the workspace. (Any other publication
  // holds its subdomain already: its request claimed it while in flight.)
  function recomputeClaims(workspaceId: string) {
    const wanted: string[] = [];
    const publication = publications.get(workspaceId);
    if (publication) {
      const subdomain = publication.subdomain.toLowerCase();
      const owner = claims.get(subdomain);
      if (owner === undefined || owner === workspaceId) wanted.push(subdomain);
    }
    const flightId = inFlight.get(workspaceId);
    const flight = flightId ? requests.get(flightId) : undefined;
    if (flight) {
      const subdomain = flight.subdomain.toLowerCase();
      if (!wanted.includes(subdomain)) wanted.push(subdomain);
    }
    for (const subdomain of claimsByWorkspace.get(workspaceId) ?? []) if (!wanted.includes(subdomain)) claims.delete(subdomain);
    for (const subdomain of wanted) claims.set(subdomain, workspaceId);
    if (wanted.length === 0) claimsByWorkspace.delete(workspaceId);
    else claimsByWorkspace.set(workspaceId, wanted);
  }

  // The newest approved request of the workspace whose pull request was not closed unmerged.
  function newestPublishable(workspaceId: string): PublishRequest | undefined {
    for (let index = ordered.length - 1; index >= 0; index -= 1) {
      const request = at(index);
      if (request.workspace.id === workspaceId && request.status === 'approved' && request.delivery?.state !== 'closed-unmerged')
        return request;
    }
    return undefined;
  }

  /**
   * The publication follows an approved request's delivery into and out of `closed-unmerged` (see
   * `transitionRequest`). Resolves whether the publication changed.
   */
  function followDelivery(before: PublishRequest, after: PublishRequest): boolean {
    const wasClosed = before.delivery?.state === 'closed-unmerged';
    const isClosed = after.delivery?.state === 'closed-unmerged';
    if (wasClosed === isClosed) return false;
    const workspaceId = after.workspace.id;
    const publication = publications.get(workspaceId);
    if (isClosed && publication?.requestId !== after.id) return false;
    const target = newestPublishable(workspaceId);
    if (!isClosed && target?.id !== after.id) return false;
    if (target === undefined) publications.delete(workspaceId);
    else
      publications.set(
        workspaceId,
        Object.freeze({
          workspaceId,
          subdomain: target.subdomain.toLowerCase(),
          sha: target.sha,
          requestId: target.id,
          publishedAt: after.updatedAt,
        }),
      );
    return true;
  }

  // Plans slots under `key` without storing them: `take(count, notAfter)` adds the next `count`
  // slots to `taken` if every one of them falls at or before `notAfter`, else adds none.
  function planSlots(key: string, nowMs: number, limits: readonly PacingLimit[]) {
    const horizon = nowMs - pacingHorizon(limits);
    const reserved = (pacing.get(key) ?? []).filter((time) => time > horizon).slice(-pacingDepth(limits));
    const taken: number[] = [];
    return {
      taken,
      take(count: number, notAfter: number): boolean {
        const planned: number[] = [];
        for (let index = 0; index < count; index += 1) {
          const slot = nextPacingSlot([...reserved, ...planned], nowMs, limits);
          if (slot > notAfter) return false;
          planned.push(slot);
        }
        reserved.push(...planned);
        taken.push(...planned);
        return true;
      },
      next: () => nextPacingSlot(reserved, nowMs, limits),
    };
  }

  // Stores new slots; older reservations than the longest window are forgotten.
  function keepSlots(key: string, slots: readonly number[], limits: readonly PacingLimit[], nowMs: number) {
    if (slots.length === 0) return;
    const horizon = nowMs - pacingHorizon(limits);
    const kept = (pacing.get(key) ?? []).filter((time) => time > horizon).slice(-pacingDepth(limits));
    pacing.set(key, [...kept, ...slots]);
  }

  function matches(request: PublishRequest, filter: RequestFilter): boolean {
    if (filter.status && filter.status.length > 0 && !filter.status.includes(request.status)) return false;
    if (filter.blueprintId !== undefined && request.workspace.blueprintId !== filter.blueprintId) return false;
    if (filter.workspaceId !== undefined && request.workspace.id !== filter.workspaceId) return false;
    if (filter.builderId !== undefined && request.builder.id !== filter.builderId) return false;
    if (filter.visibleTo) {
      const { userId, roles } = filter.visibleTo;
      const own = request.builder.id === userId || request.workspace.ownerId === userId;
      const approver =
        request.status === 'pending' &&
        (request.rule ?? DEFAULT_REQUEST_RULE).approvers.some((named) =>
          'userId' in named ? named.userId === userId : roles.includes(named.role),
        );
      if (!own && !approver) return false;
    }
    if (filter.deliveryState && filter.deliveryState.length > 0) {
      if (!request.delivery || !filter.deliveryState.includes(request.delivery.state)) return false;
    }
    return true;
  }

  return {
    async createRequest({ request, idempotencyKey, audit: auditEntries, outbox: notifications, channels, job, signal }) {
      checkSignal(signal);
      if (request.version !== 1) throw new PublishGateError('validation', 'A new request must have version 1.');
      checkJob(request, job);
      if (requests.has(request.id)) throw new PublishGateError('conflict', `A request with id ${request.id} already exists.`);
      const workspaceId = request.workspace.id;
      if (idempotencyKey !== undefined && idempotency.has(idemKey(request.builder.id, idempotencyKey))) {
        throw new PublishGateError('conflict', 'This idempotency key was already used.');
      }
      if (IN_FLIGHT_STATUSES.includes(request.status) && inFlight.has(workspaceId)) {
        throw new PublishGateError('in_flight', 'This workspace already has a publish request in flight.');
      }
      const subdomain = request.subdomain.toLowerCase();
      const owner = claims.get(subdomain);
      if (owner !== undefined && owner !== workspaceId) {
        throw new PublishGateError('subdomain_unavailable', `The subdomain "${subdomain}" is taken.`);
      }
      const stored = copy(request);
      requests.set(stored.id, stored);
      insertOrdered(stored);
      if (idempotencyKey !== undefined) idempotency.set(idemKey(request.builder.id, idempotencyKey), stored.id);
      if (IN_FLIGHT_STATUSES.includes(stored.status)) inFlight.set(workspaceId, stored.id);
      recomputeClaims(workspaceId);
      applyJob(stored, job);
      applySideWrites({ audit: auditEntries, outbox: notifications, channels });
      return stored;
    },

    async transitionRequest({ id, expectedVersion, next, audit: auditEntries, outbox: notifications, channels, job, signal }) {
      checkSignal(signal);
      const current = requests.get(id);
      if (!current) throw new PublishGateError('not_found', `No publish request ${id}.`);
      if (current.version !== expectedVersion) {
        throw new PublishGateError('conflict', `Request ${id} changed (version ${current.version}, expected ${expectedVersion}).`);
      }
      if (next.id !== id || next.version !== expectedVersion + 1 || next.workspace.id !== current.workspace.id) {
        throw new PublishGateError('validation', 'A transition must keep the id and workspace and add one to the version.');
      }
      checkJob(next, job);
      if (IN_FLIGHT_STATUSES.includes(next.status)) {
        const subdomain = next.subdomain.toLowerCase();
        const owner = claims.get(subdomain);
        if (owner !== undefined && owner !== next.workspace.id) {
          throw new PublishGateError('subdomain_unavailable', `The subdomain "${subdomain}" is taken.`);
        }
      }
      const stored = copy(next);
      const workspaceId = stored.workspace.id;
      requests.set(id, stored);
      if (IN_FLIGHT_STATUSES.includes(stored.status)) inFlight.set(workspaceId, id);
      else if (inFlight.get(workspaceId) === id) inFlight.delete(workspaceId);
      if (stored.status === 'approved' && current.status !== 'approved') {
        publications.set(
          workspaceId,
          Object.freeze({
            workspaceId,
            subdomain: stored.subdomain.toLowerCase(),
            sha: stored.sha,
            requestId: id,
            publishedAt: stored.updatedAt,
          }),
        );
      }
      const delivered = current.status === 'approved' && stored.status === 'approved' && followDelivery(current, stored);
      // Claims follow the publication and the request in flight; a move between two in-flight
      // statuses (pending → approving) changes neither.
      const inFlightBefore = IN_FLIGHT_STATUSES.includes(current.status);
      if (
        delivered ||
        inFlightBefore !== IN_FLIGHT_STATUSES.includes(stored.status) ||
        stored.status === 'approved' ||
        stored.subdomain !== current.subdomain
      ) {
        recomputeClaims(workspaceId);
      }
      applyJob(stored, job);
      applySideWrites({ audit: auditEntries, outbox: notifications, channels });
      return stored;
    },

    async getRequest({ id, signal }) {
      checkSignal(signal);
      const found = requests.get(id);
      return found ?? null;
    },

    async findRequestByIdempotencyKey({ builderId, key, signal }) {
      checkSignal(signal);
      const id = idempotency.get(idemKey(builderId, key));
      const found = id ? requests.get(id) : undefined;
      return found ?? null;
    },

    async getInFlightRequest({ workspaceId, signal }) {
      checkSignal(signal);
      const id = inFlight.get(workspaceId);
      const found = id ? requests.get(id) : undefined;
      return found ?? null;
    },

    async listRequests({ filter, after, limit, signal }) {
      checkSignal(signal);
      const items: PublishRequest[] = [];
      for (let index = ordered.length - 1; index >= 0 && items.length < limit; index -= 1) {
        const request = at(index);
        if (after && compareKey(request, after as RequestCursor) >= 0) continue;
        if (matches(request, filter)) items.push(request);
      }
      return items;
    },

    async findRequestByPullRequest({ number, branch, signal }) {
      checkSignal(signal);
      for (const request of requests.values()) {
        if (request.pullRequest?.number === number && request.branch === branch) return request;
      }
      return null;
    },

    async findRequestByMergeSha({ sha, signal }) {
      checkSignal(signal);
      for (const request of requests.values()) {
        if (request.delivery?.mergeSha === sha) return request;
      }
      return null;
    },

    async claimDeliveryChecks({ now, limit, intervalMs, pacing: budget, signal }) {
      checkSignal(signal);
      const nowMs = Date.parse(now);
      const due: Array<{ request: PublishRequest; since: number }> = [];
      for (const request of requests.values()) {
        if (request.status !== 'approved' || !request.delivery || !OPEN_DELIVERY_STATES.includes(request.delivery.state)) continue;
        const since = deliveryChecks.get(request.id) ?? Date.parse(request.delivery.at);
        if (since <= nowMs - intervalMs) due.push({ request, since });
      }
      const ordered = due.sort((a, b) => a.since - b.since || (a.request.id < b.request.id ? -1 : 1)).map(({ request }) => request);
      const claimed: PublishRequest[] = [];
      // With a budget: each request in turn while all its slots fit, taking them.
      const planner = budget ? planSlots(budget.key, nowMs, budget.limits) : undefined;
      for (const request of ordered) {
        if (claimed.length >= limit) break;
        if (
          budget &&
          planner &&
          !planner.take(budget.slots?.[request.delivery?.state ?? 'pull-request-open'] ?? 1, Date.parse(budget.notAfter))
        )
          break;
        claimed.push(request);
      }
      for (const request of claimed) deliveryChecks.set(request.id, nowMs);
      if (budget && planner) keepSlots(budget.key, planner.taken, budget.limits, nowMs);
      return claimed;
    },

    async listDueReminders({ now, remindAfterMs, remindEveryMs, limit, signal }) {
      checkSignal(signal);
      const nowMs = Date.parse(now);
      return [...inFlight.values()]
        .map((id) => requests.get(id) as PublishRequest)
        .filter(
          (request) =>
            request.status === 'pending' &&
            Date.parse(request.createdAt) <= nowMs - remindAfterMs &&
            (request.reminder === undefined || Date.parse(request.reminder.at) <= nowMs - remindEveryMs),
        )
        .sort((a, b) => compareKey(a, b))
        .slice(0, limit);
    },

    async listOverdueRequests({ now, limit, signal }) {
      checkSignal(signal);
      const nowMs = Date.parse(now);
      return [...inFlight.values()]
        .map((id) => requests.get(id) as PublishRequest)
        .filter((request) => request.status === 'pending' && request.expiresAt !== undefined && Date.parse(request.expiresAt) <= nowMs)
        .sort((a, b) => Date.parse(a.expiresAt as string) - Date.parse(b.expiresAt as string))
        .slice(0, limit);
    },

    async getPublication({ workspaceId, signal }) {
      checkSignal(signal);
      const found = publications.get(workspaceId);
      return found ?? null;
    },

    async getSubdomainClaim({ subdomain, signal }): Promise<SubdomainClaim | null> {
      checkSignal(signal);
      const normalized = subdomain.toLowerCase();
      const workspaceId = claims.get(normalized);
      return workspaceId === undefined ? null : { subdomain: normalized, workspaceId };
    },

    async getTrust({ blueprintId, userId, signal }) {
      checkSignal(signal);
      const found = trust.get(trustKey(blueprintId, userId));
      return found ?? null;
    },

    async putTrust({ grant, audit: auditEntries, outbox: notifications, channels, signal }) {
      checkSignal(signal);
      const stored = copy(grant);
      trust.set(trustKey(grant.blueprintId, grant.userId), stored);
      applySideWrites({ audit: auditEntries, outbox: notifications, channels });
      return stored;
    },

    async deleteTrust({ blueprintId, userId, audit: auditEntries, outbox: notifications, channels, signal }) {
      checkSignal(signal);
      if (!trust.delete(trustKey(blueprintId, userId))) return false;
      applySideWrites({ audit: auditEntries, outbox: notifications, channels });
      return true;
    },

    async listTrust({ blueprintId, signal } = {}) {
      checkSignal(signal);
      return [...trust.values()]
        .filter((grant) => blueprintId === undefined || grant.blueprintId === blueprintId)
        .sort((a, b) => (a.blueprintId === b.blueprintId ? cmp(a.userId, b.userId) : cmp(a.blueprintId, b.blueprintId)));
    },

    async getApprovalRule({ blueprintId, signal }) {
      checkSignal(signal);
      return approvalRules.get(blueprintId) ?? null;
    },

    async putApprovalRule({ rule, audit: auditEntries, outbox: notifications, channels, signal }) {
      checkSignal(signal);
      const stored = copy(rule);
      approvalRules.set(rule.blueprintId, stored);
      applySideWrites({ audit: auditEntries, outbox: notifications, channels });
      return stored;
    },

    async listApprovalRules({ blueprintId, signal } = {}) {
      checkSignal(signal);
      return [...approvalRules.values()]
        .filter((rule) => blueprintId === undefined || rule.blueprintId === blueprintId)
        .sort((a, b) => cmp(a.blueprintId, b.blueprintId));
    },

    async listAudit({ afterSeq = 0, requestId, workspaceId, builderId, limit, signal }) {
      checkSignal(signal);
      const items: AuditEntry[] = [];
      // seq equals position + 1, so start right after the cursor.
      for (let index = Math.max(0, afterSeq); index < audit.length && items.length < limit; index += 1) {
        const entry = audit[index] as AuditEntryInput;
        if (requestId !== undefined && entry.requestId !== requestId) continue;
        if (workspaceId !== undefined && entry.workspaceId !== workspaceId) continue;
        if (builderId !== undefined && entry.builderId !== builderId) continue;
        items.push(withSeq(entry, index + 1));
      }
      return items;
    },

    async claimOutbox({ now, limit, leaseMs, signal }) {
      checkSignal(signal);
      const nowMs = Date.parse(now);
      const claimed: OutboxItem[] = [];
      for (const row of outbox.values()) {
        if (claimed.length >= limit) break;
        if (row.deadAt !== undefined || row.retryAt > nowMs || row.leaseUntil > nowMs) continue;
        row.leaseUntil = nowMs + leaseMs;
        claimed.push(
          copy({
            notification: row.notification,
            ...(row.channel === undefined ? {} : { channel: row.channel }),
            attempts: row.attempts,
            ...(row.lastError === undefined ? {} : { lastError: row.lastError }),
          }),
        );
      }
      return claimed;
    },

    async completeOutbox({ id, channel, signal }) {
      checkSignal(signal);
      const key = rowKey(id, channel);
      if (outbox.delete(key)) delivered.add(key);
    },

    async failOutbox({ id, channel, error, retryAt, deadLetter, now, signal }) {
      checkSignal(signal);
      const row = outbox.get(rowKey(id, channel));
      if (!row) return;
      row.attempts += 1;
      row.lastError = error.slice(0, 2000);
      row.retryAt = Date.parse(retryAt);
      row.leaseUntil = 0;
      if (deadLetter) row.deadAt = now ?? retryAt;
    },

    async countPendingOutbox({ signal } = {}) {
      checkSignal(signal);
      let pending = 0;
      for (const row of outbox.values()) if (row.deadAt === undefined) pending += 1;
      return pending;
    },

    async listDeadLetters({ limit, signal }) {
      checkSignal(signal);
      const dead: DeadLetter[] = [];
      for (const row of outbox.values()) {
        if (dead.length >= limit) break;
        if (row.deadAt === undefined) continue;
        dead.push(
          copy({
            notification: row.notification,
            ...(row.channel === undefined ? {} : { channel: row.channel }),
            attempts: row.attempts,
            ...(row.lastError === undefined ? {} : { lastError: row.lastError }),
            deadAt: row.deadAt,
          }),
        );
      }
      return dead;
    },

    async redeliverOutbox({ id, channel, signal }) {
      checkSignal(signal);
      const row = outbox.get(rowKey(id, channel));
      if (row?.deadAt === undefined) return false;
      row.deadAt = undefined;
      row.attempts = 0;
      row.retryAt = 0;
      row.leaseUntil = 0;
      return true;
    },

    async claimJobs({ now, limit, leaseMs, signal }) {
      checkSignal(signal);
      const nowMs = Date.parse(now);
      const leaseUntil = new Date(nowMs + leaseMs).toISOString();
      const due = [...jobs.values()]
        .filter((job) => Date.parse(job.runAt) <= nowMs && (job.leaseUntil === undefined || Date.parse(job.leaseUntil) <= nowMs))
        .sort((a, b) => Date.parse(a.runAt) - Date.parse(b.runAt) || cmp(a.requestId, b.requestId))
        .slice(0, limit);
      return due.map((job) => {
        const leased = copy({ ...job, leaseUntil });
        jobs.set(job.requestId, leased);
        return leased;
      });
    },

    async getJob({ requestId, signal }) {
      checkSignal(signal);
      return jobs.get(requestId) ?? null;
    },

    async reservePacing({ key, now, limits, notAfter, signal }) {
      checkSignal(signal);
      const nowMs = Date.parse(now);
      const at = planSlots(key, nowMs, limits).next();
      if (notAfter !== undefined && at > Date.parse(notAfter)) return { at: new Date(at).toISOString(), reserved: false };
      keepSlots(key, [at], limits, nowMs);
      return { at: new Date(at).toISOString() };
    },

    async watchAudit({ onChange, signal }) {
      if (signal.aborted) return;
      const watcher = () => onChange();
      watchers.add(watcher);
      signal.addEventListener('abort', () => watchers.delete(watcher), { once: true });
    },
  } satisfies StoragePort;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Freezes an object graph the storage owns (a fresh structuredClone), so nothing can change it later.
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const item of Object.values(value)) deepFreeze(item);
  return Object.freeze(value);
}

// One outbox row per notification and channel; ids never contain NUL, so the key is unambiguous.
function rowKey(id: string, channel: string | undefined): string {
  return channel === undefined ? id : `${id}\u0000${channel}`;
}
