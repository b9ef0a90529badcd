import { createObservable, type Observable } from './observable.js';

/** Where a query is: no data yet, data, or the last fetch failed. */
export type QueryStatus = 'loading' | 'success' | 'error';

/** The snapshot of a {@link Query}. Replaced, never mutated, on every change. */
export type QueryState<T> = {
  status: QueryStatus;
  /** The last data fetched (kept while refetching, and after a failed refetch). */
  data: T | undefined;
  /** Why the last fetch failed; cleared by the next success. */
  error: Error | undefined;
  /** A fetch is running (the first one, or a refetch after an invalidation). */
  isFetching: boolean;
};

/** One cached server read (a preview, a queue page, a request, a trust list) with live refetching. */
export type Query<T> = Observable<QueryState<T>> & {
  /** The cache key: equal keys share one query. */
  readonly key: string;
  /** What invalidates it: `requests`, `request:<id>`, `workspace:<id>`, `trust`. */
  readonly tags: readonly string[];
  /** Whether a component (or observer) is subscribed. */
  readonly isActive: boolean;
  /** Starts a fetch, or joins the running one. Resolves with the data, or undefined when it failed or was cancelled. */
  fetch(): Promise<T | undefined>;
  /** Marks the data stale: refetches now when active (after the running fetch, if any), else on next subscribe. */
  invalidate(): void;
  /** Fetches now, or right after the running fetch: resolves with data read after this call. */
  refetch(): Promise<T | undefined>;
  /** Replaces the data (optimistic updates, results of mutations). */
  setData(data: T): void;
  /** Aborts a running fetch without changing the data. */
  cancel(): void;
};

/** Options of {@link createQuery}. */
export type QueryOptions<T> = {
  key: string;
  tags: readonly string[];
  /** Reads from the server; must honour `signal`. */
  fetcher: (signal: AbortSignal) => Promise<T>;
  /** Told when the query gains its first or loses its last subscriber. */
  onActiveChange?: (query: Query<T>, active: boolean) => void;
};

const LOADING = { status: 'loading', data: undefined, error: undefined, isFetching: false } as const;

/**
 * Creates a query. It fetches when first subscribed (if it has no fresh data), refetches on
 * `invalidate()` while subscribed, and never runs two fetches at once: an invalidation during a
 * fetch schedules exactly one more, so the data ends up newer than the last invalidation.
 */
export function createQuery<T>(options: QueryOptions<T>): Query<T> {
  let stale = true;
  let again = false;
  let running: { controller: AbortController; promise: Promise<T | undefined> } | undefined;
  let query: Query<T>;
  // Read through a function: TypeScript would otherwise keep the narrowing from before the await.
  const runningController = () => running?.controller;
  const cell = createObservable<QueryState<T>>(LOADING, {
    onFirstListener() {
      options.onActiveChange?.(query, true);
      if ((stale || cell.getSnapshot().status !== 'success') && !running) void query.fetch();
    },
    onLastListener() {
      options.onActiveChange?.(query, false);
    },
  });
  const patch = (next: Partial<QueryState<T>>) => cell.set({ ...cell.getSnapshot(), ...next });

  query = {
    key: options.key,
    tags: options.tags,
    getSnapshot: cell.getSnapshot,
    subscribe: cell.subscribe,
    get isActive() {
      return cell.listenerCount > 0;
    },
    fetch() {
      if (running) return running.promise;
      const controller = new AbortController();
      const before = cell.getSnapshot();
      patch({ isFetching: true, ...(before.data === undefined ? { status: 'loading' } : {}) });
      const promise = (async (): Promise<T | undefined> => {
        let outcome: { ok: true; data: T } | { ok: false; error: unknown };
        try {
          outcome = { ok: true, data: await options.fetcher(controller.signal) };
        } catch (error) {
          outcome = { ok: false, error };
        }
        if (runningController() === controller) running = undefined;
        // Cancelled: whoever cancelled already restored the state; a newer fetch may be running.
        if (controller.signal.aborted) return undefined;
        if (outcome.ok) {
          stale = false;
          cell.set({ status: 'success', data: outcome.data, error: undefined, isFetching: false });
        } else {
          cell.set({ ...cell.getSnapshot(), status: 'error', error: toError(outcome.error), isFetching: false });
        }
        if (again) {
          again = false;
          if (cell.listenerCount > 0) void query.fetch();
          else stale = true;
        }
        return outcome.ok ? outcome.data : undefined;
      })();
      running = { controller, promise };
      return promise;
    },
    invalidate() {
      stale = true;
      if (running) again = true;
      else if (cell.listenerCount > 0) void query.fetch();
    },
    async refetch() {
      stale = true;
      if (running) {
        again = false;
        await running.promise;
      }
      return query.fetch();
    },
    setData(data) {
      stale = false;
      patch({ status: 'success', data, error: undefined });
    },
    cancel() {
      if (!running) return;
      running.controller.abort();
      running = undefined;
      again = false;
      patch({ isFetching: false });
    },
  };
  return query;
}

/** What was thrown, as an `Error` (anything else is wrapped, its text kept as the message). */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
