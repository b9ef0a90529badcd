import { PublishGateError, type PublishRequest, type TrustView } from '@publishgate/core/client';
import { requestFixture } from '@publishgate/core/testing';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ApprovalsQueue, PublishDialog, PublishStatus, RequestReview, TrustedUsers } from '../src/index.js';
import { expectNoAxeViolations, renderWithClient } from './render.js';
import { forever, stubClient } from './stubClient.js';

// Exact states come from a stub client (the flows against the real server are in the other files);
// each state is rendered, waited for, and checked with axe-core (color-contrast off: jsdom has no layout).

const live = { storeOptions: { live: false } } as const;
const failure = () => Promise.reject(new PublishGateError('port_failed', 'The publish server is unreachable.'));

function sampleRequest(overrides: Partial<PublishRequest> = {}): PublishRequest {
  return requestFixture({
    note: 'Please check the header.',
    diff: {
      files: [
        { path: 'index.html', status: 'modified', additions: 1, deletions: 1, binary: false },
        { path: 'logo.png', status: 'added', additions: 0, deletions: 0, binary: true },
        { path: 'new-name.css', oldPath: 'old-name.css', status: 'renamed', additions: 0, deletions: 0, binary: false },
      ],
      additions: 1,
      deletions: 1,
      patch: 'diff --git a/index.html b/index.html\n--- a/index.html\n+++ b/index.html\n@@ -1 +1 @@\n-<h1>Hello</h1>\n+<h1>Hi</h1>\n',
      truncated: true,
    },
    findings: [
      { kind: 'secret', path: 'index.html', line: 1, message: 'Looks like an AWS access key id.' },
      { kind: 'binary', path: 'logo.png', message: 'logo.png is a binary file.' },
    ],
    ...overrides,
  });
}

const preview = (overrides: Record<string, unknown> = {}) =>
  Promise.resolve({
    baseline: { kind: 'blueprint' as const },
    diff: sampleRequest().diff,
    findings: sampleRequest().findings,
    suggestedSubdomain: 'my-shop',
    publishable: true,
    publication: null,
    inFlight: null,
    ...overrides,
  });

describe('axe: PublishDialog', () => {
  it('loading', async () => {
    renderWithClient(<PublishDialog workspaceId="ws-1" open onClose={() => {}} />, stubClient({ preview: forever }), live);
    await screen.findByText('Loading your changes…', { selector: '.pg-loading' });
    await expectNoAxeViolations(document.body, 'loading');
  });

  it('error', async () => {
    renderWithClient(<PublishDialog workspaceId="ws-1" open onClose={() => {}} />, stubClient({ preview: failure }), live);
    await screen.findByRole('alert');
    await expectNoAxeViolations(document.body, 'error');
  });

  it('filled: diff expanded, findings, subdomain available', async () => {
    const { user } = renderWithClient(
      <PublishDialog workspaceId="ws-1" open onClose={() => {}} debounceMs={0} />,
      stubClient({ preview: () => preview(), checkSubdomain: async () => ({ available: true, normalized: 'my-shop' }) }),
      live,
    );
    await screen.findByText('my-shop is available.');
    await user.click(screen.getByRole('button', { name: 'index.html' }));
    await user.click(screen.getByRole('button', { name: 'logo.png' }));
    // Truncation, binaries and renames are said in words, not only styled.
    expect(screen.getByText(/^The patch was truncated/)).toBeTruthy();
    expect(screen.getAllByText('Binary file: contents not shown.').length).toBeGreaterThan(0);
    expect(screen.getByText('renamed from old-name.css', { exact: false })).toBeTruthy();
    expect(screen.getByText('Looks like an AWS access key id.')).toBeTruthy();
    await expectNoAxeViolations(document.body, 'filled');
  });

  it('unavailable with suggestions, and invalid', async () => {
    const { user } = renderWithClient(
      <PublishDialog workspaceId="ws-1" open onClose={() => {}} debounceMs={0} />,
      stubClient({
        preview: () => preview(),
        checkSubdomain: async () => ({
          available: false,
          reason: 'taken',
          message: '"my-shop" is already used.',
          suggestions: ['my-shop-app', 'my-shop-2'],
        }),
      }),
      live,
    );
    await screen.findByRole('button', { name: 'Use my-shop-app' });
    await expectNoAxeViolations(document.body, 'unavailable');
    const field = screen.getByRole('textbox', { name: 'Subdomain' });
    await user.clear(field);
    await user.type(field, 'a_b');
    await screen.findByText('Subdomain may contain only letters a–z, digits and hyphens.');
    await expectNoAxeViolations(document.body, 'invalid');
  });

  it('disabled: nothing to publish, and in flight', async () => {
    const { unmount } = renderWithClient(
      <PublishDialog workspaceId="ws-1" open onClose={() => {}} />,
      stubClient({
        preview: () =>
          preview({
            diff: { files: [], additions: 0, deletions: 0, patch: '', truncated: false },
            findings: [],
            publishable: false,
            blockedBy: 'nothing_to_publish',
          }),
        checkSubdomain: async () => ({ available: true, normalized: 'my-shop' }),
      }),
      live,
    );
    await screen.findByText('Nothing to publish: the workspace is the same as what is live.');
    await expectNoAxeViolations(document.body, 'nothing to publish');
    unmount();
    renderWithClient(
      <PublishDialog workspaceId="ws-1" open onClose={() => {}} />,
      stubClient({
        preview: () => preview({ publishable: false, blockedBy: 'in_flight', inFlight: sampleRequest() }),
        checkSubdomain: forever,
      }),
      live,
    );
    await screen.findByText('This workspace already has a publish request in progress.');
    await expectNoAxeViolations(document.body, 'in flight');
  });

  it('submitted (pending) and auto-approved', async () => {
    for (const status of ['pending', 'approved'] as const) {
      const request = sampleRequest({
        status,
        subdomain: 'my-shop',
        ...(status === 'approved' ? { pullRequest: { number: 3, url: 'https://git.example.com/pr/3' } } : {}),
      });
      const { user, unmount } = renderWithClient(
        <PublishDialog workspaceId="ws-1" open onClose={() => {}} debounceMs={0} />,
        stubClient({
          preview: () => preview(),
          checkSubdomain: async () => ({ available: true, normalized: 'my-shop' }),
          requestPublish: async () => request,
        }),
        live,
      );
      await screen.findByText('my-shop is available.');
      await user.click(screen.getByRole('button', { name: 'Request publish' }));
      await screen.findByRole('button', { name: 'Done' });
      await expectNoAxeViolations(document.body, `submitted ${status}`);
      unmount();
    }
  });
});

describe('axe: ApprovalsQueue and RequestReview', () => {
  it('loading, error, empty', async () => {
    const loading = renderWithClient(<ApprovalsQueue />, stubClient({ listRequests: forever, listTrust: forever }), live);
    await screen.findByText('Loading…');
    await expectNoAxeViolations(loading.container, 'loading');
    loading.unmount();
    const error = renderWithClient(<ApprovalsQueue />, stubClient({ listRequests: failure, listTrust: async () => [] }), live);
    await screen.findByRole('alert');
    await expectNoAxeViolations(error.container, 'error');
    error.unmount();
    const empty = renderWithClient(
      <ApprovalsQueue />,
      stubClient({ listRequests: async () => ({ items: [], nextCursor: null }), listTrust: async () => [] }),
      live,
    );
    await screen.findByText('No requests match these filters.');
    await expectNoAxeViolations(empty.container, 'empty');
  });

  it('filled with trust badge, findings and paging; then a review open', async () => {
    const requests = [sampleRequest(), sampleRequest({ findings: [] })];
    const grant: TrustView = {
      blueprintId: requests[0]?.workspace.blueprintId as string,
      userId: requests[0]?.builder.id as string,
      email: requests[0]?.builder.email as string,
      grantedBy: { id: 'admin-1', email: 'ada@example.com' },
      grantedAt: new Date().toISOString(),
      active: true,
      reviewDue: false,
    };
    const { container, user } = renderWithClient(
      <ApprovalsQueue blueprints={[{ id: 'bp-1', name: 'Shop' }]} />,
      stubClient({
        listRequests: async () => ({ items: requests, nextCursor: 'next' }),
        listTrust: async () => [grant],
        getRequest: async () => requests[0] as PublishRequest,
      }),
      live,
    );
    await screen.findByText('Trusted builder');
    await expectNoAxeViolations(container, 'filled');
    await user.click(screen.getAllByRole('button', { name: /^Review/ })[0] as HTMLElement);
    const review = await screen.findByRole('region', { name: /^Review:/ });
    await user.click(within(review).getByRole('button', { name: 'index.html' }));
    await expectNoAxeViolations(container, 'review open');
  });

  it('RequestReview: loading, error, rejecting, conflict, decided, failed', async () => {
    const request = sampleRequest();
    const loading = renderWithClient(<RequestReview request="r-1" />, stubClient({ getRequest: forever }), live);
    await screen.findByText('Loading…');
    await expectNoAxeViolations(loading.container, 'loading');
    loading.unmount();

    const error = renderWithClient(<RequestReview request="r-1" />, stubClient({ getRequest: failure }), live);
    await screen.findByRole('alert');
    await expectNoAxeViolations(error.container, 'error');
    error.unmount();

    const fresh = sampleRequest({
      ...request,
      status: 'approved',
      version: 3,
      decision: { kind: 'approved', by: { id: 'admin-2', email: 'grace@example.com' }, at: new Date().toISOString() },
    });
    const conflict = renderWithClient(
      <RequestReview request={request} trusted />,
      stubClient({
        getRequest: async () => fresh,
        reject: async () => {
          throw new PublishGateError('conflict', 'The request changed since you loaded it.');
        },
      }),
      live,
    );
    await conflict.user.click(screen.getByRole('button', { name: 'Reject…' }));
    await conflict.user.type(screen.getByRole('textbox', { name: /Feedback/ }), 'No thanks');
    await expectNoAxeViolations(conflict.container, 'rejecting');
    await conflict.user.click(screen.getByRole('button', { name: 'Reject request' }));
    await screen.findByText('This request was already decided');
    await expectNoAxeViolations(conflict.container, 'conflict');
    conflict.unmount();

    const decided = sampleRequest({
      status: 'rejected',
      decision: {
        kind: 'rejected',
        by: { id: 'admin-1', email: 'ada@example.com' },
        at: new Date().toISOString(),
        feedback: 'Remove the key.',
      },
    });
    const decidedView = renderWithClient(<RequestReview request={decided} />, stubClient({ getRequest: async () => decided }), live);
    await screen.findByText('Remove the key.');
    await expectNoAxeViolations(decidedView.container, 'decided');
    decidedView.unmount();

    const failed = sampleRequest({ status: 'failed', error: { code: 'port_failed', message: 'git push failed' } });
    const failedView = renderWithClient(<RequestReview request={failed} />, stubClient({ getRequest: async () => failed }), live);
    await screen.findByRole('button', { name: 'Retry publishing' });
    await expectNoAxeViolations(failedView.container, 'failed');
  });
});

describe('axe: TrustedUsers', () => {
  it('loading, error, empty, filled (review due, expired, untrusted candidate)', async () => {
    const loading = renderWithClient(
      <TrustedUsers blueprintId="bp-1" candidates={[{ userId: 'u-9', email: 'eve@example.com' }]} />,
      stubClient({ listTrust: forever }),
      live,
    );
    await screen.findByText('Loading who is trusted…');
    await expectNoAxeViolations(loading.container, 'loading');
    loading.unmount();
    const error = renderWithClient(<TrustedUsers blueprintId="bp-1" />, stubClient({ listTrust: failure }), live);
    await screen.findByRole('alert');
    await expectNoAxeViolations(error.container, 'error');
    error.unmount();
    const empty = renderWithClient(<TrustedUsers blueprintId="bp-1" />, stubClient({ listTrust: async () => [] }), live);
    await screen.findByText('No trusted builders on this blueprint.');
    await expectNoAxeViolations(empty.container, 'empty');
    empty.unmount();
    const now = Date.now();
    const grants: TrustView[] = [
      {
        blueprintId: 'bp-1',
        userId: 'u-1',
        email: 'bob@example.com',
        grantedBy: { id: 'a', email: 'ada@example.com' },
        grantedAt: new Date(now).toISOString(),
        active: true,
        reviewDue: false,
      },
      {
        blueprintId: 'bp-1',
        userId: 'u-2',
        email: 'carol@example.com',
        grantedBy: { id: 'a', email: 'ada@example.com' },
        grantedAt: new Date(now).toISOString(),
        expiresAt: new Date(now + 86_400_000).toISOString(),
        active: true,
        reviewDue: true,
      },
      {
        blueprintId: 'bp-1',
        userId: 'u-3',
        email: 'dan@example.com',
        grantedBy: { id: 'a', email: 'ada@example.com' },
        grantedAt: new Date(now - 9e8).toISOString(),
        expiresAt: new Date(now - 1000).toISOString(),
        active: false,
        reviewDue: true,
      },
    ];
    const filled = renderWithClient(
      <TrustedUsers blueprintId="bp-1" blueprintName="Shop" candidates={[{ userId: 'u-4', email: 'erin@example.com' }]} />,
      stubClient({ listTrust: async () => grants, setTrust: forever }),
      live,
    );
    await screen.findByText('Review due');
    await expectNoAxeViolations(filled.container, 'filled');
    // A change in progress (the switch disabled, the row busy).
    await filled.user.click(screen.getByRole('switch', { name: 'Auto-approve erin@example.com' }));
    await waitFor(() => screen.getByRole('switch', { name: 'Auto-approve erin@example.com' }).hasAttribute('disabled'));
    await expectNoAxeViolations(filled.container, 'saving');
  });
});

describe('axe: PublishStatus', () => {
  it('loading, error, empty, filled with feedback and history, pending with withdraw', async () => {
    const loading = renderWithClient(<PublishStatus workspaceId="ws-1" />, stubClient({ listRequests: forever }), live);
    await screen.findByText('Loading…');
    await expectNoAxeViolations(loading.container, 'loading');
    loading.unmount();
    const error = renderWithClient(<PublishStatus workspaceId="ws-1" />, stubClient({ listRequests: failure }), live);
    await screen.findByRole('alert');
    await expectNoAxeViolations(error.container, 'error');
    error.unmount();
    const empty = renderWithClient(
      <PublishStatus workspaceId="ws-1" />,
      stubClient({ listRequests: async () => ({ items: [], nextCursor: null }) }),
      live,
    );
    await screen.findByText('This workspace has not been sent for publishing yet.');
    await expectNoAxeViolations(empty.container, 'empty');
    empty.unmount();
    const items = [
      sampleRequest({ status: 'pending' }),
      sampleRequest({
        status: 'rejected',
        decision: {
          kind: 'rejected',
          by: { id: 'a', email: 'ada@example.com' },
          at: new Date().toISOString(),
          feedback: 'Add a privacy page.',
        },
      }),
      sampleRequest({
        status: 'approved',
        pullRequest: { number: 4, url: 'https://git.example.com/pr/4' },
        decision: { kind: 'approved', by: { trust: true }, at: new Date().toISOString() },
      }),
    ];
    const filled = renderWithClient(
      <PublishStatus workspaceId="ws-1" />,
      stubClient({ listRequests: async () => ({ items, nextCursor: null }) }),
      live,
    );
    await screen.findByText('Add a privacy page.');
    await screen.findByRole('button', { name: 'Withdraw request' });
    await expectNoAxeViolations(filled.container, 'filled');
  });
});
