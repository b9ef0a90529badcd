import { codeOf } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { admin, builder, setup, workspace } from '../../helpers';

describe('trust', () => {
  it('a trusted builder is auto-approved; after revocation requests wait for review again', async () => {
    const { gate, git, gitHost, notifier } = setup();
    await gate.setTrust({ blueprintId: workspace.blueprintId, userId: builder.id, email: builder.email, trusted: true, actor: admin });
    const listed = await gate.listTrust({ actor: admin });
    expect(listed).toEqual([
      expect.objectContaining({ userId: builder.id, grantedBy: { id: admin.id, email: admin.email }, active: true, reviewDue: false }),
    ]);

    git.write(workspace, 'index.html', 'v1\n');
    const auto = await gate.requestPublish({ workspace, subdomain: 'trusted-site', actor: builder });
    expect(auto).toMatchObject({ status: 'approved', decision: { kind: 'approved', by: { trust: true } } });
    expect(gitHost.pullRequests()).toHaveLength(1);
    await gate.sweep();
    // Admins are not asked to review an auto-approved request.
    expect(notifier.notifications.filter((note) => note.type === 'request.submitted')).toHaveLength(0);

    await gate.setTrust({ blueprintId: workspace.blueprintId, userId: builder.id, email: builder.email, trusted: false, actor: admin });
    expect(await gate.listTrust({ actor: admin })).toEqual([]);
    git.write(workspace, 'index.html', 'v2\n');
    const manual = await gate.requestPublish({ workspace, subdomain: 'trusted-site', actor: builder });
    expect(manual.status).toBe('pending');
    const trustHistory = (await gate.history({ actor: admin })).items.filter((entry) => entry.type.startsWith('trust.'));
    expect(trustHistory.map((entry) => [entry.type, entry.builderId])).toEqual([
      ['trust.granted', builder.id],
      ['trust.revoked', builder.id],
    ]);
  });

  it('trust is per blueprint', async () => {
    const { gate, git } = setup();
    await gate.setTrust({ blueprintId: 'bp-other', userId: builder.id, email: builder.email, trusted: true, actor: admin });
    git.write(workspace, 'index.html', 'v1\n');
    expect((await gate.requestPublish({ workspace, subdomain: 'per-blueprint', actor: builder })).status).toBe('pending');
  });

  it('an expired grant no longer auto-approves and is flagged for review', async () => {
    const { gate, git, clock } = setup();
    const expiresAt = new Date(clock.now().getTime() + 3_600_000).toISOString();
    await gate.setTrust({
      blueprintId: workspace.blueprintId,
      userId: builder.id,
      email: builder.email,
      trusted: true,
      actor: admin,
      expiresAt,
    });
    expect((await gate.listTrust({ actor: admin }))[0]).toMatchObject({ active: true, reviewDue: true });
    clock.advance(2 * 3_600_000);
    expect((await gate.listTrust({ actor: admin }))[0]).toMatchObject({ active: false, reviewDue: true });
    git.write(workspace, 'index.html', 'v1\n');
    expect((await gate.requestPublish({ workspace, subdomain: 'expired-trust', actor: builder })).status).toBe('pending');
  });

  it('a trusted builder whose diff holds a likely secret waits for a human, flagged', async () => {
    const { gate, git, notifier } = setup();
    await gate.setTrust({ blueprintId: workspace.blueprintId, userId: builder.id, email: builder.email, trusted: true, actor: admin });
    git.write(workspace, 'config.js', `export const key = "AKIA${'ABCDEFGHIJKLMNOP'}";\n`);
    const request = await gate.requestPublish({ workspace, subdomain: 'leaky-site', actor: builder });
    expect(request.status).toBe('pending');
    expect(request.findings).toEqual([expect.objectContaining({ kind: 'secret', path: 'config.js', line: 1 })]);
    await gate.sweep();
    const submitted = notifier.notifications.find((note) => note.type === 'request.submitted');
    expect(submitted?.data).toMatchObject({ heldForReview: 'secret-finding', trusted: true });
  });

  it('an admin cannot trust themselves', async () => {
    const { gate } = setup();
    expect(await codeOf(gate.setTrust({ blueprintId: 'bp-shop', userId: admin.id, email: admin.email, trusted: true, actor: admin }))).toBe(
      'forbidden',
    );
    expect(await gate.listTrust({ actor: admin })).toEqual([]);
  });
});
