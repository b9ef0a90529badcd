import type { PublishRequest } from '@publishgate/core/client';
import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApprovalsQueue, RequestReview } from '../src/index.js';
import { admin, admin2, builder, builder2, startServer, type TestServer, workspace, workspace2 } from './harness.js';
import { renderWithClient } from './render.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

async function submit(ws = workspace, subdomain = 'bobs-shop', note?: string): Promise<PublishRequest> {
  const owner = ws === workspace ? builder : builder2;
  server.edit(ws, 'index.html', `<h1>${subdomain}</h1>\n`);
  server.edit(ws, 'app.js', 'console.log(1);\nconsole.log(2);\n');
  return server.clientFor(owner).requestPublish({ workspaceId: ws.id, subdomain, ...(note ? { note } : {}) });
}

function rowFor(name: string): HTMLElement {
  const cell = screen.getByRole('cell', { name });
  return cell.closest('tr') as HTMLElement;
}

describe('admin flow against a real server', () => {
  it('lists the five fields and the diff preview, reviews the full diff and approves', async () => {
    const request = await submit(workspace, 'bobs-shop', 'First version, please check the header.');
    const { user } = renderWithClient(<ApprovalsQueue />, server.clientFor(admin));
    const queue = screen.getByRole('region', { name: 'Publish requests' });
    const row = await within(queue).findByRole('row', { name: /Bob's shop/ });
    // The first cell holds the row's selection checkbox (bulk decisions).
    const cells = within(row).getAllByRole('cell').slice(1);
    expect(within(row).getByRole('checkbox', { name: "Select Bob's shop (bobs-shop)" })).not.toBeChecked();
    expect(cells[0]).toHaveTextContent("Bob's shop");
    expect(cells[1]).toHaveTextContent('bob@example.com');
    expect(cells[2]).toHaveTextContent('bobs-shop');
    expect(within(cells[3] as HTMLElement).getByText((_, element) => element?.tagName === 'TIME')).toHaveAttribute(
      'datetime',
      request.createdAt,
    );
    expect(cells[4]).toHaveTextContent('2 files');
    expect(cells[4]).toHaveTextContent('+3 −1');
    expect(cells[4]).toHaveTextContent('app.js, index.html');
    expect(cells[5]).toHaveTextContent('Pending review');

    await user.click(within(row).getByRole('button', { name: "Review Bob's shop" }));
    const review = await screen.findByRole('region', { name: "Review: Bob's shop" });
    await waitFor(() => expect(within(review).getByRole('heading', { name: "Review: Bob's shop" })).toHaveFocus());
    expect(within(review).getByText('First version, please check the header.')).toBeTruthy();
    const terms = within(review)
      .getAllByRole('term')
      .map((term) => [term.textContent, term.nextElementSibling?.textContent]);
    expect(terms).toEqual(
      expect.arrayContaining([
        ['Workspace', "Bob's shop"],
        ['Builder', 'bob@example.com'],
        ['Subdomain', 'bobs-shop'],
        ['Changes', '2 files, +3 −1'],
        ['Status', 'Pending review'],
      ]),
    );
    expect(review.querySelector('[data-pg-field="submitted"] time')).toHaveAttribute('datetime', request.createdAt);
    expect(within(review).getByText('2 files changed, 3 additions, 1 deletion')).toBeTruthy();
    // Small files start expanded: the changed lines show without a click.
    expect(within(review).getByRole('button', { name: 'app.js' })).toHaveAttribute('aria-expanded', 'true');
    expect(within(review).getByText('+console.log(2);')).toBeVisible();

    await user.click(within(review).getByRole('button', { name: 'Approve and publish' }));
    await within(review).findByText('Approved. The commit was pushed and the pull request opened.');
    expect(within(review).getByRole('status')).toHaveTextContent('Approved.');
    await waitFor(() => expect(within(review).getByText('Published')).toBeTruthy());
    expect(within(review).getByRole('link', { name: /Pull request #\d+/ })).toBeTruthy();
    const stored = await server.clientFor(admin).getRequest(request.id);
    expect(stored.status).toBe('approved');
    expect(server.git.remoteBranch(stored.branch as string)).toBe(request.sha);

    // Back in the queue (pending only), the decided request is gone and the list says so.
    await user.click(within(review).getByRole('button', { name: 'Back to the requests' }));
    await within(queue).findByText('No requests match these filters.');
  });

  it('shows new requests live and announces the change', async () => {
    renderWithClient(<ApprovalsQueue />, server.clientFor(admin));
    const queue = screen.getByRole('region', { name: 'Publish requests' });
    await within(queue).findByText('No requests match these filters.');
    await submit(workspace2, 'carols-blog');
    await within(queue).findByRole('row', { name: /Carol's blog/ }, { timeout: 5_000 });
    await waitFor(() => expect(within(queue).getByRole('status')).toHaveTextContent('Queue updated: 1 request.'));
  });

  it('rejects with feedback, the builder receives it, and the request leaves the pending queue', async () => {
    const request = await submit();
    const { user } = renderWithClient(<ApprovalsQueue />, server.clientFor(admin));
    await user.click(await screen.findByRole('button', { name: "Review Bob's shop" }));
    const review = await screen.findByRole('region', { name: "Review: Bob's shop" });
    await user.click(within(review).getByRole('button', { name: 'Reject…' }));
    const feedback = within(review).getByRole('textbox', { name: 'Feedback for the builder (optional)' });
    await waitFor(() => expect(feedback).toHaveFocus());
    await user.type(feedback, 'The header image is missing.');
    await user.click(within(review).getByRole('button', { name: 'Reject request' }));
    await within(review).findByText('Rejected. The builder was notified.');
    const stored = await server.clientFor(builder).getRequest(request.id);
    expect(stored.status).toBe('rejected');
    expect(stored.decision?.feedback).toBe('The header image is missing.');
    await waitFor(() => expect(within(review).getByText('The header image is missing.')).toBeTruthy());
    await user.click(within(review).getByRole('button', { name: 'Back to the requests' }));
    await screen.findByText('No requests match these filters.');
  });

  it('explains a conflict when another admin decided first, and shows the fresh request instead of the optimistic one', async () => {
    const request = await submit();
    // Without the live stream the screen goes stale, as a slow network or a long lunch would make it.
    const { user } = renderWithClient(<RequestReview request={request.id} />, server.clientFor(admin), { storeOptions: { live: false } });
    const review = await screen.findByRole('region', { name: "Review: Bob's shop" });
    await server.clientFor(admin2).approve(request.id, { expectedVersion: request.version });

    await user.click(within(review).getByRole('button', { name: 'Reject…' }));
    await user.type(within(review).getByRole('textbox', { name: /Feedback/ }), 'Too late');
    await user.click(within(review).getByRole('button', { name: 'Reject request' }));
    const notice = (await within(review).findByText('This request was already decided')).closest('.pg-notice') as HTMLElement;
    expect(notice).toHaveTextContent('Your decision was not applied: this request is now Published (decided by grace@example.com).');
    expect(within(review).getByRole('status')).toHaveTextContent('Your decision was not applied');
    // Rolled back from the optimistic "Rejected" to the server's truth.
    expect(within(review).getAllByText('Published').length).toBeGreaterThan(0);
    expect(within(review).queryByText('Rejected')).toBeNull();
    expect(within(review).queryByRole('button', { name: 'Approve and publish' })).toBeNull();
    expect((await server.clientFor(admin).getRequest(request.id)).status).toBe('approved');
  });

  it('updates an open review live when another admin decides, removing the decision buttons', async () => {
    const request = await submit();
    renderWithClient(<RequestReview request={request} />, server.clientFor(admin));
    const review = await screen.findByRole('region', { name: "Review: Bob's shop" });
    expect(within(review).getByRole('button', { name: 'Approve and publish' })).toBeEnabled();
    await server.clientFor(admin2).reject(request.id, { feedback: 'Decided elsewhere', expectedVersion: request.version });
    await within(review).findByText('This request is Rejected: there is nothing to decide.', {}, { timeout: 5_000 });
    expect(within(review).getByText('Decided elsewhere')).toBeTruthy();
    expect(within(review).queryByRole('button', { name: 'Approve and publish' })).toBeNull();
  });

  it('completes a review with the keyboard only and returns focus to the queue', async () => {
    const request = await submit();
    await submit(workspace2, 'carols-blog');
    const { user } = renderWithClient(<ApprovalsQueue />, server.clientFor(admin));
    const queue = screen.getByRole('region', { name: 'Publish requests' });
    await within(queue).findByRole('row', { name: /Bob's shop/ });
    await within(queue).findByRole('row', { name: /Carol's blog/ });

    // Status and delivery filters, "select all", then each row's checkbox and review button, newest
    // (Carol's) first. ("Approve selected" / "Reject selected" are disabled while nothing is selected.)
    await user.tab();
    expect(within(queue).getByRole('combobox', { name: 'Status' })).toHaveFocus();
    await user.tab();
    expect(within(queue).getByRole('combobox', { name: 'Delivery' })).toHaveFocus();
    await user.tab();
    expect(within(queue).getByRole('checkbox', { name: 'Select all pending requests on this page' })).toHaveFocus();
    await user.tab();
    expect(within(queue).getByRole('checkbox', { name: "Select Carol's blog (carols-blog)" })).toHaveFocus();
    await user.tab();
    expect(within(queue).getByRole('button', { name: "Review Carol's blog" })).toHaveFocus();
    await user.tab();
    expect(within(queue).getByRole('checkbox', { name: "Select Bob's shop (bobs-shop)" })).toHaveFocus();
    await user.tab();
    const bobsButton = within(queue).getByRole('button', { name: "Review Bob's shop" });
    expect(bobsButton).toHaveFocus();
    await user.keyboard('{Enter}');
    const review = await within(queue).findByRole('region', { name: "Review: Bob's shop" });
    await waitFor(() => expect(within(review).getByRole('heading', { name: "Review: Bob's shop" })).toHaveFocus());
    await user.tab(); // back
    await user.tab(); // approve
    expect(within(review).getByRole('button', { name: 'Approve and publish' })).toHaveFocus();
    await user.tab(); // reject…
    await user.keyboard('{Enter}');
    const feedback = within(review).getByRole('textbox', { name: /Feedback/ });
    await waitFor(() => expect(feedback).toHaveFocus());
    // Cancel brings focus back to the reject button; open it again.
    await user.tab();
    await user.tab();
    expect(within(review).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(within(review).getByRole('button', { name: 'Reject…' })).toHaveFocus());
    await user.keyboard('{Enter}');
    await waitFor(() => expect(within(review).getByRole('textbox', { name: /Feedback/ })).toHaveFocus());
    await user.keyboard('Needs a favicon.');
    await user.tab();
    expect(within(review).getByRole('button', { name: 'Reject request' })).toHaveFocus();
    await user.keyboard('{Enter}');
    await within(review).findByText('Rejected. The builder was notified.');
    expect((await server.clientFor(admin).getRequest(request.id)).decision?.feedback).toBe('Needs a favicon.');

    // Focus stays in the review (on the outcome); Back is one Shift+Tab away. Bob's row left the
    // pending queue, so focus lands on the queue's title.
    await user.tab({ shift: true });
    expect(within(review).getByRole('button', { name: 'Back to the requests' })).toHaveFocus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(within(queue).getByRole('heading', { name: 'Publish requests' })).toHaveFocus());
    await waitFor(() => expect(within(queue).queryByRole('row', { name: /Bob's shop/ })).toBeNull());
    // From the title, Tab continues into the queue.
    await user.tab();
    expect(within(queue).getByRole('combobox', { name: 'Status' })).toHaveFocus();
  });

  it('filters by status and blueprint and pages through results', async () => {
    const bobs = await submit(workspace, 'bobs-shop');
    await submit(workspace2, 'carols-blog');
    await server.clientFor(admin).reject(bobs.id, { expectedVersion: bobs.version });
    const { user } = renderWithClient(
      <ApprovalsQueue
        pageSize={1}
        blueprints={[
          { id: 'bp-shop', name: 'Shop' },
          { id: 'bp-other', name: 'Other' },
        ]}
      />,
      server.clientFor(admin),
    );
    const queue = screen.getByRole('region', { name: 'Publish requests' });
    await within(queue).findByRole('row', { name: /Carol's blog/ });
    expect(within(queue).queryByRole('button', { name: 'Next page' })).toBeNull();

    await user.selectOptions(within(queue).getByRole('combobox', { name: 'Status' }), 'All statuses');
    await within(queue).findByRole('button', { name: 'Next page' });
    expect(within(queue).getByText('Page 1')).toBeTruthy();
    await waitFor(() => expect(within(queue).getByRole('button', { name: 'Next page' })).toBeEnabled());
    await user.click(within(queue).getByRole('button', { name: 'Next page' }));
    await within(queue).findByRole('row', { name: /Bob's shop/ });
    expect(within(queue).getByText('Page 2')).toBeTruthy();
    expect(within(rowFor("Bob's shop")).getByText('Rejected')).toBeTruthy();
    expect(within(queue).getByRole('button', { name: 'Next page' })).toBeDisabled();
    await user.click(within(queue).getByRole('button', { name: 'Previous page' }));
    await within(queue).findByRole('row', { name: /Carol's blog/ });

    await user.selectOptions(within(queue).getByRole('combobox', { name: 'Blueprint' }), 'Other');
    await within(queue).findByText('No requests match these filters.');
    await user.selectOptions(within(queue).getByRole('combobox', { name: 'Status' }), 'Rejected');
    await user.selectOptions(within(queue).getByRole('combobox', { name: 'Blueprint' }), 'Shop');
    await within(queue).findByRole('row', { name: /Bob's shop/ });
    expect(within(queue).queryByRole('row', { name: /Carol's blog/ })).toBeNull();
  });
});
