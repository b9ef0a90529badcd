// The browser entry, `@publishgate/core/client`. Keep runtime imports to dependency-free modules
// (errors.ts, subdomain.ts) and this folder; a test guards it.
export { PublishGateError, type PublishGateErrorCode, publishGateErrorCodes, type ValidationIssue } from '../errors.js';
export type { DecisionResult, HistoryPage, PreviewResult, RequestPage, SubdomainCheck, TrustView } from '../gate/types.js';
export type {
  ApproveBody,
  DecideManyBody,
  ExportHistoryQuery,
  HistoryQuery,
  ListRequestsQuery,
  RejectBody,
  RequestPublishBody,
  RequestRollbackBody,
  ResponseOperation,
  RetryBody,
  SetApprovalRuleBody,
  SetTrustBody,
  WithdrawBody,
} from '../http/wire.js';
export type {
  Actor,
  Approval,
  ApprovalRule,
  Approver,
  AuditEntry,
  AuditType,
  Baseline,
  DeadLetter,
  Delivery,
  DeliveryState,
  DiffFile,
  DiffSummary,
  Finding,
  Notification,
  Publication,
  PublishRequest,
  PublishStatus,
  RequestRule,
  TrustGrant,
  Workspace,
} from '../schemas/domain.js';
export {
  DEFAULT_RESERVED_SUBDOMAINS,
  type SubdomainValidation,
  slugifySubdomain,
  type ValidateSubdomainOptions,
  validateSubdomain,
} from '../subdomain.js';
export {
  type CallOptions,
  createPublishGateClient,
  type PublishGateClient,
  type PublishGateClientOptions,
  type SubscribeOptions,
} from './publishGateClient.js';
