/**
 * Runs `work` with a signal of its own that follows the caller's. fetch leaves its abort listener on
 * the signal it was given until the request is garbage-collected, so a caller's long-lived signal
 * shared by many calls would collect listeners (and Node's MaxListenersExceededWarning); this way
 * they land on a signal that dies with the call, and the one forwarding listener is removed here.
 */
export async function withCallSignal<T>(
  signal: AbortSignal | undefined,
  work: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  if (!signal) return work(undefined);
  const controller = new AbortController();
  const forward = () => controller.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  try {
    return await work(controller.signal);
  } finally {
    signal.removeEventListener('abort', forward);
  }
}
