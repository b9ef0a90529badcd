import { type Actor, createMemoryStorage, createPublishGate, type GitHostPort, type GitPort } from '@publishgate/core';
import { createRecordingNotifier } from '@publishgate/core/testing';
import { afterEach, expect } from 'vitest';
import { createRepoFixture, type RepoFixture } from './repos.js';

export const bob: Actor = { id: 'builder-1', email: 'bob@example.com', roles: ['builder'] };
export const carol: Actor = { id: 'builder-2', email: 'carol@example.com', roles: ['builder'] };
export const admin: Actor = { id: 'admin-1', email: 'ada@example.com', roles: ['admin'] };

/** Shutdowns a test registers; run in reverse order after each test of the calling file. Call once at the top level. */
export function cleanupsAfterEach(): Array<() => Promise<void>> {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return cleanups;
}

/** Closes a GitHub or GitLab emulator after the test, asserting that no exchange broke the host's API description. */
export function closeChecked(cleanups: Array<() => Promise<void>>, emulator: { violations(): string[]; close(): Promise<void> }): void {
  cleanups.push(async () => {
    const violations = emulator.violations();
    await emulator.close();
    expect(violations).toEqual([]);
  });
}

/** The gate's clock in these tests: starts at 2026-06-01 09:00 UTC and only moves forward when told. */
export type TestClock = { now: () => Date; advanceTo: (iso: string) => number };

/**
 * A gate on a fresh repository fixture (memory storage, a recording notifier, a {@link TestClock}),
 * with the git adapter and host that `ports` builds for that fixture; whatever else `ports`
 * returns (the emulator, say) is handed back as well.
 */
export async function gateOnFixture<Ports extends { git: GitPort; gitHost: GitHostPort }>(
  cleanups: Array<() => Promise<void>>,
  ports: (fixture: RepoFixture) => Promise<Ports>,
): Promise<Ports & { fixture: RepoFixture; gate: ReturnType<typeof createPublishGate>; clock: TestClock }> {
  const fixture = await createRepoFixture();
  cleanups.push(fixture.cleanup);
  let now = Date.parse('2026-06-01T09:00:00.000Z');
  const clock: TestClock = { now: () => new Date(now), advanceTo: (iso) => (now = Math.max(now, Date.parse(iso))) };
  const built = await ports(fixture);
  const gate = createPublishGate({
    clock: clock.now,
    storage: createMemoryStorage(),
    git: built.git,
    gitHost: built.gitHost,
    notifier: createRecordingNotifier(),
  });
  return { ...built, fixture, gate, clock };
}
