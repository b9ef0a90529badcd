import { type Actor, createPublishGate, type PublishGate, type Workspace } from '@publishgate/core';
import { createFakeGit, createFakeGitHost, createRecordingNotifier } from '@publishgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Store, testBackends } from './backends.ts';

const admin: Actor = { id: 'admin-1', email: 'ada@example.com', roles: ['admin'] };
const HOUR = 3_600_000;

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.drop();
});

describe.each(testBackends('adapter-knex reminders'))('$name', (backend) => {
  describe.skipIf(!backend.available)('reminders on knex storage', () => {
    it('four servers sweeping at once: exactly one reminder per period per request (4 periods, 3 requests)', async () => {
      const store = await backend.freshStore();
      stores.push(store);
      let now = Date.parse('2026-06-01T08:00:00.000Z');
      const clock = () => new Date(now);
      const git = createFakeGit();
      const gitHost = createFakeGitHost({ branchExists: (branch) => git.remoteBranch(branch) !== undefined });
      const notifiers = Array.from({ length: 4 }, () => createRecordingNotifier());
      const servers: PublishGate[] = [];
      for (const notifier of notifiers) {
        const { storage } = await store.storage();
        servers.push(
          createPublishGate({ storage, git, gitHost, notifier, clock, policy: { remindAfterMs: HOUR, remindEveryMs: 2 * HOUR } }),
        );
      }
      const [first] = servers as [PublishGate];
      const ids: string[] = [];
      for (let index = 0; index < 3; index += 1) {
        const owner: Actor = { id: `builder-${index}`, email: `b${index}@example.com`, roles: ['builder'] };
        const workspace: Workspace = { id: `ws-${index}`, name: `Site ${index}`, blueprintId: 'bp-1', ownerId: owner.id };
        git.write(workspace, 'index.html', `v${index}\n`);
        ids.push((await first.requestPublish({ workspace, subdomain: `site-${index}`, actor: owner })).id);
      }
      const reminders = () => notifiers.flatMap((notifier) => notifier.notifications.filter((note) => note.type === 'request.reminder'));
      now += HOUR;
      for (let period = 1; period <= 4; period += 1) {
        // Every server sweeps twice at the same instant; only one reminder per request may come of it.
        await Promise.all([...servers, ...servers].map((server) => server.sweep()));
        expect(reminders()).toHaveLength(3 * period);
        for (const id of ids) expect(reminders().filter((note) => note.requestId === id)).toHaveLength(period);
        now += 2 * HOUR - 1;
        await Promise.all(servers.map((server) => server.sweep()));
        expect(reminders()).toHaveLength(3 * period);
        now += 1;
      }
      const history = await first.history({ actor: admin, requestId: ids[0] as string });
      expect(history.items.filter((entry) => entry.type === 'request.reminder').map((entry) => entry.data.reminders)).toEqual([1, 2, 3, 4]);
      for (const server of servers) await server.close();
    });
  });
});
