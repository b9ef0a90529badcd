import type { Emitter } from 'mitt';
import type { PublishGateErrorCode } from '../errors.js';
import type { GitPort } from '../ports/git.js';
import type { GitHostPort } from '../ports/gitHost.js';
import type { NotifierPort } from '../ports/notifier.js';
import type { StoragePort } from '../ports/storage.js';
import type {
  Actor,
  ApprovalRule,
  Approver,
  AuditEntry,
  AuditEntryInput,
  AuditType,
  Baseline,
  DeadLetter,
  DeliveryState,
  DiffSummary,
  Finding,
  Publication,
  PublishRequest,
  PublishStatus,
  TrustGrant,
  Workspace,
} from '../schemas/domain.js';
import type { PublishGatePolicy } from './policy.js';

/** Options for `createPublishGate`. */
export type PublishGateOptions = {
  /** Durable state; `createMemoryStorage()` or `createKnexStorage()`. */
  storage: StoragePort;
  /** Commits, diffs and pushes workspaces. */
  git: GitPort;
  /** Opens deployment pull requests. */
  gitHost: GitHostPort;
  /**
   * Delivers notifications from the outbox. Default: none (rows stay undelivered). A
   * `fanOutNotifier` keeps one outbox row, and one delivery state, per channel.
   */
  notifier?: NotifierPort;
  policy?: PublishGatePolicy;
  /** Current time; inject one in tests. Default `() => new Date()`. */
  clock?: () => Date;
  /** New unique ids for requests, audit entries and notifications. Default: random UUIDs (version 4). */
  ids?: () => string;
  /** Name of the branch a request is pushed to. Must be deterministic: a retry pushes to the same one. */
  branchName?: (request: PublishRequest) => string;
  /** Title and body of the deployment pull request. */
  pullRequestText?: (request: PublishRequest) => { title: string; body: string };
  /** Link to a request in your portal, put in the pull request body and in notifications. */
  requestUrl?: (request: PublishRequest) => string;
  /**
   * How long a server holds a publish job it claimed (its lease): when the server dies mid-publish,
   * any other worker or `sweep()` takes the job over once this has passed. Default: `portTimeoutMs`
   * plus 30 s, so a live publish is never taken over.
   */
  recoverAfterMs?: number;
  /** Timeout for each git and git-host call. Default 120 s. */
  portTimeoutMs?: number;
  /** Told about failures in background work (notification delivery). Default: ignored. */
  onError?: (error: unknown) => void;
};

/** An event emitted on `gate.events` after the change is stored: the audit entry plus the object it concerns. */
export type GateEvent = AuditEntryInput & { request?: PublishRequest; grant?: TrustGrant; rule?: ApprovalRule };

/** Event map of `gate.events`. */
export type GateEvents = { [K in AuditType]: GateEvent };

/** Result of `gate.preview`. */
export type PreviewResult = {
  baseline: Baseline;
  diff: DiffSummary;
  findings: Finding[];
  /** The live publication's subdomain, else the one last asked for, else one derived from the workspace name. */
  suggestedSubdomain: string | undefined;
  /** True when a new request can be submitted now. */
  publishable: boolean;
  /** Why not, when `publishable` is false. */
  blockedBy?: 'nothing_to_publish' | 'in_flight';
  /** The workspace's live publication, if any. */
  publication: Publication | null;
  /** The workspace's request in flight, if any. */
  inFlight: PublishRequest | null;
};

/** Result of `gate.checkSubdomain`. */
export type SubdomainCheck =
  | { available: true; normalized: string }
  | { available: false; reason: 'invalid' | 'reserved' | 'taken'; message: string; suggestions: string[] };

/** A page of the queue. */
export type RequestPage = { items: PublishRequest[]; nextCursor: string | null };

/** One result of `gate.decideMany`: the request as stored after the decision, or why it was refused. */
export type DecisionResult =
  | { id: string; ok: true; request: PublishRequest }
  | { id: string; ok: false; error: { code: PublishGateErrorCode; message: string } };

/** A trust grant as listed: with whether it still applies and whether it needs a look. */
export type TrustView = TrustGrant & { active: boolean; reviewDue: boolean };

/** A page of audit history. */
export type HistoryPage = { items: AuditEntry[]; nextAfterSeq: number | null };

/** What one `sweep()` did. */
export type SweepReport = {
  expired: number;
  /** Reminders this sweep stored (one per request due; see `policy.remindAfterMs`). */
  reminded: number;
  /** Publish jobs this sweep ran (interrupted, due for a retry, or waiting for the pacing budget). */
  recovered: number;
  /** Approved requests whose delivery this sweep asked the git host about (`policy.deliveryPollMs`). */
  deliveriesChecked: number;
  delivered: number;
  failedDeliveries: number;
  /** Notifications that stopped retrying in this sweep (see `listDeadLetters`). */
  deadLettered: number;
};

/**
 * What `gate.reportDelivery` did: `updated` (the delivery moved on; `request` as stored),
 * `unchanged` (a repeated or stale report; `request` as it is), or `unknown` (no approved request
 * has this pull request or merge commit).
 */
export type DeliveryOutcome =
  | { outcome: 'updated'; request: PublishRequest }
  | { outcome: 'unchanged'; request: PublishRequest }
  | { outcome: 'unknown' };

/** Input of `gate.reportDelivery` (see {@link DeliveryOutcome}). */
export type ReportDeliveryInput = {
  /** The pull request, by number and head branch (both must match the request's). */
  pullRequest?: { number: number; branch: string };
  /** The commit the pull request was merged as; finds the request when `pullRequest` is not given (deployments). */
  mergeSha?: string;
  event: 'merged' | 'closed' | 'live' | 'deploy_failed';
  /** Where the deployment is live (with `live`). */
  deploymentUrl?: string;
};

/** Options of `gate.startWorker`. */
export type WorkerOptions = {
  /** Stops the worker when aborted (running publishes finish first). */
  signal?: AbortSignal;
  /** Publishes this worker runs at once. Default 4. */
  concurrency?: number;
  /** How often an idle worker looks for due jobs, in real milliseconds. Default 1,000. */
  pollIntervalMs?: number;
};

/** A running worker; see `gate.startWorker`. */
export type PublishWorker = {
  /** Stops claiming jobs and resolves when the publishes it is running have finished. */
  stop(): Promise<void>;
};

/** The publish approval workflow; see `createPublishGate`. */
export type PublishGate = {
  /** The diff a builder would publish now, its findings and a suggested subdomain. Owner or admin. */
  preview(input: { workspace: Workspace; actor: Actor }): Promise<PreviewResult>;
  /** Whether a subdomain can be used by a workspace, with suggestions when not. */
  checkSubdomain(input: { subdomain: string; workspaceId?: string }): Promise<SubdomainCheck>;
  /**
   * Commits the workspace and creates a request pinned to that commit. Resolves `pending`; for a
   * trusted builder the publish starts at once and it resolves like `approve`. Idempotent per
   * `idempotencyKey`.
   */
  requestPublish(input: {
    workspace: Workspace;
    subdomain: string;
    actor: Actor;
    note?: string;
    idempotencyKey?: string;
  }): Promise<PublishRequest>;
  /**
   * Asks to bring back the version an earlier request of this workspace published (its pull request
   * merged, or live): a new request (`kind: 'rollback'`, `rollbackOf: toRequestId`) pinned to a
   * commit on top of the current publication with the earlier tree (`GitPort.restore`), reviewed
   * and published like any other. The workspace owner or an admin. Refused with `not_found` (no
   * such request, or one the actor may not see), `validation` (a request of another workspace),
   * `invalid_transition` (its pull request was never merged), `forbidden` (neither owner nor admin),
   * `nothing_to_publish` (that version is what is published now) and `in_flight`.
   *
   * @example
   * ```ts
   * const rollback = await gate.requestRollback({ workspace, toRequestId: 'req-41', actor: builder, note: 'The new menu broke checkout' });
   * rollback.kind; // 'rollback'
   * ```
   */
  requestRollback(input: { workspace: Workspace; toRequestId: string; actor: Actor; note?: string }): Promise<PublishRequest>;
  /**
   * What `requestRollback` with these would change compared with the current publication (the
   * confirmation's diff), with the same refusals; nothing is committed or stored.
   */
  previewRollback(input: { workspace: Workspace; toRequestId: string; actor: Actor }): Promise<DiffSummary>;
  /** The queue, newest first; builders see only their own requests. */
  listRequests(input: {
    actor: Actor;
    status?: PublishStatus | PublishStatus[];
    /** Only approved requests whose delivery is in these states (`live`, `closed-unmerged`, …). */
    deliveryState?: DeliveryState | DeliveryState[];
    blueprintId?: string;
    workspaceId?: string;
    builderId?: string;
    cursor?: string;
    limit?: number;
  }): Promise<RequestPage>;
  /** One request; `not_found` when it does not exist or the actor may not see it. */
  getRequest(input: { id: string; actor: Actor }): Promise<PublishRequest>;
  /**
   * Approves and queues the publish (push the pinned commit, open the pull request) as a durable
   * job. Resolves with the outcome (`approved` or `failed`) when it comes within
   * `policy.publishWaitMs`, otherwise with the request as stored (`approving`, with `progress`);
   * the rest follows as `request.progress` / `request.approved` / `request.failed` events. Admin,
   * or whoever the request's approval rule names. Under a rule of several approvals, an approval
   * that does not meet it yet resolves with the request still `pending` (`approvals` grows, event
   * `request.approval_added`); approving twice is a `conflict`. An approval that lost a race with
   * another reviewer's (and gave no `expectedVersion`) is re-applied once to the fresh request; if
   * it loses again it is refused with `conflict`, never dropped.
   */
  approve(input: { id: string; actor: Actor; comment?: string; expectedVersion?: number }): Promise<PublishRequest>;
  /** Rejects with optional feedback the builder will see. Admin, or whoever the request's approval rule names. */
  reject(input: { id: string; actor: Actor; feedback?: string; expectedVersion?: number }): Promise<PublishRequest>;
  /**
   * Approves or rejects up to 100 requests, each on its own (no all-or-nothing): one result per id,
   * in order. Resolves once every decision is stored; publishes run in the background.
   *
   * @example
   * ```ts
   * const results = await gate.decideMany({ ids: ['r-1', 'r-2'], decision: 'approve', actor: admin });
   * for (const result of results) if (!result.ok) console.warn(result.id, result.error.code);
   * ```
   */
  decideMany(input: {
    ids: string[];
    decision: 'approve' | 'reject';
    actor: Actor;
    comment?: string;
    feedback?: string;
  }): Promise<DecisionResult[]>;
  /** Withdraws a pending request (owner), or a failed one (owner or admin). */
  withdraw(input: { id: string; actor: Actor; expectedVersion?: number }): Promise<PublishRequest>;
  /** Retries a failed publish; reuses the same branch and pull request; resolves like `approve`. Admin. */
  retry(input: { id: string; actor: Actor; expectedVersion?: number }): Promise<PublishRequest>;
  /** Grants (`trusted: true`) or revokes trust for a builder on a blueprint. Admin. */
  setTrust(input: {
    blueprintId: string;
    userId: string;
    email: string;
    trusted: boolean;
    actor: Actor;
    expiresAt?: string;
  }): Promise<TrustGrant | null>;
  /** Trust grants; admins see all, builders their own. */
  listTrust(input: { actor: Actor; blueprintId?: string }): Promise<TrustView[]>;
  /**
   * Sets the approval rule of a blueprint: `requiredApprovals` (1–10, default 1) distinct approvers
   * among `approvers` (user ids and/or roles, default the `admin` role). Requests submitted afterwards
   * copy it; requests already submitted keep the rule they were submitted under. Audited
   * (`approval_rule.changed`). Admin.
   *
   * @example
   * ```ts
   * await gate.setApprovalRule({ blueprintId: 'bp-shop', requiredApprovals: 2, approvers: [{ role: 'admin' }, { userId: 'lead-7' }], actor: admin });
   * ```
   */
  setApprovalRule(input: { blueprintId: string; requiredApprovals?: number; approvers?: Approver[]; actor: Actor }): Promise<ApprovalRule>;
  /** Approval rules set so far (blueprints without one follow the default: one admin), by blueprint id. Admin. */
  listApprovalRules(input: { actor: Actor; blueprintId?: string }): Promise<ApprovalRule[]>;
  /** Audit history, oldest first; builders see entries about themselves. */
  history(input: { actor: Actor; requestId?: string; workspaceId?: string; afterSeq?: number; limit?: number }): Promise<HistoryPage>;
  /** The whole visible audit history as NDJSON lines or CSV rows (with a header), streamed page by page. */
  exportHistory(input: { actor: Actor; requestId?: string; workspaceId?: string; format?: 'ndjson' | 'csv' }): AsyncIterable<string>;
  /** Notifications that stopped retrying (after `policy.maxDeliveryAttempts`, or a permanent failure), oldest first. Admin. */
  listDeadLetters(input: { actor: Actor; limit?: number }): Promise<DeadLetter[]>;
  /**
   * Delivers a dead letter again, with a fresh run of attempts; `not_found` when `id` (on `channel`)
   * is not one. With a `fanOutNotifier`, dead letters carry their `channel`: give it, and only that
   * channel is tried again. Admin.
   */
  redeliver(input: { id: string; channel?: string; actor: Actor }): Promise<void>;
  /**
   * Expires overdue requests, runs due publish jobs (interrupted, retried or paced) to their next
   * step, delivers the outbox. Run it periodically, or run `startWorker` for the jobs.
   */
  sweep(): Promise<SweepReport>;
  /**
   * Applies what the git host said about a pull request the gate opened: merged, closed without
   * merging, deployment live or failed. Only moves a delivery forward; a repeated or stale report
   * changes nothing. Called by `createGitHubWebhookHandler` and by `sweep()`'s polling; no actor,
   * so call it only with what you verified came from your git host.
   */
  reportDelivery(input: ReportDeliveryInput): Promise<DeliveryOutcome>;
  /**
   * Starts a loop that claims due publish jobs (leased, so any number of servers can run one) and
   * runs them: automatic retries and paced publishes happen here. Run one per server.
   */
  startWorker(options?: WorkerOptions): PublishWorker;
  /** Typed emitter of every stored change (`request.submitted`, `request.approved`, …). */
  events: Emitter<GateEvents>;
  /**
   * Calls `listener` after any change this gate stores and, when the storage can watch
   * (`StoragePort.watchAudit`), after changes other servers store. Read what changed with
   * `history({ afterSeq })`. Returns the function that unsubscribes.
   */
  onChange(listener: () => void): () => void;
  /** Waits for running publishes and notification deliveries to settle, and stops watching storage. */
  close(): Promise<void>;
};
