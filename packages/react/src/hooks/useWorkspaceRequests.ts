'use client';
import type { PublishRequest, PublishStatus } from '@publishgate/core/client';
import { useMemo } from 'react';
import type { PublishGateStore } from '../store/publishGateStore.js';
import { type QueryResult, useQuery } from './useQuery.js';

const IN_FLIGHT: ReadonlySet<PublishStatus> = new Set(['pending', 'approving', 'failed']);

/** Whether a request still holds its workspace (pending, publishing or failed): another one would be refused (`in_flight`). */
export function isInFlight(request: PublishRequest): boolean {
  return IN_FLIGHT.has(request.status);
}

/**
 * A workspace's latest requests (one page of `store.requests`, newest first, live), as `select`
 * makes of them; disabled while `workspaceId` is undefined. `select` must be a stable function.
 */
export function useWorkspaceRequests<T>(
  store: PublishGateStore,
  workspaceId: string | undefined,
  limit: number,
  select: (requests: PublishRequest[]) => T,
): QueryResult<T> {
  const result = useQuery(workspaceId === undefined ? undefined : store.requests({ workspaceId, limit }));
  const page = result.data;
  const data = useMemo(() => (page ? select(page.items) : undefined), [page, select]);
  return { status: result.status, data, error: result.error, isFetching: result.isFetching, refetch: result.refetch } as QueryResult<T>;
}
