import { type AuditEntry, PublishGateError, type PublishRequest, type RequestPage, type SubscribeOptions } from '@publishgate/core/client';
import { requestFixture } from '@publishgate/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { createPublishGateStore } from '../src/index.js';
import { createQuery } from '../src/store/query.js';
import { createReviewActions } from '../src/store/reviewActions.js';
import { stubClient } from './stubClient.js';

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('query', () => {
  it('fetches on first subscribe, shares one fetch, and refetches once after an invalidation during a fetch', async () => {
    const answers = [deferred<number>(), deferred<number>()];
    let calls = 0;
    const query = createQuery({ key: 'k', tags: [], fetcher: () => (answers[calls++] as ReturnType<typeof deferred<number>>).promise });
    expect(query.getSnapshot()).toMatchObject({ status: 'loading', isFetching: false });
    const stop = query.subscribe(() => {});
    expect(query.getSnapshot()).toMatchObject({ status: 'loading', isFetching: true });
    void query.fetch();
    query.invalidate();
    query.invalidate();
    expect(calls).toBe(1);
    answers[0]?.resolve(1);
    await tick();
    expect(calls).toBe(2);
    expect(query.getSnapshot()).toMatchObject({ status: 'success', data: 1, isFetching: true });
    answers[1]?.resolve(2);
    await tick();
    expect(query.getSnapshot()).toMatchObject({ status: 'success', data: 2, isFetching: false });
    stop();
  });

  it('returns the same snapshot object until something changes (what useSyncExternalStore needs)', async () => {
    const query = createQuery({ key: 'k', tags: [], fetcher: async () => ({ n: 1 }) });
    const stop = query.subscribe(() => {});
    await tick();
    const first = query.getSnapshot();
    expect(query.getSnapshot()).toBe(first);
    query.setData({ n: 2 });
    expect(query.getSnapshot()).not.toBe(first);
    stop();
  });

  it('keeps the data after a failed refetch and reports the error', async () => {
    let fail = false;
    const query = createQuery({
      key: 'k',
      tags: [],
      fetcher: async () => {
        if (fail) throw new PublishGateError('port_failed', 'down');
        return 'ok';
      },
    });
    const stop = query.subscribe(() => {});
    await tick();
    fail = true;
    await query.refetch();
    expect(query.getSnapshot()).toMatchObject({ status: 'error', data: 'ok', error: { code: 'port_failed' } });
    stop();
  });

  it('an invalidation without subscribers waits for the next subscriber', async () => {
    const fetcher = vi.fn(async () => 1);
    const query = createQuery({ key: 'k', tags: [], fetcher });
    const stop = query.subscribe(() => {});
    await tick();
    stop();
    query.invalidate();
    expect(fetcher).toHaveBeenCalledTimes(1);
    const again = query.subscribe(() => {});
    expect(fetcher).toHaveBeenCalledTimes(2);
    again();
  });
});

describe('store', () => {
  function liveClient(pages: () => RequestPage) {
    let onEvent: (entry: AuditEntry) => void = () => {};
    let options: SubscribeOptions = {};
    const unsubscribe = vi.fn();
    const listRequests = vi.fn(async () => pages());
    const client = stubClient({
      listRequests,
      subscribe: (listener, subscribeOptions = {}) => {
        onEvent = listener;
        options = subscribeOptions;
        return unsubscribe;
      },
    });
    return {
      client,
      listRequests,
      unsubscribe,
      emit: (entry: Partial<AuditEntry>) =>
        onEvent({ seq: 1, id: 'a', at: '', actor: { system: true }, data: {}, type: 'request.submitted', ...entry } as AuditEntry),
      open: () => options.onOpen?.({ lastEventId: '1' }),
      fail: (willRetry: boolean) => options.onError?.(new PublishGateError('unauthorized', 'Sign in.'), { willRetry }),
    };
  }

  it('opens one event stream while queries are in use, refetches once it opens, and closes it when none are', async () => {
    const fake = liveClient(() => ({ items: [], nextCursor: null }));
    const store = createPublishGateStore(fake.client, { coalesceMs: 5 });
    const a = store.requests({ status: 'pending' }).subscribe(() => {});
    const b = store.trust().subscribe(() => {});
    expect(store.connection.getSnapshot()).toEqual({ status: 'connecting' });
    await tick();
    expect(fake.listRequests).toHaveBeenCalledTimes(1);
    fake.open();
    expect(store.connection.getSnapshot()).toEqual({ status: 'open', lastEventId: '1' });
    await tick();
    expect(fake.listRequests).toHaveBeenCalledTimes(2);
    // A reconnect resumes from Last-Event-ID: no refetch needed.
    fake.open();
    await tick();
    expect(fake.listRequests).toHaveBeenCalledTimes(2);
    a();
    b();
    expect(fake.unsubscribe).not.toHaveBeenCalled(); // deferred, for StrictMode remounts
    await tick();
    expect(fake.unsubscribe).toHaveBeenCalledTimes(1);
    expect(store.connection.getSnapshot()).toEqual({ status: 'idle' });
  });

  it('coalesces a burst of events into one refetch per affected query, and leaves unrelated ones alone', async () => {
    const fake = liveClient(() => ({ items: [], nextCursor: null }));
    const listTrust = vi.fn(async () => []);
    const client = { ...fake.client, listTrust };
    const store = createPublishGateStore(client, { coalesceMs: 5 });
    const stops = [store.requests({ status: 'pending' }).subscribe(() => {}), store.trust('bp-1').subscribe(() => {})];
    await tick();
    fake.listRequests.mockClear();
    listTrust.mockClear();
    fake.emit({ type: 'request.submitted', requestId: 'r-1', workspaceId: 'ws-1' });
    fake.emit({ type: 'request.approving', requestId: 'r-1', workspaceId: 'ws-1' });
    fake.emit({ type: 'request.approved', requestId: 'r-1', workspaceId: 'ws-1' });
    await tick(20);
    expect(fake.listRequests).toHaveBeenCalledTimes(1);
    expect(listTrust).not.toHaveBeenCalled();
    fake.emit({ type: 'trust.granted', builderId: 'u-1' });
    await tick(20);
    expect(listTrust).toHaveBeenCalledTimes(1);
    expect(fake.listRequests).toHaveBeenCalledTimes(1);
    for (const stop of stops) stop();
  });

  it('refetches the request, its workspace and the lists on request.progress, like any other request event', async () => {
    const fake = liveClient(() => ({ items: [], nextCursor: null }));
    const getRequest = vi.fn(async (id: string) => requestFixture({ id }));
    const preview = vi.fn(async () => ({}) as Awaited<ReturnType<typeof fake.client.preview>>);
    const listTrust = vi.fn(async () => []);
    const store = createPublishGateStore({ ...fake.client, getRequest, preview, listTrust }, { coalesceMs: 5 });
    const stops = [
      store.requests({ status: 'approving' }).subscribe(() => {}),
      store.request('r-1').subscribe(() => {}),
      store.request('r-2').subscribe(() => {}),
      store.preview('ws-1').subscribe(() => {}),
      store.trust().subscribe(() => {}),
    ];
    await tick();
    for (const mock of [fake.listRequests, getRequest, preview, listTrust]) mock.mockClear();
    fake.emit({ type: 'request.progress', requestId: 'r-1', workspaceId: 'ws-1', data: { step: 'pushing', attempt: 1 } });
    await tick(20);
    expect(fake.listRequests).toHaveBeenCalledTimes(1);
    expect(getRequest.mock.calls.map(([id]) => id)).toEqual(['r-1']);
    expect(preview).toHaveBeenCalledTimes(1);
    expect(listTrust).not.toHaveBeenCalled();
    for (const stop of stops) stop();
  });

  it('reports a stream the server refused for good as closed', () => {
    const fake = liveClient(() => ({ items: [], nextCursor: null }));
    const onStreamError = vi.fn();
    const store = createPublishGateStore(fake.client, { onStreamError });
    const stop = store.requests({}).subscribe(() => {});
    fake.fail(false);
    expect(store.connection.getSnapshot()).toMatchObject({ status: 'closed', error: { code: 'unauthorized' } });
    expect(onStreamError).toHaveBeenCalledWith(expect.objectContaining({ code: 'unauthorized' }), { willRetry: false });
    stop();
    store.dispose();
  });

  it('shares one query for equal filters in any order', () => {
    const store = createPublishGateStore(stubClient({}), { live: false });
    expect(store.requests({ status: 'pending', limit: 5 })).toBe(store.requests({ limit: 5, status: 'pending', cursor: undefined }));
    expect(store.requests({ status: 'pending' })).not.toBe(store.requests({ status: 'rejected' }));
  });

  it('updateRequest writes the request into its detail and every page listing it, and the rollback restores them', async () => {
    const request = requestFixture();
    const other = requestFixture();
    const store = createPublishGateStore(
      stubClient({ listRequests: async () => ({ items: [request, other], nextCursor: null }), getRequest: async () => request }),
      { live: false },
    );
    const stops = [store.requests({}).subscribe(() => {}), store.request(request.id).subscribe(() => {})];
    await tick();
    const rollback = store.updateRequest({ ...request, status: 'approving' });
    expect(store.request(request.id).getSnapshot().data?.status).toBe('approving');
    expect(
      store
        .requests({})
        .getSnapshot()
        .data?.items.map((item) => item.status),
    ).toEqual(['approving', 'pending']);
    rollback();
    expect(store.request(request.id).getSnapshot().data?.status).toBe('pending');
    expect(store.requests({}).getSnapshot().data?.items[0]?.status).toBe('pending');
    for (const stop of stops) stop();
  });
});

describe('review actions', () => {
  it('rolls back the optimistic status when the decision fails and the fresh request cannot be read either', async () => {
    const request = requestFixture();
    const getRequest = vi.fn(async (): Promise<PublishRequest> => request);
    const store = createPublishGateStore(
      stubClient({
        getRequest,
        approve: async () => {
          throw new PublishGateError('conflict', 'stale');
        },
      }),
      { live: false },
    );
    const stop = store.request(request.id).subscribe(() => {});
    await tick();
    getRequest.mockRejectedValue(new PublishGateError('port_failed', 'down'));
    const actions = createReviewActions(store);
    const state = await actions.approve(request);
    expect(state).toMatchObject({ status: 'conflict', request: undefined });
    expect(store.request(request.id).getSnapshot().data?.status).toBe('pending');
    stop();
  });

  it('sends the version it saw as expectedVersion, and one decision at a time', async () => {
    const request = requestFixture({ version: 4 });
    const gate = deferred<PublishRequest>();
    const reject = vi.fn(() => gate.promise);
    const store = createPublishGateStore(stubClient({ reject, getRequest: async () => request }), { live: false });
    const actions = createReviewActions(store);
    const first = actions.reject(request, { feedback: 'no' });
    const second = actions.reject(request, { feedback: 'no' });
    expect(first).toBe(second);
    gate.resolve({ ...request, status: 'rejected', version: 5 });
    await first;
    expect(reject).toHaveBeenCalledTimes(1);
    expect(reject).toHaveBeenCalledWith(request.id, { expectedVersion: 4, feedback: 'no' });
  });
});
