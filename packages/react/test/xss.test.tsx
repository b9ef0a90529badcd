import { PublishGateError, type PublishRequest, type TrustView } from '@publishgate/core/client';
import { requestFixture } from '@publishgate/core/testing';
import { screen, waitFor, within } from '@testing-library/react';
import type { ReactElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApprovalsQueue, PublishDialog, PublishStatus, RequestReview, TrustedUsers } from '../src/index.js';
import { admin, builder, startServer, type TestServer } from './harness.js';
import { renderWithClient } from './render.js';
import { firstPublishPreview, stubClient } from './stubClient.js';

/** Markup and script payloads; each must come out as the exact same text, and as nothing else. */
const PAYLOADS = [
  '<img src=x onerror="window.__pgXss=1">',
  '<script>window.__pgXss=1</script>',
  '"><svg onload=window.__pgXss=1>',
  "' onmouseover='window.__pgXss=1' x='",
  '&lt;b&gt;already-escaped&lt;/b&gt; &amp;',
  '<a href="javascript:window.__pgXss=1">click</a>',
];

declare global {
  interface Window {
    __pgXss?: number;
  }
}

/** Elements our components never render: their presence means markup was injected. */
const FOREIGN = 'script, img, svg, iframe, object, embed, math, style, link, meta, base, form[action], a:not([data-pg-pull-request])';

function expectInert(container: HTMLElement, payload: string) {
  expect(container.querySelectorAll(FOREIGN)).toHaveLength(0);
  for (const element of container.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      expect(attribute.name.startsWith('on'), `${element.tagName} has ${attribute.name}`).toBe(false);
      if (attribute.name === 'href') expect(attribute.value).toMatch(/^https?:/);
    }
  }
  expect(container.textContent).toContain(payload);
  expect(window.__pgXss).toBeUndefined();
}

function patchFor(path: string, line: string): string {
  return `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1,2 @@\n-old\n+${line}\n+second\n`;
}

function hostile(payload: string, overrides: Partial<PublishRequest> = {}): PublishRequest {
  const base = requestFixture();
  return {
    ...base,
    workspace: { ...base.workspace, name: payload },
    builder: { ...base.builder, email: payload },
    note: payload,
    diff: {
      files: [{ path: payload, status: 'modified', additions: 2, deletions: 1, binary: false }],
      additions: 2,
      deletions: 1,
      patch: patchFor(payload, payload),
      truncated: false,
    },
    findings: [{ kind: 'secret', path: payload, line: 1, message: payload }],
    ...overrides,
  };
}

function rejected(payload: string): PublishRequest {
  return hostile(payload, {
    status: 'rejected',
    version: 2,
    decision: { kind: 'rejected', by: { id: 'admin-1', email: payload }, at: new Date().toISOString(), feedback: payload },
  });
}

type Position = {
  position: string;
  render: (payload: string) => {
    ui: ReactElement;
    client: ReturnType<typeof stubClient>;
    reveal?: (user: ReturnType<typeof renderWithClient>['user']) => Promise<void>;
  };
};

// Small files start expanded; open the first file only if it is not.
const expandFirstFile = async (user: ReturnType<typeof renderWithClient>['user']) => {
  const toggle = await waitFor(() => {
    const found = document.querySelector<HTMLButtonElement>('button.pg-diff-toggle');
    if (!found) throw new Error('no file toggle yet');
    return found;
  });
  if (toggle.getAttribute('aria-expanded') === 'false') await user.click(toggle);
  expect(toggle).toHaveAttribute('aria-expanded', 'true');
};

const POSITIONS: Position[] = [
  {
    position: 'file names and diff lines (publish dialog)',
    render: (payload) => ({
      ui: <PublishDialog workspaceId="ws-1" open onClose={() => {}} />,
      client: stubClient({
        preview: async () =>
          firstPublishPreview({ diff: hostile(payload).diff, findings: hostile(payload).findings, suggestedSubdomain: 'safe-name' }),
        checkSubdomain: async () => ({ available: false, reason: 'taken', message: payload, suggestions: [] }),
      }),
      reveal: expandFirstFile,
    }),
  },
  {
    position: 'workspace names and emails (approvals queue)',
    render: (payload) => ({
      ui: <ApprovalsQueue />,
      client: stubClient({
        listRequests: async () => ({ items: [hostile(payload)], nextCursor: null }),
        listTrust: async () => [],
      }),
    }),
  },
  {
    position: 'commit note, file names and diff lines (request review)',
    render: (payload) => {
      const request = hostile(payload);
      return {
        ui: <RequestReview request={request} />,
        client: stubClient({ getRequest: async () => request }),
        reveal: expandFirstFile,
      };
    },
  },
  {
    position: 'feedback and reviewer email (publish status)',
    render: (payload) => ({
      ui: <PublishStatus workspaceId="ws-1" />,
      client: stubClient({
        listRequests: async () => ({
          items: [
            rejected(payload),
            hostile(payload, {
              status: 'failed',
              error: { code: 'port_failed', message: payload },
              pullRequest: { number: 7, url: `javascript:alert(1)//${payload}` },
            }),
          ],
          nextCursor: null,
        }),
      }),
    }),
  },
  {
    position: 'emails of trusted builders and granters (trusted users)',
    render: (payload) => {
      const grant: TrustView = {
        blueprintId: 'bp-1',
        userId: 'user-1',
        email: payload,
        grantedBy: { id: 'admin-1', email: payload },
        grantedAt: new Date().toISOString(),
        active: true,
        reviewDue: false,
      };
      return { ui: <TrustedUsers blueprintId="bp-1" blueprintName={payload} />, client: stubClient({ listTrust: async () => [grant] }) };
    },
  },
  {
    position: 'conflict explanation with the other reviewer’s email (request review)',
    render: (payload) => {
      const request = hostile('safe');
      const fresh = rejected(payload);
      return {
        ui: <RequestReview request={request} />,
        client: stubClient({
          getRequest: async () => fresh,
          approve: async () => {
            throw new PublishGateError('conflict', payload);
          },
        }),
        reveal: async (user) => {
          await user.click(await screen.findByRole('button', { name: 'Approve and publish' }));
          await screen.findByText('This request was already decided');
        },
      };
    },
  },
];

afterEach(() => {
  delete window.__pgXss;
});

describe('XSS: user data renders as inert text', () => {
  const table = POSITIONS.flatMap((position) => PAYLOADS.map((payload) => [position.position, payload, position] as const));
  it.each(table)('%s: %s', async (_name, payload, position) => {
    const { ui, client, reveal } = position.render(payload);
    const { container, user } = renderWithClient(ui, client, { storeOptions: { live: false } });
    if (reveal) await reveal(user);
    await waitFor(() => expect(container.textContent).toContain(payload));
    expectInert(container, payload);
  });
});

describe('XSS through a real server', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('workspace name, file name, diff lines, note and feedback stay text from the builder to the admin and back', async () => {
    const payload = '<img src=x onerror="window.__pgXss=1"><script>window.__pgXss=1</script>';
    const ws = { id: 'ws-evil', name: payload, blueprintId: 'bp-shop', ownerId: builder.id };
    server = await startServer({ workspaces: [ws] });
    server.edit(ws, `${payload}.html`, `${payload}\n`);
    const request = await server.clientFor(builder).requestPublish({ workspaceId: ws.id, subdomain: 'evil-shop', note: payload });

    const adminView = renderWithClient(<ApprovalsQueue />, server.clientFor(admin));
    await adminView.user.click(await screen.findByRole('button', { name: `Review ${payload}` }));
    const review = await screen.findByRole('region', { name: `Review: ${payload}` });
    // Small: expanded from the start.
    expect(within(review).getByRole('button', { name: `${payload}.html` })).toHaveAttribute('aria-expanded', 'true');
    expect(within(review).getByText(`+${payload}`)).toBeTruthy();
    expectInert(adminView.container, payload);
    expect(adminView.container.textContent).toContain(`${payload}.html`);
    await server.clientFor(admin).reject(request.id, { feedback: payload, expectedVersion: request.version });
    adminView.unmount();

    const builderView = renderWithClient(<PublishStatus workspaceId={ws.id} />, server.clientFor(builder));
    await within(builderView.container).findByText(payload, { selector: '.pg-feedback .pg-prewrap' });
    expectInert(builderView.container, payload);
  });
});
