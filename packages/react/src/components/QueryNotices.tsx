'use client';
import type { ReactNode } from 'react';
import type { PublishGateLabels } from '../labels.js';

/**
 * "Could not load …" with the error's message and a Retry button, as an alert: what every
 * component shows when its server read failed. `failed` is left out when the message says it all.
 */
export function LoadFailed({
  failed,
  error,
  retry,
  labels,
}: {
  failed?: string;
  error: Error | undefined;
  retry: () => Promise<unknown>;
  labels: PublishGateLabels;
}) {
  const message = error ? labels.common.errorMessage(error) : null;
  return (
    <div className="pg-notice" data-pg-tone="error" role="alert">
      <p>
        {failed}
        {failed === undefined ? null : ' '}
        {message}
      </p>
      <button type="button" className="pg-button" onClick={() => void retry()}>
        {labels.common.retry}
      </button>
    </div>
  );
}

/**
 * The states of a component's server read before its content: the loading line, the
 * {@link LoadFailed} notice, and (once loaded) the `empty` line when there is nothing to show.
 */
export function QueryNotices({
  query,
  failed,
  empty,
  loading,
  labels,
}: {
  query: { status: 'loading' | 'success' | 'error'; error: Error | undefined; refetch: () => Promise<unknown> };
  failed: string;
  /** Shown after a successful read with nothing in it (the caller decides: pass it only then). */
  empty?: ReactNode;
  /** Replaces the generic loading line. */
  loading?: ReactNode;
  labels: PublishGateLabels;
}) {
  if (query.status === 'loading') return loading ?? <p className="pg-loading">{labels.common.loading}</p>;
  if (query.status === 'error') return <LoadFailed failed={failed} error={query.error} retry={query.refetch} labels={labels} />;
  return empty === undefined ? null : <p className="pg-empty">{empty}</p>;
}
