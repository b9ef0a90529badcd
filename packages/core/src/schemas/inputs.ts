import * as z from 'zod';
import {
  actorSchema,
  approverSchema,
  channelNameSchema,
  deliveryStateSchema,
  emailSchema,
  idSchema,
  MAX_REQUIRED_APPROVALS,
  publishStatusSchema,
  shaSchema,
  textSchema,
  timestampSchema,
  workspaceSchema,
} from './domain.js';

// Raw subdomain text is bounded here only to keep hostile input cheap; the rules live in
// validateSubdomain so that the error says which rule failed.
const rawSubdomain = z.string().max(1_000);
// The policy's maxFeedbackLength is checked by the gate; this bound only protects the parser.
const longText = textSchema(100_000);

/** Input of `gate.preview`. */
export const previewInputSchema = z.strictObject({ workspace: workspaceSchema, actor: actorSchema });
/** Input of `gate.checkSubdomain`. */
export const checkSubdomainInputSchema = z.strictObject({ subdomain: rawSubdomain, workspaceId: idSchema.optional() });
/** Input of `gate.requestPublish`. */
export const requestPublishInputSchema = z.strictObject({
  workspace: workspaceSchema,
  subdomain: rawSubdomain,
  actor: actorSchema,
  note: longText.optional(),
  idempotencyKey: idSchema.optional(),
});
/** Input of `gate.requestRollback`. */
export const requestRollbackInputSchema = z.strictObject({
  workspace: workspaceSchema,
  /** The earlier request of this workspace whose published version comes back. */
  toRequestId: idSchema,
  actor: actorSchema,
  note: longText.optional(),
});
/** Input of `gate.previewRollback`: what `requestRollback` with these would change, without asking for it. */
export const previewRollbackInputSchema = requestRollbackInputSchema.omit({ note: true });
/** Input of `gate.listRequests`. */
export const listRequestsInputSchema = z.strictObject({
  actor: actorSchema,
  status: z.union([publishStatusSchema, z.array(publishStatusSchema).max(7)]).optional(),
  blueprintId: idSchema.optional(),
  workspaceId: idSchema.optional(),
  builderId: idSchema.optional(),
  /** Only approved requests whose delivery is in these states. */
  deliveryState: z.union([deliveryStateSchema, z.array(deliveryStateSchema).max(5)]).optional(),
  cursor: z.string().max(512).optional(),
  limit: z.number().int().min(1).max(100).optional(),
});
/** Input of `gate.getRequest`. */
export const getRequestInputSchema = z.strictObject({ id: idSchema, actor: actorSchema });
const expectedVersion = z.number().int().positive().optional();
/** Input of `gate.approve`. */
export const approveInputSchema = z.strictObject({ id: idSchema, actor: actorSchema, comment: longText.optional(), expectedVersion });
/** Input of `gate.reject`. */
export const rejectInputSchema = z.strictObject({ id: idSchema, actor: actorSchema, feedback: longText.optional(), expectedVersion });
/** Input of `gate.withdraw`. */
export const withdrawInputSchema = z.strictObject({ id: idSchema, actor: actorSchema, expectedVersion });
/** Input of `gate.retry`. */
export const retryInputSchema = z.strictObject({ id: idSchema, actor: actorSchema, expectedVersion });
/** At most this many ids per `gate.decideMany` call. */
export const MAX_BULK_DECISIONS = 100;
/** Input of `gate.decideMany`. */
export const decideManyInputSchema = z.strictObject({
  ids: z
    .array(idSchema)
    .min(1)
    .max(MAX_BULK_DECISIONS)
    .refine((ids) => new Set(ids).size === ids.length, 'must not repeat an id'),
  decision: z.enum(['approve', 'reject']),
  actor: actorSchema,
  comment: longText.optional(),
  feedback: longText.optional(),
});
/** Input of `gate.setTrust`. */
export const setTrustInputSchema = z.strictObject({
  blueprintId: idSchema,
  userId: idSchema,
  email: emailSchema,
  trusted: z.boolean(),
  actor: actorSchema,
  expiresAt: timestampSchema.optional(),
});
/** Input of `gate.listTrust`. */
export const listTrustInputSchema = z.strictObject({ actor: actorSchema, blueprintId: idSchema.optional() });
/** Input of `gate.setApprovalRule`. */
export const setApprovalRuleInputSchema = z.strictObject({
  blueprintId: idSchema,
  requiredApprovals: z.number().int().min(1).max(MAX_REQUIRED_APPROVALS).optional(),
  approvers: z.array(approverSchema).min(1).max(100).optional(),
  actor: actorSchema,
});
/** Input of `gate.listApprovalRules`. */
export const listApprovalRulesInputSchema = z.strictObject({ actor: actorSchema, blueprintId: idSchema.optional() });
/** Input of `gate.history`. */
export const historyInputSchema = z.strictObject({
  actor: actorSchema,
  requestId: idSchema.optional(),
  workspaceId: idSchema.optional(),
  afterSeq: z.number().int().nonnegative().optional(),
  limit: z.number().int().min(1).max(1_000).optional(),
});
/** Input of `gate.exportHistory`. */
export const exportHistoryInputSchema = historyInputSchema.omit({ afterSeq: true, limit: true }).extend({
  format: z.enum(['ndjson', 'csv']).optional(),
});
/** Input of `gate.listDeadLetters`. */
export const listDeadLettersInputSchema = z.strictObject({ actor: actorSchema, limit: z.number().int().min(1).max(1_000).optional() });
/** Input of `gate.redeliver`. */
export const redeliverInputSchema = z.strictObject({
  id: idSchema,
  /** The channel of the dead letter (as listed); only that channel's delivery is tried again. */
  channel: channelNameSchema.optional(),
  actor: actorSchema,
});

/**
 * Input of `gate.reportDelivery`: what the git host said about a pull request the gate opened,
 * naming it by number and head branch, or (for a deployment) by the commit it was merged as.
 */
export const reportDeliveryInputSchema = z
  .strictObject({
    pullRequest: z.strictObject({ number: z.number().int().positive(), branch: z.string().min(1).max(255) }).optional(),
    mergeSha: shaSchema.optional(),
    event: z.enum(['merged', 'closed', 'live', 'deploy_failed']),
    deploymentUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
  })
  .refine((input) => input.pullRequest !== undefined || input.mergeSha !== undefined, 'name the pull request or the merge commit');
