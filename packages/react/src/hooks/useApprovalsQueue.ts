'use client';
import { useEffect } from 'react';
import { usePublishGateStore } from '../PublishGateProvider.js';
import { createQueueObserver, type QueueFilters, type QueueSnapshot } from '../store/queueObserver.js';
import { useObservable, useOwned } from './useOwned.js';

/** The result of {@link useApprovalsQueue}. */
export type ApprovalsQueueResult = QueueSnapshot & {
  nextPage(): void;
  previousPage(): void;
  refetch(): Promise<void>;
};

/**
 * The admins' queue of publish requests (newest first), with filters and keyset paging, updated
 * live as requests arrive and are decided. Changing `filters` goes back to the first page.
 *
 * @example
 * ```tsx
 * const queue = useApprovalsQueue({ status: 'pending', blueprintId: 'bp-shop', limit: 20 });
 * queue.items.map((request) => <Row key={request.id} request={request} />);
 * <button disabled={!queue.hasNextPage} onClick={queue.nextPage}>Next</button>
 * ```
 */
export function useApprovalsQueue(filters: QueueFilters = {}): ApprovalsQueueResult {
  const store = usePublishGateStore('useApprovalsQueue');
  const observer = useOwned(store, () => createQueueObserver(store, filters));
  // Filters usually arrive as a new object each render; the observer compares them by value.
  useEffect(() => observer.setFilters(filters));
  return { ...useObservable(observer), nextPage: observer.nextPage, previousPage: observer.previousPage, refetch: observer.refetch };
}
