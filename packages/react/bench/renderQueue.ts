/**
 * Render time of <ApprovalsQueue> with 1,000 pending requests, in jsdom, React production build.
 *
 * - "mount": `flushSync(root.render(...))` of the queue with the page already in the store's cache,
 *   until React has committed every row to the DOM (no network; what the user waits for once data is there).
 * - "update": the same 1,000 rows re-rendered after one request changed (a live event's refetch).
 * - "renderToString": server-side HTML of the same tree, for comparison without a DOM.
 *
 * A page of 1,000 comes from a stub client: the HTTP API caps a page at 100, so this is 10 pages' worth at once.
 */
import type { PublishRequest } from '@publishgate/core/client';
import { requestFixture } from '@publishgate/core/testing';
import { JSDOM } from 'jsdom';

export type RenderTimes = { rows: number; mountMs: number[]; updateMs: number[]; ssrMs: number[]; mode: string };

export async function measureQueueRender(options: { rows?: number; runs?: number } = {}): Promise<RenderTimes> {
  const rows = options.rows ?? 1_000;
  const runs = options.runs ?? 7;
  process.env.NODE_ENV ??= 'production';
  const dom = new JSDOM('<!doctype html><html><body><div id="root"></div></body></html>', { pretendToBeVisual: true });
  const globals = globalThis as unknown as Record<string, unknown>;
  globals.window = dom.window;
  globals.document = dom.window.document;
  globals.HTMLElement = dom.window.HTMLElement;
  globals.Node = dom.window.Node;
  // Loaded after the DOM globals exist, and after NODE_ENV is set (React picks its build on load).
  const React = await import('react');
  const { flushSync } = await import('react-dom');
  const { createRoot } = await import('react-dom/client');
  const { renderToString } = await import('react-dom/server');
  const { ApprovalsQueue, PublishGateProvider, createPublishGateStore } = await import('../src/index.js');
  const { stubClient } = await import('../test/stubClient.js');

  const items: PublishRequest[] = Array.from({ length: rows }, (_, index) =>
    requestFixture({
      findings: index % 10 === 0 ? [{ kind: 'secret', path: 'config.js', line: 3, message: 'Looks like an AWS access key id.' }] : [],
    }),
  );
  let page = { items, nextCursor: 'more' as string | null };
  const client = stubClient({ listRequests: async () => page, listTrust: async () => [] });

  const mountMs: number[] = [];
  const updateMs: number[] = [];
  const ssrMs: number[] = [];
  const container = dom.window.document.getElementById('root') as HTMLElement;
  for (let run = 0; run < runs; run += 1) {
    const store = createPublishGateStore(client, { live: false });
    await store.requests({ status: ['pending'], limit: rows }).fetch();
    await store.trust().fetch();
    const tree = React.createElement(PublishGateProvider, { store }, React.createElement(ApprovalsQueue, { pageSize: rows }));

    const started = performance.now();
    const ssr = renderToString(tree);
    ssrMs.push(performance.now() - started);
    if (!ssr.includes(items[rows - 1]?.workspace.name as string)) throw new Error('server render is missing rows');

    const root = createRoot(container);
    const mountStart = performance.now();
    flushSync(() => root.render(tree));
    mountMs.push(performance.now() - mountStart);
    const rendered = container.querySelectorAll('tbody tr').length;
    if (rendered !== rows) throw new Error(`expected ${rows} rows, found ${rendered}`);

    // One request changed: the page query gets new data, as after a live event.
    page = { ...page, items: items.map((item, index) => (index === 0 ? { ...item, status: 'approving' } : item)) };
    const query = store.requests({ status: ['pending'], limit: rows });
    await query.refetch();
    const updateStart = performance.now();
    flushSync(() => query.setData(page));
    updateMs.push(performance.now() - updateStart);
    flushSync(() => root.unmount());
    store.dispose();
  }
  dom.window.close();
  return { rows, mountMs, updateMs, ssrMs, mode: process.env.NODE_ENV ?? 'development' };
}
