import { type AuditEntryInput, createMemoryStorage, type PublishRequest } from '@publishgate/core';
import { runStorageConformance } from '@publishgate/core/conformance';
import { requestFixture, workspaceFixture } from '@publishgate/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

runStorageConformance({ name: 'memory', create: () => createMemoryStorage() });
runStorageConformance({ name: 'memory without cloning', create: () => createMemoryStorage({ clone: false }) });

describe('memory storage internals', () => {
  it('requests created in the same millisecond in any id order list newest first by (createdAt, id), before and after transitions', async () => {
    // Regression: inserts out of id order within one millisecond once needed a renumbering pass.
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 0, max: 9_999 }), { minLength: 1, maxLength: 60 }), async (numbers) => {
        const storage = createMemoryStorage();
        const createdAt = '2026-11-27T12:00:00.000Z';
        const stored: PublishRequest[] = [];
        for (const n of numbers) {
          const id = `req-${String(n).padStart(4, '0')}`;
          const request = requestFixture({
            id,
            createdAt,
            updatedAt: createdAt,
            subdomain: `s-${id}`,
            workspace: workspaceFixture({ id: `ws-${id}` }),
          });
          stored.push(await storage.createRequest({ request, audit: [], outbox: [] }));
        }
        for (const request of stored.filter((_, index) => index % 2 === 0)) {
          await storage.transitionRequest({
            id: request.id,
            expectedVersion: 1,
            next: { ...request, version: 2, status: 'rejected' },
            audit: [],
            outbox: [],
          });
        }
        const listed = await storage.listRequests({ filter: {}, limit: 100 });
        expect(listed.map((request) => request.id)).toEqual(
          stored
            .map((request) => request.id)
            .sort()
            .reverse(),
        );
        expect(listed.filter((request) => request.version === 2)).toHaveLength(Math.ceil(stored.length / 2));
      }),
      { numRuns: 100 },
    );
  });

  it('a thousand same-millisecond requests in descending id order are created quickly and paged in order', async () => {
    const storage = createMemoryStorage();
    const createdAt = '2026-11-27T12:00:00.000Z';
    for (let n = 999; n >= 0; n -= 1) {
      const id = `req-${String(n).padStart(4, '0')}`;
      await storage.createRequest({
        request: requestFixture({
          id,
          createdAt,
          updatedAt: createdAt,
          subdomain: `s-${n}`,
          workspace: workspaceFixture({ id: `ws-${n}` }),
        }),
        audit: [],
        outbox: [],
      });
    }
    const first = await storage.listRequests({ filter: {}, limit: 3 });
    expect(first.map((request) => request.id)).toEqual(['req-0999', 'req-0998', 'req-0997']);
    const last = first[2] as PublishRequest;
    const next = await storage.listRequests({ filter: {}, after: { createdAt: last.createdAt, id: last.id }, limit: 2 });
    expect(next.map((request) => request.id)).toEqual(['req-0996', 'req-0995']);
  });

  it('audit entries read back carry seq = position + 1, are frozen, and a write cannot be changed through the object passed in', async () => {
    const storage = createMemoryStorage();
    const entry: AuditEntryInput = {
      id: 'a-1',
      type: 'trust.granted',
      at: '2026-11-27T12:00:00.000Z',
      actor: { system: true },
      data: { note: 'x' },
    };
    await storage.putTrust({
      grant: {
        blueprintId: 'bp',
        userId: 'u',
        email: 'u@example.com',
        grantedBy: { id: 'admin', email: 'a@example.com' },
        grantedAt: entry.at,
      },
      audit: [entry, { ...entry, id: 'a-2' }],
      outbox: [],
    });
    (entry.data as Record<string, unknown>).note = 'changed';
    const [first, second] = await storage.listAudit({ afterSeq: 0, limit: 10 });
    expect(first).toMatchObject({ id: 'a-1', seq: 1, data: { note: 'x' } });
    expect(second).toMatchObject({ id: 'a-2', seq: 2 });
    expect(Object.isFrozen(first) && Object.isFrozen(first?.data)).toBe(true);
    expect(await storage.listAudit({ afterSeq: 1, limit: 10 })).toEqual([second]);
  });
});
