'use client';
import type { PublishRequest } from '@publishgate/core/client';
import type { PublishGateLabels } from '../labels.js';

type Progress = NonNullable<PublishRequest['progress']>;

/** The step of a publish as one line of text: "Pushing the commit", "Waiting for GitHub's rate limit, next try 10:42". */
export function progressStepText(progress: Progress, labels: PublishGateLabels): string {
  const text = labels.progress;
  const nextTry = progress.nextAttemptAt === undefined ? undefined : labels.common.formatTime(progress.nextAttemptAt);
  if (progress.step === 'waiting-rate-limit') return text.waitingRateLimit(text.gitHost, nextTry);
  const step = text.steps[progress.step];
  return nextTry === undefined ? step : `${step}, ${text.nextTry(nextTry)}`;
}

/**
 * Where a request in `approving` is: the step, the attempt from the second one on, and (unless
 * `compact`) why the previous attempt failed. Nothing for other statuses, or before the server
 * reported any progress.
 */
export function PublishProgressStatus({
  request,
  labels,
  compact = false,
}: {
  request: PublishRequest;
  labels: PublishGateLabels;
  /** One line, not announced: a queue row, where every publishing row speaking up at once would drown the page. */
  compact?: boolean;
}) {
  const progress = request.progress;
  if (request.status !== 'approving' || !progress) return null;
  const text = labels.progress;
  const lastError = compact ? undefined : progress.lastError;
  return (
    <span className="pg-progress" data-pg-step={progress.step} data-pg-attempt={progress.attempt}>
      <span
        role="status"
        aria-label={text.label}
        aria-live={compact ? 'off' : 'polite'}
        aria-atomic="true"
        className="pg-progress-step"
        data-pg-next-attempt-at={progress.nextAttemptAt}
      >
        {progressStepText(progress, labels)}
        {progress.attempt > 1 ? ` · ${text.attempt(progress.attempt)}` : null}
      </span>
      {lastError ? (
        <span className="pg-progress-error pg-hint" data-pg-last-error="">
          {text.lastError(lastError)}
        </span>
      ) : null}
    </span>
  );
}

/** A failed publish's last error and, when the server counted them, the attempts made. */
export function PublishFailure({ request, labels }: { request: PublishRequest; labels: PublishGateLabels }) {
  if (request.status !== 'failed' || !request.error) return null;
  const attempts = request.error.attempts;
  return (
    <>
      <p className="pg-notice" data-pg-tone="error">
        {labels.requestReview.error}: {request.error.message}
      </p>
      {attempts !== undefined && attempts > 0 ? (
        <p className="pg-hint" data-pg-attempts={attempts}>
          {labels.progress.failedAfter(attempts)}
        </p>
      ) : null}
    </>
  );
}
