import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
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
};

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
  return {
    get portal() {
      return started(portal, 'the portal');
    },
    get browser() {
      return started(browser, 'Chromium');
    },
    async newPage() {
      const context = await started(browser, 'Chromium').newContext({ viewport: { width: 1280, height: 900 } });
      contexts.push(context);
      context.setDefaultTimeout(ACTION_TIMEOUT_MS);
      return context.newPage();
    },
    async shoot(page, name) {
      await page.screenshot({ path: join(screenshotsDir, `${name}.png`), fullPage: true });
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
