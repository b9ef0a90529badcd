import type { TrustView } from '@publishgate/core/client';
import { trustFixture } from '@publishgate/core/testing';
import { screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApprovalsQueue, PublishDialog, PublishGateProvider, TrustedUsers } from '../src/index.js';
import { admin, builder, builder2, startServer, type TestServer, workspace } from './harness.js';
import { renderWithClient } from './render.js';
import { stubClient } from './stubClient.js';

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
    await waitFor(() => expect(toggle).toBeEnabled());
    expect(toggle).not.toBeChecked();
    // An untrusted builder has nobody in "Granted by".
    expect((toggle.closest('tr') as HTMLElement).querySelector('[data-pg-field="granted-by"]')).toBeEmptyDOMElement();

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
    await waitFor(() => expect(toggle).toBeEnabled());
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
    await waitFor(() => expect(within(list).getByRole('status')).toHaveTextContent('Could not change trust. You cannot trust yourself'));
    expect(within(list).getByText(/^Could not change trust\. You cannot trust yourself/)).toBeTruthy();
    // The form keeps what was typed, to correct it.
    expect(within(list).getByRole('textbox', { name: 'User id' })).toHaveValue(admin.id);
  });

  it('regression: until the trust list arrives, the switch is disabled and says nothing about trust (a quick click revoked a grant)', async () => {
    let answer: (grants: TrustView[]) => void = () => {};
    const setTrust: Array<boolean> = [];
    const grant = trustFixture({ blueprintId: 'bp-shop', userId: builder.id, email: builder.email });
    const client = stubClient({
      listTrust: () => new Promise<TrustView[]>((resolve) => (answer = resolve)),
      setTrust: async (input) => {
        setTrust.push(input.trusted);
        return grant;
      },
    });
    const { user } = renderWithClient(
      <TrustedUsers blueprintId="bp-shop" blueprintName="Shop" candidates={[{ userId: builder.id, email: builder.email }]} />,
      client,
      { storeOptions: { live: false } },
    );
    const list = screen.getByRole('region', { name: 'Trusted builders: Shop' });
    const toggle = within(list).getByRole('switch', { name: 'Auto-approve bob@example.com' });
    expect(within(list).getByText('Loading who is trusted…')).toBeTruthy();
    expect(toggle).toBeDisabled();
    expect(toggle).toHaveAccessibleDescription('Loading who is trusted…');
    const row = toggle.closest('tr') as HTMLElement;
    expect(row).toHaveAttribute('data-state', 'unknown');
    expect(row).toHaveAttribute('aria-busy', 'true');
    expect(within(row).queryByText('Not trusted')).toBeNull();
    await user.click(toggle);
    expect(setTrust).toEqual([]);

    answer([{ ...grant, active: true, reviewDue: false }]);
    await waitFor(() => expect(toggle).toBeEnabled());
    expect(toggle).toBeChecked();
    expect(within(list).queryByText('Loading who is trusted…')).toBeNull();
    expect(row).toHaveAttribute('data-state', 'trusted');
  });
});
