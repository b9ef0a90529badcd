import type { Actor, PublishRequest, Workspace } from '@publishgate/core';
import { codeOf } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { admin, builder, setup } from '../../helpers';

const workspaceNo = (index: number): Workspace => ({
  id: `ws-${index}`,
  name: `Site ${index}`,
  blueprintId: 'bp-shop',
  ownerId: builder.id,
});

async function submitMany(harness: ReturnType<typeof setup>, count: number): Promise<PublishRequest[]> {
  const requests: PublishRequest[] = [];
  for (let index = 0; index < count; index += 1) {
    const workspace = workspaceNo(index);
    harness.git.write(workspace, 'index.html', `site ${index}\n`);
    requests.push(await harness.gate.requestPublish({ workspace, subdomain: `site-${index}`, actor: builder }));
  }
  return requests;
}

describe('decideMany', () => {
  it('100 ids with a mix of states: one correct result per id, in order, and nothing else changed', async () => {
    const harness = setup();
    const { gate, storage, gitHost } = harness;
    const requests = await submitMany(harness, 85);
    const rejected = requests.slice(60, 75);
    for (const request of rejected) await gate.reject({ id: request.id, actor: admin, feedback: 'no' });
    const untouched = requests.slice(75);
    const before = await Promise.all(untouched.map((request) => storage.getRequest({ id: request.id })));
    const unknown = Array.from({ length: 15 }, (_, index) => `missing-${index}`);
    const ids = [...requests.slice(0, 60).map((request) => request.id), ...rejected.map((request) => request.id), ...unknown];
    expect(ids).toHaveLength(90);
    const extra = untouched.slice(0, 10).map((request) => request.id);
    const all = [...ids, ...extra];

    const results = await gate.decideMany({ ids: all.slice(0, 100), decision: 'approve', actor: admin, comment: 'batch' });
    expect(results.map((result) => result.id)).toEqual(all.slice(0, 100));
    const codes = results.map((result) => (result.ok ? result.request.status : result.error.code));
    expect(codes.slice(0, 60).every((status) => status === 'approving' || status === 'approved')).toBe(true);
    expect(codes.slice(60, 75)).toEqual(Array(15).fill('invalid_transition'));
    expect(codes.slice(75, 90)).toEqual(Array(15).fill('not_found'));
    expect(codes.slice(90, 100).every((status) => status === 'approving' || status === 'approved')).toBe(true);

    await gate.close();
    expect(gitHost.pullRequests()).toHaveLength(70);
    for (const request of rejected) expect((await storage.getRequest({ id: request.id }))?.status).toBe('rejected');
    // The requests not named are exactly as they were.
    const after = await Promise.all(untouched.slice(10).map((request) => storage.getRequest({ id: request.id })));
    expect(after).toEqual(before.slice(10));
  });

  it('refusals are per id: a builder is forbidden on each; a rejection sends the feedback', async () => {
    const harness = setup();
    const requests = await submitMany(harness, 3);
    const ids = requests.map((request) => request.id);
    const asBuilder = await harness.gate.decideMany({ ids, decision: 'approve', actor: builder });
    expect(asBuilder.map((result) => (result.ok ? 'ok' : result.error.code))).toEqual(['forbidden', 'forbidden', 'forbidden']);
    const rejected = await harness.gate.decideMany({ ids, decision: 'reject', actor: admin, feedback: 'Please add a title.' });
    expect(rejected.map((result) => result.ok && result.request.decision?.feedback)).toEqual(Array(3).fill('Please add a title.'));
  });

  it('a 2-of-2 rule: one bulk approval records an approval per request and publishes none', async () => {
    const harness = setup();
    await harness.gate.setApprovalRule({ blueprintId: 'bp-shop', requiredApprovals: 2, actor: admin });
    const requests = await submitMany(harness, 3);
    const results = await harness.gate.decideMany({ ids: requests.map((request) => request.id), decision: 'approve', actor: admin });
    expect(results.map((result) => result.ok && [result.request.status, result.request.approvals?.length])).toEqual(
      Array(3).fill(['pending', 1]),
    );
    expect(harness.gitHost.pullRequests()).toHaveLength(0);
  });

  it('more than 100 ids, no ids, or a repeated id are refused as a whole with validation', async () => {
    const { gate } = setup();
    const actor: Actor = admin;
    expect(
      await codeOf(gate.decideMany({ ids: Array.from({ length: 101 }, (_, index) => `r-${index}`), decision: 'approve', actor })),
    ).toBe('validation');
    expect(await codeOf(gate.decideMany({ ids: [], decision: 'approve', actor }))).toBe('validation');
    expect(await codeOf(gate.decideMany({ ids: ['r-1', 'r-1'], decision: 'reject', actor }))).toBe('validation');
    expect(await codeOf(gate.decideMany({ ids: ['r-1'], decision: 'merge' as never, actor }))).toBe('validation');
  });
});
