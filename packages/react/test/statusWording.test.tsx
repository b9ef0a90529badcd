// Issue 14, item 7: words that contradicted the status. "Published by …" while still publishing; the
// loser of two concurrent approvals read "now Publishing" forever, was told "someone else" decided
// when it was the same admin in another tab; status messages sat in two live regions at once.
import { type AuditEntry, PublishGateError, type PublishRequest, type TrustView } from '@publishgate/core/client';
import { advance, auditFixture, requestFixture } from '@publishgate/core/testing';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { PublishDialog, PublishStatus, RequestReview, TrustedUsers } from '../src/index.js';
import { renderWithClient } from './render.js';
import { everySubdomainFree, firstPublishPreview, stubClient } from './stubClient.js';

const ada = { id: 'u-ada', email: 'ada@example.com' };
const at = '2026-03-04T05:06:00.000Z';

/** Live regions (and alerts) whose text contains `text`: a message must be in exactly one. */
function liveRegionsSaying(scope: ParentNode, text: string): Element[] {
  return [...scope.querySelectorAll('[role="status"], [role="alert"], [aria-live]:not([aria-live="off"])')].filter(
    (element) => element.textContent?.includes(text) && !element.parentElement?.closest('[role="status"], [role="alert"], [aria-live]'),
  );
}

function publishing(): PublishRequest {
  const pending = requestFixture({ subdomain: 'shop' });
  return advance(pending, 'approving', { decision: { kind: 'approved', by: ada, at } });
}

describe('status wording', () => {
  it('regression: a request still publishing reads "Approved by …", never "Published by …" (status, review)', async () => {
    const request = publishing();
    const client = stubClient({
      listRequests: async () => ({ items: [request], nextCursor: null }),
      getRequest: async () => request,
    });
    renderWithClient(
      <>
        <PublishStatus workspaceId={request.workspace.id} />
        <RequestReview request={request} />
      </>,
      client,
      { storeOptions: { live: false } },
    );
    const status = screen.getByRole('region', { name: 'Publish status' });
    await within(status).findByText(/^Approved by ada@example\.com on /);
    const review = screen.getByRole('region', { name: `Review: ${request.workspace.name}` });
    expect(within(review).getByText(/^Approved by ada@example\.com on /)).toBeTruthy();
    expect(document.body.textContent).not.toMatch(/Published by/);
    expect(within(review).getAllByText('Publishing').length).toBeGreaterThan(0);
  });

  it('regression: the loser of two concurrent approvals sees the status follow live, is not told "someone else", and hears it once', async () => {
    const pending = requestFixture({ subdomain: 'shop' });
    // The same admin approved in another tab a moment earlier.
    let current: PublishRequest = publishing();
    current = { ...current, id: pending.id, workspace: pending.workspace, version: pending.version + 1 };
    let emit: ((entry: AuditEntry) => void) | undefined;
    const client = stubClient({
      getRequest: async () => current,
      approve: async () => {
        throw new PublishGateError('conflict', 'The request changed since you loaded it.');
      },
      subscribe: (onEvent) => {
        emit = onEvent;
        return () => {};
      },
    });
    const { user } = renderWithClient(<RequestReview request={pending} />, client, { storeOptions: { coalesceMs: 0 } });
    const review = screen.getByRole('region', { name: `Review: ${pending.workspace.name}` });
    await user.click(within(review).getByRole('button', { name: 'Approve and publish' }));

    const title = await within(review).findByText('This request was already decided');
    const notice = title.closest('.pg-notice') as HTMLElement;
    expect(notice).toHaveTextContent('this request is now Publishing (decided by ada@example.com)');
    expect(review.textContent).not.toMatch(/someone else/i);
    await waitFor(() => expect(liveRegionsSaying(review, 'Your decision was not applied')).toHaveLength(1));

    // Published meanwhile: the event stream says so, and the message follows.
    current = advance(current, 'approved', { pullRequest: { number: 7, url: 'https://example.com/pr/7' } });
    emit?.({ ...auditFixture(current, { type: 'request.approved' }), seq: 9 });
    await waitFor(() => expect(notice).toHaveTextContent('this request is now Published (decided by ada@example.com)'));
    await waitFor(() => expect(within(review).getByRole('status')).toHaveTextContent('now Published'));
    expect(liveRegionsSaying(review, 'Your decision was not applied')).toHaveLength(1);
    expect(review.textContent).not.toMatch(/now Publishing/);
  });

  it('an approval answered while the push still runs says "Publishing…", then "pushed" once it is done', async () => {
    const pending = requestFixture({ subdomain: 'shop' });
    let current: PublishRequest = { ...publishing(), id: pending.id, workspace: pending.workspace, version: pending.version + 1 };
    let emit: ((entry: AuditEntry) => void) | undefined;
    const client = stubClient({
      getRequest: async () => current,
      approve: async () => current,
      subscribe: (onEvent) => {
        emit = onEvent;
        return () => {};
      },
    });
    const { user } = renderWithClient(<RequestReview request={pending} />, client, { storeOptions: { coalesceMs: 0 } });
    const review = screen.getByRole('region', { name: `Review: ${pending.workspace.name}` });
    await user.click(within(review).getByRole('button', { name: 'Approve and publish' }));
    await within(review).findByText('Approved. Publishing: pushing the commit and opening the pull request…');
    expect(within(review).queryByText('Approved. The commit was pushed and the pull request opened.')).toBeNull();

    current = advance(current, 'approved');
    emit?.({ ...auditFixture(current, { type: 'request.approved' }), seq: 3 });
    await within(review).findByText('Approved. The commit was pushed and the pull request opened.');
    expect(liveRegionsSaying(review, 'Approved.')).toHaveLength(1);
  });

  it('a trusted publish answered while still publishing follows the request in the dialog', async () => {
    let current: PublishRequest = { ...publishing(), decision: { kind: 'approved', by: { trust: true }, at } };
    let emit: ((entry: AuditEntry) => void) | undefined;
    const client = stubClient({
      preview: async () => firstPublishPreview({ diff: current.diff }),
      checkSubdomain: everySubdomainFree,
      requestPublish: async () => current,
      getRequest: async () => current,
      subscribe: (onEvent) => {
        emit = onEvent;
        return () => {};
      },
    });
    const { user } = renderWithClient(<PublishDialog workspaceId={current.workspace.id} open onClose={() => {}} />, client, {
      storeOptions: { coalesceMs: 0 },
    });
    const dialog = screen.getByRole('dialog');
    await within(dialog).findByText('shop is available.');
    await user.click(within(dialog).getByRole('button', { name: 'Request publish' }));
    await within(dialog).findByText('Auto-approved: publishing to shop now.');
    current = advance(current, 'approved');
    emit?.({ ...auditFixture(current, { type: 'request.approved' }), seq: 4 });
    await within(dialog).findByText('Auto-approved and published to shop.');
    await waitFor(() => expect(liveRegionsSaying(dialog, 'Auto-approved and published to shop.')).toHaveLength(1));
  });

  it('regression: a failed submit and a refused trust change are each announced by one live region', async () => {
    const client = stubClient({
      preview: async () => firstPublishPreview({ diff: requestFixture().diff }),
      checkSubdomain: everySubdomainFree,
      requestPublish: async () => {
        throw new PublishGateError('port_failed', 'The git remote did not answer.');
      },
      listTrust: async (): Promise<TrustView[]> => [],
      setTrust: async () => {
        throw new PublishGateError('forbidden', 'You cannot trust yourself.');
      },
    });
    const { user } = renderWithClient(
      <>
        <TrustedUsers blueprintId="bp" candidates={[{ userId: 'u-ada', email: 'ada@example.com' }]} />
        <PublishDialog workspaceId="ws-1" open onClose={() => {}} />
      </>,
      client,
      { storeOptions: { live: false } },
    );
    const dialog = screen.getByRole('dialog');
    await within(dialog).findByText('shop is available.');
    await user.click(within(dialog).getByRole('button', { name: 'Request publish' }));
    await within(dialog).findByText(/The git remote did not answer/);
    await waitFor(() => expect(liveRegionsSaying(dialog, 'The git remote did not answer.')).toHaveLength(1));

    const list = screen.getByRole('region', { name: 'Trusted builders: bp' });
    const toggle = within(list).getByRole('switch', { name: 'Auto-approve ada@example.com' });
    await waitFor(() => expect(toggle).toBeEnabled());
    await user.click(toggle);
    await within(list).findByText(/You cannot trust yourself/);
    await waitFor(() => expect(liveRegionsSaying(list, 'You cannot trust yourself.')).toHaveLength(1));
  });
});
