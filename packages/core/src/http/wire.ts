import * as z from 'zod';
import { type PublishGateErrorCode, publishGateErrorCodes } from '../errors.js';
import type { DecisionResult, HistoryPage, PreviewResult, RequestPage, SubdomainCheck, TrustView } from '../gate/types.js';
import {
  approvalRuleSchema,
  auditEntrySchema,
  baselineSchema,
  deadLetterSchema,
  diffSummarySchema,
  findingSchema,
  idSchema,
  publicationSchema,
  publishRequestSchema,
  trustGrantSchema,
} from '../schemas/domain.js';
import {
  approveInputSchema,
  checkSubdomainInputSchema,
  decideManyInputSchema,
  exportHistoryInputSchema,
  historyInputSchema,
  listApprovalRulesInputSchema,
  listDeadLettersInputSchema,
  listRequestsInputSchema,
  listTrustInputSchema,
  redeliverInputSchema,
  rejectInputSchema,
  requestPublishInputSchema,
  requestRollbackInputSchema,
  retryInputSchema,
  setApprovalRuleInputSchema,
  setTrustInputSchema,
  withdrawInputSchema,
} from '../schemas/inputs.js';

// The HTTP bodies and queries are the facade's input schemas minus what the server supplies:
// the actor (from `authenticate`) and the workspace (from `resolveWorkspace`), plus the id taken
// from the path. They stay strict, so an unknown key is a 400 rather than silently ignored.

/** Body of `POST /requests`. */
export const requestPublishBodySchema = requestPublishInputSchema.omit({ workspace: true, actor: true }).extend({ workspaceId: idSchema });
/** Body of `POST /workspaces/:id/rollback`: the earlier request whose version comes back, and a note. */
export const requestRollbackBodySchema = requestRollbackInputSchema.omit({ workspace: true, actor: true });
/** Body of `POST /workspaces/:id/rollback`. */
export type RequestRollbackBody = z.input<typeof requestRollbackBodySchema>;
/** Query of `GET /workspaces/:id/rollback`: the earlier request whose version would come back. */
export const previewRollbackQuerySchema = z.strictObject({ toRequestId: idSchema });
/** Body of `POST /requests/:id/approve`. */
export const approveBodySchema = approveInputSchema.omit({ id: true, actor: true });
/** Body of `POST /requests/:id/reject`. */
export const rejectBodySchema = rejectInputSchema.omit({ id: true, actor: true });
/** Body of `POST /requests/:id/withdraw` (may be empty). */
export const withdrawBodySchema = withdrawInputSchema.omit({ id: true, actor: true });
/** Body of `POST /requests/:id/retry` (may be empty). */
export const retryBodySchema = retryInputSchema.omit({ id: true, actor: true });
/** Body of `PUT /trust`. */
export const setTrustBodySchema = setTrustInputSchema.omit({ actor: true });

/** Query of `GET /subdomains/:name`. */
export const checkSubdomainQuerySchema = checkSubdomainInputSchema.omit({ subdomain: true });
/** Query of `GET /requests`, after `status` was split and `limit` turned into a number. */
export const listRequestsQuerySchema = listRequestsInputSchema.omit({ actor: true });
/** Body of `POST /requests/decisions`. */
export const decideManyBodySchema = decideManyInputSchema.omit({ actor: true });
/** Body of `POST /requests/decisions`. */
export type DecideManyBody = z.input<typeof decideManyBodySchema>;
/** One element of the `POST /requests/decisions` response: the facade's {@link DecisionResult}. */
export const decisionResultSchema = z.discriminatedUnion('ok', [
  z.strictObject({ id: idSchema, ok: z.literal(true), request: publishRequestSchema }),
  z.strictObject({
    id: idSchema,
    ok: z.literal(false),
    error: z.strictObject({
      code: z.enum(publishGateErrorCodes as [PublishGateErrorCode, ...PublishGateErrorCode[]]),
      message: z.string(),
    }),
  }),
]);

/** Body of `PUT /approval-rules`. */
export const setApprovalRuleBodySchema = setApprovalRuleInputSchema.omit({ actor: true });
/** Body of `PUT /approval-rules`. */
export type SetApprovalRuleBody = z.input<typeof setApprovalRuleBodySchema>;
/** Query of `GET /approval-rules`. */
export const listApprovalRulesQuerySchema = listApprovalRulesInputSchema.omit({ actor: true });
/** Query of `GET /trust`. */
export const listTrustQuerySchema = listTrustInputSchema.omit({ actor: true });
/** Query of `GET /dead-letters`, after `limit` was turned into a number. */
export const listDeadLettersQuerySchema = listDeadLettersInputSchema.omit({ actor: true });
/** Body of `POST /dead-letters/:id/redeliver` (may be empty). */
export const redeliverBodySchema = redeliverInputSchema.omit({ id: true, actor: true });
/** Query of `GET /history`, after the numbers were parsed. */
export const historyQuerySchema = historyInputSchema.omit({ actor: true });
/** Query of `GET /history/export`. */
export const exportHistoryQuerySchema = exportHistoryInputSchema.omit({ actor: true });

/** Body of `POST /requests`. */
export type RequestPublishBody = z.input<typeof requestPublishBodySchema>;
/** Body of `POST /requests/:id/approve`. */
export type ApproveBody = z.input<typeof approveBodySchema>;
/** Body of `POST /requests/:id/reject`. */
export type RejectBody = z.input<typeof rejectBodySchema>;
/** Body of `POST /requests/:id/withdraw`. */
export type WithdrawBody = z.input<typeof withdrawBodySchema>;
/** Body of `POST /requests/:id/retry`. */
export type RetryBody = z.input<typeof retryBodySchema>;
/** Body of `PUT /trust`. */
export type SetTrustBody = z.input<typeof setTrustBodySchema>;
/** Filters of `GET /requests`. */
export type ListRequestsQuery = z.input<typeof listRequestsQuerySchema>;
/** Filters of `GET /history`. */
export type HistoryQuery = z.input<typeof historyQuerySchema>;
/** Filters and format of `GET /history/export`. */
export type ExportHistoryQuery = z.input<typeof exportHistoryQuerySchema>;

/** Response of `GET /workspaces/:id/preview`: the facade's {@link PreviewResult}. */
export const previewResultSchema = z.strictObject({
  baseline: baselineSchema,
  diff: diffSummarySchema,
  findings: z.array(findingSchema),
  suggestedSubdomain: z.string().optional(),
  publishable: z.boolean(),
  blockedBy: z.enum(['nothing_to_publish', 'in_flight']).optional(),
  publication: publicationSchema.nullable(),
  inFlight: publishRequestSchema.nullable(),
});
/** Response of `GET /subdomains/:name`: the facade's {@link SubdomainCheck}. */
export const subdomainCheckSchema = z.discriminatedUnion('available', [
  z.strictObject({ available: z.literal(true), normalized: z.string() }),
  z.strictObject({
    available: z.literal(false),
    reason: z.enum(['invalid', 'reserved', 'taken']),
    message: z.string(),
    suggestions: z.array(z.string()),
  }),
]);
/** Response of `GET /requests`: the facade's {@link RequestPage}. */
export const requestPageSchema = z.strictObject({ items: z.array(publishRequestSchema), nextCursor: z.string().nullable() });
/** One element of the `GET /trust` response: the facade's {@link TrustView}. */
export const trustViewSchema = trustGrantSchema.extend({ active: z.boolean(), reviewDue: z.boolean() });
/** Response of `GET /history`: the facade's {@link HistoryPage}. */
export const historyPageSchema = z.strictObject({ items: z.array(auditEntrySchema), nextAfterSeq: z.number().int().nullable() });
/** Data of the `ready` event that opens every `GET /events` stream: the position the stream starts after. */
export const eventsReadySchema = z.strictObject({ lastEventId: z.string() });

/** What `POST /hooks/github` answers: whether a delivery moved on (200) or nothing changed (202). */
export const webhookResultSchema = z.strictObject({ outcome: z.enum(['updated', 'unchanged', 'unknown', 'ignored']) });

/** The body every error response carries. */
export const errorBodySchema = z.strictObject({
  error: z.strictObject({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  }),
});

/**
 * The schema of each response body, by client operation. Pass {@link validatePublishGateResponse}
 * to the client to check every response against them (tests, server-to-server calls); browsers
 * skip it by default because zod would dominate the bundle.
 */
export const responseSchemas = {
  preview: previewResultSchema,
  checkSubdomain: subdomainCheckSchema,
  requestPublish: publishRequestSchema,
  requestRollback: publishRequestSchema,
  previewRollback: diffSummarySchema,
  listRequests: requestPageSchema,
  getRequest: publishRequestSchema,
  approve: publishRequestSchema,
  reject: publishRequestSchema,
  withdraw: publishRequestSchema,
  retry: publishRequestSchema,
  listTrust: z.array(trustViewSchema),
  setTrust: trustGrantSchema.nullable(),
  decideMany: z.array(decisionResultSchema),
  listApprovalRules: z.array(approvalRuleSchema),
  setApprovalRule: approvalRuleSchema,
  history: historyPageSchema,
  listDeadLetters: z.array(deadLetterSchema),
  redeliver: z.strictObject({ ok: z.literal(true) }),
  event: auditEntrySchema,
} as const;

/** A client operation whose response has a schema in {@link responseSchemas}. */
export type ResponseOperation = keyof typeof responseSchemas;

/**
 * Checks a response body against {@link responseSchemas}; throws a zod error when it does not match.
 * Made for `createPublishGateClient({ validateResponse: validatePublishGateResponse })`.
 *
 * @example
 * ```ts
 * import { validatePublishGateResponse } from '@publishgate/core';
 * import { createPublishGateClient } from '@publishgate/core/client';
 *
 * const client = createPublishGateClient({ baseUrl, validateResponse: validatePublishGateResponse });
 * ```
 */
export function validatePublishGateResponse(operation: ResponseOperation, body: unknown): unknown {
  return responseSchemas[operation].parse(body);
}

// Compile-time guard: the response schemas describe exactly what the facade returns. If the
// facade's types change, these aliases stop compiling instead of the client drifting silently.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Expect<T extends true> = T;
// JSON drops a key whose value is undefined, so on the wire `suggestedSubdomain` is optional.
type _PreviewMatches = Expect<
  Same<z.output<typeof previewResultSchema>, Omit<PreviewResult, 'suggestedSubdomain'> & { suggestedSubdomain?: string }>
>;
type _SubdomainCheckMatches = Expect<Same<z.output<typeof subdomainCheckSchema>, SubdomainCheck>>;
type _RequestPageMatches = Expect<Same<z.output<typeof requestPageSchema>, RequestPage>>;
type _TrustViewMatches = Expect<Same<z.output<typeof trustViewSchema>, TrustView>>;
type _DecisionResultMatches = Expect<Same<z.output<typeof decisionResultSchema>, DecisionResult>>;
type _HistoryPageMatches = Expect<Same<z.output<typeof historyPageSchema>, HistoryPage>>;
