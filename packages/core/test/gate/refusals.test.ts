import { codeOf } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { admin, admin2, builder, builder2, setup, workspace, workspace2 } from '../helpers';

describe('refusals', () => {
  it('self-review is refused unless the policy allows it', async () => {
    const adminWorkspace = { ...workspace, id: 'ws-admin', ownerId: admin.id };
    const strict = setup();
    strict.git.write(adminWorkspace, 'a.txt', 'a\n');
    const own = await strict.gate.requestPublish({ workspace: adminWorkspace, subdomain: 'admin-site', actor: admin });
    expect(await codeOf(strict.gate.approve({ id: own.id, actor: admin }))).toBe('forbidden');
    expect(await codeOf(strict.gate.reject({ id: own.id, actor: admin }))).toBe('forbidden');
    expect((await strict.gate.getRequest({ id: own.id, actor: admin })).status).toBe('pending');
    expect((await strict.gate.approve({ id: own.id, actor: admin2 })).status).toBe('approved');

    const lenient = setup({ policy: { allowSelfReview: true } });
    lenient.git.write(adminWorkspace, 'a.txt', 'a\n');
    const mine = await lenient.gate.requestPublish({ workspace: adminWorkspace, subdomain: 'admin-site', actor: admin });
    expect((await lenient.gate.approve({ id: mine.id, actor: admin })).status).toBe('approved');
  });

  it("a builder acting on another's workspace or request is refused and nothing changes", async () => {
    const { gate, git, storage } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    expect(await codeOf(gate.requestPublish({ workspace, subdomain: 'not-mine', actor: builder2 }))).toBe('forbidden');
    expect(await codeOf(gate.preview({ workspace, actor: builder2 }))).toBe('forbidden');
    expect(await storage.listRequests({ filter: {}, limit: 10 })).toEqual([]);
    // Refused before anything was committed in the workspace.
    expect(git.remoteBranches()).toEqual({});

    const request = await gate.requestPublish({ workspace, subdomain: 'mine-only', actor: builder });
    expect(await codeOf(gate.getRequest({ id: request.id, actor: builder2 }))).toBe('not_found');
    expect(await codeOf(gate.withdraw({ id: request.id, actor: builder2 }))).toBe('not_found');
    expect(await codeOf(gate.approve({ id: request.id, actor: builder2 }))).toBe('not_found');
    expect(await codeOf(gate.approve({ id: request.id, actor: builder }))).toBe('forbidden');
    expect((await gate.listRequests({ actor: builder2 })).items).toEqual([]);
    expect(await codeOf(gate.listRequests({ actor: builder2, builderId: builder.id }))).toBe('forbidden');
    expect(await storage.getRequest({ id: request.id })).toEqual(request);
  });

  it('a second request while one is in flight is refused with in_flight', async () => {
    const { gate, git } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    const first = await gate.requestPublish({ workspace, subdomain: 'first-one', actor: builder });
    git.write(workspace, 'b.txt', 'b\n');
    expect(await codeOf(gate.requestPublish({ workspace, subdomain: 'first-one', actor: builder }))).toBe('in_flight');
    const preview = await gate.preview({ workspace, actor: builder });
    expect(preview).toMatchObject({ publishable: false, blockedBy: 'in_flight', inFlight: { id: first.id } });
  });

  it('a subdomain owned by another workspace is refused; the check explains and suggests', async () => {
    const { gate, git } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    await gate.requestPublish({ workspace, subdomain: 'popular', actor: builder });
    git.write(workspace2, 'a.txt', 'a\n');
    expect(await codeOf(gate.requestPublish({ workspace: workspace2, subdomain: 'POPULAR', actor: builder2 }))).toBe(
      'subdomain_unavailable',
    );
    const check = await gate.checkSubdomain({ subdomain: 'Popular', workspaceId: workspace2.id });
    expect(check).toMatchObject({ available: false, reason: 'taken' });
    if (check.available) throw new Error('unreachable');
    expect(check.suggestions.length).toBeGreaterThan(0);
    for (const suggestion of check.suggestions) {
      expect(await gate.checkSubdomain({ subdomain: suggestion, workspaceId: workspace2.id })).toEqual({
        available: true,
        normalized: suggestion,
      });
    }
    expect(await gate.checkSubdomain({ subdomain: 'popular', workspaceId: workspace.id })).toEqual({
      available: true,
      normalized: 'popular',
    });
    expect(await gate.checkSubdomain({ subdomain: 'admin' })).toMatchObject({ available: false, reason: 'reserved' });
    expect(await gate.checkSubdomain({ subdomain: 'a--b' })).toMatchObject({ available: false, reason: 'invalid' });
  });

  it('nothing to publish is refused and the preview says why', async () => {
    const { gate } = setup();
    expect(await gate.preview({ workspace, actor: builder })).toMatchObject({ publishable: false, blockedBy: 'nothing_to_publish' });
    expect(await codeOf(gate.requestPublish({ workspace, subdomain: 'empty-site', actor: builder }))).toBe('nothing_to_publish');
  });
});
