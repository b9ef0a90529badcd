import { createMemoryStorage, createPublishGate, type PublishRequest } from '@publishgate/core';
import { createFakeGit, createFakeGitHost } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { expectErrorCode } from '../../../src/conformance/expectErrorCode.js';
import { admin, admin2, builder, builder2, setup, workspace, workspace2 } from '../../helpers';

const MERGE_SHA = 'c'.repeat(40);

type Harness = ReturnType<typeof setup>;

/** Publishes `html` as index.html and, unless told otherwise, reports its pull request merged. */
async function publishVersion(harness: Harness, html: string, options: { merge?: boolean } = {}): Promise<PublishRequest> {
  const { gate, git } = harness;
  git.write(workspace, 'index.html', html);
  const request = await gate.requestPublish({ workspace, subdomain: 'bobs-bikes', actor: builder });
  const approved = await gate.approve({ id: request.id, actor: admin });
  if (options.merge === false) return approved;
  const pullRequest = { number: approved.pullRequest?.number as number, branch: approved.branch as string };
  const merged = await gate.reportDelivery({ pullRequest, event: 'merged', mergeSha: `${approved.id.slice(-1)}${MERGE_SHA.slice(1)}` });
  if (merged.outcome !== 'updated') throw new Error('the merge was not recorded');
  return merged.request;
}

async function twoPublications(harness: Harness) {
  const first = await publishVersion(harness, '<h1>Bikes</h1>\n');
  const second = await publishVersion(harness, '<h1>Bikes and boats</h1>\n');
  return { first, second };
}

describe('gate.requestRollback', () => {
  it('creates an ordinary pending rollback request pinned to the earlier tree on top of the current publication', async () => {
    const harness = setup();
    const { gate, git, notifier } = harness;
    const { first, second } = await twoPublications(harness);
    git.write(workspace, 'draft.html', '<p>not ready</p>\n');
    const headBefore = git.headOf(workspace);

    const rollback = await gate.requestRollback({ workspace, toRequestId: first.id, actor: builder, note: 'Boats broke checkout' });

    expect(rollback).toMatchObject({
      status: 'pending',
      kind: 'rollback',
      rollbackOf: first.id,
      subdomain: 'bobs-bikes',
      builder: { id: builder.id },
      baseline: { kind: 'publication', sha: second.sha },
      note: 'Boats broke checkout',
    });
    expect(git.filesAt(rollback.sha)).toEqual(git.filesAt(first.sha));
    expect(git.parentOf(rollback.sha)).toBe(second.sha);
    // The diff is exactly what the rollback changes, and the builder's draft is not in it.
    expect(rollback.diff.files).toEqual([{ path: 'index.html', status: 'modified', additions: 1, deletions: 1, binary: false }]);
    expect(rollback.diff.patch).toContain('-<h1>Bikes and boats</h1>');
    expect(git.headOf(workspace)).toBe(headBefore);
    await gate.sweep();
    expect(notifier.notifications.filter((note) => note.type === 'request.submitted').at(-1)?.requestId).toBe(rollback.id);
  });

  it('is reviewed and published like any request: the pull request says it is a rollback', async () => {
    const harness = setup();
    const { gate, git, gitHost } = harness;
    const { first } = await twoPublications(harness);
    const rollback = await gate.requestRollback({ workspace, toRequestId: first.id, actor: builder });
    const approved = await gate.approve({ id: rollback.id, actor: admin });
    expect(approved).toMatchObject({ status: 'approved', kind: 'rollback', delivery: { state: 'pull-request-open' } });
    expect(git.remoteBranch(approved.branch as string)).toBe(rollback.sha);
    const pull = gitHost.pullRequests().at(-1);
    expect(pull?.title).toBe("Roll back Bob's shop on bobs-bikes");
    expect(pull?.body).toContain(`Rolls back to | the version of request \`${first.id}\``);
    // The rollback is now the publication: the next preview diffs against it.
    const preview = await gate.preview({ workspace, actor: builder });
    expect(preview.publication?.requestId).toBe(rollback.id);
  });

  it('an admin may roll back a workspace they do not own; the admin is the requester and another admin reviews', async () => {
    const harness = setup();
    const { gate } = harness;
    const { first } = await twoPublications(harness);
    const rollback = await gate.requestRollback({ workspace, toRequestId: first.id, actor: admin2 });
    expect(rollback).toMatchObject({ kind: 'rollback', builder: { id: admin2.id } });
    // The admins' notification and the audit entry say it is a rollback, and of what.
    await gate.sweep();
    const submitted = harness.notifier.notifications.filter((note) => note.type === 'request.submitted' && note.requestId === rollback.id);
    expect(submitted.map((note) => note.data)).toEqual([expect.objectContaining({ kind: 'rollback', rollbackOf: first.id })]);
    const entries = await gate.history({ actor: admin, requestId: rollback.id });
    expect(entries.items[0]?.data).toMatchObject({ kind: 'rollback', rollbackOf: first.id });
    await expectErrorCode(gate.approve({ id: rollback.id, actor: admin2 }), 'forbidden');
    expect((await gate.approve({ id: rollback.id, actor: admin })).status).toBe('approved');
  });

  it('an admin\u2019s rollback of a workspace shows in its owner\u2019s request list and history (regression: the owner saw neither)', async () => {
    const harness = setup();
    const { gate } = harness;
    const { first, second } = await twoPublications(harness);
    const rollback = await gate.requestRollback({ workspace, toRequestId: first.id, actor: admin2 });
    const ownersList = await gate.listRequests({ actor: builder, workspaceId: workspace.id });
    expect(ownersList.items.map((item) => item.id)).toEqual([rollback.id, second.id, first.id]);
    expect((await gate.listRequests({ actor: builder })).items.map((item) => item.id)).toContain(rollback.id);
    // Someone else's view stays without it.
    expect((await gate.listRequests({ actor: builder2 })).items.map((item) => item.id)).not.toContain(rollback.id);
    const ownersHistory = await gate.history({ actor: builder, workspaceId: workspace.id });
    expect(ownersHistory.items.filter((entry) => entry.requestId === rollback.id).map((entry) => entry.type)).toEqual([
      'request.submitted',
    ]);
    expect((await gate.history({ actor: builder2 })).items.some((entry) => entry.requestId === rollback.id)).toBe(false);
  });

  it('the admin who asked for a rollback may withdraw it, and so may the owner; another admin may not', async () => {
    const harness = setup();
    const { gate } = harness;
    const { first } = await twoPublications(harness);
    const rollback = await gate.requestRollback({ workspace, toRequestId: first.id, actor: admin2 });
    await expectErrorCode(gate.withdraw({ id: rollback.id, actor: admin }), 'forbidden');
    expect((await gate.withdraw({ id: rollback.id, actor: admin2 })).status).toBe('withdrawn');
    const again = await gate.requestRollback({ workspace, toRequestId: first.id, actor: admin2 });
    expect((await gate.withdraw({ id: again.id, actor: builder })).status).toBe('withdrawn');
  });

  it('a trusted builder rollback is approved and published at once, like a trusted publish', async () => {
    const harness = setup();
    const { gate } = harness;
    const { first } = await twoPublications(harness);
    await gate.setTrust({ blueprintId: workspace.blueprintId, userId: builder.id, email: builder.email, trusted: true, actor: admin });
    const rollback = await gate.requestRollback({ workspace, toRequestId: first.id, actor: builder });
    expect(rollback).toMatchObject({ status: 'approved', kind: 'rollback', decision: { by: { trust: true } } });
  });

  it('a rollback to a request whose pull request was never merged is refused with invalid_transition and changes nothing', async () => {
    const harness = setup();
    const { gate, git } = harness;
    const first = await publishVersion(harness, '<h1>Bikes</h1>\n');
    const open = await publishVersion(harness, '<h1>Boats</h1>\n', { merge: false });
    await publishVersion(harness, '<h1>Cars</h1>\n');
    const commitsBefore = git.commitCount;
    await expectErrorCode(gate.requestRollback({ workspace, toRequestId: open.id, actor: builder }), 'invalid_transition');
    // Closed without merging: refused too.
    await gate.reportDelivery({
      pullRequest: { number: open.pullRequest?.number as number, branch: open.branch as string },
      event: 'closed',
    });
    await expectErrorCode(gate.requestRollback({ workspace, toRequestId: open.id, actor: builder }), 'invalid_transition');
    // Pending (never published at all): refused.
    git.write(workspace, 'index.html', '<h1>Trains</h1>\n');
    const pending = await gate.requestPublish({ workspace, subdomain: 'bobs-bikes', actor: builder });
    await gate.withdraw({ id: pending.id, actor: builder });
    await expectErrorCode(gate.requestRollback({ workspace, toRequestId: pending.id, actor: builder }), 'invalid_transition');
    expect(git.commitCount).toBe(commitsBefore + 1);
    const page = await gate.listRequests({ actor: admin, workspaceId: workspace.id });
    expect(page.items.some((request) => request.kind === 'rollback')).toBe(false);
    // The merged one is fine.
    expect((await gate.requestRollback({ workspace, toRequestId: first.id, actor: builder })).kind).toBe('rollback');
  });

  it('refusals: unknown request (not_found), another workspace (validation / not_found), not owner nor admin (forbidden), the current publication (nothing_to_publish)', async () => {
    const harness = setup();
    const { gate, git } = harness;
    const { first, second } = await twoPublications(harness);
    await expectErrorCode(gate.requestRollback({ workspace, toRequestId: 'no-such-request', actor: builder }), 'not_found');
    // Carol's publication, asked for from Bob's workspace.
    git.write(workspace2, 'index.html', '<h1>Blog</h1>\n');
    const carols = await gate.requestPublish({ workspace: workspace2, subdomain: 'carols-blog', actor: builder2 });
    await gate.approve({ id: carols.id, actor: admin });
    await expectErrorCode(gate.requestRollback({ workspace, toRequestId: carols.id, actor: admin }), 'validation');
    // Bob may not even learn that Carol's request exists.
    await expectErrorCode(gate.requestRollback({ workspace, toRequestId: carols.id, actor: builder }), 'not_found');
    await expectErrorCode(gate.requestRollback({ workspace, toRequestId: first.id, actor: builder2 }), 'not_found');
    const stranger = { ...builder2, id: 'builder-3' };
    await expectErrorCode(
      gate.requestRollback({
        workspace: { ...workspace, ownerId: builder.id },
        toRequestId: first.id,
        actor: { ...stranger, roles: ['builder'] },
      }),
      'not_found',
    );
    await expectErrorCode(gate.requestRollback({ workspace, toRequestId: second.id, actor: builder }), 'nothing_to_publish');
    await expectErrorCode(
      gate.requestRollback({ workspace, toRequestId: first.id, actor: builder, note: 'x'.repeat(200_000) }),
      'validation',
    );
    expect((await gate.listRequests({ actor: admin, workspaceId: workspace.id })).items).toHaveLength(2);
  });

  it('one in flight per workspace: a pending request blocks a rollback, and a pending rollback blocks a publish', async () => {
    const harness = setup();
    const { gate, git } = harness;
    const { first } = await twoPublications(harness);
    git.write(workspace, 'index.html', '<h1>Next</h1>\n');
    const pending = await gate.requestPublish({ workspace, subdomain: 'bobs-bikes', actor: builder });
    await expectErrorCode(gate.requestRollback({ workspace, toRequestId: first.id, actor: builder }), 'in_flight');
    await gate.withdraw({ id: pending.id, actor: builder });
    await gate.requestRollback({ workspace, toRequestId: first.id, actor: builder });
    await expectErrorCode(gate.requestPublish({ workspace, subdomain: 'bobs-bikes', actor: builder }), 'in_flight');
  });

  it('a gate whose git adapter has no restore refuses rollbacks with invalid_transition', async () => {
    const fake = createFakeGit();
    const { restore: _none, ...withoutRestore } = fake;
    const gate = createPublishGate({ storage: createMemoryStorage(), git: withoutRestore, gitHost: createFakeGitHost() });
    await expectErrorCode(gate.requestRollback({ workspace, toRequestId: 'req-1', actor: builder }), 'invalid_transition');
  });

  it('previewRollback shows exactly the diff the rollback request then pins, with the same refusals, and stores nothing', async () => {
    const harness = setup();
    const { gate, git } = harness;
    const { first, second } = await twoPublications(harness);
    const commits = git.commitCount;
    const preview = await gate.previewRollback({ workspace, toRequestId: first.id, actor: builder });
    expect(git.commitCount).toBe(commits);
    expect((await gate.listRequests({ actor: admin, workspaceId: workspace.id })).items).toHaveLength(2);
    await expectErrorCode(gate.previewRollback({ workspace, toRequestId: second.id, actor: builder }), 'nothing_to_publish');
    await expectErrorCode(gate.previewRollback({ workspace, toRequestId: first.id, actor: builder2 }), 'not_found');
    const rollback = await gate.requestRollback({ workspace, toRequestId: first.id, actor: builder });
    expect(rollback.diff).toEqual(preview);
  });
});
