'use client';
import type { Observable } from '../store/observable.js';
import type { Query, QueryState } from '../store/query.js';
import { useObservable } from './useOwned.js';

/** A query's state plus a way to refetch it: what every read hook returns. */
export type QueryResult<T> = QueryState<T> & {
  /** Refetches now; resolves when done (errors land in `error`, never thrown). */
  refetch(): Promise<void>;
};

const IDLE: QueryState<never> = { status: 'loading', data: undefined, error: undefined, isFetching: false };
// What a disabled hook reads: loading, for ever.
const NOTHING: Observable<QueryState<never>> = { subscribe: () => () => {}, getSnapshot: () => IDLE };

/**
 * Subscribes to a store query (or to nothing when `query` is undefined, for disabled hooks).
 * The snapshot is the query's own immutable state object, so React re-renders only on change.
 */
export function useQuery<T>(query: Query<T> | undefined): QueryResult<T> {
  const state = useObservable<QueryState<T>>(query ?? NOTHING);
  return {
    ...state,
    refetch: async () => {
      await query?.refetch();
    },
  };
}
