// @publishgate/react: provider, hooks and components for the publish approval workflow.
// Runtime imports from core are limited to `@publishgate/core/client` (no zod, no xstate).

export { ApprovalsQueue, type ApprovalsQueueProps } from './components/ApprovalsQueue.js';
export { ChangesSinceFeedback, type ChangesSinceFeedbackProps } from './components/ChangesSinceFeedback.js';
export { DiffView, type DiffViewProps } from './components/DiffView.js';
export { PublishDialog, type PublishDialogProps } from './components/PublishDialog.js';
export { PublishHistory, type PublishHistoryProps } from './components/PublishHistory.js';
export { PublishStatus, type PublishStatusProps } from './components/PublishStatus.js';
export { RequestReview, type RequestReviewProps } from './components/RequestReview.js';
export { type TrustCandidate, TrustedUsers, type TrustedUsersProps } from './components/TrustedUsers.js';
export { type FilePatch, type PatchHunk, type PatchLine, parsePatch } from './diff/parsePatch.js';
export { type ApprovalsQueueResult, useApprovalsQueue } from './hooks/useApprovalsQueue.js';
export { type BulkDecisionsResult, useBulkDecisions } from './hooks/useBulkDecisions.js';
export {
  type PublishHistoryData,
  type PublishHistoryItem,
  type PublishHistoryResult,
  type RollbackInput,
  usePublishHistory,
  useRollbackPreview,
} from './hooks/usePublishHistory.js';
export { type UsePublishPreviewOptions, usePublishPreview } from './hooks/usePublishPreview.js';
export { usePublishRequest } from './hooks/usePublishRequest.js';
export type { QueryResult } from './hooks/useQuery.js';
export { type RequestPublishResult, useRequestPublish } from './hooks/useRequestPublish.js';
export { type ReviewActionsResult, useReviewActions } from './hooks/useReviewActions.js';
export { type SubdomainCheckResult, type UseSubdomainCheckOptions, useSubdomainCheck } from './hooks/useSubdomainCheck.js';
export { type TrustedUsersResult, type TrustTarget, useTrustedUsers } from './hooks/useTrustedUsers.js';
export {
  useWorkspacePublishStatus,
  type WorkspacePublishStatus,
  type WorkspacePublishStatusResult,
} from './hooks/useWorkspacePublishStatus.js';
export { defaultLabels, mergeLabels, type PublishGateLabelOverrides, type PublishGateLabels } from './labels.js';
export {
  missingProviderMessage,
  PublishGateProvider,
  type PublishGateProviderProps,
  useLabels,
  usePublishGateClient,
  usePublishGateStore,
} from './PublishGateProvider.js';
export type { BulkDecisionInput } from './store/bulkDecisions.js';
export type { MutationState } from './store/mutation.js';
export type { Observable } from './store/observable.js';
export {
  type ConnectionState,
  createPublishGateStore,
  type PublishGateStore,
  type PublishGateStoreOptions,
  type RequestListQuery,
  type Rollback,
} from './store/publishGateStore.js';
export type { PublishInput } from './store/publishRequester.js';
export type { Query, QueryState, QueryStatus } from './store/query.js';
export { type QueueFilters, type QueueSnapshot, queueFiltersKey } from './store/queueObserver.js';
export type { ReviewAction, ReviewState } from './store/reviewActions.js';
export type { SubdomainCheckState } from './store/subdomainChecker.js';
export { type QuickSubdomainCheck, quickCheckSubdomain } from './store/subdomainRules.js';
