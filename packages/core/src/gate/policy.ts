import { PublishGateError } from '../errors.js';
import type { FindingLimits } from '../findings.js';
import { DEFAULT_RESERVED_SUBDOMAINS } from '../subdomain.js';

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
};

/** Fills in the defaults; a non-positive number is a `validation` error at start-up. */
export function resolvePolicy(policy: PublishGatePolicy = {}): ResolvedPolicy {
  const positive = (value: number | undefined, name: string) => {
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) {
      throw new PublishGateError('validation', `policy.${name} must be a positive number.`);
    }
    return value;
  };
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
