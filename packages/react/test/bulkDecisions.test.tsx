// Issue 17, bulk decisions in the queue: rows are selected with the keyboard, "Approve selected" /
// "Reject selected" confirm with the chosen requests and their findings, one decideMany decides
// each on its own, and every row's outcome is shown, including the ones that failed.
import type { PublishRequest } from '@publishgate/core/client';
import { screen, waitFor, within } from '@testing-library/react';
import type { UserEvent } from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApprovalsQueue } from '../src/index.js';
import { admin, admin2, builder, builder2, idleWorkspace, startServer, type TestServer, workspace, workspace2 } from './harness.js';
import { expectNoAxeViolations, renderWithClient } from './render.js';
import { stubClient } from './stubClient.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

/** Three pending requests; Carol's carries an `.env` file (a finding). */
async function submitThree(): Promise<PublishRequest[]> {
  server.edit(workspace, 'index.html', '<h1>bikes</h1>\n');
  server.edit(workspace2, 'index.html', '<h1>cafe</h1>\n');
  server.edit(workspace2, '.env', 'TOKEN=abc\n');
  server.edit(idleWorkspace, 'index.html', '<h1>idle no more</h1>\n');
  return [
    await server.clientFor(builder).requestPublish({ workspaceId: workspace.id, subdomain: 'bikes' }),
    await server.clientFor(builder2).requestPublish({ workspaceId: workspace2.id, subdomain: 'cafe' }),
    await server.clientFor(builder).requestPublish({ workspaceId: idleWorkspace.id, subdomain: 'idle-app' }),
  ];
}

/** Presses Tab (or Shift+Tab) until `element` has focus; fails if it never gets there. */
async function tabTo(user: UserEvent, element: HTMLElement, options: { shift?: boolean } = {}): Promise<void> {
  for (let step = 0; step < 40 && document.activeElement !== element; step += 1) await user.tab(options);
  expect(element).toHaveFocus();
}

describe('ApprovalsQueue bulk decisions', () => {
  it('selects every pending row with the keyboard, confirms with the list and its findings, and approves the three in one call', async () => {
    const requests = await submitThree();
    const { user } = renderWithClient(<ApprovalsQueue />, server.clientFor(admin));
    const queue = screen.getByRole('region', { name: 'Publish requests' });
    await within(queue).findByRole('row', { name: /Idle app/ });
    await within(queue).findByRole('row', { name: /Carol's blog/ });
    const approveSelected = within(queue).getByRole('button', { name: 'Approve selected' });
    expect(approveSelected).toBeDisabled();
    expect(within(queue).getByText('0 requests selected')).toBeTruthy();

    // Row checkboxes are named after their request; Space toggles them.
    const bobBox = within(queue).getByRole('checkbox', { name: "Select Bob's shop (bikes)" });
    await tabTo(user, bobBox);
    await user.keyboard(' ');
    expect(bobBox).toBeChecked();
    const selectAll = within(queue).getByRole('checkbox', { name: 'Select all pending requests on this page' });
    expect((selectAll as HTMLInputElement).indeterminate).toBe(true);
    await tabTo(user, selectAll, { shift: true });
    await user.keyboard(' ');
    for (const name of ["Select Bob's shop (bikes)", "Select Carol's blog (cafe)", 'Select Idle app (idle-app)'])
      expect(within(queue).getByRole('checkbox', { name })).toBeChecked();
    expect(within(queue).getByText('3 requests selected')).toBeTruthy();
    await expectNoAxeViolations(queue, 'queue with three rows selected');

    await tabTo(user, approveSelected, { shift: true });
    await user.keyboard('{Enter}');
    const dialog = await screen.findByRole('dialog', { name: 'Approve 3 requests' });
    expect(dialog.tagName).toBe('DIALOG');
    const comment = within(dialog).getByLabelText('Comment for the record (optional)');
    await waitFor(() => expect(comment).toHaveFocus());
    const items = within(dialog)
      .getAllByRole('listitem')
      .filter((item) => item.hasAttribute('data-pg-request'));
    expect(items.map((item) => item.getAttribute('data-pg-request'))).toEqual(expect.arrayContaining(requests.map((r) => r.id)));
    expect(items).toHaveLength(3);
    const carolItem = items.find((item) => item.getAttribute('data-pg-request') === requests[1]?.id) as HTMLElement;
    expect(carolItem).toHaveTextContent("Carol's blog");
    expect(carolItem).toHaveTextContent('carol@example.com');
    expect(within(carolItem).getByText('Environment file')).toBeTruthy();
    const bobItem = items.find((item) => item.getAttribute('data-pg-request') === requests[0]?.id) as HTMLElement;
    expect(within(bobItem).getByText('No findings')).toBeTruthy();
    await expectNoAxeViolations(dialog, 'bulk approve confirmation');

    await user.keyboard('Checked all three together');
    await user.tab();
    expect(within(dialog).getByRole('button', { name: 'Approve 3 requests' })).toHaveFocus();
    await user.keyboard('{Enter}');
    const done = await within(dialog).findByRole('button', { name: 'Done' });
    await waitFor(() => expect(done).toHaveFocus());
    for (const item of items) expect(within(item).getByText('Approved')).toBeTruthy();
    expect(within(dialog).getByText('3 requests decided.', { selector: 'p' })).toBeTruthy();
    expect(screen.getAllByRole('status').some((region) => region.textContent === '3 requests decided.')).toBe(true);

    for (const request of requests) {
      const stored = await server.clientFor(admin).getRequest(request.id);
      expect(['approving', 'approved']).toContain(stored.status);
      expect(stored.approvals?.map((approval) => [approval.by.id, approval.comment])).toEqual([[admin.id, 'Checked all three together']]);
    }

    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    // The rows left the pending list, and with them the button that opened the dialog: focus goes to the title.
    await waitFor(() => expect(within(queue).queryByRole('row', { name: /Bob's shop/ })).toBeNull());
    expect(within(queue).getByRole('heading', { name: 'Publish requests' })).toHaveFocus();
  });

  it('a partial failure: the request another admin decided first is reported in words, the others are rejected with the feedback', async () => {
    const [bob, carol] = await submitThree();
    const { user } = renderWithClient(<ApprovalsQueue />, server.clientFor(admin));
    const queue = screen.getByRole('region', { name: 'Publish requests' });
    await within(queue).findByRole('row', { name: /Carol's blog/ });
    await user.click(within(queue).getByRole('checkbox', { name: "Select Bob's shop (bikes)" }));
    await user.click(within(queue).getByRole('checkbox', { name: "Select Carol's blog (cafe)" }));
    expect(within(queue).getByText('2 requests selected')).toBeTruthy();
    await user.click(within(queue).getByRole('button', { name: 'Reject selected' }));
    const dialog = await screen.findByRole('dialog', { name: 'Reject 2 requests' });
    await user.type(within(dialog).getByLabelText('Feedback for the builders (optional)'), 'Not this week, sorry.');

    // Meanwhile a colleague approves Bob's request.
    await server.clientFor(admin2).approve((bob as PublishRequest).id);
    await user.click(within(dialog).getByRole('button', { name: 'Reject 2 requests' }));
    await within(dialog).findByRole('button', { name: 'Done' });
    const bobItem = dialog.querySelector(`[data-pg-request="${bob?.id}"]`) as HTMLElement;
    const carolItem = dialog.querySelector(`[data-pg-request="${carol?.id}"]`) as HTMLElement;
    expect(within(bobItem).getByText('Not decided: it is no longer pending')).toBeTruthy();
    expect(bobItem.querySelector('[data-pg-result]')).toHaveAttribute('data-pg-code', 'invalid_transition');
    expect(within(carolItem).getByText('Rejected')).toBeTruthy();
    expect(within(dialog).getByText('1 decided, 1 not decided.', { selector: 'p' })).toBeTruthy();

    const storedCarol = await server.clientFor(admin).getRequest((carol as PublishRequest).id);
    expect(storedCarol.status).toBe('rejected');
    expect(storedCarol.decision?.feedback).toBe('Not this week, sorry.');
    expect(['approving', 'approved']).toContain((await server.clientFor(admin).getRequest((bob as PublishRequest).id)).status);

    await user.click(within(dialog).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    // Only the idle app is still pending, and nothing is selected (Bob's left the pending rows).
    await waitFor(() => expect(within(queue).getAllByRole('checkbox', { name: /^Select / })).toHaveLength(2));
    expect(within(queue).getByText('0 requests selected')).toBeTruthy();
  });

  it('an approval of a request whose rule needs two approvers says it was recorded, not approved', async () => {
    await server.clientFor(admin).setApprovalRule({ blueprintId: workspace.blueprintId, requiredApprovals: 2 });
    const [bob] = await submitThree();
    const { user } = renderWithClient(<ApprovalsQueue />, server.clientFor(admin));
    const queue = screen.getByRole('region', { name: 'Publish requests' });
    await user.click(await within(queue).findByRole('checkbox', { name: "Select Bob's shop (bikes)" }));
    await user.click(within(queue).getByRole('button', { name: 'Approve selected' }));
    const dialog = await screen.findByRole('dialog', { name: 'Approve 1 request' });
    await user.click(within(dialog).getByRole('button', { name: 'Approve 1 request' }));
    await within(dialog).findByText('Approval recorded: 1 of 2 approvals');
    expect((await server.clientFor(admin).getRequest((bob as PublishRequest).id)).status).toBe('pending');
  });

  it('another status filter starts with nothing selected (the selection belongs to the rows in view)', async () => {
    await submitThree();
    const { user } = renderWithClient(<ApprovalsQueue />, server.clientFor(admin));
    const queue = screen.getByRole('region', { name: 'Publish requests' });
    await user.click(await within(queue).findByRole('checkbox', { name: "Select Bob's shop (bikes)" }));
    expect(within(queue).getByText('1 request selected')).toBeTruthy();
    await user.selectOptions(within(queue).getByRole('combobox', { name: 'Status' }), 'all');
    await waitFor(() => expect(within(queue).getByText('0 requests selected')).toBeTruthy());
    expect(await within(queue).findByRole('checkbox', { name: "Select Bob's shop (bikes)" })).not.toBeChecked();
    expect(within(queue).getByRole('button', { name: 'Approve selected' })).toBeDisabled();
  });

  it('when the call itself fails, nothing is shown as decided, the error is shown, and Escape closes with the rows still selected', async () => {
    const pending = (await submitThree())[0] as PublishRequest;
    const client = stubClient({
      listRequests: async () => ({ items: [pending], nextCursor: null }),
      listTrust: async () => [],
      decideMany: async () => {
        throw new Error('Network down');
      },
    });
    const { user } = renderWithClient(<ApprovalsQueue />, client, { storeOptions: { live: false } });
    const box = await screen.findByRole('checkbox', { name: "Select Bob's shop (bikes)" });
    await user.click(box);
    const opener = screen.getByRole('button', { name: 'Approve selected' });
    await user.click(opener);
    const dialog = await screen.findByRole('dialog', { name: 'Approve 1 request' });
    await user.click(within(dialog).getByRole('button', { name: 'Approve 1 request' }));
    await within(dialog).findByText('The decisions were not sent. Network down', { selector: 'p' });
    expect(dialog.querySelector('[data-pg-result]')).toBeNull();
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(opener).toHaveFocus();
    expect(box).toBeChecked();
  });
});
