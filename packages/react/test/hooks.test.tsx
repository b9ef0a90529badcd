import type { PublishGateClient, PublishRequest } from '@publishgate/core/client';
import { act, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  missingProviderMessage,
  PublishGateProvider,
  type PublishGateStoreOptions,
  useApprovalsQueue,
  useBulkDecisions,
  usePublishGateClient,
  usePublishPreview,
  usePublishRequest,
  useRequestPublish,
  useReviewActions,
  useSubdomainCheck,
  useTrustedUsers,
  useWorkspacePublishStatus,
} from '../src/index.js';
import { admin, admin2, builder, builder2, startServer, type TestServer, workspace, workspace2 } from './harness.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

function wrapperFor(client: PublishGateClient, storeOptions?: PublishGateStoreOptions) {
  return ({ children }: { children: ReactNode }) => (
    <PublishGateProvider client={client} {...(storeOptions ? { storeOptions } : {})}>
      {children}
    </PublishGateProvider>
  );
}

/** A fetch that records each call (method and path) and can hold or break some of them. */
function recordingFetch(
  hooks: {
    before?: (method: string, path: string, init: RequestInit) => Promise<void> | void;
    after?: (method: string, path: string) => void;
  } = {},
) {
  const calls: Array<{ method: string; path: string; signal: AbortSignal | undefined }> = [];
  const doFetch = async (input: string, init: RequestInit) => {
    const url = new URL(input);
    const method = init.method ?? 'GET';
    const path = `${url.pathname.replace('/api/publishgate', '')}${url.search}`;
    calls.push({ method, path, signal: init.signal ?? undefined });
    await hooks.before?.(method, path, init);
    const response = await fetch(input, init);
    hooks.after?.(method, path);
    return response;
  };
  return { calls, fetch: doFetch };
}

async function submit(ws = workspace, subdomain = 'bobs-shop'): Promise<PublishRequest> {
  server.edit(ws, 'index.html', `<h1>${subdomain} ${Math.random()}</h1>\n`);
  return server.clientFor(ws === workspace ? builder : builder2).requestPublish({ workspaceId: ws.id, subdomain });
}

describe('hooks without a provider', () => {
  const hooks: Array<[string, () => unknown]> = [
    ['usePublishPreview', () => usePublishPreview('ws-1')],
    ['useSubdomainCheck', () => useSubdomainCheck('abc')],
    ['useRequestPublish', () => useRequestPublish()],
    ['useWorkspacePublishStatus', () => useWorkspacePublishStatus('ws-1')],
    ['useApprovalsQueue', () => useApprovalsQueue()],
    ['useReviewActions', () => useReviewActions()],
    ['useBulkDecisions', () => useBulkDecisions()],
    ['useTrustedUsers', () => useTrustedUsers()],
    ['usePublishRequest', () => usePublishRequest('r-1')],
    ['usePublishGateClient', () => usePublishGateClient()],
  ];
  it.each(hooks)('%s throws a message naming the hook and the provider', (name, hook) => {
    expect(() => renderHook(hook)).toThrow(missingProviderMessage(name));
    expect(missingProviderMessage(name)).toMatch(new RegExp(`^${name}\\(\\) was called outside <PublishGateProvider>\\.`));
  });
});

describe('usePublishPreview', () => {
  it('loads the diff and updates live when the workspace gets a request in flight', async () => {
    server.edit(workspace, 'about.html', 'About\n');
    const { result } = renderHook(() => usePublishPreview(workspace.id), { wrapper: wrapperFor(server.clientFor(builder)) });
    expect(result.current.status).toBe('loading');
    await waitFor(() => expect(result.current.status).toBe('success'));
    expect(result.current.data).toMatchObject({ publishable: true, suggestedSubdomain: 'bob-s-shop', baseline: { kind: 'blueprint' } });
    expect(result.current.data?.diff.files.map((file) => file.path)).toEqual(['about.html']);
    await server.clientFor(builder).requestPublish({ workspaceId: workspace.id, subdomain: 'elsewhere' });
    await waitFor(() => expect(result.current.data?.blockedBy).toBe('in_flight'));
    expect(result.current.data?.inFlight?.subdomain).toBe('elsewhere');
  });

  it('reports a refusal as an error (a builder previewing someone else’s workspace)', async () => {
    const { result } = renderHook(() => usePublishPreview(workspace2.id), { wrapper: wrapperFor(server.clientFor(builder)) });
    await waitFor(() => expect(result.current.status).toBe('error'));
    expect(result.current.error).toMatchObject({ name: 'PublishGateError', code: 'not_found' });
  });

  it('does nothing while disabled', async () => {
    const recorder = recordingFetch();
    const { result } = renderHook(() => usePublishPreview(workspace.id, { enabled: false }), {
      wrapper: wrapperFor(server.clientFor(builder, recorder), { live: false }),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(result.current).toMatchObject({ status: 'loading', isFetching: false });
    expect(recorder.calls).toEqual([]);
  });
});

describe('useSubdomainCheck', () => {
  it('refuses bad syntax at once without asking the server', async () => {
    const recorder = recordingFetch();
    const { result } = renderHook(() => useSubdomainCheck('-bad-', { workspaceId: workspace.id, debounceMs: 10 }), {
      wrapper: wrapperFor(server.clientFor(builder, recorder), { live: false }),
    });
    expect(result.current).toMatchObject({ status: 'invalid', message: 'Subdomain must not start or end with a hyphen.' });
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(recorder.calls).toEqual([]);
  });

  it('debounces keystrokes into one request and reports availability', async () => {
    const recorder = recordingFetch();
    const { result, rerender } = renderHook(({ value }) => useSubdomainCheck(value, { workspaceId: workspace.id, debounceMs: 60 }), {
      initialProps: { value: '' },
      wrapper: wrapperFor(server.clientFor(builder, recorder), { live: false }),
    });
    expect(result.current.status).toBe('idle');
    for (const value of ['m', 'my', 'my-', 'my-s', 'my-sh', 'my-shop']) rerender({ value });
    expect(result.current).toMatchObject({ status: 'checking', value: 'my-shop' });
    await waitFor(() => expect(result.current).toMatchObject({ status: 'available', normalized: 'my-shop' }));
    expect(recorder.calls.map((call) => call.path)).toEqual(['/subdomains/my-shop?workspaceId=ws-bob']);
  });

  it('aborts the request for a value that changed and never shows its answer', async () => {
    await submit(workspace2, 'taken-one');
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const recorder = recordingFetch({
      before: async (_method, path) => {
        if (path.startsWith('/subdomains/taken-one')) await held;
      },
    });
    const { result, rerender } = renderHook(({ value }) => useSubdomainCheck(value, { workspaceId: workspace.id, debounceMs: 5 }), {
      initialProps: { value: 'taken-one' },
      wrapper: wrapperFor(server.clientFor(builder, recorder), { live: false }),
    });
    await waitFor(() => expect(recorder.calls).toHaveLength(1));
    rerender({ value: 'free-one' });
    await waitFor(() => expect(result.current).toMatchObject({ status: 'available', value: 'free-one' }));
    expect(recorder.calls[0]?.signal?.aborted).toBe(true);
    release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(result.current).toMatchObject({ status: 'available', value: 'free-one' });
  });

  it('reports a taken subdomain with suggestions, and rechecks on demand', async () => {
    await submit(workspace2, 'shop');
    const { result } = renderHook(() => useSubdomainCheck('shop', { workspaceId: workspace.id, debounceMs: 5 }), {
      wrapper: wrapperFor(server.clientFor(builder)),
    });
    await waitFor(() => expect(result.current.status).toBe('unavailable'));
    expect(result.current).toMatchObject({ reason: 'taken', suggestions: expect.arrayContaining(['shop-app']) });
    const request = (await server.clientFor(admin).listRequests({ workspaceId: workspace2.id })).items[0] as PublishRequest;
    await server.clientFor(builder2).withdraw(request.id);
    act(() => result.current.recheck());
    expect(result.current.status).toBe('checking');
    await waitFor(() => expect(result.current.status).toBe('available'));
  });
});

describe('useRequestPublish', () => {
  it('submits, reports success, and reports in_flight on a second submit', async () => {
    server.edit(workspace);
    const { result } = renderHook(() => useRequestPublish(), { wrapper: wrapperFor(server.clientFor(builder)) });
    expect(result.current.status).toBe('idle');
    let request: PublishRequest | undefined;
    await act(async () => {
      request = await result.current.submit({ workspaceId: workspace.id, subdomain: 'hook-shop', note: 'hi' });
    });
    expect(request).toMatchObject({ status: 'pending', subdomain: 'hook-shop', note: 'hi' });
    expect(result.current).toMatchObject({ status: 'success', data: { id: request?.id } });
    await act(async () => {
      await expect(result.current.submit({ workspaceId: workspace.id, subdomain: 'hook-shop-2' })).rejects.toMatchObject({
        code: 'in_flight',
      });
    });
    expect(result.current).toMatchObject({ status: 'error', error: { code: 'in_flight' } });
    act(() => result.current.reset());
    expect(result.current.status).toBe('idle');
  });

  it('retries after a lost response with the same idempotency key, so the request is not created twice', async () => {
    server.edit(workspace);
    let dropNext = true;
    const recorder = recordingFetch({
      after: (method) => {
        if (method === 'POST' && dropNext) {
          dropNext = false;
          throw new TypeError('network connection lost');
        }
      },
    });
    const { result } = renderHook(() => useRequestPublish(), { wrapper: wrapperFor(server.clientFor(builder, recorder)) });
    await act(async () => {
      await expect(result.current.submit({ workspaceId: workspace.id, subdomain: 'once-shop' })).rejects.toMatchObject({
        code: 'port_failed',
      });
    });
    let request: PublishRequest | undefined;
    await act(async () => {
      request = await result.current.submit({ workspaceId: workspace.id, subdomain: 'once-shop' });
    });
    const all = await server.clientFor(admin).listRequests({ workspaceId: workspace.id, status: [] });
    expect(all.items.map((item) => item.id)).toEqual([request?.id]);
  });

  it('joins a running submit instead of sending a second one (double click)', async () => {
    server.edit(workspace);
    const recorder = recordingFetch();
    const { result } = renderHook(() => useRequestPublish(), { wrapper: wrapperFor(server.clientFor(builder, recorder)) });
    let pair: PublishRequest[] = [];
    await act(async () => {
      pair = await Promise.all([
        result.current.submit({ workspaceId: workspace.id, subdomain: 'double' }),
        result.current.submit({ workspaceId: workspace.id, subdomain: 'double' }),
      ]);
    });
    expect(pair[0]?.id).toBe(pair[1]?.id);
    expect(recorder.calls.filter((call) => call.method === 'POST')).toHaveLength(1);
  });
});

describe('useWorkspacePublishStatus', () => {
  it('shows the current request and history, live, and withdraws a pending one', async () => {
    const first = await submit(workspace, 'first');
    await server.clientFor(admin).reject(first.id, { feedback: 'No.', expectedVersion: first.version });
    const { result } = renderHook(() => useWorkspacePublishStatus(workspace.id), { wrapper: wrapperFor(server.clientFor(builder)) });
    await waitFor(() => expect(result.current.status).toBe('success'));
    expect(result.current.data).toMatchObject({
      current: { id: first.id, status: 'rejected', decision: { feedback: 'No.' } },
      history: [],
      live: null,
    });

    const second = await submit(workspace, 'second');
    await waitFor(() => expect(result.current.data?.current?.id).toBe(second.id));
    expect(result.current.data?.history.map((item) => item.id)).toEqual([first.id]);

    await act(async () => {
      await result.current.withdraw();
    });
    await waitFor(() => expect(result.current.data?.current?.status).toBe('withdrawn'));
    expect(result.current.withdrawError).toBeUndefined();
  });

  it('shows what is live after an approval', async () => {
    const request = await submit(workspace, 'live-one');
    const { result } = renderHook(() => useWorkspacePublishStatus(workspace.id), { wrapper: wrapperFor(server.clientFor(builder)) });
    await waitFor(() => expect(result.current.data?.current?.status).toBe('pending'));
    await server.clientFor(admin).approve(request.id, { expectedVersion: request.version });
    await waitFor(() => expect(result.current.data?.live?.id).toBe(request.id));
    expect(result.current.data?.current?.pullRequest?.url).toMatch(/^https?:/);
  });
});

describe('useApprovalsQueue', () => {
  it('pages with keyset cursors, follows filters and receives new requests live', async () => {
    const bobs = await submit(workspace, 'bobs');
    const carols = await submit(workspace2, 'carols');
    const { result, rerender } = renderHook(({ status }) => useApprovalsQueue({ status, limit: 1 }), {
      initialProps: { status: 'pending' as const as 'pending' | 'rejected' },
      wrapper: wrapperFor(server.clientFor(admin)),
    });
    await waitFor(() => expect(result.current.items.map((item) => item.id)).toEqual([carols.id]));
    expect(result.current).toMatchObject({ pageIndex: 0, hasPreviousPage: false, hasNextPage: true });
    act(() => result.current.nextPage());
    await waitFor(() => expect(result.current.items.map((item) => item.id)).toEqual([bobs.id]));
    expect(result.current).toMatchObject({ pageIndex: 1, hasPreviousPage: true, hasNextPage: false });
    act(() => result.current.previousPage());
    await waitFor(() => expect(result.current.items.map((item) => item.id)).toEqual([carols.id]));

    await server.clientFor(admin).reject(bobs.id, { expectedVersion: bobs.version });
    rerender({ status: 'rejected' });
    await waitFor(() => expect(result.current.items.map((item) => item.id)).toEqual([bobs.id]));
    expect(result.current.filters.status).toBe('rejected');

    rerender({ status: 'pending' });
    await waitFor(() => expect(result.current.items.map((item) => item.id)).toEqual([carols.id]));
    await server.clientFor(admin).reject(carols.id, { expectedVersion: carols.version });
    await waitFor(() => expect(result.current.items).toEqual([]));
  });
});

describe('useReviewActions', () => {
  it('shows the optimistic status while the approval runs, then the server’s result', async () => {
    const request = await submit();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const recorder = recordingFetch({
      before: async (method, path) => {
        if (method === 'POST' && path.endsWith('/approve')) await held;
      },
    });
    const { result } = renderHook(() => ({ queue: useApprovalsQueue(), review: useReviewActions() }), {
      wrapper: wrapperFor(server.clientFor(admin, recorder)),
    });
    await waitFor(() => expect(result.current.queue.items).toHaveLength(1));
    let done: Promise<unknown> = Promise.resolve();
    act(() => {
      done = result.current.review.approve(request);
    });
    expect(result.current.review.state).toMatchObject({ status: 'pending', action: 'approve', requestId: request.id });
    expect(result.current.queue.items[0]?.status).toBe('approving');
    release();
    await act(async () => {
      await done;
    });
    expect(result.current.review.state).toMatchObject({ status: 'success', request: { status: 'approved' } });
    const approve = recorder.calls.find((call) => call.path.endsWith('/approve'));
    expect(approve).toBeDefined();
    await waitFor(() => expect(result.current.queue.items).toEqual([]));
  });

  it('rolls back on conflict and returns the fresh request', async () => {
    const request = await submit();
    const { result } = renderHook(() => ({ detail: usePublishRequest(request.id), review: useReviewActions() }), {
      wrapper: wrapperFor(server.clientFor(admin), { live: false }),
    });
    await waitFor(() => expect(result.current.detail.data?.status).toBe('pending'));
    await server.clientFor(admin2).reject(request.id, { feedback: 'mine', expectedVersion: request.version });
    await act(async () => {
      await result.current.review.approve(request);
    });
    expect(result.current.review.state).toMatchObject({
      status: 'conflict',
      error: { code: 'conflict' },
      request: { status: 'rejected', decision: { feedback: 'mine', by: { email: admin2.email } } },
    });
    expect(result.current.detail.data?.status).toBe('rejected');
  });

  it('reports invalid_transition (no expected version in play) as a conflict too', async () => {
    const request = await submit();
    const { result } = renderHook(() => useReviewActions(), { wrapper: wrapperFor(server.clientFor(admin), { live: false }) });
    const decided = await server.clientFor(admin2).reject(request.id, { expectedVersion: request.version });
    await act(async () => {
      // The screen already has the new version but not the new status (a partial refresh).
      await result.current.approve({ ...request, version: decided.version });
    });
    expect(result.current.state).toMatchObject({
      status: 'conflict',
      error: { code: 'invalid_transition' },
      request: { status: 'rejected' },
    });
  });

  it('reports other refusals as errors (a builder cannot approve)', async () => {
    const request = await submit();
    const { result } = renderHook(() => useReviewActions(), { wrapper: wrapperFor(server.clientFor(builder2), { live: false }) });
    await act(async () => {
      await result.current.reject(request, { feedback: 'x' });
    });
    expect(result.current.state).toMatchObject({ status: 'error', error: { code: 'not_found' } });
  });
});

describe('useTrustedUsers', () => {
  it('grants and revokes, marking the user pending until the list shows the change', async () => {
    const { result } = renderHook(() => useTrustedUsers({ blueprintId: 'bp-shop' }), { wrapper: wrapperFor(server.clientFor(admin)) });
    await waitFor(() => expect(result.current.status).toBe('success'));
    expect(result.current.data).toEqual([]);
    let granting: Promise<unknown> = Promise.resolve();
    act(() => {
      granting = result.current.grant({ userId: builder.id, email: builder.email });
    });
    expect(result.current.pending.has(builder.id)).toBe(true);
    await act(async () => {
      await granting;
    });
    expect(result.current.pending.size).toBe(0);
    expect(result.current.data).toMatchObject([{ userId: builder.id, active: true, reviewDue: false, grantedBy: { email: admin.email } }]);
    await act(async () => {
      await result.current.revoke({ userId: builder.id, email: builder.email });
    });
    expect(result.current.data).toEqual([]);
  });

  it('surfaces a refused change as mutationError', async () => {
    const { result } = renderHook(() => useTrustedUsers({ blueprintId: 'bp-shop' }), { wrapper: wrapperFor(server.clientFor(builder)) });
    await act(async () => {
      await expect(result.current.grant({ userId: builder.id, email: builder.email })).rejects.toMatchObject({ code: 'forbidden' });
    });
    expect(result.current.mutationError).toMatchObject({ code: 'forbidden' });
  });
});

describe('usePublishRequest', () => {
  it('follows one request live', async () => {
    const request = await submit();
    const { result } = renderHook(() => usePublishRequest(request.id), { wrapper: wrapperFor(server.clientFor(builder)) });
    await waitFor(() => expect(result.current.data?.status).toBe('pending'));
    await server.clientFor(admin).approve(request.id, { expectedVersion: request.version });
    await waitFor(() => expect(result.current.data?.status).toBe('approved'));
  });
});
