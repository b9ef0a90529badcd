'use client';
import type { DiffSummary, PublishRequest } from '@publishgate/core/client';
import { usePublishGateStore } from '../PublishGateProvider.js';
import { createMutation, type MutationState } from '../store/mutation.js';
import type { PublishGateStore } from '../store/publishGateStore.js';
import type { QueryState } from '../store/query.js';
import { useObservable, useOwned } from './useOwned.js';
import { type QueryResult, useQuery } from './useQuery.js';
import { isInFlight, useWorkspaceRequests } from './useWorkspaceRequests.js';

/** One row of a workspace's publish history. */
export type PublishHistoryItem = {
  request: PublishRequest;
  /** This request's version is what the workspace has published now. */
  isCurrentPublication: boolean;
  /** Its pull request was merged (or is live) and it is not the current publication: it can be brought back. */
  canRollBack: boolean;
};

/** A workspace's requests, newest first, with what can be rolled back to. */
export type PublishHistoryData = {
  items: PublishHistoryItem[];
  /** The request whose version is published now, or null. */
  currentPublication: PublishRequest | null;
  /** A request of the workspace is pending, publishing or failed: a rollback would be refused (`in_flight`). */
  inFlight: PublishRequest | null;
};

/**
 * What a rollback of `workspaceId` to `toRequestId` would change compared with what is published
 * now (`client.previewRollback`), for the confirmation; disabled while either is undefined.
 *
 * @example
 * ```tsx
 * const preview = useRollbackPreview('ws-1', 'req-41');
 * if (preview.data) return <DiffView diff={preview.data} labels={labels} />;
 * ```
 */
export function useRollbackPreview(workspaceId: string | undefined, toRequestId: string | undefined): QueryResult<DiffSummary> {
  const store = usePublishGateStore('useRollbackPreview');
  return useQuery(workspaceId === undefined || toRequestId === undefined ? undefined : store.rollbackPreview(workspaceId, toRequestId));
}

/** What {@link usePublishHistory}'s `rollBack` takes. */
export type RollbackInput = { toRequestId: string; note?: string };

/** The result of {@link usePublishHistory}. */
export type PublishHistoryResult = QueryState<PublishHistoryData> & {
  refetch(): Promise<void>;
  /**
   * Asks for a rollback to an earlier request's version (`client.requestRollback`). Resolves with
   * the new request (`kind: 'rollback'`, its `diff` exactly what it changes); rejects with a
   * `PublishGateError` (`in_flight`, `invalid_transition`, `nothing_to_publish`, …).
   */
  rollBack(input: RollbackInput): Promise<PublishRequest>;
  /** The state of the last `rollBack`. */
  rollback: MutationState<RollbackInput, PublishRequest>;
  /** Back to idle, e.g. when the confirmation is closed. */
  resetRollback(): void;
};

const ROLLBACK_TARGETS = new Set(['merged', 'live']);

/**
 * A workspace's publish history, updated live: each request with its status and delivery, which
 * one is published now, and which earlier ones can be brought back, plus `rollBack` to ask for it.
 *
 * @example
 * ```tsx
 * const history = usePublishHistory('ws-1');
 * const target = history.data?.items.find((item) => item.canRollBack);
 * if (target) await history.rollBack({ toRequestId: target.request.id, note: 'Checkout broke' });
 * ```
 */
export function usePublishHistory(workspaceId: string | undefined, options: { limit?: number } = {}): PublishHistoryResult {
  const store = usePublishGateStore('usePublishHistory');
  const mutation = useOwned(store, () => rollbackMutation(store, workspaceId), workspaceId);
  const rollback = useObservable(mutation);
  return {
    ...useWorkspaceRequests(store, workspaceId, options.limit ?? 50, historyOf),
    rollBack: mutation.mutate,
    rollback,
    resetRollback: mutation.reset,
  } as PublishHistoryResult;
}

function rollbackMutation(store: PublishGateStore, workspaceId: string | undefined) {
  return createMutation<RollbackInput, PublishRequest>(async (input) => {
    if (workspaceId === undefined) throw new Error('usePublishHistory: no workspace to roll back.');
    try {
      return await store.client.requestRollback(workspaceId, input);
    } finally {
      // Refused or not, the list may be stale (a request another tab made, a delivery that moved).
      store.invalidate([`workspace:${workspaceId}`]);
    }
  });
}

/**
 * The published version is the newest approved request whose pull request was not closed unmerged:
 * the server's rule for the diff baseline, read from the list so the history needs no preview.
 */
function historyOf(requests: PublishRequest[]): PublishHistoryData {
  const currentPublication =
    requests.find((request) => request.status === 'approved' && request.delivery?.state !== 'closed-unmerged') ?? null;
  const inFlight = requests.find(isInFlight) ?? null;
  return {
    currentPublication,
    inFlight,
    items: requests.map((request) => {
      const isCurrentPublication = request === currentPublication;
      const delivered = request.status === 'approved' && ROLLBACK_TARGETS.has(request.delivery?.state ?? '');
      return { request, isCurrentPublication, canRollBack: delivered && !isCurrentPublication && currentPublication !== null };
    }),
  };
}
