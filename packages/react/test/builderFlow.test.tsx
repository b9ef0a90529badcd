import { screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PublishDialog, PublishStatus } from '../src/index.js';
import { admin, builder, builder2, idleWorkspace, startServer, type TestServer, workspace, workspace2 } from './harness.js';
import { renderWithClient } from './render.js';

function BuilderPage({ workspaceId }: { workspaceId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <main>
      <h1>Workspace</h1>
      <button type="button" onClick={() => setOpen(true)}>
        Publish…
      </button>
      <PublishDialog workspaceId={workspaceId} open={open} onClose={() => setOpen(false)} debounceMs={20} />
      <PublishStatus workspaceId={workspaceId} />
    </main>
  );
}

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

describe('builder flow against a real server', () => {
  it('publishes, sees the rejection feedback live, resubmits and is approved', async () => {
    server.edit(workspace, 'index.html', '<h1>Welcome to the shop</h1>\n');
    server.edit(workspace, 'about.html', 'About us\n');
    const { user } = renderWithClient(<BuilderPage workspaceId={workspace.id} />, server.clientFor(builder));
    const status = screen.getByRole('region', { name: 'Publish status' });
    await within(status).findByText('This workspace has not been sent for publishing yet.');

    const opener = screen.getByRole('button', { name: 'Publish…' });
    await user.click(opener);
    const dialog = screen.getByRole('dialog', { name: 'Publish workspace' });
    expect(dialog).toHaveAttribute('aria-modal', 'true');

    // The diff: files with counts; small files start expanded.
    const field = await within(dialog).findByRole('textbox', { name: 'Subdomain' });
    expect(field).toHaveValue('bob-s-shop'); // derived from the workspace name on a first publish
    expect(within(dialog).getByText('2 files changed, 2 additions, 1 deletion')).toBeTruthy();
    const fileToggle = within(dialog).getByRole('button', { name: 'index.html' });
    expect(fileToggle).toHaveAttribute('aria-expanded', 'true');
    expect(within(dialog).getByText('+<h1>Welcome to the shop</h1>')).toBeTruthy();

    // Live validation and availability.
    await user.clear(field);
    await user.type(field, 'ab');
    expect(within(dialog).getByText('Subdomain must be at least 3 characters.')).toBeTruthy();
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(within(dialog).getByRole('button', { name: 'Request publish' })).toBeDisabled();
    await user.type(field, 'c-shop');
    await within(dialog).findByText('abc-shop is available.');
    const submit = within(dialog).getByRole('button', { name: 'Request publish' });
    expect(submit).toBeEnabled();
    await user.click(submit);

    await within(dialog).findByText('Request sent. An admin will review publishing to abc-shop.');
    await within(status).findByText('Pending review');
    await user.click(within(dialog).getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);

    // The admin rejects with feedback: the builder's status updates over SSE, without a reload.
    const [pending] = (await server.clientFor(admin).listRequests({ status: 'pending' })).items;
    expect(pending?.subdomain).toBe('abc-shop');
    await server
      .clientFor(admin)
      .reject(pending?.id as string, { feedback: 'Please add a privacy page.', expectedVersion: pending?.version });
    await within(status).findByText('Please add a privacy page.', {}, { timeout: 5_000 });
    expect(within(status).getByText('Rejected')).toBeTruthy();
    expect(within(status).getByRole('status')).toHaveTextContent('Publish request for abc-shop: Rejected.');

    // Resubmit. Nothing is live yet, so the field offers the name asked for last time.
    server.edit(workspace, 'privacy.html', 'Privacy\n');
    await user.click(opener);
    const again = screen.getByRole('dialog');
    const field2 = await within(again).findByRole('textbox', { name: 'Subdomain' });
    expect(field2).toHaveValue('abc-shop');
    await within(again).findByText('abc-shop is available.');
    await user.click(within(again).getByRole('button', { name: 'Request publish' }));
    await within(again).findByText('Request sent. An admin will review publishing to abc-shop.');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();

    const [second] = (await server.clientFor(admin).listRequests({ status: 'pending' })).items;
    await server.clientFor(admin).approve(second?.id as string, { expectedVersion: second?.version });
    const current = await waitFor(
      () => {
        const element = status.querySelector('.pg-current') as HTMLElement;
        expect(within(element).getByText('Published')).toBeTruthy();
        return element;
      },
      { timeout: 5_000 },
    );
    // Regression: an open pull request was announced as "Live at abc-shop" before anything was merged.
    expect(within(status).queryByText('Live at', { exact: false })).toBeNull();
    expect(within(current).getByRole('link', { name: /Pull request #\d+/ })).toHaveAttribute('href', expect.stringMatching(/^https?:/));
    // The rejection stays in the history with its feedback.
    const history = within(status).getByRole('list');
    expect(within(history).getByText('Please add a privacy page.')).toBeTruthy();

    // The next publish is pre-filled from the live publication.
    server.edit(workspace, 'index.html', '<h1>v3</h1>\n');
    await user.click(opener);
    const third = screen.getByRole('dialog');
    expect(await within(third).findByRole('textbox', { name: 'Subdomain' })).toHaveValue('abc-shop');
  });
});

describe('publish dialog', () => {
  it('completes the publish flow with the keyboard only, trapping focus and restoring it to the opener', async () => {
    server.edit(workspace, 'index.html', '<h1>Keyboard</h1>\n');
    server.edit(workspace, 'contact.html', 'Contact\n');
    const { user } = renderWithClient(<BuilderPage workspaceId={workspace.id} />, server.clientFor(builder));
    await user.tab();
    const opener = screen.getByRole('button', { name: 'Publish…' });
    expect(opener).toHaveFocus();
    await user.keyboard('{Enter}');
    const dialog = screen.getByRole('dialog');
    const field = await within(dialog).findByRole('textbox', { name: 'Subdomain' });
    await waitFor(() => expect(field).toHaveFocus());
    await within(dialog).findByText('bob-s-shop is available.');

    // Focus is trapped: Shift+Tab from the first control wraps to the last, Tab from the last to the first.
    const close = within(dialog).getByRole('button', { name: 'Close' });
    const cancel = within(dialog).getByRole('button', { name: 'Cancel' });
    await user.tab({ shift: true });
    expect(close).toHaveFocus();
    await user.tab({ shift: true });
    expect(cancel).toHaveFocus();
    await user.tab();
    expect(close).toHaveFocus();
    await user.tab();
    expect(field).toHaveFocus();

    await user.keyboard('{Backspace>10/}');
    await user.keyboard('kbd-shop');
    await within(dialog).findByText('kbd-shop is available.');
    await user.tab(); // note
    await user.keyboard('Typed without a mouse');
    await user.tab(); // first file
    expect(within(dialog).getByRole('button', { name: 'contact.html' })).toHaveFocus();
    expect(within(dialog).getByRole('button', { name: 'contact.html' })).toHaveAttribute('aria-expanded', 'true');
    await user.keyboard('{Enter}');
    expect(within(dialog).getByRole('button', { name: 'contact.html' })).toHaveAttribute('aria-expanded', 'false');
    await user.keyboard('{Enter}');
    expect(within(dialog).getByRole('button', { name: 'contact.html' })).toHaveAttribute('aria-expanded', 'true');
    expect(within(dialog).getByText('+Contact')).toBeVisible();
    await user.tab(); // second file
    await user.tab(); // submit
    expect(within(dialog).getByRole('button', { name: 'Request publish' })).toHaveFocus();
    await user.keyboard('{Enter}');

    const done = await within(dialog).findByRole('button', { name: 'Done' });
    await waitFor(() => expect(done).toHaveFocus());
    expect(within(dialog).getByRole('status')).toHaveTextContent('Request sent. An admin will review publishing to kbd-shop.');
    await user.keyboard('{Enter}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(opener).toHaveFocus();
    const [request] = (await server.clientFor(admin).listRequests({ workspaceId: workspace.id })).items;
    expect(request).toMatchObject({ subdomain: 'kbd-shop', note: 'Typed without a mouse', status: 'pending' });
  });

  it('closes on Escape without submitting and gives focus back', async () => {
    server.edit(workspace);
    const { user } = renderWithClient(<BuilderPage workspaceId={workspace.id} />, server.clientFor(builder));
    const opener = screen.getByRole('button', { name: 'Publish…' });
    await user.click(opener);
    await within(screen.getByRole('dialog')).findByRole('textbox', { name: 'Subdomain' });
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(opener).toHaveFocus();
    expect((await server.clientFor(admin).listRequests({ status: [] })).items).toHaveLength(0);
  });

  it('is disabled with the reason when there is nothing to publish', async () => {
    const { user } = renderWithClient(<BuilderPage workspaceId={idleWorkspace.id} />, server.clientFor(builder));
    await user.click(screen.getByRole('button', { name: 'Publish…' }));
    const dialog = screen.getByRole('dialog');
    const reason = await within(dialog).findByText('Nothing to publish: the workspace is the same as what is live.');
    const submit = within(dialog).getByRole('button', { name: 'Request publish' });
    expect(submit).toBeDisabled();
    expect(submit).toHaveAccessibleDescription(reason.textContent as string);
    expect(within(dialog).getByText('No changes.')).toBeTruthy();
  });

  it('is disabled with the reason while a request is in flight, and shows it in the status', async () => {
    server.edit(workspace);
    await server.clientFor(builder).requestPublish({ workspaceId: workspace.id, subdomain: 'first-one' });
    const { user } = renderWithClient(<BuilderPage workspaceId={workspace.id} />, server.clientFor(builder));
    await user.click(screen.getByRole('button', { name: 'Publish…' }));
    const dialog = screen.getByRole('dialog');
    await within(dialog).findByText('This workspace already has a publish request in progress.');
    expect(within(dialog).getByRole('textbox', { name: 'Subdomain' })).toHaveValue('first-one');
    expect(within(dialog).getByRole('button', { name: 'Request publish' })).toBeDisabled();
  });

  it('offers available suggestions when the subdomain is taken, and picking one makes it submittable', async () => {
    server.edit(workspace2);
    await server.clientFor(builder2).requestPublish({ workspaceId: workspace2.id, subdomain: 'shop' });
    server.edit(workspace);
    const { user } = renderWithClient(<BuilderPage workspaceId={workspace.id} />, server.clientFor(builder));
    await user.click(screen.getByRole('button', { name: 'Publish…' }));
    const dialog = screen.getByRole('dialog');
    const field = await within(dialog).findByRole('textbox', { name: 'Subdomain' });
    await user.clear(field);
    await user.type(field, 'Shop');
    await within(dialog).findByText('"shop" is already used by another workspace.');
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(within(dialog).getByRole('button', { name: 'Request publish' })).toBeDisabled();
    const suggestion = within(dialog).getByRole('button', { name: 'Use shop-app' });
    await user.click(suggestion);
    expect(field).toHaveValue('shop-app');
    expect(field).toHaveFocus();
    await within(dialog).findByText('shop-app is available.');
    // Reserved names are refused by the server's policy, not by the quick client-side rules.
    await user.clear(field);
    await user.type(field, 'admin');
    await within(dialog).findByText('"admin" is reserved');
  });

  it('shows an error with a retry when the preview cannot be loaded', async () => {
    // Twice: the first load, and the refetch the provider does once the live stream has opened.
    server.git.failNext('preview', new Error('disk on fire'), 2);
    const { user } = renderWithClient(<BuilderPage workspaceId={workspace.id} />, server.clientFor(builder));
    await user.click(screen.getByRole('button', { name: 'Publish…' }));
    const dialog = screen.getByRole('dialog');
    const alert = await within(dialog).findByRole('alert');
    expect(alert).toHaveTextContent('Could not load your changes.');
    expect(within(dialog).getByRole('button', { name: 'Request publish' })).toBeDisabled();
    server.edit(workspace);
    await user.click(within(dialog).getByRole('button', { name: 'Try again' }));
    await within(dialog).findByRole('textbox', { name: 'Subdomain' });
  });
});
