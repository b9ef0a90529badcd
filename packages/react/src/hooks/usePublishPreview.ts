'use client';
import type { PreviewResult } from '@publishgate/core/client';
import { usePublishGateStore } from '../PublishGateProvider.js';
import { type QueryResult, useQuery } from './useQuery.js';

/**
 * What publishing a workspace now would send: the diff against the last publication (or the
 * blueprint), findings, the suggested subdomain, and whether it can be submitted (`publishable`,
 * `blockedBy`). Refreshes live when the workspace's requests change.
 *
 * @example
 * ```tsx
 * const preview = usePublishPreview('ws-1');
 * if (preview.status === 'loading') return <Spinner />;
 * if (preview.status === 'error') return <p>{preview.error.message}</p>;
 * return <p>{preview.data.diff.files.length} files changed</p>;
 * ```
 */
export function usePublishPreview(workspaceId: string | undefined, options: { enabled?: boolean } = {}): QueryResult<PreviewResult> {
  const store = usePublishGateStore('usePublishPreview');
  const enabled = (options.enabled ?? true) && workspaceId !== undefined;
  return useQuery(enabled ? store.preview(workspaceId) : undefined);
}
