import { screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApprovalsQueue, PublishDialog, PublishGateProvider, TrustedUsers } from '../src/index.js';
import { admin, builder, builder2, startServer, type TestServer, workspace } from './harness.js';
import { renderWithClient } from './render.js';

const DAY = 86_400_000;
let now = Date.now();
let server: TestServer;
beforeEach(async () => {
  now = Date.now();
  server = await startServer({ gateOptions: { clock: () => new Date(now) } });
});
afterEach(async () => {
  await server.close();
});

function Publisher() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Publish…
      </button>
      <PublishDialog workspaceId={workspace.id} open={open} onClose={() => setOpen(false)} debounceMs={10} />
    </>
  );
}

/** The admin's trust list and the builder's publish button, each with its own client, on one page. */
function renderBoth() {
  return renderWithClient(
    <>
      <TrustedUsers blueprintId="bp-shop" blueprintName="Shop" candidates={[{ userId: builder.id, email: builder.email }]} />
      <PublishGateProvider client={server.clientFor(builder)}>
        <Publisher />
      </PublishGateProvider>
    </>,
    server.clientFor(admin),
  );
}

async function publishThroughDialog(user: ReturnType<typeof renderBoth>['user'], subdomain: string): Promise<string> {
  server.edit(workspace, 'index.html', `<h1>${subdomain} ${Math.random()}</h1>\n`);
  await user.click(screen.getByRole('button', { name: 'Publish…' }));
  const dialog = screen.getByRole('dialog');
  const field = await within(dialog).findByRole('textbox', { name: 'Subdomain' });
  await user.clear(field);
  await user.type(field, subdomain);
  await within(dialog).findByText(`${subdomain} is available.`);
  await user.click(within(dialog).getByRole('button', { name: 'Request publish' }));
  const result = await within(dialog).findByText(/^(Request sent|Auto-approved)/);
  const text = result.textContent as string;
  await user.click(within(dialog).getByRole('button', { name: 'Done' }));
  return text;
}

describe('trusted users', () => {
  it('grant → the next publish is auto-approved; revoke → the next one waits for review again', async () => {
    const { user } = renderBoth();
    const list = screen.getByRole('region', { name: 'Trusted builders: Shop' });
    const toggle = await within(list).findByRole('switch', { name: 'Auto-approve bob@example.com' });
    expect(toggle).not.toBeChecked();
    expect(within(list).getByText('Not trusted')).toBeTruthy();

    await user.click(toggle);
    await waitFor(() => expect(toggle).toBeChecked());
    const row = toggle.closest('tr') as HTMLElement;
    expect(within(row).getByText('ada@example.com')).toBeTruthy();
    expect(within(row).getByText('Never')).toBeTruthy();
    expect(row.querySelector('[data-pg-field="granted-at"] time')).toHaveAttribute('datetime', new Date(now).toISOString());
    await waitFor(() => expect(within(list).getByRole('status')).toHaveTextContent('bob@example.com is now trusted.'));

    expect(await publishThroughDialog(user, 'trusted-shop')).toBe('Auto-approved and published to trusted-shop.');

    await user.click(toggle);
    await waitFor(() => expect(toggle).not.toBeChecked());
    // Still listed after the revocation, so it is one click to undo.
    expect(within(list).getByRole('switch', { name: 'Auto-approve bob@example.com' })).toBeTruthy();
    await waitFor(() => expect(within(list).getByRole('status')).toHaveTextContent('bob@example.com is no longer trusted.'));

    expect(await publishThroughDialog(user, 'trusted-shop')).toBe('Request sent. An admin will review publishing to trusted-shop.');
  });

  it('toggles with the keyboard', async () => {
    const { user } = renderBoth();
    const toggle = await screen.findByRole('switch', { name: 'Auto-approve bob@example.com' });
    await user.tab();
    expect(toggle).toHaveFocus();
    await user.keyboard(' ');
    await waitFor(() => expect(toggle).toBeChecked());
    expect((await server.clientFor(admin).listTrust({ blueprintId: 'bp-shop' }))[0]?.userId).toBe(builder.id);
  });

  it('grants with an expiry from the form, flags "review due", and shows "expired" after it passes', async () => {
    const { user } = renderBoth();
    const list = screen.getByRole('region', { name: 'Trusted builders: Shop' });
    await within(list).findByRole('switch', { name: 'Auto-approve bob@example.com' });
    const inThreeDays = new Date(now + 3 * DAY).toISOString().slice(0, 10);
    await user.type(within(list).getByRole('textbox', { name: 'User id' }), builder2.id);
    await user.type(within(list).getByRole('textbox', { name: 'Email' }), builder2.email);
    const date = within(list).getByLabelText('Expires on (optional)');
    await user.type(date, inThreeDays);
    await user.click(within(list).getByRole('button', { name: 'Grant trust' }));

    const toggle = await within(list).findByRole('switch', { name: 'Auto-approve carol@example.com' });
    expect(toggle).toBeChecked();
    const row = toggle.closest('tr') as HTMLElement;
    expect(row).toHaveAttribute('data-state', 'review-due');
    expect(within(row).getByText('Review due')).toBeTruthy();
    expect(row.querySelector('[data-pg-field="expires"] time')).toHaveAttribute('datetime', `${inThreeDays}T23:59:59.000Z`);
    await waitFor(() => expect(within(list).getByRole('textbox', { name: 'User id' })).toHaveValue(''));

    // Time passes; the next trust change (any) refreshes the list live.
    now += 5 * DAY;
    await user.click(within(list).getByRole('switch', { name: 'Auto-approve bob@example.com' }));
    await waitFor(() => expect(within(row).getByText('Expired')).toBeTruthy());
    expect(within(row).getByRole('switch')).not.toBeChecked();
    expect(row).toHaveAttribute('data-state', 'expired');
  });

  it('shows the trust badge in the queue when a trusted builder is held for review by a secret finding', async () => {
    await server.clientFor(admin).setTrust({ blueprintId: 'bp-shop', userId: builder.id, email: builder.email, trusted: true });
    server.edit(workspace, 'config.js', 'const key = "AKIAIOSFODNN7EXAMPLE";\n');
    const request = await server.clientFor(builder).requestPublish({ workspaceId: workspace.id, subdomain: 'held-shop' });
    expect(request.status).toBe('pending');
    renderWithClient(<ApprovalsQueue />, server.clientFor(admin));
    const row = await screen.findByRole('row', { name: /Bob's shop/ });
    await within(row).findByText('Trusted builder');
    expect(within(row).getByText(/finding/)).toBeTruthy();
  });

  it('explains a refused change (an admin cannot trust themselves)', async () => {
    const { user } = renderBoth();
    const list = screen.getByRole('region', { name: 'Trusted builders: Shop' });
    await within(list).findByRole('switch', { name: 'Auto-approve bob@example.com' });
    await user.type(within(list).getByRole('textbox', { name: 'User id' }), admin.id);
    await user.type(within(list).getByRole('textbox', { name: 'Email' }), admin.email);
    await user.click(within(list).getByRole('button', { name: 'Grant trust' }));
    const alert = await within(list).findByRole('alert');
    expect(alert).toHaveTextContent('Could not change trust. You cannot trust yourself');
    // The form keeps what was typed, to correct it.
    expect(within(list).getByRole('textbox', { name: 'User id' })).toHaveValue(admin.id);
  });
});
