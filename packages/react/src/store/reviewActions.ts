import { PublishGateError, type PublishRequest } from '@publishgate/core/client';
import { createObservable, type Observable } from './observable.js';
import type { PublishGateStore } from './publishGateStore.js';
import { toError } from './query.js';

/** A decision an admin can take on a request. */
export type ReviewAction = 'approve' | 'reject' | 'retry';

/** The state of the last decision taken through one {@link ReviewActions}. */
export type ReviewState =
  | { status: 'idle' }
  /** Sent; the caches already show the expected outcome (optimistic). */
  | { status: 'pending'; action: ReviewAction; requestId: string }
  /** The server's answer. */
  | { status: 'success'; action: ReviewAction; requestId: string; request: PublishRequest }
  /**
   * Someone else decided first (or the request moved on): nothing was applied, the optimistic
   * change was rolled back, and `request` is the fresh version (undefined if it could not be read).
   */
  | { status: 'conflict'; action: ReviewAction; requestId: string; error: PublishGateError; request: PublishRequest | undefined }
  /** Refused or failed for another reason; rolled back. */
  | { status: 'error'; action: ReviewAction; requestId: string; error: Error };

/** Approve, reject and retry with optimistic updates and rollback. */
export type ReviewActions = Observable<ReviewState> & {
  /** Approves `request` (as the caller last saw it: its `version` is sent as `expectedVersion`). */
  approve(request: PublishRequest, input?: { comment?: string }): Promise<ReviewState>;
  /** Rejects `request` with optional feedback for the builder. */
  reject(request: PublishRequest, input?: { feedback?: string }): Promise<ReviewState>;
  /** Retries publishing a failed request. */
  retry(request: PublishRequest): Promise<ReviewState>;
  /** Back to idle. */
  reset(): void;
};

/**
 * Creates the review actions. Every call sends `expectedVersion`, so a decision made on a stale
 * screen is refused by the server (`conflict`) instead of overriding a colleague's; that answer
 * (and `invalid_transition`: the request already left `pending`) rolls back and reloads the request.
 */
export function createReviewActions(store: PublishGateStore): ReviewActions {
  const cell = createObservable<ReviewState>({ status: 'idle' });
  let inFlight: Promise<ReviewState> | undefined;

  async function decide(action: ReviewAction, request: PublishRequest, optimistic: PublishRequest, call: () => Promise<PublishRequest>) {
    cell.set({ status: 'pending', action, requestId: request.id });
    const rollback = store.updateRequest(optimistic);
    let next: ReviewState;
    try {
      const result = await call();
      store.updateRequest(result);
      next = { status: 'success', action, requestId: request.id, request: result };
    } catch (cause) {
      rollback();
      const error = toError(cause);
      if (PublishGateError.is(error, 'conflict') || PublishGateError.is(error, 'invalid_transition')) {
        const fresh = await store.client.getRequest(request.id).catch(() => undefined);
        if (fresh) store.updateRequest(fresh);
        next = { status: 'conflict', action, requestId: request.id, error, request: fresh };
      } else {
        next = { status: 'error', action, requestId: request.id, error };
      }
    }
    // Whatever happened, the server's lists are the truth from here on.
    store.invalidate(['requests', `request:${request.id}`, `workspace:${request.workspace.id}`]);
    cell.set(next);
    return next;
  }

  function once(run: () => Promise<ReviewState>): Promise<ReviewState> {
    if (inFlight) return inFlight;
    inFlight = run().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  return {
    getSnapshot: cell.getSnapshot,
    subscribe: cell.subscribe,
    approve: (request, input = {}) =>
      once(() =>
        decide('approve', request, { ...request, status: 'approving' }, () =>
          store.client.approve(request.id, { expectedVersion: request.version, ...(input.comment ? { comment: input.comment } : {}) }),
        ),
      ),
    reject: (request, input = {}) =>
      once(() =>
        // The decision's author and time are the server's to fill in; only the status is predicted.
        decide('reject', request, { ...request, status: 'rejected' }, () =>
          store.client.reject(request.id, { expectedVersion: request.version, ...(input.feedback ? { feedback: input.feedback } : {}) }),
        ),
      ),
    retry: (request) =>
      once(() =>
        decide('retry', request, { ...request, status: 'approving' }, () =>
          store.client.retry(request.id, { expectedVersion: request.version }),
        ),
      ),
    reset() {
      if (!inFlight) cell.set({ status: 'idle' });
    },
  };
}
