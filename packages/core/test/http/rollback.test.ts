import { codeOf } from '@publishgate/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { admin, builder, builder2, workspace } from '../helpers';
import { startServer, storageState, type TestServer } from './harness';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

describe('POST /workspaces/:id/rollback through the client', () => {
  it('creates the rollback request; refusals keep their codes as HTTP statuses and change nothing', async () => {
    const { git, gate, clientFor, storage } = server;
    const asBuilder = clientFor(builder);
    const asAdmin = clientFor(admin);
    const publish = async (html: string) => {
      git.write(workspace, 'index.html', html);
      const request = await asBuilder.requestPublish({ workspaceId: workspace.id, subdomain: 'bobs-bikes' });
      const approved = await asAdmin.approve(request.id);
      const pullRequest = { number: approved.pullRequest?.number as number, branch: approved.branch as string };
      await gate.reportDelivery({ pullRequest, event: 'merged' });
      return approved;
    };
    const first = await publish('<h1>Bikes</h1>\n');
    const second = await publish('<h1>Boats</h1>\n');

    const before = await storageState(storage);
    expect(await codeOf(asBuilder.requestRollback(workspace.id, { toRequestId: second.id }))).toBe('nothing_to_publish');
    expect(await codeOf(asBuilder.requestRollback(workspace.id, { toRequestId: 'nope' }))).toBe('not_found');
    // Another builder cannot even resolve the workspace.
    expect(await codeOf(clientFor(builder2).requestRollback(workspace.id, { toRequestId: first.id }))).toBe('not_found');
    // Strict body: unknown keys and server-supplied fields are refused.
    expect(await codeOf(asBuilder.requestRollback(workspace.id, { toRequestId: first.id, actor: admin } as never))).toBe('validation');
    expect(await storageState(storage)).toBe(before);

    const preview = await asBuilder.previewRollback(workspace.id, first.id);
    expect(await codeOf(asBuilder.previewRollback(workspace.id, second.id))).toBe('nothing_to_publish');
    expect(await storageState(storage)).toBe(before);
    const rollback = await asBuilder.requestRollback(workspace.id, { toRequestId: first.id, note: 'Back to bikes' });
    expect(rollback.diff).toEqual(preview);
    expect(rollback).toMatchObject({ status: 'pending', kind: 'rollback', rollbackOf: first.id, note: 'Back to bikes' });
    expect(rollback.diff.patch).toContain('+<h1>Bikes</h1>');
    expect(await codeOf(asBuilder.requestRollback(workspace.id, { toRequestId: first.id }))).toBe('in_flight');
  });
});
