// "Changes since feedback" in Debian's Chromium (issue 17): a builder publishes, an admin rejects
// with feedback, the builder edits one more file and resubmits; the admin's review then shows the
// earlier feedback and a diff of only what changed after the rejection, next to the full diff.
// Pages are driven by roles and labels; the outcome is also checked in the gate.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Actor, PublishRequest } from '@publishgate/core';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Portal, startPortal } from '../src/server/portal.js';
import { browserStatus, buildUi, CHROMIUM, CHROMIUM_ARGS, resultsDir, warnLoudly } from './support.js';

const status = browserStatus();
if (!status.available && !status.required) warnLoudly(`portal "changes since feedback" browser tests: ${status.message}`);

// Two shared cores run this next to other suites: wait generously, fail with a screenshot.
const UI_WAIT = { timeout: 20_000, interval: 100 };
const ACTION_TIMEOUT_MS = 45_000;

const admin: Actor = { id: 'u-ada', email: 'ada@example.com', roles: ['admin'] };
const screenshotsDir = join(resultsDir, 'screenshots');

if (!status.available && status.required) {
  describe('portal "changes since feedback" in Chromium (required by PUBLISHGATE_REQUIRE_BROWSER=1)', () => {
    it('has Chromium to run in', () => {
      expect.fail(status.message);
    });
  });
}

describe.runIf(status.available)('portal "changes since feedback" in Chromium', () => {
  let workDir: string;
  let portal: Portal;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'publishgate-portal-since-e2e-'));
    await mkdir(screenshotsDir, { recursive: true });
    const uiDir = join(workDir, 'ui');
    await buildUi(uiDir);
    portal = await startPortal({ dataDir: join(workDir, 'data'), uiDir, port: 0, sweepIntervalMs: 500, log: () => {} });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  // On failure, every open page is saved next to the screenshots, to see what the browser saw.
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    const name = context.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    let index = 0;
    for (const browserContext of contexts) {
      for (const page of browserContext.pages()) {
        index += 1;
        await page.screenshot({ path: join(resultsDir, 'failures', `since-${name}-${index}.png`), fullPage: true }).catch(() => {});
      }
    }
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await portal?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  /** A fresh browser profile signed in through the dev-only sign-in page. */
  async function signIn(name: 'Carol' | 'Ada'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    const page = await context.newPage();
    await page.goto(portal.url);
    await page.getByRole('heading', { level: 1, name: 'Sign in as a demo user' }).waitFor();
    await page.getByRole('button', { name: new RegExp(`^Sign in as ${name}\\b`) }).click();
    await page.waitForURL((url) => url.pathname !== '/');
    return page;
  }

  async function shoot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(screenshotsDir, `${name}.png`), fullPage: true });
  }

  async function expectNoAxeViolations(page: Page, what: string): Promise<void> {
    const results = await new AxeBuilder({ page }).analyze();
    const summary = results.violations.map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
    expect(summary, `axe violations on ${what}`).toEqual([]);
  }

  async function editAndSave(page: Page, path: string, content: string): Promise<void> {
    await page.getByRole('button', { name: new RegExp(`^${path.replaceAll('.', '\\.')} `) }).click();
    const editor = page.getByLabel(`Contents of ${path}`);
    await expect.poll(() => editor.isVisible(), UI_WAIT).toBe(true);
    await editor.fill(content);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Saved ${path}.` })
      .waitFor();
  }

  /** Opens the publish dialog, picks the subdomain and submits; resolves with the outcome the dialog shows. */
  async function publish(page: Page, subdomain: string): Promise<string> {
    await page.getByRole('button', { name: 'Publish…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByLabel('Subdomain', { exact: true }).fill(subdomain);
    await dialog.getByText(`${subdomain} is available.`).waitFor();
    const submit = dialog.getByRole('button', { name: 'Request publish' });
    await expect.poll(() => submit.isEnabled(), UI_WAIT).toBe(true);
    await submit.click();
    // The visible notice, not its copy in the screen-reader live region.
    const outcome = dialog.locator('p.pg-notice').filter({ hasText: /^(Request sent\.|Auto-approved)/ });
    await outcome.waitFor();
    const text = (await outcome.textContent()) ?? '';
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    return text;
  }

  async function latestRequest(workspaceId: string): Promise<PublishRequest> {
    const request = (await portal.gate.listRequests({ actor: admin, workspaceId, limit: 1 })).items[0];
    if (!request) throw new Error(`no request for ${workspaceId}`);
    return request;
  }

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
    const carol = await signIn('Carol');
    await carol.getByRole('heading', { level: 1, name: 'Corner cafe' }).waitFor();
    await editAndSave(carol, 'styles.css', 'body { background: #f4efe6; color: #2b1d0e; }\n');
    expect(await publish(carol, 'corner-cafe')).toContain('Request sent');
    const first = await latestRequest('ws-carol');
    expect(first.status).toBe('pending');
    // A first request has nothing to compare with.
    expect(first.previousRequestId).toBeUndefined();
    expect(first.sincePrevious).toBeUndefined();

    const ada = await signIn('Ada');
    const firstReview = await openReview(ada);
    await firstReview.getByRole('heading', { name: 'Changes', exact: true }).waitFor();
    await expect(firstReview.getByRole('region', { name: 'Changes since feedback' }).count()).resolves.toBe(0);
    await firstReview.getByRole('button', { name: 'Reject…' }).click();
    await firstReview.getByLabel('Feedback for the builder (optional)').fill(feedback);
    await firstReview.getByRole('button', { name: 'Reject request' }).click();
    await firstReview.locator('p.pg-notice').filter({ hasText: 'Rejected. The builder was notified.' }).waitFor();
    await expect.poll(async () => (await portal.gate.getRequest({ id: first.id, actor: admin })).status, UI_WAIT).toBe('rejected');

    // The builder answers the feedback in one more file; the stylesheet stays as it was submitted.
    await carol.getByText(feedback).first().waitFor();
    await editAndSave(carol, 'README.md', '# Corner cafe\n\nRun by Carol, open every day but Monday.\n');
    expect(await publish(carol, 'corner-cafe')).toContain('Request sent');
    const second = await latestRequest('ws-carol');
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
    await expect(since.getByRole('button', { name: 'README.md' }).getAttribute('aria-expanded')).resolves.toBe('true');
    await since.getByText('Run by Carol, open every day but Monday.').waitFor();
    await expect(since.getByText('#2b1d0e').count()).resolves.toBe(0);

    // The full diff, after it, still shows both files of the request.
    await review.getByRole('heading', { name: 'Changes', exact: true }).waitFor();
    await expect.poll(async () => (await fileNames(review)).sort(), UI_WAIT).toEqual(['README.md', 'README.md', 'styles.css']);
    await expect(review.getByRole('button', { name: 'styles.css' }).count()).resolves.toBe(1);
    await shoot(ada, 'since-01-changes-since-feedback');
    await expectNoAxeViolations(ada, 'the review of a resubmission with changes since feedback');
  });
});
