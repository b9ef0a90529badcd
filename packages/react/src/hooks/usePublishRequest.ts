'use client';
import type { PublishRequest } from '@publishgate/core/client';
import { usePublishGateStore } from '../PublishGateProvider.js';
import { type QueryResult, useQuery } from './useQuery.js';

/**
 * One publish request by id, updated live (status, decision, pull request).
 *
 * @example
 * ```tsx
 * const { data: request } = usePublishRequest(id);
 * ```
 */
export function usePublishRequest(id: string | undefined): QueryResult<PublishRequest> {
  const store = usePublishGateStore('usePublishRequest');
  return useQuery(id === undefined ? undefined : store.request(id));
}
