import type { GateEvent } from '@publishgate/core';
import { createFakeGit, createFakeGitHost } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { admin, builder, setup, workspace } from '../../helpers';

const MERGE_SHA = 'c'.repeat(40);
const MINUTE = 60_000;

async function published(harness: ReturnType<typeof setup>) {
  const { gate, git } = harness;
  git.write(workspace, 'index.html', '<h1>Bob sells bikes</h1>\n');
  const request = await gate.requestPublish({ workspace, subdomain: 'bobs-bikes', actor: builder });
  return gate.approve({ id: request.id, actor: admin });
}

describe('delivery: reportDelivery', () => {
  it('a publish opens the delivery; merged then live are stored, audited, emitted and told to the builder', async () => {
    const harness = setup();
    const { gate, notifier } = harness;
    const approved = await published(harness);
    expect(approved.delivery).toEqual({ state: 'pull-request-open', at: approved.updatedAt, url: approved.pullRequest?.url });
    const seen: GateEvent[] = [];
    gate.events.on('*', (type, event) => {
      if (String(type).startsWith('request.')) seen.push(event);
    });
    const pullRequest = { number: approved.pullRequest?.number as number, branch: approved.branch as string };

    const merged = await gate.reportDelivery({ pullRequest, event: 'merged', mergeSha: MERGE_SHA });
    expect(merged).toMatchObject({
      outcome: 'updated',
      request: { status: 'approved', delivery: { state: 'merged', mergeSha: MERGE_SHA } },
    });
    const live = await gate.reportDelivery({ mergeSha: MERGE_SHA, event: 'live', deploymentUrl: 'https://bobs-bikes.apps.example.com' });
    expect(live).toMatchObject({
      outcome: 'updated',
      request: { delivery: { state: 'live', deploymentUrl: 'https://bobs-bikes.apps.example.com' } },
    });
    expect(seen.map((event) => event.type)).toEqual(['request.merged', 'request.live']);

    await gate.sweep();
    expect(notifier.to(builder.id).map((note) => note.type)).toEqual(['request.approved', 'request.merged', 'request.live']);
    expect(notifier.to(builder.id).at(-1)?.data).toMatchObject({
      deliveryState: 'live',
      deploymentUrl: 'https://bobs-bikes.apps.example.com',
    });
    const history = await gate.history({ actor: admin, requestId: approved.id });
    expect(history.items.map((entry) => entry.type).slice(-2)).toEqual(['request.merged', 'request.live']);
  });

  it('duplicate and out-of-order reports leave the right state and write nothing', async () => {
    const harness = setup();
    const { gate } = harness;
    const approved = await published(harness);
    const pullRequest = { number: approved.pullRequest?.number as number, branch: approved.branch as string };
    await gate.reportDelivery({ pullRequest, event: 'live', mergeSha: MERGE_SHA, deploymentUrl: 'https://x.example.com' });
    const before = await gate.history({ actor: admin, requestId: approved.id });
    expect(await gate.reportDelivery({ pullRequest, event: 'merged', mergeSha: MERGE_SHA })).toMatchObject({ outcome: 'unchanged' });
    expect(await gate.reportDelivery({ pullRequest, event: 'closed' })).toMatchObject({ outcome: 'unchanged' });
    expect(await gate.reportDelivery({ pullRequest, event: 'live', mergeSha: MERGE_SHA })).toMatchObject({ outcome: 'unchanged' });
    expect((await gate.getRequest({ id: approved.id, actor: admin })).delivery).toMatchObject({
      state: 'live',
      deploymentUrl: 'https://x.example.com',
    });
    expect(await gate.history({ actor: admin, requestId: approved.id })).toEqual(before);
  });

  it('concurrent duplicate reports: one update, the rest unchanged', async () => {
    const harness = setup();
    const approved = await published(harness);
    const pullRequest = { number: approved.pullRequest?.number as number, branch: approved.branch as string };
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => harness.gate.reportDelivery({ pullRequest, event: 'merged', mergeSha: MERGE_SHA })),
    );
    expect(outcomes.map((outcome) => outcome.outcome).sort()).toEqual(['unchanged', 'unchanged', 'unchanged', 'updated']);
  });

  it('reports about unknown pull requests, other branches or unknown merge commits are ignored', async () => {
    const harness = setup();
    const approved = await published(harness);
    const { gate } = harness;
    expect(await gate.reportDelivery({ pullRequest: { number: 99, branch: approved.branch as string }, event: 'merged' })).toEqual({
      outcome: 'unknown',
    });
    expect(await gate.reportDelivery({ pullRequest: { number: 1, branch: 'publish/someone-else' }, event: 'closed' })).toEqual({
      outcome: 'unknown',
    });
    expect(await gate.reportDelivery({ mergeSha: 'd'.repeat(40), event: 'live' })).toEqual({ outcome: 'unknown' });
    expect((await gate.getRequest({ id: approved.id, actor: admin })).delivery?.state).toBe('pull-request-open');
  });

  it('admins filter the queue by delivery state', async () => {
    const harness = setup();
    const approved = await published(harness);
    const { gate } = harness;
    expect((await gate.listRequests({ actor: admin, deliveryState: 'pull-request-open' })).items.map((r) => r.id)).toEqual([approved.id]);
    expect((await gate.listRequests({ actor: admin, deliveryState: ['merged', 'live'] })).items).toEqual([]);
    await gate.reportDelivery({ pullRequest: { number: 1, branch: approved.branch as string }, event: 'closed' });
    expect((await gate.listRequests({ actor: admin, deliveryState: 'closed-unmerged' })).items.map((r) => r.id)).toEqual([approved.id]);
  });
});

describe('delivery: polling in sweep()', () => {
  it('asks about each open delivery at most once per deliveryPollMs, then follows merge and deployment', async () => {
    const harness = setup({ policy: { deliveryPollMs: 5 * MINUTE } });
    const { gate, gitHost, clock } = harness;
    const approved = await published(harness);

    expect((await gate.sweep()).deliveriesChecked).toBe(0);
    clock.advance(5 * MINUTE);
    expect((await gate.sweep()).deliveriesChecked).toBe(1);
    expect(gitHost.pollCount).toBe(1);
    // Within the interval nobody asks again, however often sweep runs.
    clock.advance(MINUTE);
    await gate.sweep();
    await gate.sweep();
    expect(gitHost.pollCount).toBe(1);

    gitHost.merge(1, MERGE_SHA);
    clock.advance(4 * MINUTE);
    await gate.sweep();
    expect((await gate.getRequest({ id: approved.id, actor: admin })).delivery).toMatchObject({ state: 'merged', mergeSha: MERGE_SHA });

    gitHost.deploy(MERGE_SHA, { state: 'success', url: 'https://bobs-bikes.apps.example.com' });
    clock.advance(5 * MINUTE);
    await gate.sweep();
    expect((await gate.getRequest({ id: approved.id, actor: admin })).delivery).toMatchObject({
      state: 'live',
      deploymentUrl: 'https://bobs-bikes.apps.example.com',
    });
    // Settled deliveries are never asked about again.
    const polls = gitHost.pollCount;
    clock.advance(60 * MINUTE);
    expect((await gate.sweep()).deliveriesChecked).toBe(0);
    expect(gitHost.pollCount).toBe(polls);
  });

  it('a pull request closed without merging becomes closed-unmerged; a failed deployment deploy-failed', async () => {
    const first = setup();
    const closed = await published(first);
    first.gitHost.close(1);
    first.clock.advance(5 * MINUTE);
    await first.gate.sweep();
    expect((await first.gate.getRequest({ id: closed.id, actor: admin })).delivery?.state).toBe('closed-unmerged');

    const second = setup();
    const failing = await published(second);
    second.gitHost.merge(1, MERGE_SHA);
    second.gitHost.deploy(MERGE_SHA, { state: 'failure' });
    second.clock.advance(5 * MINUTE);
    await second.gate.sweep();
    expect((await second.gate.getRequest({ id: failing.id, actor: admin })).delivery).toMatchObject({
      state: 'deploy-failed',
      mergeSha: MERGE_SHA,
    });
  });

  it('regression: a git host without getDeployment spends no pacing slot on merged deliveries it cannot ask about', async () => {
    const budget = [{ max: 4, perMs: 60 * MINUTE }];
    const git = createFakeGit();
    const fake = createFakeGitHost({ branchExists: (branch) => git.remoteBranch(branch) !== undefined });
    const { openPullRequest, getPullRequest } = fake;
    const harness = setup({ git, gitHost: { openPullRequest, getPullRequest }, policy: { publishPacing: budget } });
    const approved = await published({ ...harness, git });
    // The fake keeps the pull requests: merged there, it is polled through the host without getDeployment.
    fake.merge(1, MERGE_SHA);
    harness.clock.advance(5 * MINUTE);
    await harness.gate.sweep();
    expect((await harness.gate.getRequest({ id: approved.id, actor: admin })).delivery?.state).toBe('merged');
    for (let sweep = 0; sweep < 3; sweep += 1) {
      harness.clock.advance(5 * MINUTE);
      await harness.gate.sweep();
    }
    // The publish and the one pull-request read took two of the four slots; two are still free now.
    const now = harness.clock.now().toISOString();
    for (let slot = 0; slot < 2; slot += 1) {
      expect((await harness.storage.reservePacing({ key: 'publish', now, limits: budget })).at).toBe(now);
    }
  });

  it('a git host without getPullRequest is never polled', async () => {
    const harness = setup();
    const { openPullRequest } = harness.gitHost;
    const plain = setup({ gitHost: { openPullRequest } });
    await published(plain);
    plain.clock.advance(60 * MINUTE);
    expect((await plain.gate.sweep()).deliveriesChecked).toBe(0);
  });
});
