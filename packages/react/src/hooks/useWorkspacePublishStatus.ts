'use client';
import type { PublishRequest } from '@publishgate/core/client';
import { useCallback, useState } from 'react';
import { usePublishGateStore } from '../PublishGateProvider.js';
import { type QueryState, toError } from '../store/query.js';
import { isInFlight, useWorkspaceRequests } from './useWorkspaceRequests.js';

/** A workspace's publish requests, split for display. */
export type WorkspacePublishStatus = {
  /** The request in flight (`pending`, `approving`, `failed`), else the latest one; null when there is none. */
  current: PublishRequest | null;
  /** The other requests, newest first. */
  history: PublishRequest[];
  /** The latest approved request: what is live. */
  live: PublishRequest | null;
};

/** The result of {@link useWorkspacePublishStatus}. */
export type WorkspacePublishStatusResult = QueryState<WorkspacePublishStatus> & {
  refetch(): Promise<void>;
  /** Withdraws the current request while it is pending (the builder changed their mind). */
  withdraw(): Promise<void>;
  /** Why the last withdraw failed. */
  withdrawError: Error | undefined;
  /** A withdraw is running. */
  isWithdrawing: boolean;
};

/**
 * A workspace's current publish request and its history, updated live: the builder sees a
 * rejection (with the reviewer's feedback) or an approval the moment it happens.
 *
 * @example
 * ```tsx
 * const status = useWorkspacePublishStatus('ws-1');
 * const current = status.data?.current;
 * if (current?.status === 'rejected') show(current.decision?.feedback);
 * ```
 */
export function useWorkspacePublishStatus(workspaceId: string | undefined, options: { limit?: number } = {}): WorkspacePublishStatusResult {
  const store = usePublishGateStore('useWorkspacePublishStatus');
  const result = useWorkspaceRequests(store, workspaceId, options.limit ?? 20, splitRequests);
  const data = result.data;
  const [withdrawing, setWithdrawing] = useState<{ running: boolean; error: Error | undefined }>({ running: false, error: undefined });
  const current = data?.current;
  const withdraw = useCallback(async () => {
    if (current?.status !== 'pending') return;
    setWithdrawing({ running: true, error: undefined });
    try {
      store.updateRequest(await store.client.withdraw(current.id, { expectedVersion: current.version }));
      setWithdrawing({ running: false, error: undefined });
    } catch (error) {
      setWithdrawing({ running: false, error: toError(error) });
    }
    store.invalidate([`workspace:${current.workspace.id}`, `request:${current.id}`]);
  }, [store, current]);
  return {
    ...result,
    withdraw,
    withdrawError: withdrawing.error,
    isWithdrawing: withdrawing.running,
  } as WorkspacePublishStatusResult;
}

function splitRequests(items: PublishRequest[]): WorkspacePublishStatus {
  const current = items.find(isInFlight) ?? items[0] ?? null;
  return {
    current,
    history: items.filter((item) => item !== current),
    live: items.find((item) => item.status === 'approved') ?? null,
  };
}
