import { createGitHubHost } from '@publishgate/adapter-git';
import { createManualClock } from '@publishgate/adapter-git/testing';
import { createPublishGate, type GitPort, type PublishRequest } from '@publishgate/core';
import { createFakeGit } from '@publishgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { allAudit, allRequests, auditProblems } from '../src/checks.js';
import { emulatedHostOptions, startCheckedEmulator } from '../src/emulator.js';
import { admin, builder, workspace } from '../src/population.js';
import { freshSqliteStore } from '../src/stores.js';

// One manual clock is GitHub's time and the gate's: a content-creation minute ends when the test
// moves it, never because the machine was slow, so every count below is the same at any load.
const COUNT = 500;
const LIMIT_PER_MINUTE = 80;
const MINUTE_MS = 60_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a burst of approvals against GitHub’s secondary (content-creation) limit', () => {
  it(`${COUNT} concurrent approvals, emulator enforcing ${LIMIT_PER_MINUTE} pull requests per emulated minute, gate and host on their defaults: 0 failed, every pull request created exactly once, in the time the limit allows`, async () => {
    const clock = createManualClock();
    const startedAt = clock.now();
    const emulator = await startCheckedEmulator(
      { token: 'ghp_reliabilitySuiteToken0000000000000000', clock, contentCreationLimit: LIMIT_PER_MINUTE },
      cleanups,
    );
    const store = await freshSqliteStore();
    cleanups.push(store.drop);
    const { storage } = store.open();
    // The fake GitPort (in memory, same contract as the git adapter): 500 real pushes would measure
    // git, not GitHub. Each push also makes the branch exist on the emulated GitHub.
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
    // The host and the gate as a portal configures them: no retry, limit or pacing options at all.
    const gitHost = createGitHubHost(emulatedHostOptions(emulator, { clock: () => clock.now() }));
    const gate = createPublishGate({ storage, git, gitHost, clock: () => new Date(clock.now()) });
    cleanups.push(() => gate.close());

    const submitted: PublishRequest[] = [];
    for (let n = 1; n <= COUNT; n += 1) {
      fakeGit.write(workspace(n), 'index.html', `<p>site ${n}</p>\n`);
      submitted.push(await gate.requestPublish({ workspace: workspace(n), subdomain: `burst-${n}`, actor: builder(n) }));
    }

    const started = Date.now();
    const answers = await Promise.all(submitted.map((request) => gate.approve({ id: request.id, actor: admin(1) })));
    const answerMs = Date.now() - started;
    expect(answers.filter((request) => request.status === 'failed')).toEqual([]);
    const approvedAtOnce = answers.filter((request) => request.status === 'approved').length;
    // Those past the budget answer at once, waiting for a slot the budget reserved for them.
    const waiting = answers.filter((request) => request.status === 'approving');
    for (const request of waiting) expect(request.progress).toMatchObject({ step: 'waiting-rate-limit', attempt: 0 });

    // The servers' workers, driven by the test: each time the clock reaches the next due attempt,
    // one sweep runs what is due.
    let steps = 0;
    for (;;) {
      const pending = (await allRequests(storage)).filter((request) => request.status === 'approving');
      if (pending.length === 0) break;
      const next = Math.min(
        ...pending.map((request) => Date.parse(request.progress?.nextAttemptAt ?? new Date(clock.now()).toISOString())),
      );
      clock.advance(Math.max(0, next - clock.now()));
      await gate.sweep();
      steps += 1;
      expect(steps).toBeLessThan(50);
    }
    const totalMs = Date.now() - started;

    const requests = await allRequests(storage);
    const audit = await allAudit(storage);
    for (const request of requests) {
      expect(
        auditProblems(
          request,
          audit.filter((entry) => entry.requestId === request.id),
        ),
      ).toEqual([]);
    }
    expect(requests.filter((request) => request.status !== 'approved')).toEqual([]);
    const pulls = emulator.pulls();
    expect(pulls).toHaveLength(COUNT);
    expect(new Set(pulls.map((pull) => pull.head)).size).toBe(COUNT);
    expect(new Set(requests.map((request) => request.pullRequest?.number)).size).toBe(COUNT);
    const log = emulator.requests();
    const limited = log.filter((entry) => entry.status === 403).length;
    const creates = log.filter((entry) => entry.operation === 'pulls.create').length;
    // The budget kept the gate inside the limit: GitHub never had to refuse, and never saw a second create.
    expect(limited).toBe(0);
    expect(creates).toBe(COUNT);
    // The first minute's worth at once, then one more minute's worth per emulated minute: the floor.
    expect(approvedAtOnce).toBe(LIMIT_PER_MINUTE);
    const emulatedMs = clock.now() - startedAt;
    const floorMs = (Math.ceil(COUNT / LIMIT_PER_MINUTE) - 1) * MINUTE_MS;
    expect(emulatedMs).toBe(floorMs);
    const perWindow = new Map<number, number>();
    for (const pull of pulls) {
      const window = Math.floor((Date.parse(pull.createdAt) - startedAt) / MINUTE_MS);
      perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
    }
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(LIMIT_PER_MINUTE);
    // Each paced request waited once, for the slot it was given, and was never retried.
    const waits = audit.filter((entry) => (entry.data.progress as { step?: string } | undefined)?.step === 'waiting-rate-limit');
    expect(waits).toHaveLength(COUNT - LIMIT_PER_MINUTE);
    console.log(
      `[reliability] burst, defaults: ${COUNT} approvals answered in ${answerMs} ms real (${approvedAtOnce} approved at once, ` +
        `${waiting.length} waiting for a reserved slot), all ${COUNT} approved after ${emulatedMs / 1000} s of GitHub time ` +
        `(floor ${floorMs / 1000} s) and ${totalMs} ms real, ${steps} sweeps; ${limited} answers 403, ${creates} create calls, ` +
        `${pulls.length} pull requests, 0 failed`,
    );
  });
});
