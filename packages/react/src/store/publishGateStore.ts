import type {
  AuditEntry,
  DiffSummary,
  ListRequestsQuery,
  PreviewResult,
  PublishGateClient,
  PublishGateError,
  PublishRequest,
  RequestPage,
  TrustView,
} from '@publishgate/core/client';
import { createObservable, type Observable } from './observable.js';
import { createQuery, type Query } from './query.js';

/** The state of the live event stream shared by every hook under one provider. */
export type ConnectionState =
  | { status: 'idle' }
  | { status: 'connecting' }
  | { status: 'open'; lastEventId: string }
  | { status: 'reconnecting'; error: PublishGateError }
  /** The server refused the stream for good (401/403/404): sign in again or fix `baseUrl`. */
  | { status: 'closed'; error: PublishGateError };

/** Options of {@link createPublishGateStore}. */
export type PublishGateStoreOptions = {
  /** Keep data fresh from the server's event stream (`client.subscribe`). Default true; false for SSR and benchmarks. */
  live?: boolean;
  /** How long an unused query stays cached. Default 5 minutes. */
  gcTimeMs?: number;
  /** Events arriving within this window cause one refetch per query, not one per event. Default 25 ms. */
  coalesceMs?: number;
  /** Told about event stream failures (it reconnects by itself unless `willRetry` is false). */
  onStreamError?: (error: PublishGateError, info: { willRetry: boolean }) => void;
};

/** Filters of one approvals-queue page: `ListRequestsQuery` (status, blueprint, workspace, builder, cursor, limit). */
export type RequestListQuery = ListRequestsQuery;

/** Puts the previous data back in every query an optimistic update touched (unless refetched since). */
export type Rollback = () => void;

/**
 * The framework-free cache every hook reads: one {@link Query} per server read, shared by key,
 * kept fresh by one event stream. Held by `<PublishGateProvider>`; create it yourself only to
 * prefetch, share it between React roots, or use it without React.
 */
export type PublishGateStore = {
  /** The HTTP client the store reads and writes through. */
  readonly client: PublishGateClient;
  /** `client.preview(workspaceId)`. Tags: `workspace:<id>`. */
  preview(workspaceId: string): Query<PreviewResult>;
  /** One page of `client.listRequests(query)`. Tags: `requests` (+ `workspace:<id>` when filtered by workspace). */
  requests(query: RequestListQuery): Query<RequestPage>;
  /** `client.previewRollback(workspaceId, toRequestId)`: what that rollback would change. Tags: `workspace:<id>`. */
  rollbackPreview(workspaceId: string, toRequestId: string): Query<DiffSummary>;
  /** `client.getRequest(id)`. Tags: `request:<id>`. */
  request(id: string): Query<PublishRequest>;
  /** `client.listTrust({ blueprintId })`. Tags: `trust`. */
  trust(blueprintId?: string): Query<TrustView[]>;
  /** Refetches (when in use) or marks stale every query carrying one of `tags`. */
  invalidate(tags: readonly string[]): void;
  /** Invalidates what an audit entry (an event from the stream) may have changed. */
  applyEvent(entry: Pick<AuditEntry, 'type' | 'requestId' | 'workspaceId'>): void;
  /**
   * Writes `request` into its detail query and into every cached page listing it, cancelling
   * their running fetches (which would bring back the old version). Returns the undo.
   */
  updateRequest(request: PublishRequest): Rollback;
  /** The live event stream's state. */
  readonly connection: Observable<ConnectionState>;
  /** Stops the event stream, aborts fetches and timers. The store keeps working if used again. */
  dispose(): void;
};

/**
 * Creates the store for a client. `<PublishGateProvider client>` calls this for you.
 *
 * @example
 * ```ts
 * import { createPublishGateClient } from '@publishgate/core/client';
 * import { createPublishGateStore } from '@publishgate/react';
 *
 * const store = createPublishGateStore(createPublishGateClient({ baseUrl: '/api/publishgate' }));
 * await store.requests({ status: 'pending' }).fetch(); // prefetch before the first render
 * ```
 */
export function createPublishGateStore(client: PublishGateClient, options: PublishGateStoreOptions = {}): PublishGateStore {
  const live = options.live ?? true;
  const gcTimeMs = options.gcTimeMs ?? 5 * 60_000;
  const coalesceMs = options.coalesceMs ?? 25;
  const cache = new Map<string, Query<unknown>>();
  // Subscribed queries, even one the cache dropped while a component still held it.
  const active = new Set<Query<unknown>>();
  const gcTimers = new Map<Query<unknown>, ReturnType<typeof setTimeout>>();
  const connection = createObservable<ConnectionState>({ status: 'idle' });

  let stopStream: (() => void) | undefined;
  let stopTimer: ReturnType<typeof setTimeout> | undefined;
  let pendingTags = new Set<string>();
  let flushTimer: ReturnType<typeof setTimeout> | undefined;

  function startStream() {
    if (!live || stopStream) return;
    connection.set({ status: 'connecting' });
    let opened = false;
    stopStream = client.subscribe((entry) => store.applyEvent(entry), {
      onOpen({ lastEventId }) {
        connection.set({ status: 'open', lastEventId });
        // The stream starts "from now": whatever changed between a query's fetch and this moment
        // was not streamed, so refetch once. Later reconnects resume by Last-Event-ID and miss nothing.
        if (!opened) {
          opened = true;
          for (const query of allQueries()) query.invalidate();
        }
      },
      onError(error, info) {
        connection.set(info.willRetry ? { status: 'reconnecting', error } : { status: 'closed', error });
        options.onStreamError?.(error, info);
      },
    });
  }

  function stopStreamNow() {
    stopStream?.();
    stopStream = undefined;
    connection.set({ status: 'idle' });
  }

  function onActiveChange(query: Query<unknown>, isActive: boolean) {
    if (isActive) {
      active.add(query);
      const timer = gcTimers.get(query);
      if (timer !== undefined) clearTimeout(timer);
      gcTimers.delete(query);
      if (!cache.has(query.key)) cache.set(query.key, query);
      if (stopTimer !== undefined) clearTimeout(stopTimer);
      stopTimer = undefined;
      startStream();
      return;
    }
    active.delete(query);
    const timer = setTimeout(() => {
      gcTimers.delete(query);
      if (cache.get(query.key) === query && !query.isActive) cache.delete(query.key);
    }, gcTimeMs);
    // In Node (SSR, scripts) a pending cache clean-up must not keep the process alive.
    (timer as { unref?: () => void }).unref?.();
    gcTimers.set(query, timer);
    // Deferred: React StrictMode and route changes unmount and remount in one go; keep the stream.
    if (active.size === 0 && stopTimer === undefined) {
      stopTimer = setTimeout(() => {
        stopTimer = undefined;
        if (active.size === 0) stopStreamNow();
      }, 0);
    }
  }

  function allQueries(): Set<Query<unknown>> {
    return new Set([...cache.values(), ...active]);
  }

  function getOrCreate<T>(key: string, tags: readonly string[], fetcher: (signal: AbortSignal) => Promise<T>): Query<T> {
    const existing = cache.get(key);
    if (existing) return existing as Query<T>;
    const query = createQuery<T>({ key, tags, fetcher, onActiveChange: onActiveChange as (query: Query<T>, active: boolean) => void });
    cache.set(key, query as Query<unknown>);
    return query;
  }

  function flush() {
    flushTimer = undefined;
    const tags = pendingTags;
    pendingTags = new Set();
    store.invalidate([...tags]);
  }

  const store: PublishGateStore = {
    client,
    connection,
    preview: (workspaceId) =>
      getOrCreate(`preview:${workspaceId}`, [`workspace:${workspaceId}`], (signal) => client.preview(workspaceId, { signal })),
    requests(query) {
      const normalized = normalizeListQuery(query);
      const tags = query.workspaceId === undefined ? ['requests'] : ['requests', `workspace:${query.workspaceId}`];
      return getOrCreate(`requests:${JSON.stringify(normalized)}`, tags, (signal) => client.listRequests(normalized, { signal }));
    },
    rollbackPreview: (workspaceId, toRequestId) =>
      getOrCreate(`rollback-preview:${workspaceId}:${toRequestId}`, [`workspace:${workspaceId}`], (signal) =>
        client.previewRollback(workspaceId, toRequestId, { signal }),
      ),
    request: (id) => getOrCreate(`request:${id}`, [`request:${id}`], (signal) => client.getRequest(id, { signal })),
    trust: (blueprintId) =>
      getOrCreate(`trust:${blueprintId ?? '*'}`, ['trust'], (signal) =>
        client.listTrust(blueprintId === undefined ? {} : { blueprintId }, { signal }),
      ),
    invalidate(tags) {
      const wanted = new Set(tags);
      for (const query of allQueries()) if (query.tags.some((tag) => wanted.has(tag))) query.invalidate();
    },
    applyEvent(entry) {
      if (entry.type.startsWith('trust.')) pendingTags.add('trust');
      else {
        pendingTags.add('requests');
        if (entry.requestId) pendingTags.add(`request:${entry.requestId}`);
        if (entry.workspaceId) pendingTags.add(`workspace:${entry.workspaceId}`);
      }
      flushTimer ??= setTimeout(flush, coalesceMs);
    },
    updateRequest(request) {
      const undo: Array<() => void> = [];
      const write = <T>(query: Query<T>, next: T) => {
        const previous = query.getSnapshot().data;
        query.cancel();
        query.setData(next);
        undo.push(() => {
          // Only where nothing newer (a refetch) replaced our write.
          if (query.getSnapshot().data === next && previous !== undefined) query.setData(previous);
        });
      };
      for (const query of allQueries()) {
        if (query.key === `request:${request.id}`) write(query as Query<PublishRequest>, request);
        else if (query.key.startsWith('requests:')) {
          const page = (query as Query<RequestPage>).getSnapshot().data;
          if (page?.items.some((item) => item.id === request.id)) {
            write(query as Query<RequestPage>, { ...page, items: page.items.map((item) => (item.id === request.id ? request : item)) });
          }
        }
      }
      return () => {
        for (const step of undo) step();
      };
    },
    dispose() {
      if (stopTimer !== undefined) clearTimeout(stopTimer);
      if (flushTimer !== undefined) clearTimeout(flushTimer);
      stopTimer = undefined;
      flushTimer = undefined;
      pendingTags.clear();
      for (const timer of gcTimers.values()) clearTimeout(timer);
      gcTimers.clear();
      for (const query of allQueries()) query.cancel();
      stopStreamNow();
    },
  };
  return store;
}

// Equal filters in any key order, with or without undefined fields, share one cache entry.
function normalizeListQuery(query: RequestListQuery): RequestListQuery {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(query).sort()) {
    const value = (query as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as RequestListQuery;
}
