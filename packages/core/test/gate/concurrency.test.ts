import { PublishGateError } from '@publishgate/core';
import { describe, expect, it } from 'vitest';
import { admin, admin2, builder, builder2, setup, workspace, workspace2 } from '../helpers';

describe('concurrent decisions', () => {
  it('50 concurrent approvals of one request: exactly one push and one pull request, 49 conflicts', async () => {
    const { gate, git, gitHost, storage } = setup();
    git.write(workspace, 'index.html', 'v1\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'race-site', actor: builder });
    const admins = [admin, admin2];
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, index) => gate.approve({ id: request.id, actor: admins[index % 2] ?? admin })),
    );
    const won = results.filter((result) => result.status === 'fulfilled');
    const lost = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(49);
    for (const result of lost) expect(PublishGateError.is(result.reason, 'conflict')).toBe(true);
    expect(git.pushCount).toBe(1);
    expect(gitHost.pullRequests()).toHaveLength(1);
    expect((await storage.getRequest({ id: request.id }))?.status).toBe('approved');
    const history = await gate.history({ actor: admin, requestId: request.id });
    expect(history.items.filter((entry) => entry.type === 'request.approving')).toHaveLength(1);
  });

  it('approve racing reject: exactly one wins and the other gets conflict', async () => {
    for (let round = 0; round < 20; round += 1) {
      const { gate, git, gitHost, storage } = setup();
      git.write(workspace, 'index.html', `v${round}\n`);
      const request = await gate.requestPublish({ workspace, subdomain: 'coin-toss', actor: builder });
      const calls =
        round % 2 === 0
          ? [gate.approve({ id: request.id, actor: admin }), gate.reject({ id: request.id, actor: admin2, feedback: 'no' })]
          : [gate.reject({ id: request.id, actor: admin2, feedback: 'no' }), gate.approve({ id: request.id, actor: admin })];
      const results = await Promise.allSettled(calls);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const loser = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(PublishGateError.is(loser?.reason, 'conflict')).toBe(true);
      const final = await storage.getRequest({ id: request.id });
      expect(['approved', 'rejected']).toContain(final?.status);
      expect(gitHost.pullRequests()).toHaveLength(final?.status === 'approved' ? 1 : 0);
    }
  });

  it('two workspaces submitting the same subdomain at once: one wins, the other is told it is unavailable', async () => {
    const { gate, git } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    git.write(workspace2, 'a.txt', 'a\n');
    const results = await Promise.allSettled([
      gate.requestPublish({ workspace, subdomain: 'Contested', actor: builder }),
      gate.requestPublish({ workspace: workspace2, subdomain: 'contested', actor: builder2 }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(PublishGateError.is(loser?.reason, 'subdomain_unavailable')).toBe(true);
  });

  it('one workspace submitting twice at once: one request, the other refused with in_flight', async () => {
    const { gate, git, storage } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    const results = await Promise.allSettled([
      gate.requestPublish({ workspace, subdomain: 'double-click', actor: builder }),
      gate.requestPublish({ workspace, subdomain: 'double-click', actor: builder }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(PublishGateError.is(loser?.reason, 'in_flight')).toBe(true);
    expect(await storage.listRequests({ filter: {}, limit: 10 })).toHaveLength(1);
  });

  it('the same idempotency key twice at once yields one request, returned to both callers', async () => {
    const { gate, git, storage } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    const [first, second] = await Promise.all([
      gate.requestPublish({ workspace, subdomain: 'idem-site', actor: builder, idempotencyKey: 'click-1' }),
      gate.requestPublish({ workspace, subdomain: 'idem-site', actor: builder, idempotencyKey: 'click-1' }),
    ]);
    expect(second?.id).toBe(first?.id);
    expect(await storage.listRequests({ filter: {}, limit: 10 })).toHaveLength(1);
    // Reusing the key for something else is a conflict, not a silent answer.
    await expect(
      gate.requestPublish({ workspace, subdomain: 'other-site', actor: builder, idempotencyKey: 'click-1' }),
    ).rejects.toMatchObject({ code: 'conflict' });
  });

  it('a stale expectedVersion is refused with conflict before anything happens', async () => {
    const { gate, git, storage } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'versioned', actor: builder });
    await expect(gate.approve({ id: request.id, actor: admin, expectedVersion: 7 })).rejects.toMatchObject({ code: 'conflict' });
    expect(await storage.getRequest({ id: request.id })).toEqual(request);
    expect((await gate.reject({ id: request.id, actor: admin, expectedVersion: 1 })).status).toBe('rejected');
  });
});
