import { createGitHubHost, createSimpleGit } from '@publishgate/adapter-git';
import { type GitHubEmulator, startGitHubEmulator } from '@publishgate/adapter-git/testing';
import { createMemoryStorage, createPublishGate, type PublishGateOptions } from '@publishgate/core';
import { createRecordingNotifier } from '@publishgate/core/testing';
import { closeChecked } from './gateSetup.js';
import { hostOptionsFor, SECOND_MS, TOKEN } from './github.js';
import { createRepoFixture } from './repos.js';

/** The gate's clock in these tests: starts at 2026-06-01 09:00 UTC and moves only when told. */
export type SteppedClock = { now: () => Date; advance: (ms: number) => number; start: number };

/**
 * A gate on real git (a fresh repository fixture) and the emulated GitHub, with memory storage, a
 * recording notifier and a {@link SteppedClock}; pacing is off unless `policy` says otherwise.
 * Everything is shut down (and the emulator's exchanges checked against GitHub's API description)
 * through `cleanups`.
 */
export async function emulatedGitHubGate(cleanups: Array<() => Promise<void>>, policy: PublishGateOptions['policy'] = {}) {
  const fixture = await createRepoFixture();
  cleanups.push(fixture.cleanup);
  const emulator: GitHubEmulator = await startGitHubEmulator({ token: TOKEN, secondMs: SECOND_MS, repositoryPath: fixture.remoteDir });
  closeChecked(cleanups, emulator);
  const start = Date.parse('2026-06-01T09:00:00.000Z');
  let now = start;
  const clock: SteppedClock = { now: () => new Date(now), advance: (ms) => (now += ms), start };
  const notifier = createRecordingNotifier();
  const gate = createPublishGate({
    clock: clock.now,
    storage: createMemoryStorage(),
    git: createSimpleGit({ resolveWorkspaceDir: () => fixture.workspaceDir, remote: `file://${fixture.remoteDir}`, baseBranch: 'main' }),
    gitHost: createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main' })),
    notifier,
    policy: { publishPacing: false, ...policy },
  });
  cleanups.push(() => gate.close());
  return { fixture, emulator, clock, notifier, gate };
}
