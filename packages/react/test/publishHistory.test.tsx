// Issue 16: the workspace's publish history and "Roll back to this version".
import { PublishGateError, type PublishRequest } from '@publishgate/core/client';
import { advance, requestFixture, workspaceFixture } from '@publishgate/core/testing';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ApprovalsQueue, PublishHistory, RequestReview } from '../src/index.js';
import { expectNoAxeViolations, renderWithClient } from './render.js';
import { stubClient } from './stubClient.js';

const ada = { id: 'u-ada', email: 'ada@example.com' };
const workspace = workspaceFixture({ id: 'ws-hist', name: 'Bike shop' });

function approved(day: number, delivery: NonNullable<PublishRequest['delivery']>['state'], extra: Partial<PublishRequest> = {}) {
  const createdAt = `2026-03-0${day}T10:00:00.000Z`;
  const request = requestFixture({ id: `req-day${day}`, workspace, subdomain: 'bikes', createdAt, updatedAt: createdAt });
  return advance(request, 'approved', {
    decision: { kind: 'approved', by: ada, at: createdAt },
    pullRequest: { number: day, url: `https://github.example/acme/sites/pull/${day}` },
    delivery: {
      state: delivery,
      at: createdAt,
      ...(delivery === 'live' ? { deploymentUrl: 'https://bikes.apps.example.com/' } : {}),
    },
    ...extra,
  });
}

// Newest first, as the server lists them.
const current = approved(5, 'live');
const closed = approved(4, 'closed-unmerged');
const failedDeploy = approved(3, 'deploy-failed');
const merged = approved(2, 'merged');
const live = approved(1, 'live');
const history = [current, closed, failedDeploy, merged, live];

const rollbackDiff = {
  files: [{ path: 'index.html', status: 'modified' as const, additions: 1, deletions: 1, binary: false }],
  additions: 1,
  deletions: 1,
  patch: 'diff --git a/index.html b/index.html\n--- a/index.html\n+++ b/index.html\n@@ -1,1 +1,1 @@\n-<h1>Boats</h1>\n+<h1>Bikes</h1>\n',
  truncated: false,
};

function show(items: PublishRequest[], requestRollback = vi.fn()) {
  const previewRollback = vi.fn(async () => rollbackDiff);
  const client = stubClient({ listRequests: async () => ({ items, nextCursor: null }), requestRollback, previewRollback });
  const view = renderWithClient(<PublishHistory workspaceId={workspace.id} />, client, { storeOptions: { live: false } });
  return { ...view, requestRollback, previewRollback, region: screen.getByRole('region', { name: 'Publish history' }) };
}

const rows = (region: HTMLElement) => within(region).getAllByRole('listitem');

describe('<PublishHistory>', () => {
  it('lists the requests newest first with their delivery, marks the current publication, and offers rollback only to merged or live earlier versions', async () => {
    const { region } = show(history);
    await within(region).findAllByRole('listitem');
    const listed = rows(region);
    expect(listed.map((row) => row.getAttribute('data-pg-request'))).toEqual(history.map((request) => request.id));
    expect(listed[0]).toHaveAttribute('aria-current', 'true');
    expect(within(listed[0] as HTMLElement).getByText('Current publication')).toBeTruthy();
    expect((within(listed[0] as HTMLElement).getByRole('link') as HTMLAnchorElement).closest('p')?.textContent).toBe(
      'Live at https://bikes.apps.example.com/',
    );
    expect(within(listed[1] as HTMLElement).getByText('Closed without merging')).toBeTruthy();
    expect(within(listed[2] as HTMLElement).getByText('Deployment failed')).toBeTruthy();
    expect(within(listed[3] as HTMLElement).getByText('Merged')).toBeTruthy();
    const buttons = within(region).getAllByRole('button', { name: /^Roll back to this version: bikes, submitted / });
    expect(buttons.map((button) => button.closest('li')?.getAttribute('data-pg-request'))).toEqual([merged.id, live.id]);
    for (const button of buttons) {
      expect(button).toHaveTextContent('Roll back to this version');
      // Label in name (WCAG 2.5.3), regression: the name once began "Roll back to the version of".
      expect(button.getAttribute('aria-label')?.startsWith(button.textContent ?? '')).toBe(true);
    }
    await expectNoAxeViolations(region, 'history');
  });

  it('the button opens a confirmation; submitting asks for the rollback and then shows exactly what it changes', async () => {
    const created = advance(requestFixture({ id: 'req-rollback', workspace, subdomain: 'bikes' }), 'pending', {
      kind: 'rollback',
      rollbackOf: merged.id,
      diff: rollbackDiff,
    });
    const requestRollback = vi.fn(async () => created);
    const { region, user, previewRollback } = show(history, requestRollback);
    const row = (await within(region).findAllByRole('listitem'))[3] as HTMLElement;
    const opener = within(row).getByRole('button', { name: /^Roll back to this version: bikes,/ });
    await user.click(opener);

    const dialog = screen.getByRole('dialog', { name: 'Roll back to this version?' });
    expect(dialog).toHaveAccessibleDescription(/bring back the version of bikes submitted .* reviewed like any other request\./);
    expect(within(dialog).getByLabelText('Note for the reviewer (optional)')).toHaveFocus();
    // Before anything is asked for, the confirmation shows what the rollback would change.
    await within(dialog).findByText('What the rollback changes compared with what is published now:');
    expect(within(dialog).getByText('-<h1>Boats</h1>')).toBeTruthy();
    expect(previewRollback).toHaveBeenCalledWith(workspace.id, merged.id, expect.anything());
    expect(requestRollback).not.toHaveBeenCalled();
    await expectNoAxeViolations(dialog, 'confirmation');
    await user.type(within(dialog).getByLabelText('Note for the reviewer (optional)'), 'Boats broke checkout');
    await user.click(within(dialog).getByRole('button', { name: 'Request rollback' }));

    expect(requestRollback).toHaveBeenCalledWith(workspace.id, { toRequestId: merged.id, note: 'Boats broke checkout' });
    expect(await within(dialog).findByRole('status')).toHaveTextContent(/^Rollback requested/);
    expect(within(dialog).getByText('index.html')).toBeTruthy();
    expect(within(dialog).getByText('<h1>Bikes</h1>', { exact: false })).toBeTruthy();
    const done = within(dialog).getByRole('button', { name: 'Done' });
    expect(done).toHaveFocus();
    await user.click(done);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(opener).toHaveFocus();
  });

  it('a refused rollback is shown in the confirmation with the reason, and Cancel closes it without a call', async () => {
    const requestRollback = vi.fn(async () => {
      throw new PublishGateError(
        'invalid_transition',
        'Only a publication whose pull request was merged (or is live) can be brought back.',
      );
    });
    const { region, user } = show(history, requestRollback);
    await within(region).findAllByRole('listitem');
    await user.click(within(region).getAllByRole('button', { name: /^Roll back to this version: / })[0] as HTMLElement);
    const dialog = screen.getByRole('dialog', { name: 'Roll back to this version?' });
    await within(dialog).findByText('What the rollback changes compared with what is published now:');
    await user.click(within(dialog).getByRole('button', { name: 'Request rollback' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'The rollback could not be requested. Only a publication whose pull request was merged (or is live) can be brought back.',
    );
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    // Opening again starts fresh: no stale error.
    await user.click(within(region).getAllByRole('button', { name: /^Roll back to this version: / })[0] as HTMLElement);
    expect(within(screen.getByRole('dialog')).queryByRole('alert')).toBeNull();
    expect(requestRollback).toHaveBeenCalledTimes(1);
  });

  it('while a request is in flight the rollback buttons are disabled and say why; a rollback request is labelled as such', async () => {
    const pendingRollback = advance(requestFixture({ id: 'req-pending', workspace, subdomain: 'bikes' }), 'pending', {
      kind: 'rollback',
      rollbackOf: live.id,
    });
    const { region } = show([pendingRollback, ...history]);
    await within(region).findAllByRole('listitem');
    expect(within(rows(region)[0] as HTMLElement).getByText('Rollback')).toBeTruthy();
    const buttons = within(region).getAllByRole('button', { name: /^Roll back to this version: / });
    expect(buttons).toHaveLength(2);
    for (const button of buttons) {
      expect(button).toBeDisabled();
      expect(button).toHaveAccessibleDescription('A request for this workspace is still in progress; roll back once it is decided.');
    }
  });

  it('says when there is nothing yet', async () => {
    show([]);
    expect(await screen.findByText('Nothing has been sent for publishing from this workspace yet.')).toBeTruthy();
  });

  it('the confirmation cannot submit until it could show the diff; a failed preview says why and offers a retry', async () => {
    let calls = 0;
    const previewRollback = vi.fn(async () => {
      calls += 1;
      if (calls === 1) throw new PublishGateError('port_failed', 'git is slow today.');
      return rollbackDiff;
    });
    const client = stubClient({ listRequests: async () => ({ items: history, nextCursor: null }), previewRollback });
    const { user } = renderWithClient(<PublishHistory workspaceId={workspace.id} />, client, { storeOptions: { live: false } });
    await user.click((await screen.findAllByRole('button', { name: /^Roll back to this version: / }))[0] as HTMLElement);
    const dialog = screen.getByRole('dialog', { name: 'Roll back to this version?' });
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('Could not load what the rollback would change. git is slow today.');
    expect(within(dialog).getByRole('button', { name: 'Request rollback' })).toBeDisabled();
    await user.click(within(dialog).getByRole('button', { name: 'Try again' }));
    await within(dialog).findByText('-<h1>Boats</h1>');
    expect(within(dialog).getByRole('button', { name: 'Request rollback' })).toBeEnabled();
  });

  it('a failed load shows an alert with a retry that loads again', async () => {
    let calls = 0;
    const client = stubClient({
      listRequests: async () => {
        calls += 1;
        if (calls === 1) throw new PublishGateError('port_failed', 'Storage is down.');
        return { items: history, nextCursor: null };
      },
    });
    const { user } = renderWithClient(<PublishHistory workspaceId={workspace.id} />, client, { storeOptions: { live: false } });
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load the publish history. Storage is down.');
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(screen.getAllByRole('listitem')).toHaveLength(history.length));
  });

  it('a rollback request is marked as one in the approvals queue and in its review, so the reviewer knows it is not new work', async () => {
    const rollback = requestFixture({ id: 'req-rollback', workspace, subdomain: 'bikes', kind: 'rollback', rollbackOf: merged.id });
    const ordinary = requestFixture({ id: 'req-plain', subdomain: 'boats' });
    const client = stubClient({ listRequests: async () => ({ items: [rollback, ordinary], nextCursor: null }) });
    const view = renderWithClient(<ApprovalsQueue />, client, { storeOptions: { live: false } });
    const rowOf = async (id: string) => (await screen.findAllByRole('row')).find((row) => row.getAttribute('data-pg-request') === id);
    await waitFor(async () => expect(await rowOf(rollback.id)).toBeDefined());
    expect(within((await rowOf(rollback.id)) as HTMLElement).getByText('Rollback')).toBeTruthy();
    expect(within((await rowOf(ordinary.id)) as HTMLElement).queryByText('Rollback')).toBeNull();
    view.unmount();
    renderWithClient(<RequestReview request={rollback} />, stubClient({}), { storeOptions: { live: false } });
    expect(screen.getByText(/^Rollback: this request brings back an earlier published version/)).toBeTruthy();
    renderWithClient(<RequestReview request={ordinary} />, stubClient({}), { storeOptions: { live: false } });
    expect(screen.getAllByText(/^Rollback: /)).toHaveLength(1);
  });
});
