import type {
  ApprovalRule,
  AuditEntry,
  AuditEntryInput,
  DeadLetter,
  DeliveryState,
  Notification,
  OutboxItem,
  Publication,
  PublishJob,
  PublishRequest,
  PublishStatus,
  Role,
  TrustGrant,
} from '../schemas/domain.js';

/** Position after which a queue page starts: the last item of the previous page. */
export type RequestCursor = { createdAt: string; id: string };

/** Filters for {@link StoragePort.listRequests}; every given filter must match. */
export type RequestFilter = {
  status?: readonly PublishStatus[];
  blueprintId?: string;
  workspaceId?: string;
  builderId?: string;
  /** Only approved requests whose delivery is in one of these states (a request without `delivery` matches none). */
  deliveryState?: readonly DeliveryState[];
  /**
   * A non-admin's queue: requests built by `userId` or on a workspace `userId` owns
   * (`request.workspace.ownerId`: an admin's rollback of it, say), and pending requests whose rule
   * (`request.rule`; none: role `admin`) names `userId` or one of `roles` as an approver.
   */
  visibleTo?: { userId: string; roles: readonly Role[] };
};

/** Audit entries and notifications written in the same transaction as a state change. */
export type SideWrites = {
  /** Appended to the audit history; storage assigns each a `seq`. */
  audit: readonly AuditEntryInput[];
  /**
   * Appended to the outbox; delivered later by the dispatcher. A notification whose row (same id
   * and channel) is already in the outbox, delivered or not, is skipped.
   */
  outbox: readonly Notification[];
  /**
   * Fan-out channel names (`fanOutNotifier`). When given and not empty, each notification of
   * `outbox` is written as one row per channel, in the same write; each row carries its `channel`
   * and is claimed, completed, failed, dead-lettered and redelivered on its own. Without it, one
   * row per notification, without a channel.
   */
  channels?: readonly string[];
  /**
   * Only with `createRequest` and `transitionRequest`: the request's publish job as it is to be
   * stored (created, or replacing every field of the one there). `job.requestId` is the request's id.
   */
  job?: PublishJob;
};

/** A pacing limit: at most `max` reservations in any `perMs` window. */
export type PacingLimit = { max: number; perMs: number };

/** The owner of a subdomain claim. */
export type SubdomainClaim = { subdomain: string; workspaceId: string };

/**
 * Durable state for the gate. Internal to the gate and its adapters; `runStorageConformance`
 * is its contract. Every method is atomic: it either applies all its writes (state, audit entries,
 * outbox rows) or none. Uniqueness rules are enforced by the storage itself, never by the caller
 * reading first. Methods reject with `PublishGateError` codes where stated; any other failure may
 * be a plain error (the gate wraps it as `port_failed`). Arguments are read-only: the gate passes
 * frozen objects, which an adapter may keep as they are but never change.
 */
export interface StoragePort {
  /**
   * Inserts a new request (its `version` is 1) and claims its subdomain for its workspace.
   * Rejects with `in_flight` when the workspace already has a request in status pending,
   * approving or failed; with `subdomain_unavailable` when another workspace holds the subdomain
   * (compared lower-cased) through a publication or an in-flight request; with `conflict` when
   * `idempotencyKey` was already used by the same builder or the id exists. Changes nothing on
   * rejection.
   */
  createRequest(args: SideWrites & { request: PublishRequest; idempotencyKey?: string; signal?: AbortSignal }): Promise<PublishRequest>;

  /**
   * Replaces a request with `next` if its stored version still equals `expectedVersion`
   * (compare-and-set); `next.version` must be `expectedVersion + 1`. Rejects with `conflict` and
   * changes nothing when the version is stale, with `not_found` when the id does not exist.
   * When `next.status` becomes `approved` the workspace's publication becomes `{ subdomain, sha }` of
   * `next`. The publication follows delivery: when an approved request's `delivery.state` becomes
   * `closed-unmerged` while it is the workspace's publication, the publication goes back, in the same
   * write, to the newest (by `createdAt`, then `id`) other approved request of the workspace whose
   * delivery is not `closed-unmerged` (`publishedAt` is `next.updatedAt`), or to none when there is
   * no such request; when a publication replaced it meanwhile, the publication stays. When an
   * approved request leaves `closed-unmerged` (its pull request was reopened and merged) and is then
   * the newest approved request of the workspace not closed unmerged, it is the publication again. When `next.status` is
   * not `approving`, the request's publish job is deleted in the same write (a `job` given with such
   * a transition is refused with `validation`). Afterwards the workspace's subdomain claims are
   * exactly its publication's subdomain and its in-flight request's subdomain, with one exception:
   * a publication that comes back through delivery never takes its subdomain from another workspace
   * that claimed it meanwhile (that workspace keeps it; the transition still succeeds).
   */
  transitionRequest(
    args: SideWrites & { id: string; expectedVersion: number; next: PublishRequest; signal?: AbortSignal },
  ): Promise<PublishRequest>;

  /** The request with this id, or null. */
  getRequest(args: { id: string; signal?: AbortSignal }): Promise<PublishRequest | null>;

  /** The request a builder created with this idempotency key, or null. */
  findRequestByIdempotencyKey(args: { builderId: string; key: string; signal?: AbortSignal }): Promise<PublishRequest | null>;

  /** The workspace's request in status pending, approving or failed, or null. */
  getInFlightRequest(args: { workspaceId: string; signal?: AbortSignal }): Promise<PublishRequest | null>;

  /**
   * Up to `limit` requests matching `filter`, newest first (by `createdAt`, then `id`, both
   * descending), strictly after `after` when given. Keyset pagination: stable under inserts.
   */
  listRequests(args: { filter: RequestFilter; after?: RequestCursor; limit: number; signal?: AbortSignal }): Promise<PublishRequest[]>;

  /**
   * The request whose pull request has this number and whose `branch` is this branch, or null.
   * Both must match: pull request numbers repeat across repositories, branches never do.
   */
  findRequestByPullRequest(args: { number: number; branch: string; signal?: AbortSignal }): Promise<PublishRequest | null>;

  /** The request whose `delivery.mergeSha` is this commit (a deployment names the commit it deploys), or null. */
  findRequestByMergeSha(args: { sha: string; signal?: AbortSignal }): Promise<PublishRequest | null>;

  /**
   * Up to `limit` approved requests whose delivery may still change (`pull-request-open` or
   * `merged`) and that nobody asked the git host about for `intervalMs`: the last claim, or the
   * delivery's `at` when never claimed, is at or before `now - intervalMs`; oldest first. Each is
   * marked checked at `now` in the same atomic step (the request itself is not changed), so
   * servers polling together ask about each request at most once per interval.
   *
   * With `pacing`, every request claimed also takes reservations under `pacing.key`, as
   * {@link StoragePort.reservePacing} would hand them out, in the same atomic step: as many as
   * `pacing.slots[its delivery state]` (default 1), for the host requests its check makes. Requests
   * are taken in the order above while all their slots fall at or before `pacing.notAfter`; the first
   * that does not fit, and every one after it, stays due (a poll never waits for the budget, never
   * takes a slot it does not use, and a request needing more slots is not overtaken forever).
   */
  claimDeliveryChecks(args: {
    now: string;
    limit: number;
    intervalMs: number;
    pacing?: { key: string; limits: readonly PacingLimit[]; notAfter: string; slots?: Partial<Record<DeliveryState, number>> };
    signal?: AbortSignal;
  }): Promise<PublishRequest[]>;

  /**
   * Up to `limit` pending requests due a reminder at `now`: created at or before `now -
   * remindAfterMs`, and never reminded (`reminder` absent) or last reminded (`reminder.at`) at or
   * before `now - remindEveryMs`; oldest first (by `createdAt`, then `id`). Only reads: the gate
   * stores each reminder with a compare-and-set transition, so concurrent sweepers send one.
   */
  listDueReminders(args: {
    now: string;
    remindAfterMs: number;
    remindEveryMs: number;
    limit: number;
    signal?: AbortSignal;
  }): Promise<PublishRequest[]>;

  /** Up to `limit` pending requests whose `expiresAt` is at or before `now`, oldest deadline first. */
  listOverdueRequests(args: { now: string; limit: number; signal?: AbortSignal }): Promise<PublishRequest[]>;

  /** The workspace's live publication, or null before its first approved request. */
  getPublication(args: { workspaceId: string; signal?: AbortSignal }): Promise<Publication | null>;

  /** Who holds a subdomain (compared lower-cased), or null when it is free. */
  getSubdomainClaim(args: { subdomain: string; signal?: AbortSignal }): Promise<SubdomainClaim | null>;

  /** The trust grant for a builder on a blueprint, or null (expired grants are returned; the caller judges expiry). */
  getTrust(args: { blueprintId: string; userId: string; signal?: AbortSignal }): Promise<TrustGrant | null>;

  /** Creates or replaces the grant for `(grant.blueprintId, grant.userId)`. */
  putTrust(args: SideWrites & { grant: TrustGrant; signal?: AbortSignal }): Promise<TrustGrant>;

  /** Deletes the grant; resolves false (and writes nothing) when there was none. */
  deleteTrust(args: SideWrites & { blueprintId: string; userId: string; signal?: AbortSignal }): Promise<boolean>;

  /** Every grant, or those of one blueprint, ordered by blueprint then user. */
  listTrust(args: { blueprintId?: string; signal?: AbortSignal }): Promise<TrustGrant[]>;

  /** The approval rule of a blueprint, or null when none was set (requests then follow the default rule). */
  getApprovalRule(args: { blueprintId: string; signal?: AbortSignal }): Promise<ApprovalRule | null>;

  /** Creates or replaces the approval rule of `rule.blueprintId`, with its side writes, atomically. */
  putApprovalRule(args: SideWrites & { rule: ApprovalRule; signal?: AbortSignal }): Promise<ApprovalRule>;

  /** Every approval rule, or that of one blueprint, ordered by blueprint id. */
  listApprovalRules(args: { blueprintId?: string; signal?: AbortSignal }): Promise<ApprovalRule[]>;

  /**
   * Up to `limit` audit entries with `seq > afterSeq` (default 0), ascending by `seq`, filtered by
   * request, workspace or builder. `seq` is strictly increasing in commit order: an entry that
   * becomes visible later never has a smaller `seq` than one already read.
   */
  listAudit(args: {
    afterSeq?: number;
    requestId?: string;
    workspaceId?: string;
    builderId?: string;
    limit: number;
    signal?: AbortSignal;
  }): Promise<AuditEntry[]>;

  /**
   * Leases up to `limit` undelivered outbox rows whose retry time has come and whose lease (if
   * any) has run out, for `leaseMs` from `now`, oldest first. Two concurrent callers never get the
   * same row. A row is a notification id and a channel (absent for rows written without `channels`);
   * each item carries its row's `channel`.
   */
  claimOutbox(args: { now: string; limit: number; leaseMs: number; signal?: AbortSignal }): Promise<OutboxItem[]>;

  /**
   * Marks the row of notification `id` on `channel` (absent: the row without a channel) delivered;
   * it is never claimed again. The notification's rows on other channels are untouched. Idempotent.
   */
  completeOutbox(args: { id: string; channel?: string; now: string; signal?: AbortSignal }): Promise<void>;

  /**
   * Records a failed delivery of the row of `id` on `channel` (absent: the row without a channel):
   * releases the lease, counts the attempt, next try at `retryAt`. With `deadLetter`, the row
   * becomes a dead letter at `now` instead: never claimed again until
   * {@link StoragePort.redeliverOutbox}. Rows on other channels are untouched.
   */
  failOutbox(args: {
    id: string;
    channel?: string;
    error: string;
    retryAt: string;
    deadLetter?: boolean;
    now?: string;
    signal?: AbortSignal;
  }): Promise<void>;

  /** Counts undelivered outbox rows that will still be tried (dead letters excluded), for health checks and tests. */
  countPendingOutbox(args?: { signal?: AbortSignal }): Promise<number>;

  /** Up to `limit` dead letters, oldest first (in the order their rows were written), each with its `channel` when it has one. */
  listDeadLetters(args: { limit: number; signal?: AbortSignal }): Promise<DeadLetter[]>;

  /**
   * Makes the dead letter of `id` on `channel` (absent: the row without a channel) deliverable
   * again now, with its attempts counted from zero. Resolves false (and changes nothing) when that
   * row is not a dead letter.
   */
  redeliverOutbox(args: { id: string; channel?: string; signal?: AbortSignal }): Promise<boolean>;

  /**
   * Leases up to `limit` publish jobs whose `runAt` has come and whose lease (if any) has run out,
   * earliest `runAt` first (then by request id): each is stored and returned with `leaseUntil` set
   * to `now + leaseMs`. Concurrent callers, in this process or another, never get the same job
   * while its lease holds (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
   */
  claimJobs(args: { now: string; limit: number; leaseMs: number; signal?: AbortSignal }): Promise<PublishJob[]>;

  /** The request's publish job, or null when it has none (not in `approving`). */
  getJob(args: { requestId: string; signal?: AbortSignal }): Promise<PublishJob | null>;

  /**
   * Reserves the earliest time at or after `now`, and at or after every earlier reservation under
   * `key`, at which each limit still holds: fewer than `max` reservations in the `perMs` window
   * ending there (see `nextPacingSlot`). Atomic across every instance sharing the store, so servers
   * together keep one budget. Reservations older than the longest window may be forgotten. With
   * `notAfter`, a slot later than that is not reserved: resolves `{ at, reserved: false }` (`at` is
   * the slot it would have been) and changes nothing.
   */
  reservePacing(args: {
    key: string;
    now: string;
    limits: readonly PacingLimit[];
    notAfter?: string;
    signal?: AbortSignal;
  }): Promise<{ at: string; reserved?: boolean }>;

  /**
   * Optional. Calls `onChange` soon after audit entries are committed by any instance sharing
   * this store (PostgreSQL: LISTEN/NOTIFY), so event streams on one server see changes made
   * through another. Resolves once listening; stops when `signal` aborts. May call `onChange`
   * spuriously. Without it, event streams poll `listAudit`.
   */
  watchAudit?(args: { onChange: () => void; signal: AbortSignal }): Promise<void>;
}
