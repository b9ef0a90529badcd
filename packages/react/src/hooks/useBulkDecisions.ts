'use client';
import type { DecisionResult } from '@publishgate/core/client';
import { usePublishGateStore } from '../PublishGateProvider.js';
import { type BulkDecisionInput, createBulkDecisions } from '../store/bulkDecisions.js';
import type { MutationState } from '../store/mutation.js';
import { useObservable, useOwned } from './useOwned.js';

/** The result of {@link useBulkDecisions}. */
export type BulkDecisionsResult = {
  /** The last call: idle, pending, success (one result per id, in order) or error (the call itself failed). */
  state: MutationState<BulkDecisionInput, DecisionResult[]>;
  /** Sends the decisions; resolves with one result per id (`ok` with the request, or the error code). */
  decide(input: BulkDecisionInput): Promise<DecisionResult[]>;
  /** Back to idle. */
  reset(): void;
};

/**
 * Approve or reject many requests at once (`client.decideMany`, at most 100 a call). Each request
 * is decided on its own: a request someone else decided first comes back as a failed result
 * (`conflict`, `invalid_transition`) while the others are recorded. The queue and the requests'
 * caches are updated from the answer.
 *
 * @example
 * ```tsx
 * const bulk = useBulkDecisions();
 * const results = await bulk.decide({ ids: ['r-1', 'r-2'], decision: 'approve' });
 * const failed = results.filter((result) => !result.ok);
 * ```
 */
export function useBulkDecisions(): BulkDecisionsResult {
  const store = usePublishGateStore('useBulkDecisions');
  const mutation = useOwned(store, () => createBulkDecisions(store));
  return { state: useObservable(mutation), decide: mutation.mutate, reset: mutation.reset };
}
