'use client';
import type { TrustGrant, TrustView } from '@publishgate/core/client';
import { useCallback, useState } from 'react';
import { usePublishGateStore } from '../PublishGateProvider.js';
import { toError } from '../store/query.js';
import { type QueryResult, useQuery } from './useQuery.js';

/** Who to trust or distrust: the builder's id and email, on the hook's blueprint. */
export type TrustTarget = { userId: string; email: string; blueprintId?: string };

/** The result of {@link useTrustedUsers}. */
export type TrustedUsersResult = QueryResult<TrustView[]> & {
  /** Grants trust (auto-approve) on the blueprint, optionally until `expiresAt` (ISO timestamp). */
  grant(target: TrustTarget & { expiresAt?: string }): Promise<TrustGrant | null>;
  /** Revokes trust. */
  revoke(target: TrustTarget): Promise<void>;
  /** User ids whose trust is being changed right now. */
  pending: ReadonlySet<string>;
  /** Why the last change failed (cleared by the next one). */
  mutationError: Error | undefined;
};

/**
 * Trust grants (auto-approval) of one blueprint, or of all with no `blueprintId`, each with
 * `active` and `reviewDue` (expiring soon). Grant and revoke need the admin role.
 *
 * @example
 * ```tsx
 * const trust = useTrustedUsers({ blueprintId: 'bp-shop' });
 * await trust.grant({ userId: 'u-1', email: 'bob@example.com', expiresAt: '2026-12-31T00:00:00.000Z' });
 * ```
 */
export function useTrustedUsers(options: { blueprintId?: string } = {}): TrustedUsersResult {
  const store = usePublishGateStore('useTrustedUsers');
  const { blueprintId } = options;
  const result = useQuery(store.trust(blueprintId));
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set());
  const [mutationError, setMutationError] = useState<Error | undefined>(undefined);

  const change = useCallback(
    async (target: TrustTarget & { expiresAt?: string }, trusted: boolean) => {
      const scope = target.blueprintId ?? blueprintId;
      if (scope === undefined) throw new Error('useTrustedUsers: pass blueprintId to the hook or to grant/revoke.');
      setPending((current) => new Set(current).add(target.userId));
      setMutationError(undefined);
      try {
        const grant = await store.client.setTrust({
          blueprintId: scope,
          userId: target.userId,
          email: target.email,
          trusted,
          ...(trusted && target.expiresAt ? { expiresAt: target.expiresAt } : {}),
        });
        // Keep the row marked pending until the list shows the change, so a toggle never flips back.
        store.invalidate(['trust']);
        await store.trust(blueprintId).refetch();
        return grant;
      } catch (error) {
        const failure = toError(error);
        setMutationError(failure);
        throw failure;
      } finally {
        setPending((current) => {
          const next = new Set(current);
          next.delete(target.userId);
          return next;
        });
      }
    },
    [store, blueprintId],
  );

  return {
    ...result,
    grant: useCallback((target) => change(target, true), [change]),
    revoke: useCallback(async (target) => void (await change(target, false)), [change]),
    pending,
    mutationError,
  };
}
