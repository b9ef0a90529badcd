import { PublishGateError } from '../errors.js';
import type { FindingLimits } from '../findings.js';
import type { PacingLimit } from '../ports/storage.js';
import { DEFAULT_RESERVED_SUBDOMAINS } from '../subdomain.js';

/** How failed publishes are retried on their own (failures the adapter calls retryable only). */
export type PublishRetryPolicy = {
  /** Attempts in all, the first included. Default 6. */
  attempts?: number;
  /** No attempt starts later than this after the publish was queued. Default 1 hour. */
  withinMs?: number;
  /** The wait before the second attempt; each later one doubles it, with jitter. Default 10 s. */
  baseDelayMs?: number;
  /** The longest wait between two attempts. Default 10 minutes. */
  maxDelayMs?: number;
};

/**
 * GitHub's documented secondary limits on content creation: about 80 per minute and 500 per hour.
 * A pull request is content; one publish opens at most one.
 */
export const DEFAULT_PUBLISH_PACING: readonly PacingLimit[] = [
  { max: 80, perMs: 60_000 },
  { max: 500, perMs: 3_600_000 },
];

/** Rules the gate enforces; every field is optional with the default shown. */
export type PublishGatePolicy = {
  /** Let an admin approve or reject their own request, and trust themselves. Default false. */
  allowSelfReview?: boolean;
  /** A pending request expires this long after submission (swept by `sweep()`). Default: never. */
  pendingTtlMs?: number;
  /** Subdomains nobody may claim. Default {@link DEFAULT_RESERVED_SUBDOMAINS}. */
  reservedSubdomains?: readonly string[];
  /** Longest rejection feedback or approval comment, in characters. Default 2,000. */
  maxFeedbackLength?: number;
  /** Longest builder note, in characters. Default 2,000. */
  maxNoteLength?: number;
  /** Domain under which subdomains are served, for links in notifications (`<sub>.<baseDomain>`). */
  baseDomain?: string;
  /** A trust grant expiring within this window is flagged `reviewDue`. Default 7 days. */
  trustReviewWindowMs?: number;
  /** Thresholds for the `large-diff` finding. */
  findings?: FindingLimits;
  /** Failed deliveries after which a notification becomes a dead letter (`gate.listDeadLetters`). Default 12. */
  maxDeliveryAttempts?: number;
  /**
   * How long approve, retry and a trusted submit wait for their publish before answering with the
   * request as it is (`approving`; the rest follows as events). Default 10 s.
   */
  publishWaitMs?: number;
  /** Automatic retries of publishes that failed for a retryable reason. */
  publishRetry?: PublishRetryPolicy;
  /**
   * The host-wide budget publishes share, kept in storage so every server counts against it:
   * attempts are spread so that each limit holds. Default {@link DEFAULT_PUBLISH_PACING}; `false`
   * turns pacing off.
   */
  publishPacing?: readonly PacingLimit[] | false;
  /**
   * `sweep()` asks the git host about each approved request whose pull request is still open or
   * not yet deployed at most this often (needs `gitHost.getPullRequest`). Each host request a poll
   * makes takes a slot of `publishPacing`. Default 5 minutes.
   */
  deliveryPollMs?: number;
  /**
   * `sweep()` reminds the approvers of a request still pending this long after submission
   * (`request.reminder`, to the approvers of the request's rule). Default: never.
   */
  remindAfterMs?: number;
  /** After a reminder, the next one comes this much later while the request stays pending. Default `remindAfterMs`. */
  remindEveryMs?: number;
};

/** The policy with its defaults filled in and its reserved names lower-cased. */
export type ResolvedPolicy = {
  allowSelfReview: boolean;
  pendingTtlMs: number | undefined;
  reserved: ReadonlySet<string>;
  maxFeedbackLength: number;
  maxNoteLength: number;
  baseDomain: string | undefined;
  trustReviewWindowMs: number;
  findings: FindingLimits | undefined;
  maxDeliveryAttempts: number;
  publishWaitMs: number;
  publishRetry: Required<PublishRetryPolicy>;
  publishPacing: readonly PacingLimit[];
  deliveryPollMs: number;
  remindAfterMs: number | undefined;
  remindEveryMs: number | undefined;
};

/** Fills in the defaults; a non-positive number is a `validation` error at start-up. */
export function resolvePolicy(policy: PublishGatePolicy = {}): ResolvedPolicy {
  const positive = (value: number | undefined, name: string) => {
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) {
      throw new PublishGateError('validation', `policy.${name} must be a positive number.`);
    }
    return value;
  };
  const nonNegative = (value: number | undefined, name: string) => {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new PublishGateError('validation', `policy.${name} must be zero or more.`);
    }
    return value;
  };
  const retry = policy.publishRetry ?? {};
  const pacing = policy.publishPacing === false ? [] : (policy.publishPacing ?? DEFAULT_PUBLISH_PACING);
  pacing.forEach((limit, index) => {
    positive(limit?.max, `publishPacing[${index}].max`);
    positive(limit?.perMs, `publishPacing[${index}].perMs`);
    if (!Number.isInteger(limit?.max))
      throw new PublishGateError('validation', `policy.publishPacing[${index}].max must be a whole number.`);
  });
  const remindEveryMs = positive(policy.remindEveryMs, 'remindEveryMs');
  return {
    allowSelfReview: policy.allowSelfReview ?? false,
    pendingTtlMs: positive(policy.pendingTtlMs, 'pendingTtlMs'),
    reserved: new Set((policy.reservedSubdomains ?? DEFAULT_RESERVED_SUBDOMAINS).map((name) => name.toLowerCase())),
    maxFeedbackLength: positive(policy.maxFeedbackLength, 'maxFeedbackLength') ?? 2_000,
    maxNoteLength: positive(policy.maxNoteLength, 'maxNoteLength') ?? 2_000,
    baseDomain: policy.baseDomain,
    trustReviewWindowMs: positive(policy.trustReviewWindowMs, 'trustReviewWindowMs') ?? 7 * 24 * 3_600_000,
    findings: policy.findings,
    maxDeliveryAttempts: positive(policy.maxDeliveryAttempts, 'maxDeliveryAttempts') ?? 12,
    publishWaitMs: nonNegative(policy.publishWaitMs, 'publishWaitMs') ?? 10_000,
    publishRetry: {
      attempts: positive(retry.attempts, 'publishRetry.attempts') ?? 6,
      withinMs: positive(retry.withinMs, 'publishRetry.withinMs') ?? 3_600_000,
      baseDelayMs: positive(retry.baseDelayMs, 'publishRetry.baseDelayMs') ?? 10_000,
      maxDelayMs: positive(retry.maxDelayMs, 'publishRetry.maxDelayMs') ?? 600_000,
    },
    publishPacing: pacing.map(({ max, perMs }) => ({ max, perMs })),
    deliveryPollMs: positive(policy.deliveryPollMs, 'deliveryPollMs') ?? 300_000,
    remindAfterMs: positive(policy.remindAfterMs, 'remindAfterMs'),
    // Without remindAfterMs there are no reminders, so a lone remindEveryMs has nothing to pace.
    remindEveryMs: policy.remindAfterMs === undefined ? undefined : (remindEveryMs ?? policy.remindAfterMs),
  };
}

/** Refuses text longer than the policy allows, naming the field. */
export function checkTextLength(value: string | undefined, max: number, what: string): void {
  if (value !== undefined && value.length > max) {
    throw new PublishGateError('validation', `The ${what} is ${value.length} characters; the limit is ${max}.`, {
      issues: [{ path: what, message: `at most ${max} characters` }],
    });
  }
}
