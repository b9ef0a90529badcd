import { guardPort, PublishGateError } from '@publishgate/core';
import { auditFixture, notificationFixture, rejectionOf, requestFixture, trustFixture } from '@publishgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { CorruptRowError } from '../src/index.ts';
import { type Store, testBackends } from './backends.ts';

// Rows written behind the adapter's back (a hand edit, a bad restore, a buggy older version) must
// come back as an error naming the row, never as a crash deep inside the gate or a wrong object.

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.drop();
});

async function corruptible(backend: { freshStore(): Promise<Store> }) {
  const store = await backend.freshStore();
  stores.push(store);
  const { db, storage } = await store.storage();
  const table = (name: string) => `${store.tablePrefix}${name}`;
  return { db, storage, table };
}

describe.each(testBackends('adapter-knex corrupt rows'))('$name', (backend) => {
  describe.skipIf(!backend.available)('corrupt rows', () => {
    it('a request row whose JSON does not parse rejects with CorruptRowError naming the table and row', async () => {
      const { db, storage, table } = await corruptible(backend);
      const request = requestFixture({ note: 'hunter2-secret' });
      await storage.createRequest({ request, audit: [], outbox: [] });
      await db(table('requests')).where({ id: request.id }).update({ data: '{"id": "truncat' });
      const error = await rejectionOf(storage.getRequest({ id: request.id }));
      expect(error).toBeInstanceOf(CorruptRowError);
      expect((error as CorruptRowError).rowId).toBe(request.id);
      expect((error as CorruptRowError).table).toBe(table('requests'));
      expect((error as Error).message).toBe(
        `Stored row ${request.id} in ${table('requests')} is corrupt: its data column is not valid JSON`,
      );
    });

    it('a request row of the wrong shape names the failing fields but never echoes stored values', async () => {
      const { db, storage, table } = await corruptible(backend);
      const request = requestFixture({ note: 'hunter2-secret' });
      await storage.createRequest({ request, audit: [], outbox: [] });
      const { builder: _dropped, ...rest } = request;
      await db(table('requests'))
        .where({ id: request.id })
        .update({ data: JSON.stringify({ ...rest, sha: 'not-a-sha-hunter2' }) });
      const error = await rejectionOf(storage.getRequest({ id: request.id }));
      expect(error).toBeInstanceOf(CorruptRowError);
      const message = (error as Error).message;
      expect(message).toContain(`Stored row ${request.id}`);
      expect(message).toMatch(/builder/);
      expect(message).toMatch(/sha/);
      expect(message).not.toContain('hunter2');
    });

    it('a request row whose JSON disagrees with its version column is refused rather than returned', async () => {
      const { db, storage, table } = await corruptible(backend);
      const request = requestFixture();
      await storage.createRequest({ request, audit: [], outbox: [] });
      await db(table('requests')).where({ id: request.id }).update({ version: 7 });
      await expect(storage.getRequest({ id: request.id })).rejects.toThrow(`Stored row ${request.id} in ${table('requests')} is corrupt`);
    });

    it('a row validated by an earlier read is validated again once its bytes change (regression: the validation memo)', async () => {
      const { db, storage, table } = await corruptible(backend);
      const request = requestFixture();
      await storage.createRequest({ request, audit: [], outbox: [] });
      expect(await storage.getRequest({ id: request.id })).toEqual(request);
      expect(await storage.getRequest({ id: request.id })).toEqual(request);
      // Same length, one byte different: an invalid sha.
      const tampered = JSON.stringify(request).replace(request.sha, `Z${request.sha.slice(1)}`);
      await db(table('requests')).where({ id: request.id }).update({ data: tampered });
      await expect(storage.getRequest({ id: request.id })).rejects.toBeInstanceOf(CorruptRowError);
      // A valid edit made behind the storage's back is returned as stored, never the remembered copy.
      const edited = { ...request, note: 'edited by hand' };
      await db(table('requests'))
        .where({ id: request.id })
        .update({ data: JSON.stringify(edited) });
      expect(await storage.getRequest({ id: request.id })).toEqual(edited);
    });

    it('one corrupt row in a queue page fails the page with its id; through the gate it becomes port_failed', async () => {
      const { db, storage, table } = await corruptible(backend);
      const good = requestFixture();
      const bad = requestFixture();
      await storage.createRequest({ request: good, audit: [], outbox: [] });
      await storage.createRequest({ request: bad, audit: [], outbox: [] });
      await db(table('requests'))
        .where({ id: bad.id })
        .update({ data: JSON.stringify({ ...bad, status: 'teleported' }) });
      await expect(storage.listRequests({ filter: {}, limit: 10 })).rejects.toThrow(`Stored row ${bad.id}`);
      const error = await rejectionOf(guardPort(storage, 'storage').listRequests({ filter: {}, limit: 10 }));
      expect(PublishGateError.is(error, 'port_failed')).toBe(true);
      expect((error as PublishGateError).operation).toBe('listRequests');
      expect((error as PublishGateError).cause).toBeInstanceOf(CorruptRowError);
      // Pages not containing it still work.
      expect(await storage.listRequests({ filter: { workspaceId: good.workspace.id }, limit: 10 })).toEqual([good]);
    });

    it('corrupt trust, audit, outbox and publication rows are reported with their keys', async () => {
      const { db, storage, table } = await corruptible(backend);
      const grant = trustFixture();
      const entry = auditFixture();
      const note = notificationFixture();
      await storage.putTrust({ grant, audit: [entry], outbox: [note] });
      await db(table('trust_grants')).update({ data: JSON.stringify({ ...grant, email: 'not an email' }) });
      await db(table('audit_entries')).update({ data: '[]' });
      await db(table('outbox')).update({ data: JSON.stringify({ ...note, to: { role: 'root' } }) });
      await expect(storage.getTrust({ blueprintId: grant.blueprintId, userId: grant.userId })).rejects.toThrow(
        `Stored row ${grant.blueprintId}/${grant.userId} in ${table('trust_grants')} is corrupt`,
      );
      await expect(storage.listTrust({})).rejects.toBeInstanceOf(CorruptRowError);
      await expect(storage.listAudit({ limit: 10 })).rejects.toThrow(`Stored row seq 1 in ${table('audit_entries')} is corrupt`);
      await expect(storage.claimOutbox({ now: new Date().toISOString(), limit: 10, leaseMs: 1000 })).rejects.toThrow(
        `Stored row ${note.id} in ${table('outbox')} is corrupt`,
      );

      const request = requestFixture();
      await storage.createRequest({ request, audit: [], outbox: [] });
      await db(table('publications')).insert({
        workspace_id: request.workspace.id,
        subdomain: request.subdomain,
        sha: 'zzz',
        request_id: request.id,
        published_at: 'yesterday',
      });
      await expect(storage.getPublication({ workspaceId: request.workspace.id })).rejects.toThrow(
        `Stored row ${request.workspace.id} in ${table('publications')} is corrupt`,
      );
    });
  });
});
