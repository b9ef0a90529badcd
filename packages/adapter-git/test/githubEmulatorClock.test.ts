import { createManualClock, type RateLimitedAnswer, startGitHubEmulator } from '@publishgate/adapter-git/testing';
import { describe, expect, it } from 'vitest';
import { emulatorApi, emulatorsClosedAfterEach } from './helpers/github.js';

const start = emulatorsClosedAfterEach();
const api = emulatorApi;

function createPull(emulator: { url: string; setBranch(name: string): void }, name: string) {
  emulator.setBranch(`publish/${name}`);
  return api(emulator, '/repos/acme/sites/pulls', {
    method: 'POST',
    body: JSON.stringify({ head: `publish/${name}`, base: 'main', title: name }),
  });
}

describe('the GitHub emulator on a clock the test controls', () => {
  it('the content-creation minute ends when the test advances the clock by a minute, not before, however long the test really takes', async () => {
    const clock = createManualClock();
    const emulator = await start({ clock, contentCreationLimit: 2 });
    expect([(await createPull(emulator, 'a')).status, (await createPull(emulator, 'b')).status]).toEqual([201, 201]);
    const refused = await createPull(emulator, 'c');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('retry-after')).toBe('60');
    clock.advance(59_000);
    const later = await api(emulator, '/repos/acme/sites');
    expect([later.status, later.headers.get('retry-after')]).toEqual([403, '1']);
    clock.advance(1_000);
    expect((await createPull(emulator, 'c')).status).toBe(201);
    expect((await createPull(emulator, 'd')).status).toBe(201);
    expect((await createPull(emulator, 'e')).status).toBe(403);
    expect(emulator.pulls().map((pull) => pull.head)).toEqual(['publish/a', 'publish/b', 'publish/c', 'publish/d']);
    expect(emulator.violations()).toEqual([]);
  });

  it('retry-after and the wait in x-ratelimit-reset count down with the clock', async () => {
    const clock = createManualClock();
    const emulator = await start({ clock });
    emulator.rateLimit({ kind: 'secondary', seconds: 30 });
    expect((await api(emulator, '/repos/acme/sites')).headers.get('retry-after')).toBe('30');
    clock.advance(10_000);
    expect((await api(emulator, '/repos/acme/sites')).headers.get('retry-after')).toBe('20');
    clock.advance(20_000);
    expect((await api(emulator, '/repos/acme/sites')).status).toBe(200);

    emulator.rateLimit({ kind: 'primary', seconds: 40 });
    clock.advance(15_000);
    const primary = await api(emulator, '/repos/acme/sites');
    expect(primary.status).toBe(403);
    expect(primary.headers.get('x-ratelimit-remaining')).toBe('0');
    // The reset is in the emulator clock's frame: a client given that clock computes the emulated wait.
    expect(Number(primary.headers.get('x-ratelimit-reset')) * 1000 - clock.now()).toBe(25_000);
    clock.advance(25_000);
    expect((await api(emulator, '/repos/acme/sites')).status).toBe(200);
    expect(emulator.violations()).toEqual([]);
  });

  it('onRateLimited hears of each refusal before the client has its answer, so a test can move time for a client that waits', async () => {
    const clock = createManualClock();
    const heard: RateLimitedAnswer[] = [];
    const emulator = await start({ clock, onRateLimited: (answer) => heard.push(answer) });
    emulator.rateLimit({ kind: 'secondary', seconds: 45 });
    const refused = await api(emulator, '/repos/acme/sites/pulls');
    expect(refused.status).toBe(403);
    expect(heard).toEqual([{ kind: 'secondary', operation: 'pulls.list', retryAfterSeconds: 45 }]);
  });

  it('on the scaled default clock, x-ratelimit-reset is in the frame of emulator.clock, not the wall clock', async () => {
    const emulator = await start({ secondMs: 10 });
    // Let the scaled clock (100 emulated seconds per real second) run ahead of the wall clock.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = emulator.clock.now();
    emulator.rateLimit({ kind: 'primary', seconds: 600 });
    const primary = await api(emulator, '/repos/acme/sites');
    const after = emulator.clock.now();
    const resetMs = Number(primary.headers.get('x-ratelimit-reset')) * 1000;
    expect(resetMs).toBeGreaterThanOrEqual(before + 600_000);
    expect(resetMs).toBeLessThanOrEqual(after + 601_000);
  });

  it('pull request timestamps come from the clock', async () => {
    const clock = createManualClock(Date.parse('2026-05-04T10:00:00Z'));
    const emulator = await start({ clock });
    clock.advance(90_000);
    expect((await createPull(emulator, 'a')).status).toBe(201);
    expect(emulator.pulls()[0]?.createdAt).toBe('2026-05-04T10:01:30Z');
  });

  it('refuses a clock together with secondMs, and a clock moved backwards', async () => {
    await expect(startGitHubEmulator({ clock: createManualClock(), secondMs: 10 })).rejects.toThrow(/either clock or secondMs/);
    expect(() => createManualClock().advance(-1)).toThrow(/non-negative/);
  });
});
