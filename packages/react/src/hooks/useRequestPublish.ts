'use client';
import type { PublishRequest } from '@publishgate/core/client';
import { usePublishGateStore } from '../PublishGateProvider.js';
import type { MutationState } from '../store/mutation.js';
import { createPublishRequester, type PublishInput } from '../store/publishRequester.js';
import { useObservable, useOwned } from './useOwned.js';

/** The result of {@link useRequestPublish}. */
export type RequestPublishResult = MutationState<PublishInput, PublishRequest> & {
  /**
   * Commits the workspace and creates the request. Resolves with it (`pending`, or for a trusted
   * builder `approved`/`failed`); rejects with a `PublishGateError` (`in_flight`,
   * `subdomain_unavailable`, `nothing_to_publish`, …). A second call while one runs joins it.
   */
  submit(input: PublishInput): Promise<PublishRequest>;
  /** Back to idle, e.g. when the dialog is closed. */
  reset(): void;
};

/**
 * Sends a workspace for publishing. Submits are idempotent: a retry after a network failure
 * reuses the key of the attempt that may have reached the server.
 *
 * @example
 * ```tsx
 * const publish = useRequestPublish();
 * <button disabled={publish.status === 'pending'} onClick={() => publish.submit({ workspaceId, subdomain })}>Publish</button>
 * ```
 */
export function useRequestPublish(): RequestPublishResult {
  const store = usePublishGateStore('useRequestPublish');
  const mutation = useOwned(store, () => createPublishRequester(store));
  return { ...useObservable(mutation), submit: mutation.mutate, reset: mutation.reset };
}
