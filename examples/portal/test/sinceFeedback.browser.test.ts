// "Changes since feedback" in Debian's Chromium (issue 17): a builder publishes, an admin rejects
// with feedback, the builder edits one more file and resubmits; the admin's review then shows the
// earlier feedback and a diff of only what changed after the rejection, next to the full diff.
// Pages are driven by roles and labels; the outcome is also checked in the gate.
import type { Actor } from '@publishgate/core';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, editAndSave, expectNoAxeViolations, UI_WAIT, usePortalInChromium } from './chromiumPortal.js';

const admin: Actor = { id: 'u-ada', email: 'ada@example.com', roles: ['admin'] };

const available = chromiumAvailable('portal "changes since feedback" browser tests');

describe.runIf(available)('portal "changes since feedback" in Chromium', () => {
  const suite = usePortalInChromium('since');

  /** Opens the queue's only pending request of the Corner cafe and resolves with its review region. */
  async function openReview(page: Page): Promise<Locator> {
    await page.getByRole('heading', { level: 1, name: 'Admin › Approvals' }).waitFor();
    await page
      .getByRole('row', { name: /Corner cafe/ })
      .getByRole('button', { name: 'Review Corner cafe' })
      .click();
    const review = page.getByRole('region', { name: 'Review: Corner cafe' });
    await review.waitFor();
    return review;
  }

  /** The file toggles of a diff, by their accessible names (each is the file's path). */
  async function fileNames(scope: Locator): Promise<string[]> {
    return scope.getByRole('listitem').getByRole('button').allTextContents();
  }

  it('a resubmission after a rejection shows the feedback and only the file changed since, next to the full diff', async () => {
    const feedback = 'Please say in the README who runs the cafe.';
    const carol = await suite.signIn('Carol');
    await carol.getByRole('heading', { level: 1, name: 'Corner cafe' }).waitFor();
    await editAndSave(carol, 'styles.css', 'body { background: #f4efe6; color: #2b1d0e; }\n');
    expect(await suite.publish(carol, 'corner-cafe')).toContain('Request sent');
    const first = await suite.latestRequest('ws-carol');
    expect(first.status).toBe('pending');
    // A first request has nothing to compare with.
    expect(first.previousRequestId).toBeUndefined();
    expect(first.sincePrevious).toBeUndefined();

    const ada = await suite.signIn('Ada');
    const firstReview = await openReview(ada);
    await firstReview.getByRole('heading', { name: 'Changes', exact: true }).waitFor();
    await expect(firstReview.getByRole('region', { name: 'Changes since feedback' }).count()).resolves.toBe(0);
    await firstReview.getByRole('button', { name: 'Reject…' }).click();
    await firstReview.getByLabel('Feedback for the builder (optional)').fill(feedback);
    await firstReview.getByRole('button', { name: 'Reject request' }).click();
    await firstReview.locator('p.pg-notice').filter({ hasText: 'Rejected. The builder was notified.' }).waitFor();
    await expect.poll(async () => (await suite.portal.gate.getRequest({ id: first.id, actor: admin })).status, UI_WAIT).toBe('rejected');

    // The builder answers the feedback in one more file; the stylesheet stays as it was submitted.
    await carol.getByText(feedback).first().waitFor();
    await editAndSave(carol, 'README.md', '# Corner cafe\n\nRun by Carol, open every day but Monday.\n');
    expect(await suite.publish(carol, 'corner-cafe')).toContain('Request sent');
    const second = await suite.latestRequest('ws-carol');
    expect(second.id).not.toBe(first.id);

    // In the gate: linked to the rejected request, with its feedback and the diff between the two pinned commits.
    expect(second.previousRequestId).toBe(first.id);
    expect(second.sincePrevious).toMatchObject({ requestId: first.id, status: 'rejected', sha: first.sha, feedback });
    expect(second.sincePrevious?.by?.email).toBe('ada@example.com');
    expect(second.sincePrevious?.diff.files.map((file) => file.path)).toEqual(['README.md']);
    expect(second.diff.files.map((file) => file.path).sort()).toEqual(['README.md', 'styles.css']);

    await ada.reload();
    const review = await openReview(ada);
    const since = review.getByRole('region', { name: 'Changes since feedback' });
    await since.waitFor();
    await since.getByText('The previous request was rejected by ada@example.com on').waitFor();
    await since.getByRole('heading', { name: 'Feedback on the previous request' }).waitFor();
    await since.getByText(feedback, { exact: true }).waitFor();
    await since.getByRole('heading', { name: 'Changed since the previous request' }).waitFor();
    // Only the file edited after the rejection, expanded, with its new line.
    await expect.poll(() => fileNames(since), UI_WAIT).toEqual(['README.md']);
    await expect(since.getByRole('button', { name: 'README.md', exact: true }).getAttribute('aria-expanded')).resolves.toBe('true');
    await since.getByText('Run by Carol, open every day but Monday.').waitFor();
    await expect(since.getByText('#2b1d0e').count()).resolves.toBe(0);

    // The full diff, after it, still shows both files of the request.
    await review.getByRole('heading', { name: 'Changes', exact: true }).waitFor();
    await expect.poll(async () => (await fileNames(review)).sort(), UI_WAIT).toEqual(['README.md', 'README.md', 'styles.css']);
    await expect(review.getByRole('button', { name: 'styles.css' }).count()).resolves.toBe(1);
    await suite.shoot(ada, 'since-01-changes-since-feedback');
    await expectNoAxeViolations(ada, 'the review of a resubmission with changes since feedback');
  });
});
