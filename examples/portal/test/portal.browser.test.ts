// The whole portal in Debian's Chromium: a builder edits and publishes, an admin reviews the five
// fields and the diff and approves, rejects with feedback, and trusts; each outcome is checked in
// the UI and in the real bare remote and GitHub emulator behind it.
import type { Actor, PublishRequest } from '@publishgate/core';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, editAndSave, expectNoAxeViolations, UI_WAIT, usePortalInChromium } from './chromiumPortal.js';
import { remoteBranchSha } from './support.js';

const admin: Actor = { id: 'u-ada', email: 'ada@example.com', roles: ['admin'] };

const available = chromiumAvailable('portal browser tests');

describe.runIf(available)('portal in Chromium', () => {
  const suite = usePortalInChromium('e2e');

  /** A visible notice of a component (the same text also sits in a screen-reader live region). */
  function notice(scope: Locator, text: string): Locator {
    return scope.locator('.pg-notice').filter({ hasText: text });
  }

  function publishStatus(page: Page) {
    return page.locator('[data-pg-component="publish-status"]');
  }

  /** The remote branch is at the pinned sha, and the emulator holds exactly one pull request for it. */
  async function expectPublished(request: PublishRequest): Promise<void> {
    expect(request.status).toBe('approved');
    expect(request.branch).toBeTruthy();
    await expect(remoteBranchSha(suite.portal.data.remoteDir, request.branch as string)).resolves.toBe(request.sha);
    const pulls = suite.portal.emulator?.pulls().filter((pull) => pull.head === request.branch) ?? [];
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.headSha).toBe(request.sha);
    expect(request.pullRequest?.number).toBe(pulls[0]?.number);
  }

  async function openApprovals(page: Page): Promise<void> {
    await page.getByRole('link', { name: 'Admin › Approvals' }).click();
    await page.getByRole('heading', { level: 1, name: 'Admin › Approvals' }).waitFor();
  }

  async function review(page: Page, request: PublishRequest): Promise<void> {
    const row = page.locator(`tr[data-pg-request="${request.id}"]`);
    await row.waitFor();
    await row.getByRole('button', { name: 'Review' }).click();
    await page.locator('[data-pg-component="request-review"]').waitFor();
  }

  it('builder edits and publishes; admin sees the five fields and the diff and approves; the branch and one PR exist; the builder sees it approved', async () => {
    const bob = await suite.signIn('Bob', { screenshot: '01-sign-in' });
    await expectNoAxeViolations(bob, 'the sign-in page');
    await bob.getByRole('heading', { level: 1, name: 'Bike shop' }).waitFor();
    await editAndSave(bob, 'index.html', '<!doctype html>\n<title>Bikes</title>\n<h1>Bikes for everyone</h1>\n');
    await suite.shoot(bob, '02-workspace');
    await expectNoAxeViolations(bob, 'the workspace page');

    const outcome = await suite.publish(bob, 'bike-shop', { screenshot: '03-publish-dialog' });
    expect(outcome).toContain('Request sent');
    const request = await suite.latestRequest('ws-bob');
    expect(request.status).toBe('pending');
    await publishStatus(bob).getByText('Pending review').first().waitFor();

    const ada = await suite.signIn('Ada');
    await ada.getByRole('heading', { level: 1, name: 'Admin › Approvals' }).waitFor();
    const row = ada.locator(`tr[data-pg-request="${request.id}"]`);
    await row.waitFor();
    // The five fields: workspace name, builder email, subdomain, timestamp, diff preview.
    await expect(row.locator('[data-pg-field="workspace"]').textContent()).resolves.toBe('Bike shop');
    await expect(row.locator('[data-pg-field="builder"]').textContent()).resolves.toContain('bob@example.com');
    await expect(row.locator('[data-pg-field="subdomain"]').textContent()).resolves.toBe('bike-shop');
    await expect(row.locator('[data-pg-field="submitted"] time').getAttribute('datetime')).resolves.toBe(request.createdAt);
    await expect(row.locator('[data-pg-field="changes"]').textContent()).resolves.toMatch(/1 file.*\+\d+ −\d+/);
    await suite.shoot(ada, '04-approvals-queue');
    await expectNoAxeViolations(ada, 'the approvals page');

    await review(ada, request);
    const reviewPanel = ada.locator('[data-pg-component="request-review"]');
    for (const text of ['Bike shop', 'bob@example.com', 'bike-shop'])
      await expect(reviewPanel.getByText(text).first().isVisible()).resolves.toBe(true);
    // The diff: the file is listed with its counts; small, it starts expanded and shows the added line.
    await expect(reviewPanel.getByRole('button', { name: 'index.html' }).getAttribute('aria-expanded')).resolves.toBe('true');
    await reviewPanel.locator('[data-pg-line="add"]').filter({ hasText: '+<h1>Bikes for everyone</h1>' }).waitFor();
    await suite.shoot(ada, '05-request-review');
    await expectNoAxeViolations(ada, 'the request review');
    await reviewPanel.getByRole('button', { name: 'Approve and publish' }).click();
    await notice(reviewPanel, 'Approved. The commit was pushed and the pull request opened.').waitFor();

    const approved = await suite.latestRequest('ws-bob');
    expect(approved.id).toBe(request.id);
    expect(approved.sha).toBe(request.sha);
    await expectPublished(approved);
    expect(suite.portal.emulator?.pulls()).toHaveLength(1);

    // Live: the builder's page learns of the approval from the event stream, without a reload.
    await publishStatus(bob).and(bob.locator('[data-pg-status="approved"]')).waitFor();
    await publishStatus(bob).getByText('Published').first().waitFor();
    const links = bob.locator(`[data-request-id="${request.id}"]`);
    await links.getByRole('link', { name: `pull request #${approved.pullRequest?.number}` }).waitFor();
    await suite.shoot(bob, '06-builder-approved');

    await links.getByRole('link', { name: approved.branch }).click();
    await expect.poll(() => bob.getByTestId('branch-sha').textContent(), UI_WAIT).toBe(approved.sha);
    await suite.shoot(bob, '07-remote-branch');
  });

  it('while GitHub holds back the pull request, the review and the builder follow the publish steps live; released, it is published', async () => {
    const emulator = suite.portal.emulator;
    if (!emulator) throw new Error('the portal runs without the GitHub emulator');
    const bob = await suite.signIn('Bob');
    await bob.getByRole('heading', { level: 1, name: 'Bike shop' }).waitFor();
    await editAndSave(bob, 'index.html', '<!doctype html>\n<title>Bikes</title>\n<h1>Bikes and repairs</h1>\n');
    expect(await suite.publish(bob, 'bike-shop')).toContain('Request sent');
    const request = await suite.latestRequest('ws-bob');

    const hold = emulator.holdPullRequests();
    try {
      const ada = await suite.signIn('Ada');
      await review(ada, request);
      const reviewPanel = ada.getByRole('region', { name: /^Review: Bike shop/ });
      await reviewPanel.getByRole('button', { name: 'Approve and publish' }).click();
      await expect.poll(() => hold.waiting(), UI_WAIT).toBe(1);
      // The commit is pushed; the pull request is being opened: both pages show that step, live.
      const step = 'Opening the pull request';
      await reviewPanel.getByRole('status', { name: 'Publish progress' }).filter({ hasText: step }).waitFor();
      await publishStatus(bob).getByRole('status', { name: 'Publish progress' }).filter({ hasText: step }).waitFor();
      await suite.shoot(bob, '06b-builder-publishing');
      const during = await suite.portal.gate.getRequest({ id: request.id, actor: admin });
      expect(during).toMatchObject({ status: 'approving', progress: { step: 'opening-pull-request', attempt: 1 } });
    } finally {
      hold.release();
    }
    await publishStatus(bob).and(bob.locator('[data-pg-status="approved"]')).waitFor();
    await expect.poll(() => publishStatus(bob).getByRole('status', { name: 'Publish progress' }).count(), UI_WAIT).toBe(0);
    await expectPublished(await suite.portal.gate.getRequest({ id: request.id, actor: admin }));
  });

  it('admin rejects with feedback; the builder sees the feedback, resubmits, and the resubmission is approved', async () => {
    const carol = await suite.signIn('Carol');
    await carol.getByRole('heading', { level: 1, name: 'Corner cafe' }).waitFor();
    await editAndSave(carol, 'styles.css', 'body { background: hotpink; }\n');
    expect(await suite.publish(carol, 'corner-cafe')).toContain('Request sent');
    const first = await suite.latestRequest('ws-carol');

    const ada = await suite.signIn('Ada');
    await review(ada, first);
    const reviewPanel = ada.locator('[data-pg-component="request-review"]');
    await reviewPanel.getByRole('button', { name: 'Reject…' }).click();
    const feedback = 'Please use the brand colours from the style guide.';
    await reviewPanel.getByLabel('Feedback for the builder (optional)').fill(feedback);
    await reviewPanel.getByRole('button', { name: 'Reject request' }).click();
    await notice(reviewPanel, 'Rejected. The builder was notified.').waitFor();
    const rejected = await suite.portal.gate.getRequest({ id: first.id, actor: admin });
    expect(rejected.status).toBe('rejected');
    expect(rejected.decision?.feedback).toBe(feedback);
    expect(suite.portal.emulator?.pulls().filter((pull) => pull.head.includes(first.id))).toHaveLength(0);

    await publishStatus(carol).locator('[data-pg-feedback]').getByText(feedback).waitFor();
    await suite.shoot(carol, '08-builder-rejected');

    await editAndSave(carol, 'styles.css', 'body { background: #f4efe6; color: #2b1d0e; }\n');
    expect(await suite.publish(carol, 'corner-cafe')).toContain('Request sent');
    const second = await suite.latestRequest('ws-carol');
    expect(second.id).not.toBe(first.id);
    expect(second.status).toBe('pending');

    await ada.reload();
    await review(ada, second);
    await ada.locator('[data-pg-component="request-review"]').getByRole('button', { name: 'Approve and publish' }).click();
    await notice(
      ada.locator('[data-pg-component="request-review"]'),
      'Approved. The commit was pushed and the pull request opened.',
    ).waitFor();
    await expectPublished(await suite.latestRequest('ws-carol'));
    await publishStatus(carol).and(carol.locator('[data-pg-status="approved"]')).waitFor();
  });

  it('after the admin trusts the builder, the next publish is auto-approved without an admin action', async () => {
    const ada = await suite.signIn('Ada');
    const trustRow = ada.locator('[data-pg-component="trusted-users"] tr[data-pg-user="u-bob"]');
    await trustRow.waitFor();
    // The switch is controlled by the server's answer, so it flips after the round trip, not on click.
    const toggle = trustRow.getByRole('switch', { name: 'Auto-approve bob@example.com' });
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-checked'), UI_WAIT).toBe('true');
    await expect
      .poll(
        async () => (await suite.portal.gate.listTrust({ actor: admin })).some((grant) => grant.userId === 'u-bob' && grant.active),
        UI_WAIT,
      )
      .toBe(true);
    await suite.shoot(ada, '09-trusted-builder');

    const before = await suite.portal.gate.history({ actor: admin, limit: 1000 });
    const adminActionsBefore = before.items.filter((entry) => 'email' in entry.actor && entry.actor.email === admin.email).length;

    const bob = await suite.signIn('Bob');
    await bob.getByRole('heading', { level: 1, name: 'Bike shop' }).waitFor();
    await editAndSave(bob, 'index.html', '<!doctype html>\n<title>Bikes</title>\n<h1>Bikes and repairs for everyone</h1>\n');
    const outcome = await suite.publish(bob, 'bike-shop');
    expect(outcome).toContain('Auto-approved and published to bike-shop');

    const request = await suite.latestRequest('ws-bob');
    expect(request.decision?.by).toEqual({ trust: true });
    await expectPublished(request);
    const after = await suite.portal.gate.history({ actor: admin, limit: 1000 });
    expect(after.items.filter((entry) => 'email' in entry.actor && entry.actor.email === admin.email)).toHaveLength(adminActionsBefore);
    await publishStatus(bob).and(bob.locator('[data-pg-status="approved"]')).waitFor();
    await suite.shoot(bob, '10-builder-auto-approved');

    await openApprovals(ada);
    await ada.locator('table.history tr[data-audit-type="request.approved"]').first().waitFor();
    await suite.shoot(ada, '11-approvals-history');
    await expectNoAxeViolations(ada, 'the approvals page with history and trust');
  });
  it('regression: the editor keeps unsaved typing when a file is clicked, and asks before opening another', async () => {
    const carol = await suite.signIn('Carol');
    await carol.getByRole('heading', { level: 1, name: 'Corner cafe' }).waitFor();
    await carol.getByRole('button', { name: /^index\.html / }).click();
    const editor = carol.getByLabel('Contents of index.html');
    await expect.poll(() => editor.isVisible(), UI_WAIT).toBe(true);
    await editor.fill('typed, not saved');

    // The open file, clicked again: nothing is reloaded over the typing.
    await carol.getByRole('button', { name: /^index\.html / }).click();
    await expect(editor.inputValue()).resolves.toBe('typed, not saved');

    // Another file: a confirmation first; declining keeps the typing.
    const questions: string[] = [];
    carol.once('dialog', (dialog) => {
      questions.push(dialog.message());
      void dialog.dismiss();
    });
    await carol.getByRole('button', { name: /^styles\.css / }).click();
    await expect.poll(() => questions.length, UI_WAIT).toBe(1);
    expect(questions[0]).toContain('unsaved changes to index.html');
    await expect(carol.getByLabel('Contents of index.html').inputValue()).resolves.toBe('typed, not saved');

    // Accepting opens the other file.
    carol.once('dialog', (dialog) => void dialog.accept());
    await carol.getByRole('button', { name: /^styles\.css / }).click();
    await carol.getByLabel('Contents of styles.css').waitFor();
    await expect(carol.getByLabel('Contents of index.html').count()).resolves.toBe(0);
  });

  it('the Publish dialog is a native modal: the page behind is inert, Tab stays inside, Escape closes it and focus returns', async () => {
    const bob = await suite.signIn('Bob');
    await bob.getByRole('heading', { level: 1, name: 'Bike shop' }).waitFor();
    const opener = bob.getByRole('button', { name: 'Publish…' });
    await opener.click();
    const dialog = bob.getByRole('dialog', { name: 'Publish Bike shop' });
    await dialog.waitFor();
    await expect(dialog.evaluate((element) => element.tagName === 'DIALOG' && element.matches(':modal'))).resolves.toBe(true);
    await dialog.getByRole('button', { name: 'Request publish' }).waitFor();
    await expectNoAxeViolations(bob, 'the open publish dialog');

    // The page behind cannot take focus.
    const behind = bob.getByRole('button', { name: 'Reload file list' });
    await expect(
      behind.evaluate((element) => {
        (element as HTMLElement).focus();
        return element.ownerDocument.activeElement === element;
      }),
    ).resolves.toBe(false);
    // Tab and Shift+Tab, past both ends, never leave the dialog.
    for (const key of [...Array<string>(12).fill('Tab'), ...Array<string>(12).fill('Shift+Tab')]) {
      await bob.keyboard.press(key);
      await expect(bob.evaluate(() => document.activeElement?.closest('dialog') !== null)).resolves.toBe(true);
    }

    await bob.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => opener.evaluate((element) => element === element.ownerDocument.activeElement), UI_WAIT).toBe(true);
  });

  it('regression: the admin sees the changed lines of a file whose name git quotes (non-ASCII, space, quote), through the real git adapter', async () => {
    const carol = await suite.signIn('Carol');
    await carol.getByRole('heading', { level: 1, name: 'Corner cafe' }).waitFor();
    const name = 'café "menu".html';
    await carol.getByLabel('New file path').fill(name);
    await carol.getByRole('button', { name: 'Create' }).click();
    const editor = carol.getByLabel(`Contents of ${name}`);
    await expect.poll(() => editor.isVisible(), UI_WAIT).toBe(true);
    await editor.fill('<p>Café au lait</p>\n');
    await carol.getByRole('button', { name: 'Save', exact: true }).click();
    await carol
      .getByRole('status')
      .filter({ hasText: `Saved ${name}.` })
      .waitFor();
    expect(await suite.publish(carol, 'corner-cafe')).toContain('Request sent');
    const request = await suite.latestRequest('ws-carol');
    // The stored patch really names the file C-quoted, as git writes it: the adapter turns off
    // core.quotePath, so é stays itself, but git always quotes a name holding a double quote.
    expect(request.diff.patch).toContain('"b/café \\"menu\\".html"');

    const ada = await suite.signIn('Ada');
    await review(ada, request);
    const reviewPanel = ada.locator('[data-pg-component="request-review"]');
    const file = reviewPanel.getByRole('button', { name });
    await expect(file.getAttribute('aria-expanded')).resolves.toBe('true');
    await reviewPanel.locator('[data-pg-line="add"]').filter({ hasText: '+<p>Café au lait</p>' }).waitFor();
    await expect(reviewPanel.getByText('No line changes to show for this file.').count()).resolves.toBe(0);
    await reviewPanel.getByRole('button', { name: 'Reject…' }).click();
    await reviewPanel.getByRole('button', { name: 'Reject request' }).click();
    await notice(reviewPanel, 'Rejected. The builder was notified.').waitFor();
  });

  it('regression: dates are formatted one way on the approvals page (queue and history)', async () => {
    const ada = await suite.signIn('Ada');
    await ada.getByRole('heading', { level: 1, name: 'Admin › Approvals' }).waitFor();
    await ada.getByLabel('Status', { exact: true }).selectOption('all');
    await ada.locator('table.history tr[data-audit-type="request.approved"]').first().waitFor();
    await ada.locator('[data-pg-field="submitted"] time').first().waitFor();
    // Every <time> reads the way the components format dates (Intl medium date, short time).
    const mismatches = await ada.evaluate(() => {
      const format = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
      return [...document.querySelectorAll('time')]
        .map((element) => ({ text: element.textContent, expected: format.format(new Date(element.dateTime)) }))
        .filter((entry) => entry.text !== entry.expected);
    });
    expect(mismatches).toEqual([]);
  });
});
