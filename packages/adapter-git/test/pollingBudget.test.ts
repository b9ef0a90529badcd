import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Actor, PublishRequest, Workspace } from '@publishgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { emulatedGitHubGate } from './helpers/githubGate.js';

// Delivery polls and publishes share one host-wide budget: counted at the emulated GitHub, no
// window of the budget ever sees more requests than it allows, and polls that find no slot wait
// for a later sweep instead of pushing publishes back.

const admin: Actor = { id: 'admin-1', email: 'ada@example.com', roles: ['admin'] };
const BUDGET = { max: 3, perMs: 60_000 };
const STEP_MS = 5_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('delivery polling inside the pacing budget (emulated GitHub, controlled clock)', () => {
  it('open deliveries and publishes together never exceed the budget in any window; every delivery is still polled', async () => {
    const { fixture, emulator, clock, gate } = await emulatedGitHubGate(cleanups, { publishPacing: [BUDGET], deliveryPollMs: 60_000 });
    const start = clock.start;
    const now = () => clock.now().getTime();
    await writeFile(join(fixture.workspaceDir, 'about.html'), '<p>About us</p>\n');

    // Every request the emulator answers, stamped with the gate's time when it was made (the clock
    // stands still during each call).
    const seen: Array<{ at: number; operation: string | undefined }> = [];
    async function during<T>(work: () => Promise<T>): Promise<T> {
      const before = emulator.requests().length;
      const result = await work();
      for (const entry of emulator.requests().slice(before)) seen.push({ at: now() - start, operation: entry.operation });
      return result;
    }
    const builders = Array.from(
      { length: 6 },
      (_, index): Actor => ({ id: `builder-${index}`, email: `b${index}@example.com`, roles: ['builder'] }),
    );
    const workspaces = builders.map(
      (builder, index): Workspace => ({ ...fixture.workspace, id: `ws-${index}`, ownerId: builder.id, name: `Shop ${index}` }),
    );
    async function submitAndApprove(index: number): Promise<PublishRequest> {
      const request = await gate.requestPublish({
        workspace: workspaces[index] as Workspace,
        subdomain: `shop-${index}`,
        actor: builders[index] as Actor,
      });
      return during(() => gate.approve({ id: request.id, actor: admin }));
    }

    // Five publishes at once: three fit the first window, two wait for their slot.
    const first = [];
    for (let index = 0; index < 5; index += 1) first.push(await submitAndApprove(index));
    expect(first.map((request) => request.status)).toEqual(['approved', 'approved', 'approved', 'approving', 'approving']);

    let mergeSha: string | undefined;
    let sixth: PublishRequest | undefined;
    const checkedPerSweep: number[] = [];
    for (let elapsed = STEP_MS; elapsed <= 600_000; elapsed += STEP_MS) {
      clock.advance(start + elapsed - now());
      if (elapsed === 30_000) mergeSha = await emulator.mergePullRequest(first[0]?.pullRequest?.number as number);
      if (elapsed === 90_000)
        await emulator.deploy({ sha: mergeSha as string, state: 'success', environmentUrl: 'https://shop-0.apps.example.com' });
      // A publish decided while polls are due: it takes its turn in the same budget.
      if (elapsed === 120_000) sixth = await submitAndApprove(5);
      checkedPerSweep.push((await during(() => gate.sweep())).deliveriesChecked);
    }

    // No window of the budget saw more than it allows, whatever made the requests.
    for (const { at } of seen) {
      const inWindow = seen.filter((other) => other.at > at - BUDGET.perMs && other.at <= at).length;
      expect(inWindow, `requests in the window ending at ${at} ms`).toBeLessThanOrEqual(BUDGET.max);
    }
    // It was binding: some window was full, and some sweep polled fewer than were due.
    expect(seen.some(({ at }) => seen.filter((other) => other.at > at - BUDGET.perMs && other.at <= at).length === BUDGET.max)).toBe(true);

    // Nothing starved: every publish opened its pull request, every open delivery was asked about,
    // and the merged one was followed to live (its deployment read within the budget too).
    const count = (operation: string) => seen.filter((entry) => entry.operation === operation).length;
    expect(count('pulls.create')).toBe(6);
    const requests = await Promise.all(
      [...first, sixth as PublishRequest].map((request) => gate.getRequest({ id: request.id, actor: admin })),
    );
    expect(requests.map((request) => request.status)).toEqual(Array(6).fill('approved'));
    expect(requests[0]?.delivery).toMatchObject({ state: 'live', deploymentUrl: 'https://shop-0.apps.example.com' });
    expect(requests.slice(1).map((request) => request.delivery?.state)).toEqual(Array(5).fill('pull-request-open'));
    expect(count('pulls.get')).toBeGreaterThanOrEqual(6);
    expect(count('repos.listDeployments')).toBeGreaterThanOrEqual(1);
    expect(count('repos.listDeploymentStatuses')).toBe(count('repos.listDeployments'));
    expect(checkedPerSweep.reduce((sum, checked) => sum + checked, 0)).toBeGreaterThan(6);
  }, 120_000);
});
