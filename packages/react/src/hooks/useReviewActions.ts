'use client';
import { usePublishGateStore } from '../PublishGateProvider.js';
import { createReviewActions, type ReviewActions, type ReviewState } from '../store/reviewActions.js';
import { useObservable, useOwned } from './useOwned.js';

/** The result of {@link useReviewActions}: the last decision's state and the actions. */
export type ReviewActionsResult = { state: ReviewState } & Pick<ReviewActions, 'approve' | 'reject' | 'retry' | 'reset'>;

/**
 * Approve, reject (with feedback) and retry, for admins. The queue and the request show the
 * expected status at once; when the server answers that someone else decided first
 * (`conflict`/`invalid_transition`), the change is rolled back and `state.request` holds the
 * request as it is now, so the UI can explain what happened instead of failing silently.
 *
 * @example
 * ```tsx
 * const review = useReviewActions();
 * await review.reject(request, { feedback: 'Please remove the .env file.' });
 * if (review.state.status === 'conflict') show(`Already ${review.state.request?.status}`);
 * ```
 */
export function useReviewActions(): ReviewActionsResult {
  const store = usePublishGateStore('useReviewActions');
  const actions = useOwned(store, () => createReviewActions(store));
  return { state: useObservable(actions), approve: actions.approve, reject: actions.reject, retry: actions.retry, reset: actions.reset };
}
