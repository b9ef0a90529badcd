import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Actor, PublishRequest } from '@publishgate/core';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Portal, startPortal } from '../src/server/portal.js';
import { browserStatus, buildUi, CHROMIUM, CHROMIUM_ARGS, resultsDir, warnLoudly } from './support.js';

// Two shared cores run these next to other suites: wait generously, fail with a screenshot.
/** How long a page may take to show what a test waits for. */
export const UI_WAIT = { timeout: 20_000, interval: 100 };
/** Playwright's per-action timeout in these tests. */
export const ACTION_TIMEOUT_MS = 45_000;
/** Where a test's named screenshots go. */
export const screenshotsDir = join(resultsDir, 'screenshots');

/**
 * Whether a browser suite can run here. Without Chromium it says so loudly and the suite is skipped,
 * unless `PUBLISHGATE_REQUIRE_BROWSER=1` (CI): then a test named after the suite fails instead.
 */
export function chromiumAvailable(suite: string): boolean {
  const status = browserStatus();
  if (status.available) return true;
  if (!status.required) warnLoudly(`${suite}: ${status.message}`);
  else {
    describe(`${suite} (required by PUBLISHGATE_REQUIRE_BROWSER=1)`, () => {
      it('has Chromium to run in', () => {
        expect.fail(status.message);
      });
    });
  }
  return false;
}

/** The demo portal and Chromium a suite runs against, valid from its first test on. */
export type PortalInChromium = {
  readonly portal: Portal;
  readonly browser: Browser;
  /** A page in a fresh browser profile (a new context, as @axe-core/playwright needs). */
  newPage(): Promise<Page>;
  /** Saves a full-page screenshot as `screenshots/<name>.png`. */
  shoot(page: Page, name: string): Promise<void>;
  /**
   * A fresh browser profile signed in as the demo user `name` (`Bob`, `Ada`, ...) through the
   * dev-only sign-in page; `screenshot` names a shot of that page before the click.
   */
  signIn(name: string, options?: { screenshot?: string }): Promise<Page>;
  /**
   * Opens the PublishDialog, picks the subdomain, submits and closes the dialog; resolves with the
   * outcome text it showed. `screenshot` names a shot of the filled dialog before submitting.
   */
  publish(page: Page, subdomain: string, options?: { screenshot?: string }): Promise<string>;
  /** The workspace's newest request, as an admin reads it from the gate. */
  latestRequest(workspaceId: string): Promise<PublishRequest>;
};

const ADMIN: Actor = { id: 'u-ada', email: 'ada@example.com', roles: ['admin'] };

/** Opens `path` in the workspace's file list, replaces its contents in the editor and saves. */
export async function editAndSave(page: Page, path: string, content: string): Promise<void> {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await page.getByRole('button', { name: new RegExp(`^${escaped} `) }).click();
  const editor = page.getByLabel(`Contents of ${path}`);
  await expect.poll(() => editor.isVisible(), UI_WAIT).toBe(true);
  await editor.fill(content);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `Saved ${path}.` })
    .waitFor();
}

/**
 * Registers, in the calling `describe`, the hooks that build the UI, start the demo portal on a
 * free port with its own data folder, launch Chromium, save every open page when a test fails, and
 * close it all after the suite.
 */
export function usePortalInChromium(prefix: string): PortalInChromium {
  let workDir: string | undefined;
  let portal: Portal | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), `publishgate-portal-${prefix}-`));
    await mkdir(screenshotsDir, { recursive: true });
    const uiDir = join(workDir, 'ui');
    await buildUi(uiDir);
    portal = await startPortal({ dataDir: join(workDir, 'data'), uiDir, port: 0, sweepIntervalMs: 500, log: () => {} });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    await mkdir(join(resultsDir, 'failures'), { recursive: true });
    const name = context.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    let index = 0;
    for (const browserContext of contexts) {
      for (const page of browserContext.pages()) {
        index += 1;
        await page.screenshot({ path: join(resultsDir, 'failures', `${prefix}-${name}-${index}.png`), fullPage: true }).catch(() => {});
      }
    }
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await portal?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started yet: use it inside a test`);
    return value;
  };
  const newPage = async () => {
    const context = await started(browser, 'Chromium').newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    return context.newPage();
  };
  const shoot = async (page: Page, name: string) => {
    await page.screenshot({ path: join(screenshotsDir, `${name}.png`), fullPage: true });
  };
  return {
    get portal() {
      return started(portal, 'the portal');
    },
    get browser() {
      return started(browser, 'Chromium');
    },
    newPage,
    shoot,
    async signIn(name, options = {}) {
      const page = await newPage();
      await page.goto(started(portal, 'the portal').url);
      await page.getByRole('heading', { level: 1, name: 'Sign in as a demo user' }).waitFor();
      await page.getByText('Dev-only sign-in.').first().waitFor();
      if (options.screenshot) await shoot(page, options.screenshot);
      await page.getByRole('button', { name: new RegExp(`^Sign in as ${name}\\b`) }).click();
      await page.waitForURL((url) => url.pathname !== '/');
      return page;
    },
    async publish(page, subdomain, options = {}) {
      await page.getByRole('button', { name: 'Publish…' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      await dialog.getByLabel('Subdomain', { exact: true }).fill(subdomain);
      await dialog.getByText(`${subdomain} is available.`).waitFor();
      const submit = dialog.getByRole('button', { name: 'Request publish' });
      await expect.poll(() => submit.isEnabled(), UI_WAIT).toBe(true);
      if (options.screenshot) await shoot(page, options.screenshot);
      await submit.click();
      // The visible notice, not its copy in the screen-reader live region.
      const outcome = dialog.locator('p.pg-notice').filter({ hasText: /^(Request sent\.|Auto-approved)/ });
      await outcome.waitFor();
      const text = (await outcome.textContent()) ?? '';
      await dialog.getByRole('button', { name: 'Done' }).click();
      await dialog.waitFor({ state: 'detached' });
      return text;
    },
    async latestRequest(workspaceId) {
      const request = (await started(portal, 'the portal').gate.listRequests({ actor: ADMIN, workspaceId, limit: 1 })).items[0];
      if (!request) throw new Error(`no request for ${workspaceId}`);
      return request;
    },
  };
}

/** Fails with every axe violation on the page, each with the elements it names. */
export async function expectNoAxeViolations(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map(
    (violation) =>
      `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
  );
  expect(summary, `axe violations on ${what}`).toEqual([]);
}
