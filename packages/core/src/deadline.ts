/**
 * Abort signals that fire about `timeoutMs` after they were asked for, shared by every caller in
 * the same one-second window. `AbortSignal.timeout()` costs a timer per call, which shows up when
 * a gate handles thousands of requests a second; a deadline a second late is fine for port calls
 * measured in tens of seconds.
 */
export function createDeadlines(timeoutMs: number): () => AbortSignal {
  const buckets = new Map<number, AbortSignal>();
  return () => {
    const bucket = Math.floor(Date.now() / 1_000);
    let signal = buckets.get(bucket);
    if (!signal) {
      const controller = new AbortController();
      signal = controller.signal;
      buckets.set(bucket, signal);
      const timer = setTimeout(() => {
        buckets.delete(bucket);
        controller.abort(new DOMException(`The operation timed out after ${timeoutMs} ms.`, 'TimeoutError'));
      }, timeoutMs + 1_000);
      // A pending deadline must not keep a process (a CLI, a test run) alive.
      if (typeof timer === 'object' && timer !== null && 'unref' in timer) timer.unref();
    }
    return signal;
  };
}
