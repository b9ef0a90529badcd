'use client';
import { useSyncExternalStore } from 'react';
import type { Query, QueryState } from '../store/query.js';

/** A query's state plus a way to refetch it: what every read hook returns. */
export type QueryResult<T> = QueryState<T> & {
  /** Refetches now; resolves when done (errors land in `error`, never thrown). */
  refetch(): Promise<void>;
};

const IDLE: QueryState<never> = { status: 'loading', data: undefined, error: undefined, isFetching: false };
const noSubscribe = () => () => {};
const idleSnapshot = () => IDLE;

/**
 * Subscribes to a store query (or to nothing when `query` is undefined, for disabled hooks).
 * The snapshot is the query's own immutable state object, so React re-renders only on change.
 */
export function useQuery<T>(query: Query<T> | undefined): QueryResult<T> {
  const state = useSyncExternalStore(
    query?.subscribe ?? noSubscribe,
    query?.getSnapshot ?? idleSnapshot,
    query?.getSnapshot ?? idleSnapshot,
  ) as QueryState<T>;
  return {
    ...state,
    refetch: async () => {
      await query?.refetch();
    },
  };
}
