import * as z from 'zod';

// Ids come from the host (users, workspaces, blueprints) or from `ids()`; they end up in branch
// names, URLs and log lines, so whitespace and control characters are refused outright.
// Starting with a letter or digit keeps ids from reading as options (`-x`) or paths (`..`).
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@+=~-]*$/;

/** An identifier: 1–128 characters of `[A-Za-z0-9._:@+=~-]`, starting with a letter or digit. */
export const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(ID_PATTERN, 'must start with a letter or digit and contain only letters, digits and . _ : @ + = ~ -')
  .refine((value) => !value.includes('..'), 'must not contain ".."');

/** An email address without whitespace or control characters (so no header injection). */
export const emailSchema = z.email().max(254);

/** An ISO-8601 UTC timestamp such as `2026-11-27T14:03:37.000Z`. */
export const timestampSchema = z.iso.datetime();

/** A full commit id: 40 (SHA-1) or 64 (SHA-256) lower-case hex digits. */
export const shaSchema = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'must be a full lower-case commit id');

// Display names are shown to humans and written into PR bodies: no control characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** A human-readable name (workspace, blueprint): 1–200 characters, no control characters. */
export const nameSchema = z
  .string()
  .min(1)
  .max(200)
  .refine((value) => !CONTROL_CHARS.test(value), 'must not contain control characters');

/** Free text written by people (notes, comments, feedback); newlines allowed, other control characters not. */
export const textSchema = (max: number) =>
  z
    .string()
    .max(max)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    .refine((value) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value), 'must not contain control characters');

/** A role an actor can hold. */
export const roleSchema = z.enum(['builder', 'admin']);
/** A role an actor can hold. */
export type Role = z.infer<typeof roleSchema>;

/** Who is calling, as the host app authenticated them. */
export const actorSchema = z.strictObject({
  id: idSchema,
  email: emailSchema,
  roles: z.array(roleSchema).max(2),
  /** Display name, used as the git author name of the publish commit; defaults to the email. */
  name: nameSchema.optional(),
});
/** Who is calling, as the host app authenticated them. */
export type Actor = z.infer<typeof actorSchema>;

/** A person as stored on a request or decision. */
export const personSchema = z.strictObject({ id: idSchema, email: emailSchema });
/** A person as stored on a request or decision. */
export type Person = z.infer<typeof personSchema>;

/** A builder's git working copy created from a blueprint. */
export const workspaceSchema = z.strictObject({
  id: idSchema,
  name: nameSchema,
  blueprintId: idSchema,
  ownerId: idSchema,
});
/** A builder's git working copy created from a blueprint. */
export type Workspace = z.infer<typeof workspaceSchema>;

/** A workspace template; trust is scoped per blueprint. */
export const blueprintSchema = z.strictObject({ id: idSchema, name: nameSchema, baseRepository: z.string().min(1).max(2048).optional() });
/** A workspace template; trust is scoped per blueprint. */
export type Blueprint = z.infer<typeof blueprintSchema>;

/**
 * What a diff is computed against: the last published commit, or the blueprint base on a first
 * publish. `commit` is any commit of the workspace (the pinned commit of an earlier request): the
 * "since the last review" diff of a resubmission (see `sincePrevious`).
 */
export const baselineSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('publication'), sha: shaSchema }),
  z.strictObject({ kind: z.literal('blueprint') }),
  z.strictObject({ kind: z.literal('commit'), sha: shaSchema }),
]);
/** What a diff is computed against: the last published commit, the blueprint base, or a given commit. */
export type Baseline = z.infer<typeof baselineSchema>;

// Paths come from git and are displayed; bound them, refuse NUL, but keep every other character
// (file names may legitimately contain spaces and unicode).
const pathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((value) => !value.includes('\u0000'), 'must not contain NUL');

/** How a file changed. */
export const diffFileStatusSchema = z.enum(['added', 'modified', 'deleted', 'renamed']);

/** One changed file in a diff. */
export const diffFileSchema = z.strictObject({
  path: pathSchema,
  oldPath: pathSchema.optional(),
  status: diffFileStatusSchema,
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
  binary: z.boolean(),
});
/** One changed file in a diff. */
export type DiffFile = z.infer<typeof diffFileSchema>;

/** Upper bound on a stored unified patch, in characters; adapters truncate below it. */
export const MAX_PATCH_CHARS = 2_000_000;
/** Upper bound on files listed in one diff. */
export const MAX_DIFF_FILES = 20_000;

/** A diff summary: per-file stats and a bounded unified patch. */
export const diffSummarySchema = z.strictObject({
  files: z.array(diffFileSchema).max(MAX_DIFF_FILES),
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
  patch: z.string().max(MAX_PATCH_CHARS),
  truncated: z.boolean(),
});
/** A diff summary: per-file stats and a bounded unified patch. */
export type DiffSummary = z.infer<typeof diffSummarySchema>;

/** Kinds of problems spotted in a diff. */
export const findingKindSchema = z.enum(['secret', 'env-file', 'large-diff', 'binary']);
/** Kinds of problems spotted in a diff. */
export type FindingKind = z.infer<typeof findingKindSchema>;

/** Something a reviewer should look at: a likely secret, an env file, an oversized diff, a binary. */
export const findingSchema = z.strictObject({
  kind: findingKindSchema,
  path: pathSchema.optional(),
  line: z.number().int().positive().optional(),
  message: z.string().min(1).max(500),
});
/** Something a reviewer should look at: a likely secret, an env file, an oversized diff, a binary. */
export type Finding = z.infer<typeof findingSchema>;

/** Every status a publish request can be in. */
export const publishStatusSchema = z.enum(['pending', 'approving', 'approved', 'rejected', 'withdrawn', 'expired', 'failed']);
/** Every status a publish request can be in. */
export type PublishStatus = z.infer<typeof publishStatusSchema>;

/** Statuses that hold the workspace's one in-flight slot and its subdomain claim. */
export const IN_FLIGHT_STATUSES: readonly PublishStatus[] = ['pending', 'approving', 'failed'];
/** Statuses a request never leaves. */
export const TERMINAL_STATUSES: readonly PublishStatus[] = ['approved', 'rejected', 'withdrawn', 'expired'];

/** The recorded decision on a request: who (or trust) approved or rejected it, when, and what they said. */
export const decisionSchema = z.strictObject({
  kind: z.enum(['approved', 'rejected']),
  by: z.union([personSchema, z.strictObject({ trust: z.literal(true) })]),
  at: timestampSchema,
  comment: z.string().max(20_000).optional(),
  feedback: z.string().max(20_000).optional(),
});
/** The recorded decision on a request. */
export type Decision = z.infer<typeof decisionSchema>;

/** A pull request opened for deployment. */
export const pullRequestRefSchema = z.strictObject({ number: z.number().int().positive(), url: z.string().min(1).max(2048) });
/** A pull request opened for deployment. */
export type PullRequestRef = z.infer<typeof pullRequestRefSchema>;

/**
 * Why the publish failed: the last attempt's error, whether the host called it retryable, and how
 * many attempts were made before the gate gave up. (`retryable` and `attempts` are absent on
 * requests stored before automatic retries existed.)
 */
export const requestErrorSchema = z.strictObject({
  code: z.string().min(1).max(64),
  message: z.string().max(2000),
  retryable: z.boolean().optional(),
  attempts: z.number().int().nonnegative().optional(),
});

/** Where a publish in `approving` is: waiting its turn, pushing, opening the pull request, or waiting out a rate limit. */
export const publishStepSchema = z.enum(['queued', 'pushing', 'opening-pull-request', 'waiting-rate-limit']);
/** Where a publish in `approving` is. */
export type PublishStep = z.infer<typeof publishStepSchema>;

/**
 * Progress of the publish of a request in `approving`: the step, the attempt it belongs to (1 for
 * the first; 0 while nothing was tried yet), when the next attempt is due if it waits, and the
 * error that made it wait.
 */
export const publishProgressSchema = z.strictObject({
  step: publishStepSchema,
  attempt: z.number().int().nonnegative(),
  nextAttemptAt: timestampSchema.optional(),
  /** When this publish was queued; retries stop when `policy.publishRetry.withinMs` has passed since. */
  since: timestampSchema,
  /** Why the previous attempt failed, when this one is a retry. */
  lastError: z.string().max(2000).optional(),
});
/** Progress of the publish of a request in `approving`. */
export type PublishProgress = z.infer<typeof publishProgressSchema>;

/** Who may approve under an approval rule: everyone holding a role, or one user by id. */
export const approverSchema = z.union([z.strictObject({ role: roleSchema }), z.strictObject({ userId: idSchema })]);
/** Who may approve under an approval rule: everyone holding a role, or one user by id. */
export type Approver = z.infer<typeof approverSchema>;

/** Bounds of `requiredApprovals`. */
export const MAX_REQUIRED_APPROVALS = 10;

/**
 * What a request needs before it is published: `requiredApprovals` distinct eligible people (the
 * builder never counts when more than one is required), eligible meaning named in `approvers` by
 * id or holding one of its roles. A request keeps the copy it got at submission.
 */
export const requestRuleSchema = z.strictObject({
  requiredApprovals: z.number().int().min(1).max(MAX_REQUIRED_APPROVALS),
  approvers: z.array(approverSchema).min(1).max(100),
});
/** What a request needs before it is published (its copy of the blueprint's approval rule). */
export type RequestRule = z.infer<typeof requestRuleSchema>;

/** The rule a request without a stored rule follows: one approval by an admin. */
export const DEFAULT_REQUEST_RULE: RequestRule = Object.freeze({
  requiredApprovals: 1,
  approvers: Object.freeze([Object.freeze({ role: 'admin' as const })]) as Approver[],
});

/** An approval an eligible approver gave a request (one of the `requiredApprovals`). */
export const approvalSchema = z.strictObject({
  by: personSchema,
  at: timestampSchema,
  comment: z.string().max(20_000).optional(),
});
/** An approval an eligible approver gave a request. */
export type Approval = z.infer<typeof approvalSchema>;

/** The approval rule of a blueprint, as stored: copied onto each request submitted afterwards. */
export const approvalRuleSchema = requestRuleSchema.extend({
  blueprintId: idSchema,
  updatedBy: personSchema,
  updatedAt: timestampSchema,
});
/** The approval rule of a blueprint, as stored. */
export type ApprovalRule = z.infer<typeof approvalRuleSchema>;

/**
 * Where an approved request's pull request is on its way to live: open, merged, live (its
 * deployment succeeded), closed without merging, or its deployment failed. `pull-request-open` →
 * `merged` → `live` | `deploy-failed`, or `pull-request-open` → `closed-unmerged`; never backwards.
 */
export const deliveryStateSchema = z.enum(['pull-request-open', 'merged', 'live', 'closed-unmerged', 'deploy-failed']);
/** Where an approved request's pull request is on its way to live. */
export type DeliveryState = z.infer<typeof deliveryStateSchema>;

/** Delivery states that may still change (polling asks the git host about these). */
export const OPEN_DELIVERY_STATES: readonly DeliveryState[] = ['pull-request-open', 'merged'];

/**
 * What became of an approved request's pull request: its state, since when, the pull request link,
 * the merge commit once merged, and the deployment's address once live.
 */
export const deliverySchema = z.strictObject({
  state: deliveryStateSchema,
  /** When the delivery reached this state (as the git host reported it, else when the gate learnt it). */
  at: timestampSchema,
  /** The pull request's address. */
  url: z.string().min(1).max(2048).optional(),
  /** The commit the pull request was merged as. */
  mergeSha: shaSchema.optional(),
  /** Where the deployment is live (GitHub's `environment_url`). */
  deploymentUrl: z.string().min(1).max(2048).optional(),
});
/** What became of an approved request's pull request. */
export type Delivery = z.infer<typeof deliverySchema>;

/** What a request asks for: publish the workspace as it is, or roll back to an earlier publication. */
export const requestKindSchema = z.enum(['publish', 'rollback']);
/** What a request asks for. */
export type RequestKind = z.infer<typeof requestKindSchema>;

/** Delivery states a rollback may bring back: the pull request was merged (and possibly deployed). */
export const ROLLBACK_TARGET_STATES: readonly DeliveryState[] = ['merged', 'live'];
/**
 * Reminders sent to the approvers of a pending request (`policy.remindAfterMs`): how many, the last
 * one's time, the version that last one stored, and the version the request had before the
 * reminders sent since its last other change. A decision made on any version from
 * `unchangedSince` to `version` saw the request as it is: reminders never make it stale.
 */
export const reminderStateSchema = z.strictObject({
  at: timestampSchema,
  count: z.number().int().positive(),
  version: z.number().int().positive(),
  unchangedSince: z.number().int().positive(),
});
/** Reminders sent to the approvers of a pending request. */
export type ReminderState = z.infer<typeof reminderStateSchema>;

/** Statuses after which a new request of the same workspace carries a `sincePrevious` diff. */
export const REVIEWED_BEFORE_STATUSES = ['rejected', 'withdrawn'] as const;

/**
 * What changed since the workspace's previous request was rejected or withdrawn: that request, its
 * pinned commit, the feedback it got, and the diff from its commit to this request's commit.
 */
export const sincePreviousSchema = z.strictObject({
  requestId: idSchema,
  status: z.enum(REVIEWED_BEFORE_STATUSES),
  sha: shaSchema,
  /** The rejection's feedback, when the previous request was rejected with some. */
  feedback: z.string().max(20_000).optional(),
  /** Who rejected or withdrew it, and when. */
  by: personSchema.optional(),
  at: timestampSchema,
  /** From the previous pinned commit to this one, bounded like every patch. */
  diff: diffSummarySchema,
});
/** What changed since the workspace's previous request was rejected or withdrawn. */
export type SincePrevious = z.infer<typeof sincePreviousSchema>;

/** One ask to publish one pinned commit of one workspace to one subdomain. */
export const publishRequestSchema = z.strictObject({
  id: idSchema,
  version: z.number().int().positive(),
  status: publishStatusSchema,
  workspace: workspaceSchema,
  builder: personSchema,
  subdomain: z.string().min(1).max(63),
  sha: shaSchema,
  baseline: baselineSchema,
  diff: diffSummarySchema,
  findings: z.array(findingSchema).max(1000),
  note: z.string().max(20_000).optional(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  expiresAt: timestampSchema.optional(),
  decision: decisionSchema.optional(),
  branch: z.string().min(1).max(255).optional(),
  pullRequest: pullRequestRefSchema.optional(),
  error: requestErrorSchema.optional(),
  attempts: z.number().int().nonnegative().optional(),
  /** Set while the request is `approving`; removed when the publish ends (see `pullRequest` or `error`). */
  progress: publishProgressSchema.optional(),
  /**
   * The approval rule copied at submission; a later rule change never changes it. Absent on requests
   * submitted without a stored rule (and on rows older than rules): they follow {@link DEFAULT_REQUEST_RULE}.
   */
  rule: requestRuleSchema.optional(),
  /** Approvals given so far, oldest first; the last one that met the rule is also in `decision`. */
  approvals: z.array(approvalSchema).max(100).optional(),
  /** Set when the publish succeeds (`pull-request-open`); follows the pull request to live. */
  delivery: deliverySchema.optional(),
  /**
   * `rollback`: the request brings back an earlier publication of the workspace (`rollbackOf`) with
   * a commit on top of the current one. Absent on ordinary requests, which are `publish`.
   */
  kind: requestKindSchema.optional(),
  /** For a rollback: the earlier request whose published version it brings back. */
  rollbackOf: idSchema.optional(),
  /** Reminders sent to the approvers while the request was pending (see `policy.remindAfterMs`). */
  reminder: reminderStateSchema.optional(),
  /** The workspace's request just before this one, when it was rejected or withdrawn. */
  previousRequestId: idSchema.optional(),
  /**
   * The diff between that request's pinned commit and this one's, with its feedback. Computed once
   * at submission and stored: both commits are pinned, so the diff can never change, and reading
   * a request stays a storage read that works even after the workspace's history moved on.
   */
  sincePrevious: sincePreviousSchema.optional(),
});
/** One ask to publish one pinned commit of one workspace to one subdomain. */
export type PublishRequest = z.infer<typeof publishRequestSchema>;

/** What a workspace has live: its subdomain and last published commit (the next diff's baseline). */
export const publicationSchema = z.strictObject({
  workspaceId: idSchema,
  subdomain: z.string().min(1).max(63),
  sha: shaSchema,
  requestId: idSchema,
  publishedAt: timestampSchema,
});
/** What a workspace has live. */
export type Publication = z.infer<typeof publicationSchema>;

/** An auto-approve grant for one builder on one blueprint. */
export const trustGrantSchema = z.strictObject({
  blueprintId: idSchema,
  userId: idSchema,
  email: emailSchema,
  grantedBy: personSchema,
  grantedAt: timestampSchema,
  expiresAt: timestampSchema.optional(),
});
/** An auto-approve grant for one builder on one blueprint. */
export type TrustGrant = z.infer<typeof trustGrantSchema>;

/** Notification and event types that leave the SDK (webhooks, SSE, `gate.events`). */
export const publishEventTypeSchema = z.enum([
  'request.submitted',
  'request.approved',
  'request.rejected',
  'request.failed',
  'request.expired',
  'request.withdrawn',
  'request.merged',
  'request.live',
  'request.closed',
  'request.deploy_failed',
  'request.reminder',
  'trust.granted',
  'trust.revoked',
]);
/** Notification and event types that leave the SDK. */
export type PublishEventType = z.infer<typeof publishEventTypeSchema>;

/**
 * Audit entry types: every {@link PublishEventType} plus the steps that have no notification
 * of their own (`request.approving`: a decision or trust queued the publish;
 * `request.retried`: an admin retried a failed publish; `request.progress`: the publish moved to
 * another step or was scheduled to try again; `request.approval_added`: an approval that does not
 * yet meet the request's rule; `approval_rule.changed`: an admin set a blueprint's approval rule).
 */
export const auditTypeSchema = z.enum([
  ...publishEventTypeSchema.options,
  'request.approving',
  'request.retried',
  'request.progress',
  'request.approval_added',
  'approval_rule.changed',
]);
/** Audit entry types. */
export type AuditType = z.infer<typeof auditTypeSchema>;

/** Who caused an audit entry: a person, the trust rule, or the SDK itself (expiry, recovery). */
export const auditActorSchema = z.union([
  personSchema,
  z.strictObject({ trust: z.literal(true) }),
  z.strictObject({ system: z.literal(true) }),
]);
/** Who caused an audit entry. */
export type AuditActor = z.infer<typeof auditActorSchema>;

/** Data as written to storage; `seq` is assigned by the storage. */
export const auditEntryInputSchema = z.strictObject({
  id: idSchema,
  type: auditTypeSchema,
  at: timestampSchema,
  actor: auditActorSchema,
  /** The builder the entry concerns (the owner of the request's workspace, or the trusted user); drives who may see it. */
  builderId: idSchema.optional(),
  requestId: idSchema.optional(),
  workspaceId: idSchema.optional(),
  blueprintId: idSchema.optional(),
  fromStatus: publishStatusSchema.optional(),
  toStatus: publishStatusSchema.optional(),
  data: z.record(z.string(), z.unknown()),
});
/** An audit entry before storage numbered it. */
export type AuditEntryInput = z.infer<typeof auditEntryInputSchema>;

/** One line of the audit history; `seq` increases in commit order and resumes event streams. */
export const auditEntrySchema = auditEntryInputSchema.extend({ seq: z.number().int().positive() });
/** One line of the audit history. */
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/**
 * Who a notification is for: every admin, one user, or the approvers of a request's rule (user ids
 * and roles, as the rule names them; the notifier resolves them to addresses or channels).
 */
export const recipientSchema = z.union([
  z.strictObject({ role: z.literal('admin') }),
  z.strictObject({ userId: idSchema, email: emailSchema }),
  z.strictObject({ approvers: z.array(approverSchema).min(1).max(100) }),
]);
/** Who a notification is for. */
export type Recipient = z.infer<typeof recipientSchema>;

/** A message for a person, written to the outbox with the state change that caused it. */
export const notificationSchema = z.strictObject({
  id: idSchema,
  type: publishEventTypeSchema,
  requestId: idSchema.optional(),
  occurredAt: timestampSchema,
  to: recipientSchema,
  data: z.record(z.string(), z.unknown()),
});
/** A message for a person, written to the outbox with the state change that caused it. */
export type Notification = z.infer<typeof notificationSchema>;

/**
 * The name of one channel of a {@link fanOutNotifier}: 1–64 characters of `[a-z0-9_-]`, starting
 * with a letter or digit. It is stored on every outbox row of that channel, so renaming a channel
 * leaves its undelivered rows without a notifier.
 */
export const channelNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must start with a lower-case letter or digit and contain only a-z, 0-9, _ and -');

/** An outbox row as the dispatcher sees it. */
export const outboxItemSchema = z.strictObject({
  notification: notificationSchema,
  /** The fan-out channel this row is delivered through; absent when the gate's notifier is a single one. */
  channel: channelNameSchema.optional(),
  attempts: z.number().int().nonnegative(),
  lastError: z.string().max(2000).optional(),
});
/** An outbox row as the dispatcher sees it. */
export type OutboxItem = z.infer<typeof outboxItemSchema>;

/** A notification that stopped retrying after `maxDeliveryAttempts` or a permanent failure; an admin may redeliver it. */
export const deadLetterSchema = outboxItemSchema.extend({ deadAt: timestampSchema });
/** An outbox row that is no longer delivered on its own. */
export type DeadLetter = z.infer<typeof deadLetterSchema>;

/**
 * The durable half of a publish: one per request in `approving`, written in the same atomic write
 * that stores the request, and deleted in the write that moves the request on. A worker claims it
 * with a lease (`leaseUntil`); when the lease runs out, any worker may claim it again.
 */
export const publishJobSchema = z.strictObject({
  requestId: idSchema,
  /** Not claimed before this time. */
  runAt: timestampSchema,
  /** Claimed until this time by one worker. */
  leaseUntil: timestampSchema.optional(),
  /** A slot of the pacing budget already reserved for this job's next attempt. */
  slotAt: timestampSchema.optional(),
});
/** The durable half of a publish. */
export type PublishJob = z.infer<typeof publishJobSchema>;
