import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Actor, PublishRequest, Workspace } from '@publishgate/core';
import { codeOf } from '@publishgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { emulatedGitHubGate } from './helpers/githubGate.js';

// The workspace's publication follows delivery, on real git and the emulated GitHub: a publish
// whose pull request is closed unmerged gives the workspace back what is really published.

const builder: Actor = { id: 'builder-1', email: 'bob@example.com', roles: ['builder'] };
const otherBuilder: Actor = { id: 'builder-2', email: 'eve@example.com', roles: ['builder'] };
const admin: Actor = { id: 'admin-1', email: 'ada@example.com', roles: ['admin'] };
const POLL_MS = 5 * 60_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const { fixture, emulator, clock, notifier, gate } = await emulatedGitHubGate(cleanups, { deliveryPollMs: POLL_MS });
  const workspace: Workspace = { ...fixture.workspace, ownerId: builder.id, name: "Bob's shop" };
  const write = (path: string, content: string) => writeFile(join(fixture.workspaceDir, path), content);
  async function publish(subdomain: string, as: Workspace = workspace, actor: Actor = builder): Promise<PublishRequest> {
    const request = await gate.requestPublish({ workspace: as, subdomain, actor });
    const approved = await gate.approve({ id: request.id, actor: admin });
    expect(approved.delivery?.state).toBe('pull-request-open');
    return approved;
  }
  // Polling is how the gate learns here: the next interval's sweep asks the emulator.
  async function poll() {
    clock.advance(POLL_MS);
    await gate.sweep();
  }
  const number = (request: PublishRequest) => request.pullRequest?.number as number;
  const stored = async (request: PublishRequest) => gate.getRequest({ id: request.id, actor: admin });
  return { emulator, gate, notifier, workspace, write, publish, poll, number, stored };
}

describe('the publication follows delivery (real git, emulated GitHub)', () => {
  it('a publish closed unmerged: the next preview diffs against the previous publication and shows its changes again', async () => {
    const { emulator, gate, notifier, workspace, write, publish, poll, number, stored } = await setup();
    await write('about.html', '<p>About us</p>\n');
    const first = await publish('bobs-shop');
    await emulator.mergePullRequest(number(first));
    await poll();
    expect((await stored(first)).delivery?.state).toBe('merged');

    await write('team.html', '<p>Our team</p>\n');
    const second = await publish('bobs-new-shop');
    // While the second one counts as published, there is nothing new to publish.
    expect(await gate.preview({ workspace, actor: builder })).toMatchObject({
      baseline: { kind: 'publication', sha: second.sha },
      publishable: false,
      blockedBy: 'nothing_to_publish',
    });

    await emulator.closePullRequest(number(second));
    await poll();
    expect((await stored(second)).delivery?.state).toBe('closed-unmerged');

    const after = await gate.preview({ workspace, actor: builder });
    expect(after.baseline).toEqual({ kind: 'publication', sha: first.sha });
    expect(after.diff.files.map((file) => file.path)).toEqual(['team.html']);
    expect(after.publishable).toBe(true);
    expect(after.suggestedSubdomain).toBe('bobs-shop');
    // The rename never went live: its name is free again, the old one still the workspace's.
    expect(await gate.checkSubdomain({ subdomain: 'bobs-new-shop', workspaceId: 'someone-else' })).toMatchObject({ available: true });
    expect(await gate.checkSubdomain({ subdomain: 'bobs-shop', workspaceId: 'someone-else' })).toMatchObject({ available: false });

    // The builder is told where the publication went back to, and the history says so.
    const restored = { requestId: first.id, sha: first.sha, subdomain: 'bobs-shop' };
    await gate.sweep();
    const closed = notifier.to(builder.id).filter((note) => note.type === 'request.closed');
    expect(closed.map((note) => note.data.publicationRestored)).toEqual([restored]);
    const history = await gate.history({ actor: admin, requestId: second.id });
    expect(history.items.find((entry) => entry.type === 'request.closed')?.data?.publicationRestored).toEqual(restored);
  });

  it('a first publish closed unmerged frees its subdomain: another workspace can now submit it', async () => {
    const { emulator, gate, notifier, workspace, write, publish, poll, number } = await setup();
    await write('about.html', '<p>About us</p>\n');
    const only = await publish('first-try');
    const other: Workspace = { ...workspace, id: `${workspace.id}-other`, ownerId: otherBuilder.id, name: "Eve's shop" };
    expect(await codeOf(gate.requestPublish({ workspace: other, subdomain: 'first-try', actor: otherBuilder }))).toBe(
      'subdomain_unavailable',
    );

    await emulator.closePullRequest(number(only));
    await poll();
    expect((await gate.preview({ workspace, actor: builder })).baseline).toEqual({ kind: 'blueprint' });
    const taken = await gate.requestPublish({ workspace: other, subdomain: 'first-try', actor: otherBuilder });
    expect(taken).toMatchObject({ status: 'pending', subdomain: 'first-try' });
    await gate.sweep();
    expect(notifier.to(builder.id).find((note) => note.type === 'request.closed')?.data.publicationRestored).toBeNull();
  });

  it('closed after merged, and a repeated close, are ignored: the publication stays', async () => {
    const { emulator, gate, workspace, write, publish, poll, number } = await setup();
    await write('about.html', '<p>About us</p>\n');
    const first = await publish('bobs-shop');
    await write('team.html', '<p>Our team</p>\n');
    const second = await publish('bobs-shop');
    const target = { pullRequest: { number: number(second), branch: second.branch as string } };

    await emulator.mergePullRequest(number(second));
    await poll();
    // A late "closed" (GitHub closes a merged pull request too) changes nothing.
    expect(await gate.reportDelivery({ ...target, event: 'closed' })).toMatchObject({ outcome: 'unchanged' });
    expect((await gate.preview({ workspace, actor: builder })).baseline).toEqual({ kind: 'publication', sha: second.sha });

    // On the first one: closing it now does not touch the newer publication; a repeat is ignored.
    const firstTarget = { pullRequest: { number: number(first), branch: first.branch as string } };
    expect(await gate.reportDelivery({ ...firstTarget, event: 'closed' })).toMatchObject({ outcome: 'updated' });
    expect(await gate.reportDelivery({ ...firstTarget, event: 'closed' })).toMatchObject({ outcome: 'unchanged' });
    expect((await gate.preview({ workspace, actor: builder })).baseline).toEqual({ kind: 'publication', sha: second.sha });
  });
});
