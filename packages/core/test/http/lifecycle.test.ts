import { codeOf } from '@publishgate/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { admin, builder, builder2, workspace, workspace2 } from '../helpers';
import { startServer, type TestServer } from './harness';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

describe('the client against a real node:http server', () => {
  it('runs the whole lifecycle: preview, check, submit, reject, resubmit, approve, trust, withdraw, fail, retry, history', async () => {
    const { git, gitHost, clientFor } = server;
    const asBuilder = clientFor(builder);
    const asAdmin = clientFor(admin);
    const asBuilder2 = clientFor(builder2);

    git.write(workspace, 'index.html', '<h1>Bob sells bikes</h1>\n');
    const preview = await asBuilder.preview(workspace.id);
    expect(preview).toMatchObject({ publishable: true, suggestedSubdomain: 'bob-s-shop', baseline: { kind: 'blueprint' } });
    expect(preview.diff.files.map((file) => file.path)).toEqual(['index.html']);

    expect(await asBuilder.checkSubdomain({ subdomain: 'Bobs-Bikes', workspaceId: workspace.id })).toEqual({
      available: true,
      normalized: 'bobs-bikes',
    });
    expect(await asBuilder.checkSubdomain({ subdomain: 'www' })).toMatchObject({ available: false, reason: 'reserved' });

    // Submit, idempotently: the same key returns the same request instead of a second one.
    const first = await asBuilder.requestPublish({ workspaceId: workspace.id, subdomain: 'Bobs-Bikes', note: 'v1', idempotencyKey: 'k-1' });
    expect(first).toMatchObject({ status: 'pending', version: 1, subdomain: 'bobs-bikes', workspace, note: 'v1' });
    expect((await asBuilder.requestPublish({ workspaceId: workspace.id, subdomain: 'bobs-bikes', idempotencyKey: 'k-1' })).id).toBe(
      first.id,
    );

    const queue = await asAdmin.listRequests({ status: ['pending', 'failed'] });
    expect(queue.items.map((item) => item.id)).toEqual([first.id]);
    expect(await codeOf(asBuilder2.getRequest(first.id))).toBe('not_found');
    expect(await codeOf(asBuilder.approve(first.id))).toBe('forbidden');

    const rejected = await asAdmin.reject(first.id, { feedback: 'Add a contact page.', expectedVersion: first.version });
    expect(rejected).toMatchObject({ status: 'rejected', decision: { kind: 'rejected', feedback: 'Add a contact page.' } });
    expect((await asBuilder.getRequest(first.id)).decision?.feedback).toBe('Add a contact page.');

    git.write(workspace, 'contact.html', '<p>mail us</p>\n');
    const second = await asBuilder.requestPublish({ workspaceId: workspace.id, subdomain: 'bobs-bikes' });
    expect(await codeOf(asAdmin.approve(second.id, { expectedVersion: second.version + 1 }))).toBe('conflict');
    const approved = await asAdmin.approve(second.id, { comment: 'Ship it', expectedVersion: second.version });
    expect(approved).toMatchObject({ status: 'approved', decision: { kind: 'approved', comment: 'Ship it' } });
    expect(gitHost.pullRequests()).toHaveLength(1);
    expect(approved.pullRequest?.url).toBe(gitHost.pullRequests()[0]?.url);
    expect(git.remoteBranch(approved.branch as string)).toBe(second.sha);
    expect(await codeOf(asAdmin.approve(second.id))).toBe('invalid_transition');

    // Trust: the next request of this builder skips review; revoking it turns review back on.
    const grant = await asAdmin.setTrust({ blueprintId: workspace.blueprintId, userId: builder.id, email: builder.email, trusted: true });
    expect(grant).toMatchObject({ userId: builder.id, grantedBy: { id: admin.id } });
    expect(await asAdmin.listTrust({ blueprintId: workspace.blueprintId })).toEqual([
      expect.objectContaining({ userId: builder.id, active: true, reviewDue: false }),
    ]);
    expect(await asBuilder.listTrust()).toHaveLength(1);
    expect(await asBuilder2.listTrust()).toEqual([]);
    git.write(workspace, 'about.html', '<p>about</p>\n');
    const auto = await asBuilder.requestPublish({ workspaceId: workspace.id, subdomain: 'bobs-bikes' });
    expect(auto).toMatchObject({ status: 'approved', decision: { by: { trust: true } } });
    expect(
      await asAdmin.setTrust({ blueprintId: workspace.blueprintId, userId: builder.id, email: builder.email, trusted: false }),
    ).toBeNull();

    // Withdraw a pending request.
    git.write(workspace2, 'post.md', '# hello\n');
    const carols = await asBuilder2.requestPublish({ workspaceId: workspace2.id, subdomain: 'carols-blog' });
    expect(await codeOf(asBuilder.withdraw(carols.id))).toBe('not_found');
    expect(await asBuilder2.withdraw(carols.id, { expectedVersion: carols.version })).toMatchObject({ status: 'withdrawn' });

    // A failed push, then a retry that publishes on the same branch and pull request.
    const again = await asBuilder2.requestPublish({ workspaceId: workspace2.id, subdomain: 'carols-blog' });
    git.failNext('push', Object.assign(new Error('fake git: injected push failure'), { retryable: false }));
    const failed = await asAdmin.approve(again.id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'port_failed' } });
    const retried = await asAdmin.retry(failed.id, { expectedVersion: failed.version });
    expect(retried).toMatchObject({ status: 'approved' });
    expect(gitHost.pullRequests()).toHaveLength(3);

    // Queue pages walk every request exactly once.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await asAdmin.listRequests({ limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.sort()).toEqual([first.id, second.id, auto.id, carols.id, again.id].sort());
    expect((await asBuilder.listRequests()).items.every((item) => item.builder.id === builder.id)).toBe(true);

    const history = await asAdmin.history({ requestId: second.id });
    expect(history.items.map((entry) => entry.type)).toEqual([
      'request.submitted',
      'request.approving',
      'request.progress',
      'request.progress',
      'request.approved',
    ]);
    const mine = await asBuilder.history({ limit: 1_000 });
    expect(mine.items.length).toBeGreaterThan(0);
    expect(mine.items.every((entry) => entry.builderId === builder.id)).toBe(true);
    const page = await asAdmin.history({ limit: 2 });
    expect(page.items).toHaveLength(2);
    expect((await asAdmin.history({ afterSeq: page.nextAfterSeq ?? 0, limit: 1 })).items[0]?.seq).toBe((page.items[1]?.seq ?? 0) + 1);

    const ndjson = await asAdmin.exportHistory({ requestId: second.id });
    expect(
      ndjson
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).type),
    ).toEqual(['request.submitted', 'request.approving', 'request.progress', 'request.progress', 'request.approved']);
    const csv = await asBuilder2.exportHistory({ format: 'csv' });
    expect(csv.split('\n')[0]).toMatch(/^seq,at,type/);
    expect(csv).not.toContain(builder.email);
    expect(server.errors).toEqual([]);
  });

  it('sends the Idempotency-Key header as the key', async () => {
    server.git.write(workspace, 'index.html', 'v1\n');
    const post = (key: string) =>
      fetch(`${server.baseUrl}/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${builder.id}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ workspaceId: workspace.id, subdomain: 'bobs-bikes' }),
      });
    const one = await (await post('hdr-1')).json();
    const two = await (await post('hdr-1')).json();
    expect(two.id).toBe(one.id);
    const three = await post('hdr-2');
    expect(three.status).toBe(409);
    expect((await three.json()).error.code).toBe('in_flight');
  });
});
