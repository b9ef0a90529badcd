import type { DeliveryState, PublishRequest, PublishStatus, RequestPage } from '@publishgate/core/client';
import { createObservable, type Observable } from './observable.js';
import type { PublishGateStore } from './publishGateStore.js';
import type { Query, QueryState } from './query.js';

/** Filters of the approvals queue. */
export type QueueFilters = {
  /** One status or several; default `pending`. Pass an empty array for every status. */
  status?: PublishStatus | PublishStatus[];
  blueprintId?: string;
  workspaceId?: string;
  builderId?: string;
  /** Only approved requests whose pull request is in one of these delivery states. */
  deliveryState?: DeliveryState | DeliveryState[];
  /** Page size, 1–100 (the server's limit). Default 20. */
  limit?: number;
};

/** The snapshot of a {@link QueueObserver}: the current page's query state plus paging. */
export type QueueSnapshot = QueryState<RequestPage> & {
  /** The current page's requests (empty while loading). */
  items: PublishRequest[];
  /** Zero-based page number. */
  pageIndex: number;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** The filters in effect. */
  filters: QueueFilters;
};

/** Pages through the queue with keyset cursors, following the filters it is given. */
export type QueueObserver = Observable<QueueSnapshot> & {
  /** Changes the filters; back to the first page when they differ. */
  setFilters(filters: QueueFilters): void;
  nextPage(): void;
  previousPage(): void;
  /** Refetches the current page. */
  refetch(): Promise<void>;
};

/** A stable string for filters, so equal filters in a new object are recognised as unchanged. */
export function queueFiltersKey(filters: QueueFilters): string {
  const status = filters.status === undefined ? ['pending'] : [filters.status].flat();
  const delivery = filters.deliveryState === undefined ? [] : [filters.deliveryState].flat();
  return JSON.stringify([
    [...status].sort(),
    filters.blueprintId,
    filters.workspaceId,
    filters.builderId,
    [...delivery].sort(),
    filters.limit ?? 20,
  ]);
}

/**
 * Creates a queue observer. Cursors of the pages visited are kept in a stack, so "previous" goes
 * back exactly; the page shown follows live updates (its query is invalidated by the stream).
 */
export function createQueueObserver(store: PublishGateStore, initial: QueueFilters = {}): QueueObserver {
  let filters = initial;
  let filtersKey = queueFiltersKey(initial);
  // cursors[i] is the cursor that loads page i (undefined for the first page).
  let cursors: Array<string | undefined> = [undefined];
  let query = currentQuery();
  let unsubscribeQuery: (() => void) | undefined;
  let snapshot = compute();
  const cell = createObservable<QueueSnapshot>(snapshot, {
    onFirstListener: () => {
      follow();
      refresh();
    },
    onLastListener: () => {
      unsubscribeQuery?.();
      unsubscribeQuery = undefined;
    },
  });

  function currentQuery(): Query<RequestPage> {
    const status = filters.status === undefined ? ['pending' as const] : [filters.status].flat();
    const cursor = cursors[cursors.length - 1];
    return store.requests({
      ...(status.length > 0 ? { status } : {}),
      ...(filters.blueprintId === undefined ? {} : { blueprintId: filters.blueprintId }),
      ...(filters.workspaceId === undefined ? {} : { workspaceId: filters.workspaceId }),
      ...(filters.builderId === undefined ? {} : { builderId: filters.builderId }),
      ...(filters.deliveryState === undefined ? {} : { deliveryState: [filters.deliveryState].flat() }),
      limit: filters.limit ?? 20,
      ...(cursor === undefined ? {} : { cursor }),
    });
  }

  function compute(): QueueSnapshot {
    const state = query.getSnapshot();
    return {
      ...state,
      items: state.data?.items ?? [],
      pageIndex: cursors.length - 1,
      hasNextPage: Boolean(state.data?.nextCursor),
      hasPreviousPage: cursors.length > 1,
      filters,
    };
  }

  function refresh() {
    snapshot = compute();
    cell.set(snapshot);
  }

  function follow() {
    unsubscribeQuery?.();
    unsubscribeQuery = query.subscribe(refresh);
  }

  function move(next: Array<string | undefined>) {
    cursors = next;
    query = currentQuery();
    if (cell.listenerCount > 0) follow();
    refresh();
  }

  return {
    getSnapshot: () => snapshot,
    subscribe: (listener) => cell.subscribe(listener),
    setFilters(next) {
      const key = queueFiltersKey(next);
      if (key === filtersKey) return;
      filters = next;
      filtersKey = key;
      move([undefined]);
    },
    nextPage() {
      const nextCursor = query.getSnapshot().data?.nextCursor;
      if (nextCursor) move([...cursors, nextCursor]);
    },
    previousPage() {
      if (cursors.length > 1) move(cursors.slice(0, -1));
    },
    async refetch() {
      await query.refetch();
    },
  };
}
