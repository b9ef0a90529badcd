import { PublishGateError } from '@publishgate/core';
import { type Dialect, isTransient } from './dialect.js';

/** Rejects with the signal's reason when it has been aborted, as the in-memory reference does. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` (a whole transaction) again while it fails with a transient error, with jittered
 * exponential backoff, for at most `budgetMs`; then rejects with a retryable `port_failed`.
 *
 * Why retry in JS rather than lean on SQLite's busy_timeout: better-sqlite3 is synchronous, so a
 * busy handler blocks the event loop, and when the lock holder is another connection in the same
 * process (several knex instances, or a worker beside the server) it can never commit while we
 * wait. Waiting here keeps the loop free.
 */
export async function withRetry<T>(
  policy: { dialect: Dialect; budgetMs: number; operation: string; signal?: AbortSignal | undefined },
  attempt: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  for (let tries = 0; ; tries += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransient(error, policy.dialect)) throw error;
      const elapsed = Date.now() - started;
      if (elapsed >= policy.budgetMs) {
        const what =
          policy.dialect === 'sqlite'
            ? 'the SQLite database stayed locked by another writer'
            : 'PostgreSQL kept aborting the transaction (deadlock or serialization failure)';
        throw new PublishGateError(
          'port_failed',
          `Storage busy: ${what} for ${elapsed} ms during ${policy.operation}; nothing was written.`,
          {
            cause: error,
            port: 'storage',
            operation: policy.operation,
            retryable: true,
          },
        );
      }
      throwIfAborted(policy.signal);
      const backoff = Math.min(100, 2 ** tries) * (0.5 + Math.random());
      await sleep(Math.max(1, Math.min(backoff, policy.budgetMs - elapsed)));
    }
  }
}
