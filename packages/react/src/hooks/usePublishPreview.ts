'use client';
import type { PreviewResult } from '@publishgate/core/client';
import { useLayoutEffect, useRef, useState } from 'react';
import { usePublishGateStore } from '../PublishGateProvider.js';
import type { Query, QueryState } from '../store/query.js';
import { type QueryResult, useQuery } from './useQuery.js';

/** Options of {@link usePublishPreview}. */
export type UsePublishPreviewOptions = {
  /** Set false to read nothing (no request). Default true. */
  enabled?: boolean;
  /**
   * Ignore what the cache holds from before this component mounted: fetch on mount and report
   * `loading` until that fetch is done. The workspace's files change without any publishgate event
   * (the builder saves in an editor), so a cached preview can say "nothing to publish" when there
   * is. `PublishDialog` sets it. Default false.
   */
  refetchOnMount?: boolean;
};

const WAITING: QueryState<never> = { status: 'loading', data: undefined, error: undefined, isFetching: true };

/**
 * What publishing a workspace now would send: the diff against the last publication (or the
 * blueprint), findings, the suggested subdomain, and whether it can be submitted (`publishable`,
 * `blockedBy`). Refreshes live when the workspace's requests change.
 *
 * @example
 * ```tsx
 * const preview = usePublishPreview('ws-1', { refetchOnMount: true });
 * if (preview.status === 'loading') return <Spinner />;
 * if (preview.status === 'error') return <p>{preview.error.message}</p>;
 * return <p>{preview.data.diff.files.length} files changed</p>;
 * ```
 */
export function usePublishPreview(workspaceId: string | undefined, options: UsePublishPreviewOptions = {}): QueryResult<PreviewResult> {
  const store = usePublishGateStore('usePublishPreview');
  const enabled = (options.enabled ?? true) && workspaceId !== undefined;
  const query = enabled ? store.preview(workspaceId) : undefined;
  const result = useQuery(query);
  const fresh = useFreshSince(options.refetchOnMount === true ? query : undefined);
  return fresh ? result : { ...WAITING, refetch: result.refetch };
}

/**
 * True once `query` has finished a fetch that started after this component mounted (always true
 * without a query). Runs before the query's subscription (a layout effect precedes the passive
 * one that subscribes), so the subscription's first fetch is that fresh fetch and only one is made.
 */
function useFreshSince<T>(query: Query<T> | undefined): boolean {
  const [mark, setMark] = useState<{ query: Query<T>; snapshot: QueryState<T> } | undefined>(undefined);
  const settled = useRef<Query<T> | undefined>(undefined);
  useLayoutEffect(() => {
    if (!query) return;
    // A fetch already running started before the dialog opened: its answer may predate the latest save.
    query.cancel();
    query.invalidate();
    settled.current = undefined;
    setMark({ query, snapshot: query.getSnapshot() });
  }, [query]);
  if (!query) return true;
  if (settled.current === query) return true;
  const snapshot = query.getSnapshot();
  if (mark?.query !== query || snapshot === mark.snapshot || snapshot.isFetching) return false;
  // Latched: later live refetches keep showing the data they replace, as usual.
  settled.current = query;
  return true;
}
