// Review policies and delivery in Debian's Chromium (issues 16 and 17): a 2-of-2 approval by two
// admins, bulk approval of three requests from the queue, and the dev-only "Simulate deploy"
// (merge → live through signed webhooks) that turns the builder's page to "Live at …". Pages are
// driven by roles and labels; every outcome is also checked in the gate and the emulators behind it.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Actor, PublishRequest, Workspace } from '@publishgate/core';
import { describe, expect, it } from 'vitest';
import { DEMO_WORKSPACES } from '../src/server/demoData.js';
import { chromiumAvailable, expectNoAxeViolations, UI_WAIT, usePortalInChromium } from './chromiumPortal.js';

const admin: Actor = { id: 'u-ada', email: 'ada@example.com', roles: ['admin'] };
const owners: Record<string, Actor> = {
  'ws-bob': { id: 'u-bob', email: 'bob@example.com', roles: ['builder'] },
  'ws-carol': { id: 'u-carol', email: 'carol@example.com', roles: ['builder'] },
  'ws-dan': { id: 'u-dan', email: 'dan@example.com', roles: ['builder'] },
};

const available = chromiumAvailable('portal review browser tests');

describe.runIf(available)('portal review in Chromium: two approvers, bulk decisions, simulate deploy', () => {
  const suite = usePortalInChromium('review');

  /** A builder's change, submitted through the gate (these tests are about what the admins do with it). */
  async function submit(workspaceId: string, path: string, content: string, subdomain: string): Promise<PublishRequest> {
    const workspace = DEMO_WORKSPACES.find((candidate) => candidate.id === workspaceId) as Workspace;
    await mkdir(join(suite.portal.workspaceDir(workspaceId), 'posts'), { recursive: true });
    await writeFile(join(suite.portal.workspaceDir(workspaceId), path), content);
    return suite.portal.gate.requestPublish({ workspace, subdomain, actor: owners[workspaceId] as Actor });
  }

  async function stored(id: string): Promise<PublishRequest> {
    return suite.portal.gate.getRequest({ id, actor: admin });
  }

  it('a blueprint asking for 2 of 2 approvals: the first admin sees "1 of 2", the second admin’s approval publishes', async () => {
    await suite.portal.gate.setApprovalRule({ blueprintId: 'bp-blog', requiredApprovals: 2, actor: admin });
    const request = await submit('ws-dan', 'posts/two-keys.md', '# Two keys\n', 'dans-notes');
    expect(request.status).toBe('pending');

    const ada = await suite.signIn('Ada');
    await ada.getByRole('heading', { level: 1, name: 'Admin › Approvals' }).waitFor();
    const row = ada.getByRole('row', { name: /Dan’s notes/ });
    await row.getByText('0 of 2 approvals').waitFor();
    await row.getByRole('button', { name: 'Review Dan’s notes' }).click();
    const review = ada.getByRole('region', { name: 'Review: Dan’s notes' });
    await review.getByRole('button', { name: 'Approve and publish' }).click();
    // The visible notice (the same words also sit in the review's screen-reader live region).
    await review
      .locator('p.pg-notice')
      .filter({ hasText: 'Your approval was recorded: 1 of 2 approvals. Publishing starts once enough approvers agreed.' })
      .waitFor();
    await review.getByText('1 of 2 approvals', { exact: true }).waitFor();
    await review.getByText(/^ada@example\.com on /).waitFor();
    expect((await stored(request.id)).status).toBe('pending');
    await suite.shoot(ada, 'review-01-first-of-two-approvals');
    await expectNoAxeViolations(ada, 'the review after the first of two approvals');

    const grace = await suite.signIn('Grace');
    await grace.getByRole('heading', { level: 1, name: 'Admin › Approvals' }).waitFor();
    const graceRow = grace.getByRole('row', { name: /Dan’s notes/ });
    await graceRow.getByText('1 of 2 approvals, approved by ada@example.com').waitFor();
    await graceRow.getByRole('button', { name: 'Review Dan’s notes' }).click();
    const graceReview = grace.getByRole('region', { name: 'Review: Dan’s notes' });
    await graceReview.getByRole('button', { name: 'Approve and publish' }).click();
    await graceReview
      .locator('p.pg-notice')
      .filter({ hasText: /^Approved\./ })
      .waitFor();

    await expect.poll(async () => (await stored(request.id)).status, UI_WAIT).toBe('approved');
    const published = await stored(request.id);
    expect(published.approvals?.map((approval) => approval.by.email)).toEqual(['ada@example.com', 'grace@example.com']);
    // Published into the blog's own repository, with exactly one pull request.
    expect(suite.portal.emulators['bp-blog']?.pulls().filter((pull) => pull.head === published.branch)).toHaveLength(1);
  });

  it('bulk approval: an admin selects three pending requests in the queue, confirms with their findings, and all three are approved', async () => {
    await suite.portal.gate.setApprovalRule({ blueprintId: 'bp-blog', requiredApprovals: 1, actor: admin });
    const requests = [
      await submit('ws-bob', 'index.html', '<!doctype html>\n<title>Bikes</title>\n<h1>Bikes in bulk</h1>\n', 'bike-shop'),
      await submit('ws-carol', '.env', 'CAFE_TOKEN=not-a-secret\n', 'corner-cafe'),
      await submit('ws-dan', 'posts/bulk.md', '# Bulk\n', 'dans-notes'),
    ];
    expect(requests.map((request) => request.status)).toEqual(['pending', 'pending', 'pending']);

    const ada = await suite.signIn('Ada');
    await ada.getByRole('heading', { level: 1, name: 'Admin › Approvals' }).waitFor();
    const queue = ada.getByRole('region', { name: 'Publish requests' });
    const approveSelected = queue.getByRole('button', { name: 'Approve selected' });
    await expect.poll(() => approveSelected.isDisabled(), UI_WAIT).toBe(true);
    // The row checkboxes, by the keyboard: focus one and press Space; the header box takes the rest.
    const bobBox = queue.getByRole('checkbox', { name: 'Select Bike shop (bike-shop)' });
    await bobBox.focus();
    await ada.keyboard.press('Space');
    await expect.poll(() => bobBox.isChecked(), UI_WAIT).toBe(true);
    await queue.getByRole('checkbox', { name: 'Select all pending requests on this page' }).check();
    for (const name of ['Select Bike shop (bike-shop)', 'Select Corner cafe (corner-cafe)', 'Select Dan’s notes (dans-notes)'])
      await expect(queue.getByRole('checkbox', { name }).isChecked()).resolves.toBe(true);
    await queue.getByText('3 requests selected').waitFor();
    await suite.shoot(ada, 'review-02-three-selected');

    await approveSelected.click();
    const dialog = ada.getByRole('dialog', { name: 'Approve 3 requests' });
    await dialog.waitFor();
    await expect(dialog.evaluate((element) => element.tagName === 'DIALOG' && element.matches(':modal'))).resolves.toBe(true);
    const item = (name: string) => dialog.getByRole('listitem').filter({ hasText: name }).first();
    await item('Corner cafe').getByText('Environment file', { exact: true }).waitFor();
    await item('Bike shop').getByText('No findings').waitFor();
    await expectNoAxeViolations(ada, 'the bulk approve confirmation');
    await suite.shoot(ada, 'review-03-bulk-confirmation');
    await dialog.getByLabel('Comment for the record (optional)').fill('Checked together');
    await dialog.getByRole('button', { name: 'Approve 3 requests' }).click();

    await dialog.getByRole('button', { name: 'Done' }).waitFor();
    for (const name of ['Bike shop', 'Corner cafe', 'Dan’s notes']) await item(name).getByText('Approved', { exact: true }).waitFor();
    await dialog.getByText('3 requests decided.').and(dialog.locator('p.pg-notice')).waitFor();
    await suite.shoot(ada, 'review-04-bulk-results');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    await queue.getByText('No requests match these filters.').waitFor();

    for (const request of requests) {
      await expect.poll(async () => (await stored(request.id)).status, UI_WAIT).toBe('approved');
      const approved = await stored(request.id);
      expect(approved.approvals?.map((approval) => [approval.by.email, approval.comment])).toEqual([
        ['ada@example.com', 'Checked together'],
      ]);
      expect(approved.delivery?.state).toBe('pull-request-open');
    }
  });

  it('simulate deploy (dev-only): the admin merges the pull request on the emulator and it goes live; the builder sees "Live at …" with the link', async () => {
    const request = (await suite.portal.gate.listRequests({ actor: admin, workspaceId: 'ws-bob', limit: 1 })).items[0] as PublishRequest;
    expect(request).toMatchObject({ status: 'approved', subdomain: 'bike-shop', delivery: { state: 'pull-request-open' } });
    const bob = await suite.signIn('Bob');
    await bob.getByRole('heading', { level: 1, name: 'Bike shop' }).waitFor();

    const ada = await suite.signIn('Ada');
    // Where `requestUrl` points (pull request bodies, notifications): the request page.
    await ada.goto(`${suite.portal.url}/requests/${request.id}`);
    const controls = ada.getByRole('region', { name: 'Demo controls (dev-only)' });
    await controls.waitFor();
    await expectNoAxeViolations(ada, 'the request page with the demo controls');
    await controls.getByRole('button', { name: 'Simulate deploy' }).click();
    await controls.getByRole('status').getByText('Merged and deployed: live at https://bike-shop.apps.example.com.').waitFor();
    await expect(controls.getByRole('button', { name: 'Simulate deploy' }).isDisabled()).resolves.toBe(true);
    // The admin's review follows, live.
    await ada
      .getByRole('region', { name: 'Review: Bike shop' })
      .getByRole('link', { name: 'https://bike-shop.apps.example.com' })
      .waitFor();
    await suite.shoot(ada, 'review-05-simulated-deploy');

    // The merge and the deployment reached the gate as signed webhooks, and the builder's page, live.
    const pull = suite.portal.emulator?.pulls().find((candidate) => candidate.number === request.pullRequest?.number);
    expect(pull?.state).toBe('closed');
    expect(suite.portal.emulator?.webhookDeliveries()).toEqual([
      { event: 'pull_request', status: 200 },
      { event: 'deployment_status', status: 200 },
    ]);
    const live = await stored(request.id);
    expect(live.delivery).toMatchObject({ state: 'live', mergeSha: pull?.mergeSha, deploymentUrl: 'https://bike-shop.apps.example.com' });

    // The publish status says it; the publish history below lists the same link on that version.
    const status = bob.getByRole('region', { name: 'Publish status' });
    const link = status.getByRole('link', { name: 'https://bike-shop.apps.example.com' });
    await link.waitFor();
    await expect(link.getAttribute('href')).resolves.toMatch(/^https:\/\/bike-shop\.apps\.example\.com\/?$/);
    await status.getByText('Live at https://bike-shop.apps.example.com', { exact: true }).first().waitFor();
    await suite.shoot(bob, 'review-06-builder-live');
    await expectNoAxeViolations(bob, 'the builder’s page with the live publish');
  });
});
