import { createMemoryStorage, createPublishGate, type PublishGatePolicy, type StoragePort } from '@publishgate/core';
import { createFakeGit, createFakeGitHost, createRecordingNotifier } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { admin, admin2, builder, builder2, manualClock, workspace, workspace2 } from '../../helpers';

const HOUR = 3_600_000;
const POLICY: PublishGatePolicy = { remindAfterMs: HOUR, remindEveryMs: 4 * HOUR };

/** `count` gates ("servers") over one storage and one clock, each with its own notifier. */
function servers(storage: StoragePort, count: number, policy: PublishGatePolicy = POLICY) {
  const clock = manualClock();
  const git = createFakeGit();
  const gitHost = createFakeGitHost({ branchExists: (branch) => git.remoteBranch(branch) !== undefined });
  let n = 0;
  const gates = Array.from({ length: count }, (_, index) => {
    const notifier = createRecordingNotifier();
    const gate = createPublishGate({
      storage,
      git,
      gitHost,
      notifier,
      clock: clock.now,
      policy,
      ids: () => {
        n += 1;
        return `s${index}-id-${n}`;
      },
    });
    return { gate, notifier };
  });
  const reminders = () => gates.flatMap(({ notifier }) => notifier.notifications.filter((note) => note.type === 'request.reminder'));
  return { gates, clock, git, reminders };
}

describe('reminders', () => {
  it('four servers sweeping at once send exactly one reminder per period per request, to the approvers of its rule', async () => {
    const storage = createMemoryStorage();
    const { gates, clock, git, reminders } = servers(storage, 4);
    const [first] = gates;
    if (!first) throw new Error('no gate');
    await first.gate.setApprovalRule({
      blueprintId: workspace.blueprintId,
      requiredApprovals: 2,
      approvers: [{ role: 'admin' }, { userId: 'lead-7' }],
      actor: admin,
    });
    git.write(workspace, 'index.html', 'v1\n');
    git.write(workspace2, 'index.html', 'v1\n');
    const one = await first.gate.requestPublish({ workspace, subdomain: 'first-site', actor: builder });
    clock.advance(10 * 60_000);
    const two = await first.gate.requestPublish({ workspace: workspace2, subdomain: 'second-site', actor: builder2 });
    const sweepAll = () => Promise.all(gates.map(({ gate }) => gate.sweep()));

    clock.advance(HOUR - 10 * 60_000 - 1);
    await sweepAll();
    expect(reminders()).toEqual([]);

    // Period 1: the first request is due, the second (10 minutes younger) not yet.
    clock.advance(1);
    const reports = await sweepAll();
    expect(reports.reduce((sum, report) => sum + report.reminded, 0)).toBe(1);
    expect(reminders().map((note) => [note.requestId, note.to])).toEqual([
      [one.id, { approvers: [{ role: 'admin' }, { userId: 'lead-7' }] }],
    ]);
    expect(reminders()[0]?.data).toMatchObject({ reminders: 1, subdomain: 'first-site', pendingSince: one.createdAt });

    clock.advance(10 * 60_000);
    await sweepAll();
    await sweepAll();
    expect(
      reminders()
        .map((note) => note.requestId)
        .sort(),
    ).toEqual([one.id, two.id].sort());

    // Nothing more until remindEveryMs after each request's last reminder, however often they sweep.
    for (let step = 0; step < 10; step += 1) {
      clock.advance(20 * 60_000);
      await sweepAll();
    }
    expect(reminders()).toHaveLength(2);
    clock.advance(4 * HOUR - 200 * 60_000 - 10 * 60_000);
    await sweepAll();
    expect(reminders().filter((note) => note.requestId === one.id)).toHaveLength(2);
    expect(reminders().filter((note) => note.requestId === two.id)).toHaveLength(1);
    clock.advance(10 * 60_000);
    await sweepAll();
    expect(reminders().filter((note) => note.requestId === two.id)).toHaveLength(2);

    const history = await first.gate.history({ actor: admin, requestId: one.id });
    expect(history.items.filter((entry) => entry.type === 'request.reminder').map((entry) => entry.data.reminders)).toEqual([1, 2]);
    expect((await storage.getRequest({ id: one.id }))?.reminder?.count).toBe(2);
  });

  it('a decided request is never reminded', async () => {
    const storage = createMemoryStorage();
    const { gates, clock, git, reminders } = servers(storage, 1);
    const gate = gates[0]?.gate;
    if (!gate) throw new Error('no gate');
    git.write(workspace, 'index.html', 'v1\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'decided-site', actor: builder });
    await gate.reject({ id: request.id, actor: admin, feedback: 'no' });
    clock.advance(10 * HOUR);
    expect((await gate.sweep()).reminded).toBe(0);
    expect(reminders()).toEqual([]);
  });

  it('regression: a reminder stored after the reviewer loaded the request never makes the approval or rejection fail', async () => {
    const storage = createMemoryStorage();
    const { gates, clock, git } = servers(storage, 1);
    const gate = gates[0]?.gate;
    if (!gate) throw new Error('no gate');
    await gate.setApprovalRule({ blueprintId: workspace.blueprintId, requiredApprovals: 2, approvers: [{ role: 'admin' }], actor: admin });
    git.write(workspace, 'index.html', 'v1\n');
    const loaded = await gate.requestPublish({ workspace, subdomain: 'late-site', actor: builder });
    clock.advance(HOUR);
    expect((await gate.sweep()).reminded).toBe(1);
    // Both reviewers decide on the version they loaded, before the reminder.
    const approved = await gate.approve({ id: loaded.id, actor: admin, expectedVersion: loaded.version });
    expect(approved.approvals?.map((approval) => approval.by.id)).toEqual([admin.id]);
    // After an approval the request did change: a decision on the older version is stale.
    await expect(gate.approve({ id: loaded.id, actor: admin2, expectedVersion: loaded.version })).rejects.toMatchObject({
      code: 'conflict',
    });
    clock.advance(4 * HOUR);
    expect((await gate.sweep()).reminded).toBe(1);
    const rejected = await gate.reject({ id: loaded.id, actor: admin2, feedback: 'not yet', expectedVersion: approved.version });
    expect(rejected.status).toBe('rejected');
  });

  it('regression: an approval racing a reminder commit is applied again, not refused with conflict', async () => {
    const storage = createMemoryStorage();
    // The reminder lands between the approval's read and its write.
    let injected = false;
    const racing: StoragePort = {
      ...storage,
      async transitionRequest(args) {
        if (!injected && args.next.approvals?.length) {
          injected = true;
          await gates[0]?.gate.sweep();
        }
        return storage.transitionRequest(args);
      },
    };
    const { gates, clock, git, reminders } = servers(racing, 1, POLICY);
    const gate = gates[0]?.gate;
    if (!gate) throw new Error('no gate');
    git.write(workspace, 'index.html', 'v1\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'race-site', actor: builder });
    clock.advance(HOUR);
    const approved = await gate.approve({ id: request.id, actor: admin, expectedVersion: request.version });
    expect(injected).toBe(true);
    expect(reminders()).toHaveLength(1);
    expect(approved.status).toBe('approved');
    expect(approved.reminder?.count).toBe(1);
  });

  it('policy: remindEveryMs defaults to remindAfterMs; non-positive values are refused at start-up', () => {
    const storage = createMemoryStorage();
    const base = { storage, git: createFakeGit(), gitHost: createFakeGitHost(), notifier: createRecordingNotifier() };
    expect(() => createPublishGate({ ...base, policy: { remindAfterMs: 0 } })).toThrow(/remindAfterMs/);
    expect(() => createPublishGate({ ...base, policy: { remindAfterMs: HOUR, remindEveryMs: -1 } })).toThrow(/remindEveryMs/);
  });
});
