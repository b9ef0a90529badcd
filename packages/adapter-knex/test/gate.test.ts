import { type Actor, createPublishGate, type Workspace } from '@publishgate/core';
import { createFakeGit, createFakeGitHost, createRecordingNotifier } from '@publishgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Store, testBackends } from './backends.ts';

const admin: Actor = { id: 'admin-1', email: 'ada@example.com', roles: ['admin'] };
const builder: Actor = { id: 'builder-1', email: 'bob@example.com', roles: ['builder'] };
const workspace: Workspace = { id: 'ws-bob', name: "Bob's shop", blueprintId: 'bp-shop', ownerId: builder.id };

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.drop();
});

describe.each(testBackends('adapter-knex gate'))('$name', (backend) => {
  describe.skipIf(!backend.available)('the gate on knex storage', () => {
    it('runs the whole flow: request, queue, approve, publication, notifications, history, second servers see it', async () => {
      const store = await backend.freshStore();
      stores.push(store);
      const git = createFakeGit();
      const gitHost = createFakeGitHost({ branchExists: (branch) => git.remoteBranch(branch) !== undefined });
      const notifier = createRecordingNotifier();
      const serverA = createPublishGate({ storage: (await store.storage()).storage, git, gitHost, notifier });
      const serverB = createPublishGate({ storage: (await store.storage()).storage, git, gitHost, notifier });

      git.write(workspace, 'index.html', '<h1>Bob sells bikes</h1>\n');
      const request = await serverA.requestPublish({ workspace, subdomain: 'Bobs-Bikes', actor: builder });
      expect(request).toMatchObject({ status: 'pending', subdomain: 'bobs-bikes' });
      const queue = await serverB.listRequests({ actor: admin, status: 'pending' });
      expect(queue.items.map((item) => item.id)).toEqual([request.id]);

      const approved = await serverB.approve({ id: request.id, actor: admin, comment: 'Looks good' });
      // pending 1 → approving 2 → pushing 3 → opening the pull request 4 → approved 5.
      expect(approved).toMatchObject({ status: 'approved', version: 5 });
      expect(gitHost.pullRequests()).toHaveLength(1);
      expect(await serverA.checkSubdomain({ subdomain: 'bobs-bikes', workspaceId: 'ws-other' })).toMatchObject({
        available: false,
        reason: 'taken',
      });

      await serverA.sweep();
      expect(notifier.notifications.map((note) => note.type).sort()).toEqual(['request.approved', 'request.submitted']);
      const history = await serverA.history({ actor: admin, requestId: request.id });
      expect(history.items.map((entry) => entry.type)).toEqual([
        'request.submitted',
        'request.approving',
        'request.progress',
        'request.progress',
        'request.approved',
      ]);
      await serverA.close();
      await serverB.close();
    });
  });
});
