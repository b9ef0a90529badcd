import { PublishGateError, type PublishRequest } from '@publishgate/core/client';
import { createMutation, type Mutation } from './mutation.js';
import type { PublishGateStore } from './publishGateStore.js';

/** What a builder submits: the workspace, the subdomain and an optional note for the reviewer. */
export type PublishInput = { workspaceId: string; subdomain: string; note?: string };

/**
 * Creates the publish mutation. Each new submission gets a fresh idempotency key; a retry of the
 * same input after a network failure reuses it, so a request that did reach the server is not
 * created twice. Success refreshes the workspace's status and the queue.
 */
export function createPublishRequester(store: PublishGateStore, newKey: () => string = defaultKey): Mutation<PublishInput, PublishRequest> {
  let retryable: { input: string; key: string } | undefined;
  return createMutation(async (input: PublishInput) => {
    const fingerprint = JSON.stringify([input.workspaceId, input.subdomain, input.note ?? '']);
    const key = retryable?.input === fingerprint ? retryable.key : newKey();
    retryable = { input: fingerprint, key };
    try {
      const request = await store.client.requestPublish({
        workspaceId: input.workspaceId,
        subdomain: input.subdomain,
        ...(input.note ? { note: input.note } : {}),
        idempotencyKey: key,
      });
      retryable = undefined;
      // Seeds the request's live query, so a view following it (the dialog's outcome) starts from this answer.
      const live = store.request(request.id);
      if (live.getSnapshot().data === undefined) live.setData(request);
      store.invalidate([`workspace:${input.workspaceId}`, 'requests']);
      return request;
    } catch (error) {
      // Only a call that may have reached the server keeps its key for the retry.
      if (!(PublishGateError.is(error) && error.retryable)) retryable = undefined;
      throw error;
    }
  });
}

function defaultKey(): string {
  const cryptoApi = globalThis.crypto;
  if (cryptoApi && typeof cryptoApi.randomUUID === 'function') return cryptoApi.randomUUID();
  return `pg-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
