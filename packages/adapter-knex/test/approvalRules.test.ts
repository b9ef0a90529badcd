import { type Actor, createPublishGate, type PublishGate, PublishGateError, type Workspace } from '@publishgate/core';
import { createFakeGit, createFakeGitHost } from '@publishgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Store, testBackends } from './backends.ts';

const admins: Actor[] = ['admin-1', 'admin-2', 'admin-3'].map((id) => ({ id, email: `${id}@example.com`, roles: ['admin'] }));
const builder: Actor = { id: 'builder-1', email: 'bob@example.com', roles: ['builder'] };
const workspace: Workspace = { id: 'ws-bob', name: "Bob's shop", blueprintId: 'bp-shop', ownerId: builder.id };

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.drop();
});

describe.each(testBackends('adapter-knex approval rules'))('$name', (backend) => {
  describe.skipIf(!backend.available)('a 2-of-3 approval rule on knex storage', () => {
    it('three admins approving at once on three servers: exactly one publish, every approval recorded or refused with conflict (10 rounds)', async () => {
      const store = await backend.freshStore();
      stores.push(store);
      const git = createFakeGit();
      const gitHost = createFakeGitHost({ branchExists: (branch) => git.remoteBranch(branch) !== undefined });
      const servers: PublishGate[] = [];
      for (let index = 0; index < 3; index += 1)
        servers.push(createPublishGate({ storage: (await store.storage()).storage, git, gitHost }));
      const [first] = servers as [PublishGate];
      await first.setApprovalRule({
        blueprintId: workspace.blueprintId,
        requiredApprovals: 2,
        approvers: admins.map((admin) => ({ userId: admin.id })),
        actor: admins[0] as Actor,
      });
      for (let round = 0; round < 10; round += 1) {
        git.write(workspace, 'index.html', `v${round}\n`);
        const request = await first.requestPublish({ workspace, subdomain: 'rule-race', actor: builder });
        expect(request.rule?.requiredApprovals).toBe(2);
        const results = await Promise.allSettled(
          admins.map((actor, index) => (servers[index] as PublishGate).approve({ id: request.id, actor })),
        );
        const stored = await first.getRequest({ id: request.id, actor: admins[0] as Actor });
        expect(stored.status).toBe('approved');
        const recorded = new Set(stored.approvals?.map((approval) => approval.by.id));
        expect(recorded.size).toBe(2);
        results.forEach((result, index) => {
          const id = admins[index]?.id ?? '';
          if (result.status === 'fulfilled') expect(recorded.has(id)).toBe(true);
          else {
            expect(PublishGateError.is(result.reason, 'conflict')).toBe(true);
            expect(recorded.has(id)).toBe(false);
          }
        });
        const history = await first.history({ actor: admins[0] as Actor, requestId: request.id });
        expect(history.items.filter((entry) => entry.type === 'request.approval_added')).toHaveLength(1);
        expect(history.items.filter((entry) => entry.type === 'request.approving')).toHaveLength(1);
      }
      expect(gitHost.pullRequests()).toHaveLength(10);
      for (const server of servers) await server.close();
    });
  });
});
