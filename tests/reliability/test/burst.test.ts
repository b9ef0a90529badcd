import { createGitHubHost } from '@publishgate/adapter-git';
import { createManualClock } from '@publishgate/adapter-git/testing';
import { createPublishGate, type GitPort, type PublishRequest } from '@publishgate/core';
import { createFakeGit } from '@publishgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { allAudit, allRequests, auditProblems } from '../src/checks.js';
import { EMULATOR_TOKEN, emulatedHostOptions, startCheckedEmulator } from '../src/emulator.js';
import { admin, builder, workspace } from '../src/population.js';
import { freshSqliteStore } from '../src/stores.js';

// GitHub's time is a manual clock: the content-creation minute ends when the test (or a client
// waiting out a limit) moves it, never because the machine was slow, so the counts below are the
// same at any load.
const COUNT = 500;
const LIMIT_PER_MINUTE = 80;
const MINUTE_MS = 60_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Variant = {
  name: string;
  /** `rateLimit.maxRetries` of the GitHub host: how many limits one call may wait out. */
  maxRetries: number | undefined;
  /** Whether every approval must succeed at the first attempt. */
  noneFail: boolean;
  /**
   * Whether GitHub's time moves on by the `retry-after` it tells a client, as it would while the
   * client waits. Otherwise it moves only between the admin's retry rounds.
   */
  timePassesWhileClientsWait: boolean;
};

const variants: Variant[] = [
  // Waits bounded by time (maxWaitSeconds, 60) rather than by count: a call may meet the limit again
  // after waiting it out once, because the other waiting calls take the next window's slots first.
  { name: 'host waiting out every limit (rateLimit.maxRetries: 20)', maxRetries: 20, noneFail: true, timePassesWhileClientsWait: true },
  // The adapter's default waits out one limit per call; a burst several windows long meets more.
  {
    name: 'host defaults (rateLimit.maxRetries: 1), failures retried by an admin',
    maxRetries: undefined,
    noneFail: false,
    timePassesWhileClientsWait: false,
  },
];

describe('a burst of approvals against GitHub’s secondary (content-creation) limit', () => {
  it.each(variants)(
    `${COUNT} concurrent approvals, emulator enforcing ${LIMIT_PER_MINUTE} pull requests per emulated minute, $name: every pull request created exactly once, all approved`,
    async (variant) => {
      const clock = createManualClock();
      const startedAt = clock.now();
      const emulator = await startCheckedEmulator(
        {
          token: EMULATOR_TOKEN,
          clock,
          contentCreationLimit: LIMIT_PER_MINUTE,
          // Called before the refusal is sent, so the client's retry always finds the later time.
          ...(variant.timePassesWhileClientsWait ? { onRateLimited: (answer) => clock.advance(answer.retryAfterSeconds * 1000) } : {}),
        },
        cleanups,
      );
      const store = await freshSqliteStore();
      cleanups.push(store.drop);
      const { storage } = store.open();
      // The fake GitPort (in memory, same contract as simple-git): 500 real pushes would measure git,
      // not GitHub. Each push also makes the branch exist on the emulated GitHub.
      const fakeGit = createFakeGit();
      const git: GitPort = {
        preview: (args) => fakeGit.preview(args),
        commit: (args) => fakeGit.commit(args),
        async push(args) {
          const pushed = await fakeGit.push(args);
          emulator.setBranch(pushed.branch, pushed.sha);
          return pushed;
        },
      };
      // The host as a portal would configure it.
      const gitHost = createGitHubHost(emulatedHostOptions(emulator));
      const gate = createPublishGate({ storage, git, gitHost });
      cleanups.push(() => gate.close());

      const submitted: PublishRequest[] = [];
      for (let n = 1; n <= COUNT; n += 1) {
        fakeGit.write(workspace(n), 'index.html', `<p>site ${n}</p>\n`);
        submitted.push(await gate.requestPublish({ workspace: workspace(n), subdomain: `burst-${n}`, actor: builder(n) }));
      }

      const started = Date.now();
      const results = await Promise.all(submitted.map((request) => gate.approve({ id: request.id, actor: admin(1) })));
      const burstMs = Date.now() - started;
      const failedFirst = results.filter((request) => request.status === 'failed');

      // What a portal's admin (or a retry job) does with failed, retryable publishes: retry them.
      let rounds = 0;
      let failed = failedFirst;
      while (failed.length > 0 && rounds < 10) {
        rounds += 1;
        // The admin comes back a minute later: the next content-creation window.
        clock.advance(MINUTE_MS);
        const retried = await Promise.all(failed.map((request) => gate.retry({ id: request.id, actor: admin(1) })));
        failed = retried.filter((request) => request.status === 'failed');
      }
      const totalMs = Date.now() - started;

      const requests = await allRequests(storage);
      const audit = await allAudit(storage);
      for (const request of requests)
        expect(
          auditProblems(
            request,
            audit.filter((entry) => entry.requestId === request.id),
          ),
        ).toEqual([]);
      expect(requests.filter((request) => request.status !== 'approved')).toEqual([]);
      const pulls = emulator.pulls();
      expect(pulls).toHaveLength(COUNT);
      expect(new Set(pulls.map((pull) => pull.head)).size).toBe(COUNT);
      expect(new Set(requests.map((request) => request.pullRequest?.number)).size).toBe(COUNT);
      const log = emulator.requests();
      const limited = log.filter((entry) => entry.status === 403).length;
      const creates = log.filter((entry) => entry.operation === 'pulls.create');
      // The limit was really hit, and then waited out.
      expect(limited).toBeGreaterThan(0);
      // GitHub's time the creations spanned: at least floor(500 / 80) more windows after the first.
      const emulatedMs = clock.now() - startedAt;
      const minimumMs = Math.floor(COUNT / LIMIT_PER_MINUTE) * MINUTE_MS;
      expect(emulatedMs).toBeGreaterThanOrEqual(minimumMs);
      // No window let more than the limit through.
      const perWindow = new Map<number, number>();
      for (const pull of pulls) {
        const window = Math.floor((Date.parse(pull.createdAt) - startedAt) / MINUTE_MS);
        perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
      }
      expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(LIMIT_PER_MINUTE);
      // Every first-attempt failure was the limit, reported as retryable, never anything else.
      for (const request of failedFirst) expect(request.error?.message).toMatch(/^GitHub rate limit reached/);
      console.log(
        `[reliability] burst, ${variant.name}: ${COUNT} approvals in ${burstMs} ms real, ${emulatedMs / 1000} s of GitHub time ` +
          `(limit floor ${minimumMs / 1000} s), ${limited} answers 403 secondary limit, ${creates.length} create calls, ` +
          `${failedFirst.length} failed on the first attempt, ${rounds} retry rounds, all ${COUNT} approved after ${totalMs} ms real, ` +
          `${pulls.length} pull requests, 0 duplicates`,
      );
      if (variant.noneFail) {
        expect(failedFirst.map((request) => request.error?.message)).toEqual([]);
        // Time moved only by what clients were told to wait: one refusal per window after the first.
        expect(limited).toBe(emulatedMs / MINUTE_MS);
      } else {
        // GitHub's clock stood still during the burst: exactly one window's worth went through, the
        // rest failed once their single wait found the same window; each admin round is one window.
        expect(failedFirst).toHaveLength(COUNT - LIMIT_PER_MINUTE);
        expect(rounds).toBe(Math.ceil(COUNT / LIMIT_PER_MINUTE) - 1);
      }
    },
  );
});
