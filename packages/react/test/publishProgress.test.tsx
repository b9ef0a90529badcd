// Durable publishing: a request stays `approving` while a background job pushes and opens the pull
// request, retrying on its own. Every view of such a request shows where it is, and a failed one
// says how many attempts were made.
import type { AuditEntry, PublishRequest } from '@publishgate/core/client';
import { advance, auditFixture, requestFixture } from '@publishgate/core/testing';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ApprovalsQueue, PublishDialog, PublishStatus, RequestReview } from '../src/index.js';
import { expectNoAxeViolations, renderWithClient } from './render.js';
import { everySubdomainFree, firstPublishPreview, stubClient } from './stubClient.js';

const ada = { id: 'u-ada', email: 'ada@example.com' };
const at = '2026-03-04T05:06:00.000Z';
const nextAttemptAt = '2026-03-04T10:42:30.000Z';
type Progress = NonNullable<PublishRequest['progress']>;

function approving(progress: Omit<Progress, 'since'>, overrides: Partial<PublishRequest> = {}): PublishRequest {
  return advance(requestFixture(overrides), 'approving', {
    decision: { kind: 'approved', by: ada, at },
    progress: { since: at, ...progress },
  });
}

function failed(error: NonNullable<PublishRequest['error']>): PublishRequest {
  return advance(approving({ step: 'opening-pull-request', attempt: 6 }), 'failed', { error });
}

/** Local HH:MM of an ISO instant, computed without the component's formatter: holds in any time zone. */
function localTime(iso: string): string {
  const date = new Date(iso);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

function progressIn(scope: HTMLElement): HTMLElement {
  return within(scope).getByRole('status', { name: 'Publish progress' });
}

describe('publish progress', () => {
  it('each queue row in approving shows its step by name, the attempt from the second one on, and the rate-limit wait in local time', async () => {
    const rows = [
      approving({ step: 'queued', attempt: 0 }, { workspace: { id: 'ws-q', name: 'Queued shop', blueprintId: 'bp', ownerId: 'u-1' } }),
      approving({ step: 'pushing', attempt: 1 }, { workspace: { id: 'ws-p', name: 'Pushing shop', blueprintId: 'bp', ownerId: 'u-1' } }),
      approving(
        { step: 'opening-pull-request', attempt: 2 },
        { workspace: { id: 'ws-o', name: 'Opening shop', blueprintId: 'bp', ownerId: 'u-1' } },
      ),
      approving(
        { step: 'waiting-rate-limit', attempt: 3, nextAttemptAt },
        { workspace: { id: 'ws-w', name: 'Waiting shop', blueprintId: 'bp', ownerId: 'u-1' } },
      ),
    ];
    const client = stubClient({ listRequests: async () => ({ items: rows, nextCursor: null }) });
    renderWithClient(<ApprovalsQueue initialFilters={{ status: 'approving' }} showTrust={false} />, client, {
      storeOptions: { live: false },
    });
    const queue = screen.getByRole('region', { name: 'Publish requests' });
    const row = async (name: string) => within(queue).findByRole('row', { name: new RegExp(name) });

    expect(progressIn(await row('Queued shop'))).toHaveTextContent(/^Queued$/);
    expect(progressIn(await row('Pushing shop'))).toHaveTextContent(/^Pushing the commit$/);
    expect(progressIn(await row('Opening shop'))).toHaveTextContent(/^Opening the pull request · Attempt 2$/);
    const waiting = progressIn(await row('Waiting shop'));
    expect(waiting).toHaveTextContent(`Waiting for the Git host's rate limit, next try ${localTime(nextAttemptAt)} · Attempt 3`);
    expect(waiting.textContent).toMatch(/next try \d{2}:\d{2} /);
    // Four rows publishing at once must not all speak: the queue's indicators are not live.
    expect(waiting).toHaveAttribute('aria-live', 'off');
    await expectNoAxeViolations(queue, 'queue with publishing rows');
  });

  it('the git host and the time format are labels a host overrides', async () => {
    const request = approving({ step: 'waiting-rate-limit', attempt: 1, nextAttemptAt });
    const client = stubClient({ getRequest: async () => request });
    renderWithClient(<RequestReview request={request} />, client, {
      storeOptions: { live: false },
      labels: { progress: { gitHost: 'GitHub' }, common: { formatTime: (iso) => (iso === nextAttemptAt ? '10:42' : 'wrong') } },
    });
    const review = screen.getByRole('region', { name: `Review: ${request.workspace.name}` });
    expect(progressIn(review)).toHaveTextContent(/^Waiting for GitHub's rate limit, next try 10:42$/);
  });

  it("the review shows the step, the attempt and why the previous attempt failed, and announces the step's changes", async () => {
    let current = approving({ step: 'pushing', attempt: 2, lastError: 'The remote hung up.' });
    let emit: ((entry: AuditEntry) => void) | undefined;
    const client = stubClient({
      getRequest: async () => current,
      subscribe: (onEvent) => {
        emit = onEvent;
        return () => {};
      },
    });
    renderWithClient(<RequestReview request={current} />, client, { storeOptions: { coalesceMs: 0 } });
    const review = screen.getByRole('region', { name: `Review: ${current.workspace.name}` });
    const progress = progressIn(review);
    expect(progress).toHaveTextContent(/^Pushing the commit · Attempt 2$/);
    expect(progress).not.toHaveAttribute('aria-live', 'off');
    expect(within(review).getByText('Previous attempt failed: The remote hung up.')).toBeTruthy();
    await expectNoAxeViolations(review, 'review while publishing');

    current = advance(current, 'approving', { progress: { since: at, step: 'opening-pull-request', attempt: 2 } });
    emit?.({ ...auditFixture(current, { type: 'request.progress' }), seq: 2 });
    await waitFor(() => expect(progressIn(review)).toHaveTextContent(/^Opening the pull request · Attempt 2$/));
  });

  it("the builder's status follows request.progress events live, and stops showing progress once published", async () => {
    let current = approving({ step: 'queued', attempt: 0 });
    let emit: ((entry: AuditEntry) => void) | undefined;
    const client = stubClient({
      listRequests: async () => ({ items: [current], nextCursor: null }),
      subscribe: (onEvent) => {
        emit = onEvent;
        return () => {};
      },
    });
    renderWithClient(<PublishStatus workspaceId={current.workspace.id} />, client, { storeOptions: { coalesceMs: 0 } });
    const status = screen.getByRole('region', { name: 'Publish status' });
    await waitFor(() => expect(progressIn(status)).toHaveTextContent(/^Queued$/));

    current = advance(current, 'approving', { progress: { since: at, step: 'waiting-rate-limit', attempt: 1, nextAttemptAt } });
    emit?.({ ...auditFixture(current, { type: 'request.progress' }), seq: 2 });
    await waitFor(() =>
      expect(progressIn(status)).toHaveTextContent(`Waiting for the Git host's rate limit, next try ${localTime(nextAttemptAt)}`),
    );

    // `progress` is kept on the stored request after it leaves approving; it is no longer shown.
    current = advance(current, 'approved', { pullRequest: { number: 7, url: 'https://example.com/pr/7' } });
    emit?.({ ...auditFixture(current, { type: 'request.approved' }), seq: 3 });
    await within(status).findByText('Live at', { exact: false });
    expect(within(status).queryByRole('status', { name: 'Publish progress' })).toBeNull();
  });

  it('a trusted submit answered while still publishing shows the progress in the dialog', async () => {
    const current = approving({ step: 'pushing', attempt: 1 }, { subdomain: 'shop' });
    const client = stubClient({
      preview: async () => firstPublishPreview({ diff: current.diff }),
      checkSubdomain: everySubdomainFree,
      requestPublish: async () => current,
      getRequest: async () => current,
    });
    const { user } = renderWithClient(<PublishDialog workspaceId={current.workspace.id} open onClose={() => {}} />, client, {
      storeOptions: { live: false },
    });
    const dialog = screen.getByRole('dialog');
    await within(dialog).findByText('shop is available.');
    await user.click(within(dialog).getByRole('button', { name: 'Request publish' }));
    await within(dialog).findByText('Auto-approved: publishing to shop now.');
    expect(progressIn(dialog)).toHaveTextContent(/^Pushing the commit$/);
  });

  it('a failed publish shows its error and how many attempts were made: queue row, review and status', async () => {
    const request = failed({ code: 'port_failed', message: 'GitHub answered 502.', retryable: true, attempts: 6 });
    const client = stubClient({
      listRequests: async () => ({ items: [request], nextCursor: null }),
      getRequest: async () => request,
    });
    renderWithClient(
      <>
        <ApprovalsQueue initialFilters={{ status: 'failed' }} showTrust={false} />
        <RequestReview request={request} />
        <PublishStatus workspaceId={request.workspace.id} />
      </>,
      client,
      { storeOptions: { live: false } },
    );
    const queue = screen.getByRole('region', { name: 'Publish requests' });
    const row = await within(queue).findByRole('row', { name: new RegExp(request.workspace.name) });
    expect(within(row).getByRole('cell', { name: 'Publish failed after 6 attempts' })).toBeTruthy();

    const review = screen.getByRole('region', { name: `Review: ${request.workspace.name}` });
    expect(within(review).getByText('Last error: GitHub answered 502.')).toBeTruthy();
    expect(within(review).getByText('Failed after 6 attempts')).toBeTruthy();

    const status = screen.getByRole('region', { name: 'Publish status' });
    expect(await within(status).findByText('Last error: GitHub answered 502.')).toBeTruthy();
    expect(within(status).getByText('Failed after 6 attempts')).toBeTruthy();
  });

  it('a failed publish stored before attempts were counted shows its error without an attempt count', async () => {
    const request = failed({ code: 'port_failed', message: 'GitHub answered 502.' });
    const client = stubClient({ getRequest: async () => request });
    renderWithClient(<RequestReview request={request} />, client, { storeOptions: { live: false } });
    const review = screen.getByRole('region', { name: `Review: ${request.workspace.name}` });
    expect(within(review).getByText('Last error: GitHub answered 502.')).toBeTruthy();
    expect(within(review).queryByText(/attempts?$/)).toBeNull();
  });
});
