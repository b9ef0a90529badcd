// Issue 16 in Chromium: a builder rolls a workspace back to an earlier merged version from the
// publish history; the confirmation shows what the rollback changes, and the request that results
// is an ordinary one whose pull request on the emulated GitHub has exactly the one restore commit.
import AxeBuilder from '@axe-core/playwright';
import type { Actor, PublishRequest } from '@publishgate/core';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, editAndSave, UI_WAIT, usePortalInChromium } from './chromiumPortal.js';
import { remoteBranchSha, run } from './support.js';

const admin: Actor = { id: 'u-ada', email: 'ada@example.com', roles: ['admin'] };

const available = chromiumAvailable('portal rollback browser test');

describe.runIf(available)('portal rollback in Chromium', () => {
  const suite = usePortalInChromium('rollback');

  async function signInAsBob(): Promise<Page> {
    const page = await suite.signIn('Bob');
    await page.getByRole('heading', { level: 1, name: 'Bike shop' }).waitFor();
    return page;
  }

  /** Publishes through the dialog, then an admin approves and the emulated GitHub merges (server side). */
  async function publishApproveMerge(page: Page, html: string): Promise<PublishRequest> {
    await editAndSave(page, 'index.html', html);
    await page.getByRole('button', { name: 'Publish…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Subdomain', { exact: true }).fill('bike-shop');
    await dialog.getByText('bike-shop is available.').waitFor();
    await dialog.getByRole('button', { name: 'Request publish' }).click();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    const pending = (await suite.portal.gate.listRequests({ actor: admin, workspaceId: 'ws-bob', limit: 1 })).items[0] as PublishRequest;
    const approved = await suite.portal.gate.approve({ id: pending.id, actor: admin });
    const number = approved.pullRequest?.number as number;
    const mergeSha = await suite.portal.emulator?.mergePullRequest(number);
    await suite.portal.gate.reportDelivery({
      pullRequest: { number, branch: approved.branch as string },
      event: 'merged',
      ...(mergeSha ? { mergeSha } : {}),
    });
    return approved;
  }

  it('the builder rolls back from the publish history: confirmation, the exact diff, a pending rollback whose pull request has one commit', async () => {
    const bob = await signInAsBob();
    const first = await publishApproveMerge(bob, '<!doctype html>\n<title>Bikes</title>\n<h1>Bikes</h1>\n');
    const second = await publishApproveMerge(bob, '<!doctype html>\n<title>Bikes</title>\n<h1>Bikes and boats</h1>\n');

    const history = bob.locator('[data-pg-component="publish-history"]');
    const firstRow = history.locator(`li[data-pg-request="${first.id}"]`);
    await history.locator(`li[data-pg-request="${second.id}"][aria-current="true"]`).waitFor();
    await firstRow.getByText('Merged').waitFor();
    const results = await new AxeBuilder({ page: bob }).analyze();
    expect(results.violations.map((violation) => violation.id)).toEqual([]);

    await firstRow.getByRole('button', { name: /^Roll back to this version: bike-shop,/ }).click();
    const dialog = bob.getByRole('dialog', { name: 'Roll back to this version?' });
    await dialog.waitFor();
    // Before asking, the confirmation shows what the rollback would change.
    await dialog.locator('[data-pg-rollback-preview] [data-pg-line="remove"]').filter({ hasText: '-<h1>Bikes and boats</h1>' }).waitFor();
    expect(await suite.portal.gate.listRequests({ actor: admin, workspaceId: 'ws-bob' }).then((page) => page.items.length)).toBe(2);
    await dialog.getByLabel('Note for the reviewer (optional)').fill('Boats broke checkout');
    await dialog.getByRole('button', { name: 'Request rollback' }).click();
    await dialog.locator('.pg-notice').filter({ hasText: 'Rollback requested.' }).waitFor();
    // Exactly what the rollback changes: the boats line goes, the bikes line comes back.
    await dialog.locator('[data-pg-line="remove"]').filter({ hasText: '-<h1>Bikes and boats</h1>' }).waitFor();
    await dialog.locator('[data-pg-line="add"]').filter({ hasText: '+<h1>Bikes</h1>' }).waitFor();
    const dialogAxe = await new AxeBuilder({ page: bob }).include('dialog').analyze();
    expect(dialogAxe.violations.map((violation) => violation.id)).toEqual([]);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });

    const rollback = (await suite.portal.gate.listRequests({ actor: admin, workspaceId: 'ws-bob', limit: 1 })).items[0] as PublishRequest;
    expect(rollback).toMatchObject({ status: 'pending', kind: 'rollback', rollbackOf: first.id, note: 'Boats broke checkout' });
    await history.locator(`li[data-pg-request="${rollback.id}"][data-pg-kind="rollback"]`).waitFor();
    // While it waits for review, no further rollback can be asked for.
    await expect.poll(() => firstRow.getByRole('button', { name: /^Roll back/ }).isDisabled(), UI_WAIT).toBe(true);

    const approved = await suite.portal.gate.approve({ id: rollback.id, actor: admin });
    expect(approved.status).toBe('approved');
    await expect(remoteBranchSha(suite.portal.data.remoteDir, approved.branch as string)).resolves.toBe(rollback.sha);
    expect(await suite.portal.emulator?.pullRequestCommits(approved.pullRequest?.number as number)).toEqual([rollback.sha]);
    const tree = async (sha: string) =>
      (await run('git', ['--git-dir', suite.portal.data.remoteDir, 'rev-parse', `${sha}^{tree}`])).stdout.trim();
    expect(await tree(rollback.sha)).toBe(await tree(first.sha));
  });
});
