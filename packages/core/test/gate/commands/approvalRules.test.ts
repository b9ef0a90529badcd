import { type Actor, PublishGateError } from '@publishgate/core';
import { codeOf } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { admin, admin2, builder, setup, workspace } from '../../helpers';

const admin3: Actor = { id: 'admin-3', email: 'hedy@example.com', roles: ['admin'] };
const lead: Actor = { id: 'lead-7', email: 'lead@example.com', roles: ['builder'] };
const blueprintId = workspace.blueprintId;

describe('approval rules', () => {
  it('setApprovalRule stores the rule with defaults, audits it with the previous rule, and lists it', async () => {
    const { gate } = setup();
    const events: string[] = [];
    gate.events.on('approval_rule.changed', (event) => events.push(`${event.blueprintId}:${event.rule?.requiredApprovals}`));
    const first = await gate.setApprovalRule({ blueprintId, actor: admin });
    expect(first).toMatchObject({ blueprintId, requiredApprovals: 1, approvers: [{ role: 'admin' }], updatedBy: { id: admin.id } });
    await gate.setApprovalRule({ blueprintId, requiredApprovals: 2, approvers: [{ role: 'admin' }, { userId: lead.id }], actor: admin2 });
    await gate.setApprovalRule({ blueprintId: 'bp-a', requiredApprovals: 3, actor: admin });
    expect((await gate.listApprovalRules({ actor: admin })).map((rule) => [rule.blueprintId, rule.requiredApprovals])).toEqual([
      ['bp-a', 3],
      [blueprintId, 2],
    ]);
    expect(await gate.listApprovalRules({ actor: admin, blueprintId: 'bp-none' })).toEqual([]);
    const audit = (await gate.history({ actor: admin })).items.filter((entry) => entry.type === 'approval_rule.changed');
    expect(audit).toHaveLength(3);
    expect(audit[1]).toMatchObject({ actor: { id: admin2.id }, data: { requiredApprovals: 2, previous: { requiredApprovals: 1 } } });
    expect(events).toEqual([`${blueprintId}:1`, `${blueprintId}:2`, 'bp-a:3']);
  });

  it('only admins set or list rules, and requiredApprovals stays within 1–10', async () => {
    const { gate } = setup();
    expect(await codeOf(gate.setApprovalRule({ blueprintId, requiredApprovals: 2, actor: builder }))).toBe('forbidden');
    expect(await codeOf(gate.listApprovalRules({ actor: builder }))).toBe('forbidden');
    for (const requiredApprovals of [0, 11, 1.5]) {
      expect(await codeOf(gate.setApprovalRule({ blueprintId, requiredApprovals, actor: admin }))).toBe('validation');
    }
    expect(await codeOf(gate.setApprovalRule({ blueprintId, approvers: [], actor: admin }))).toBe('validation');
    expect(await codeOf(gate.setApprovalRule({ blueprintId, approvers: [{ role: 'owner' }] as never, actor: admin }))).toBe('validation');
  });

  it('2 of 2: the first approval keeps the request pending with an approval_added entry, the second publishes once', async () => {
    const { gate, git, gitHost, notifier } = setup();
    await gate.setApprovalRule({ blueprintId, requiredApprovals: 2, actor: admin });
    git.write(workspace, 'index.html', 'v1\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'two-keys', actor: builder });
    expect(request.rule).toEqual({ requiredApprovals: 2, approvers: [{ role: 'admin' }] });
    const added: string[] = [];
    gate.events.on('request.approval_added', (event) => added.push(`${event.actor && 'id' in event.actor ? event.actor.id : ''}`));

    const first = await gate.approve({ id: request.id, actor: admin, comment: 'fine by me' });
    expect(first).toMatchObject({ status: 'pending', approvals: [{ by: { id: admin.id }, comment: 'fine by me' }] });
    expect(first.decision).toBeUndefined();
    expect(gitHost.pullRequests()).toHaveLength(0);
    expect(await codeOf(gate.approve({ id: request.id, actor: admin }))).toBe('conflict');

    const second = await gate.approve({ id: request.id, actor: admin2 });
    expect(second).toMatchObject({ status: 'approved', decision: { kind: 'approved', by: { id: admin2.id } } });
    expect(second.approvals?.map((approval) => approval.by.id)).toEqual([admin.id, admin2.id]);
    expect(gitHost.pullRequests()).toHaveLength(1);
    expect(added).toEqual([admin.id]);

    const history = (await gate.history({ actor: admin, requestId: request.id })).items;
    expect(history.map((entry) => entry.type)).toEqual([
      'request.submitted',
      'request.approval_added',
      'request.approving',
      'request.progress',
      'request.progress',
      'request.approved',
    ]);
    expect(history[1]).toMatchObject({ data: { approvals: 1, requiredApprovals: 2, comment: 'fine by me' } });
    // A non-final approval notifies nobody: admins were asked once, the builder hears the outcome.
    await gate.sweep();
    expect(notifier.notifications.map((note) => note.type)).toEqual(['request.submitted', 'request.approved']);
  });

  it('a rule change does not reach a request already submitted; the next request gets the new rule', async () => {
    const { gate, git } = setup();
    await gate.setApprovalRule({ blueprintId, requiredApprovals: 2, actor: admin });
    git.write(workspace, 'index.html', 'v1\n');
    const inFlight = await gate.requestPublish({ workspace, subdomain: 'steady', actor: builder });
    await gate.setApprovalRule({ blueprintId, requiredApprovals: 1, actor: admin });
    expect((await gate.approve({ id: inFlight.id, actor: admin })).status).toBe('pending');
    expect((await gate.approve({ id: inFlight.id, actor: admin2 })).status).toBe('approved');

    await gate.setApprovalRule({ blueprintId, requiredApprovals: 3, actor: admin });
    git.write(workspace, 'index.html', 'v2\n');
    const next = await gate.requestPublish({ workspace, subdomain: 'steady', actor: builder });
    expect(next.rule?.requiredApprovals).toBe(3);
  });

  it('an approver named by id sees and approves the request without the admin role; others do not see it', async () => {
    const { gate, git } = setup();
    await gate.setApprovalRule({ blueprintId, requiredApprovals: 2, approvers: [{ role: 'admin' }, { userId: lead.id }], actor: admin });
    git.write(workspace, 'index.html', 'v1\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'named', actor: builder });
    expect((await gate.getRequest({ id: request.id, actor: lead })).id).toBe(request.id);
    expect((await gate.approve({ id: request.id, actor: lead })).status).toBe('pending');
    const stranger: Actor = { id: 'stranger', email: 'stranger@example.com', roles: ['builder'] };
    expect(await codeOf(gate.approve({ id: request.id, actor: stranger }))).toBe('not_found');
    expect((await gate.approve({ id: request.id, actor: admin })).status).toBe('approved');
  });

  it('three admins approving a 2-of-3 request at once: exactly one publish, every approval recorded or refused with conflict', async () => {
    for (let round = 0; round < 10; round += 1) {
      const { gate, git, gitHost, storage } = setup();
      await gate.setApprovalRule({
        blueprintId,
        requiredApprovals: 2,
        approvers: [{ userId: admin.id }, { userId: admin2.id }, { userId: admin3.id }],
        actor: admin,
      });
      git.write(workspace, 'index.html', `v${round}\n`);
      const request = await gate.requestPublish({ workspace, subdomain: 'race-rule', actor: builder });
      const admins = [admin, admin2, admin3];
      const results = await Promise.allSettled(admins.map((actor) => gate.approve({ id: request.id, actor })));
      const final = await storage.getRequest({ id: request.id });
      expect(final?.status).toBe('approved');
      expect(git.pushCount).toBe(1);
      expect(gitHost.pullRequests()).toHaveLength(1);
      const recorded = new Set(final?.approvals?.map((approval) => approval.by.id));
      expect(recorded.size).toBe(2);
      results.forEach((result, index) => {
        const id = admins[index]?.id ?? '';
        if (result.status === 'fulfilled') expect(recorded.has(id)).toBe(true);
        else {
          expect(PublishGateError.is(result.reason, 'conflict')).toBe(true);
          expect(recorded.has(id)).toBe(false);
        }
      });
    }
  });

  it('a trusted builder skips the rule; with a secret finding the request is held and the rule applies', async () => {
    const { gate, git, gitHost } = setup();
    await gate.setApprovalRule({ blueprintId, requiredApprovals: 2, actor: admin });
    await gate.setTrust({ blueprintId, userId: builder.id, email: builder.email, trusted: true, actor: admin });
    git.write(workspace, 'index.html', 'v1\n');
    expect((await gate.requestPublish({ workspace, subdomain: 'trusted-rule', actor: builder })).status).toBe('approved');
    git.write(workspace, 'config.js', 'const key = "AKIAIOSFODNN7EXAMPLE";\n');
    const held = await gate.requestPublish({ workspace, subdomain: 'trusted-rule', actor: builder });
    expect(held.status).toBe('pending');
    expect((await gate.approve({ id: held.id, actor: admin })).status).toBe('pending');
    expect((await gate.approve({ id: held.id, actor: admin2 })).status).toBe('approved');
    expect(gitHost.pullRequests()).toHaveLength(2);
  });
});
