import type { PublishRequest } from '@publishgate/core/client';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApprovalsQueue, RequestReview } from '../src/index.js';
import { admin, admin2, builder, startServer, type TestServer, workspace } from './harness.js';
import { renderWithClient } from './render.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

async function submit(): Promise<PublishRequest> {
  server.edit(workspace, 'index.html', '<h1>two keys</h1>\n');
  return server.clientFor(builder).requestPublish({ workspaceId: workspace.id, subdomain: 'two-keys' });
}

describe('a 2-of-2 approval rule in the queue and the review', () => {
  it('the first admin sees "1 of 2 approvals" recorded with who approved; the second admin publishes', async () => {
    await server.clientFor(admin).setApprovalRule({ blueprintId: workspace.blueprintId, requiredApprovals: 2 });
    const request = await submit();
    const { user } = renderWithClient(<ApprovalsQueue />, server.clientFor(admin));
    const queue = screen.getByRole('region', { name: 'Publish requests' });
    const row = await within(queue).findByRole('row', { name: /Bob's shop/ });
    expect(within(row).getByText('0 of 2 approvals')).toBeTruthy();

    await user.click(within(row).getByRole('button', { name: "Review Bob's shop" }));
    const review = await screen.findByRole('region', { name: "Review: Bob's shop" });
    expect(review.querySelector('[data-pg-field="approvals"]')).toHaveTextContent('0 of 2 approvals');
    await user.click(within(review).getByRole('button', { name: 'Approve and publish' }));
    await within(review).findByText('Your approval was recorded: 1 of 2 approvals. Publishing starts once enough approvers agreed.');
    await waitFor(() => expect(review.querySelector('[data-pg-field="approvals"]')).toHaveTextContent('1 of 2 approvals'));
    expect(review.querySelector('[data-pg-approval="admin-1"]')).toHaveTextContent(/^ada@example\.com on /);
    expect(within(review).getByText('Pending review')).toBeTruthy();
    expect((await server.clientFor(admin).getRequest(request.id)).status).toBe('pending');

    await user.click(within(review).getByRole('button', { name: 'Back to the requests' }));
    const updated = await within(queue).findByRole('row', { name: /Bob's shop/ });
    await waitFor(() => expect(within(updated).getByText('1 of 2 approvals, approved by ada@example.com')).toBeTruthy());
    cleanup();

    const second = renderWithClient(
      <RequestReview request={await server.clientFor(admin2).getRequest(request.id)} />,
      server.clientFor(admin2),
    );
    const secondReview = await screen.findByRole('region', { name: "Review: Bob's shop" });
    await second.user.click(within(secondReview).getByRole('button', { name: 'Approve and publish' }));
    await within(secondReview).findByText(/^Approved\./);
    await waitFor(() => expect(within(secondReview).getByText('Published')).toBeTruthy());
    const stored = await server.clientFor(admin).getRequest(request.id);
    expect(stored.status).toBe('approved');
    expect(stored.approvals?.map((approval) => approval.by.email)).toEqual(['ada@example.com', 'grace@example.com']);
  });

  it('a request without a multi-approval rule shows no approval count', async () => {
    await submit();
    renderWithClient(<ApprovalsQueue />, server.clientFor(admin));
    const row = await screen.findByRole('row', { name: /Bob's shop/ });
    expect(row.querySelector('[data-pg-approvals]')).toBeNull();
  });
});
