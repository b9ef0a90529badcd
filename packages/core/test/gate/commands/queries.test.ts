import { createMemoryStorage, createPublishGate, type GitPort, type Workspace } from '@publishgate/core';
import { createFakeGit, createFakeGitHost, createRecordingNotifier } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { admin, builder, builder2, manualClock, setup, workspace, workspace2 } from '../../helpers';

describe('queue and history', () => {
  it('listRequests pages newest first with a cursor, and filters', async () => {
    const { gate, git, clock } = setup();
    const ids: string[] = [];
    for (let index = 0; index < 12; index += 1) {
      const ws: Workspace = {
        id: `ws-${index}`,
        name: `Site ${index}`,
        blueprintId: index % 2 === 0 ? 'bp-even' : 'bp-odd',
        ownerId: builder.id,
      };
      git.write(ws, 'a.txt', `${index}\n`);
      ids.push((await gate.requestPublish({ workspace: ws, subdomain: `site-${index}`, actor: builder })).id);
      clock.advance(1_000);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await gate.listRequests({ actor: admin, limit: 5, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const even = await gate.listRequests({ actor: admin, blueprintId: 'bp-even', limit: 100 });
    expect(even.items).toHaveLength(6);
    expect(even.nextCursor).toBeNull();
    await gate.reject({ id: ids[0] as string, actor: admin });
    expect((await gate.listRequests({ actor: admin, status: ['rejected'] })).items.map((item) => item.id)).toEqual([ids[0]]);
    expect((await gate.listRequests({ actor: admin, workspaceId: 'ws-3' })).items.map((item) => item.id)).toEqual([ids[3]]);
  });

  it('builders see only their own requests and history; admins see everything', async () => {
    const { gate, git } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    git.write(workspace2, 'a.txt', 'a\n');
    const mine = await gate.requestPublish({ workspace, subdomain: 'bob-site', actor: builder });
    const theirs = await gate.requestPublish({ workspace: workspace2, subdomain: 'carol-site', actor: builder2 });
    await gate.setTrust({ blueprintId: 'bp-shop', userId: builder2.id, email: builder2.email, trusted: true, actor: admin });
    expect((await gate.listRequests({ actor: builder })).items.map((item) => item.id)).toEqual([mine.id]);
    const bobHistory = await gate.history({ actor: builder });
    expect(bobHistory.items.length).toBeGreaterThan(0);
    expect(bobHistory.items.every((entry) => entry.builderId === builder.id)).toBe(true);
    const carolHistory = await gate.history({ actor: builder2 });
    expect(carolHistory.items.map((entry) => entry.type)).toEqual(['request.submitted', 'trust.granted']);
    expect((await gate.history({ actor: admin })).items).toHaveLength(3);
    expect(await gate.listTrust({ actor: builder })).toEqual([]);
    expect((await gate.listTrust({ actor: builder2 })).map((grant) => grant.userId)).toEqual([builder2.id]);
    expect((await gate.history({ actor: builder, requestId: theirs.id })).items).toEqual([]);
  });

  it('a non-admin named in an approval rule sees the pending requests they may approve, their own, and nothing else; and can approve from there', async () => {
    const { gate, git, clock } = setup();
    const lead = { id: 'lead-7', email: 'lead@example.com', roles: ['builder' as const] };
    const leadWorkspace: Workspace = { id: 'ws-lead', name: 'Lead site', blueprintId: 'bp-lead', ownerId: lead.id };
    const other: Workspace = { id: 'ws-other', name: 'Other', blueprintId: 'bp-other', ownerId: builder2.id };
    await gate.setApprovalRule({
      blueprintId: workspace.blueprintId,
      requiredApprovals: 1,
      approvers: [{ userId: lead.id }],
      actor: admin,
    });
    for (const ws of [workspace, workspace2, other, leadWorkspace]) git.write(ws, 'a.txt', `${ws.id}\n`);
    const bobs = await gate.requestPublish({ workspace, subdomain: 'bob-site', actor: builder });
    clock.advance(1_000);
    const carols = await gate.requestPublish({ workspace: workspace2, subdomain: 'carol-site', actor: builder2 });
    clock.advance(1_000);
    // Another blueprint, default rule (admins): not the lead's to approve.
    await gate.requestPublish({ workspace: other, subdomain: 'other-site', actor: builder2 });
    clock.advance(1_000);
    const leads = await gate.requestPublish({ workspace: leadWorkspace, subdomain: 'lead-site', actor: lead });
    const queue = async () => (await gate.listRequests({ actor: lead })).items.map((item) => item.id);
    expect(await queue()).toEqual([leads.id, carols.id, bobs.id]);
    expect((await gate.listRequests({ actor: lead, status: 'pending', builderId: lead.id })).items.map((item) => item.id)).toEqual([
      leads.id,
    ]);
    // Builders not named anywhere still see only their own.
    expect((await gate.listRequests({ actor: builder })).items.map((item) => item.id)).toEqual([bobs.id]);

    const approved = await gate.approve({ id: bobs.id, actor: lead, expectedVersion: bobs.version });
    expect(approved.status).toBe('approved');
    // Decided: no longer theirs to approve, so it leaves the queue.
    expect(await queue()).toEqual([leads.id, carols.id]);
    // A later rule change does not move an in-flight request out of (or into) anyone's queue.
    await gate.setApprovalRule({ blueprintId: workspace.blueprintId, requiredApprovals: 1, approvers: [{ role: 'admin' }], actor: admin });
    expect(await queue()).toEqual([leads.id, carols.id]);
  });

  it('history pages with afterSeq and exports as NDJSON and CSV', async () => {
    const { gate, git } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'export-site', actor: builder, note: 'a "quoted", note' });
    await gate.reject({ id: request.id, actor: admin, feedback: '=HYPERLINK("http://evil.test")' });
    const first = await gate.history({ actor: admin, limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextAfterSeq).toBe(first.items[0]?.seq);
    const rest = await gate.history({ actor: admin, afterSeq: first.nextAfterSeq ?? 0 });
    expect(rest.items.map((entry) => entry.type)).toEqual(['request.rejected']);
    expect(rest.nextAfterSeq).toBeNull();

    const ndjson: string[] = [];
    for await (const line of gate.exportHistory({ actor: admin })) ndjson.push(line);
    expect(ndjson.map((line) => JSON.parse(line).type)).toEqual(['request.submitted', 'request.rejected']);

    let csv = '';
    for await (const row of gate.exportHistory({ actor: admin, format: 'csv' })) csv += row;
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('seq,at,type,actor,requestId,workspaceId,blueprintId,builderId,fromStatus,toStatus,data');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain('"request.rejected"');
    expect(lines[2]).toContain('"ada@example.com"');
    // The feedback sits inside the JSON data cell, quoted, so no spreadsheet evaluates it.
    expect(lines[2]).not.toMatch(/,=HYPERLINK/);
  });
});

describe('recovery', () => {
  it('an approval interrupted before its effects is finished by another process’s sweep, exactly once', async () => {
    const storage = createMemoryStorage();
    const git = createFakeGit();
    const gitHost = createFakeGitHost({ branchExists: (branch) => git.remoteBranch(branch) !== undefined });
    const clock = manualClock();
    let release: () => void = () => {};
    const stuck = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Process A: its push hangs, as if the process froze right after storing "approving".
    const hangingGit: GitPort = {
      preview: (args) => git.preview(args),
      commit: (args) => git.commit(args),
      push: async (args) => {
        await stuck;
        return git.push(args);
      },
    };
    const notifierA = createRecordingNotifier();
    // A holds the publish job it stored for recoverAfterMs (its lease); then any server may take it.
    const processA = createPublishGate({
      storage,
      git: hangingGit,
      gitHost,
      notifier: notifierA,
      clock: clock.now,
      recoverAfterMs: 60_000,
    });
    git.write(workspace, 'a.txt', 'a\n');
    const request = await processA.requestPublish({ workspace, subdomain: 'crashy', actor: builder });
    const approvingInA = processA.approve({ id: request.id, actor: admin });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await storage.getRequest({ id: request.id }))?.status).toBe('approving');

    const notifierB = createRecordingNotifier();
    const processB = createPublishGate({ storage, git, gitHost, notifier: notifierB, clock: clock.now });
    expect((await processB.sweep()).recovered).toBe(0);
    clock.advance(61_000);
    const report = await processB.sweep();
    expect(report.recovered).toBe(1);
    const finished = await storage.getRequest({ id: request.id });
    expect(finished).toMatchObject({ status: 'approved', pullRequest: { number: 1 } });

    // Process A wakes up: its push is a no-op, its PR is the same one, its late outcome loses.
    release();
    const fromA = await approvingInA;
    expect(fromA.status).toBe('approved');
    expect(gitHost.pullRequests()).toHaveLength(1);
    expect(git.pushCount).toBe(1);
    expect(Object.values(git.remoteBranches())).toEqual([request.sha]);
    const audit = await storage.listAudit({ requestId: request.id, limit: 100 });
    expect(audit.filter((entry) => entry.type === 'request.approved')).toHaveLength(1);
    await processA.close();
    await processB.sweep();
    const delivered = [...notifierA.notifications, ...notifierB.notifications].filter((note) => note.type === 'request.approved');
    expect(delivered).toHaveLength(1);
  });

  it('two sweepers racing over one interrupted request resume it once', async () => {
    const storage = createMemoryStorage();
    const git = createFakeGit();
    const gitHost = createFakeGitHost();
    const clock = manualClock();
    const never = new Promise<never>(() => {});
    const frozen = createPublishGate({
      storage,
      git: { preview: (a) => git.preview(a), commit: (a) => git.commit(a), push: () => never },
      gitHost,
      clock: clock.now,
    });
    git.write(workspace, 'a.txt', 'a\n');
    const request = await frozen.requestPublish({ workspace, subdomain: 'two-sweepers', actor: builder });
    void frozen.approve({ id: request.id, actor: admin });
    await new Promise((resolve) => setTimeout(resolve, 10));
    clock.advance(300_000);
    const sweepers = [1, 2].map(() => createPublishGate({ storage, git, gitHost, clock: clock.now }));
    const reports = await Promise.all(sweepers.map((gate) => gate.sweep()));
    expect(reports.map((report) => report.recovered).sort()).toEqual([0, 1]);
    expect(gitHost.pullRequests()).toHaveLength(1);
    expect((await storage.getRequest({ id: request.id }))?.status).toBe('approved');
  });
});
