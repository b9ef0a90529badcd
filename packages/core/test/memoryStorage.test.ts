import { createMemoryStorage } from '@publishgate/core';
import { runStorageConformance } from '@publishgate/core/testing';

runStorageConformance({ name: 'memory', create: () => createMemoryStorage() });
runStorageConformance({ name: 'memory without cloning', create: () => createMemoryStorage({ clone: false }) });

import { type AuditEntryInput, type PublishRequest, validateSubdomain } from '@publishgate/core';
import { requestFixture, workspaceFixture } from '@publishgate/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deepFreeze, frozenCopy } from '../src/frozenCopy.js';

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

describe('frozenCopy and deepFreeze', () => {
  it('frozenCopy deep-copies unfrozen objects, freezes every level, drops undefined fields and applies the patch', () => {
    const nested = { b: [1, { c: 'x' }], gone: undefined };
    const source = { a: 1, nested, version: 1 };
    const copy = frozenCopy(source, { version: 2 });
    expect(copy).toStrictEqual({ a: 1, nested: { b: [1, { c: 'x' }] }, version: 2 });
    expect(copy).not.toBe(source);
    expect(copy.nested).not.toBe(nested);
    expect(
      Object.isFrozen(copy) && Object.isFrozen(copy.nested) && Object.isFrozen(copy.nested.b) && Object.isFrozen(copy.nested.b[1]),
    ).toBe(true);
    expect(Object.isFrozen(source) || Object.isFrozen(nested)).toBe(false);
    expect(source.version).toBe(1);
  });

  it('frozenCopy shares objects that are already frozen, and copies a frozen top level only to apply a patch', () => {
    const shared = Object.freeze({ kind: 'blueprint' });
    const frozen: Readonly<{ baseline: { kind: string }; version: number }> = Object.freeze({ baseline: shared, version: 1 });
    expect(frozenCopy(frozen)).toBe(frozen);
    const patched = frozenCopy(frozen, { version: 2 });
    expect(patched).toEqual({ baseline: shared, version: 2 });
    expect(patched.baseline).toBe(shared);
  });

  it('deepFreeze freezes in place, all the way down, and returns the same object', () => {
    const value = { list: [{ a: 1 }], inner: { b: 'x' } };
    expect(deepFreeze(value)).toBe(value);
    expect(Object.isFrozen(value) && Object.isFrozen(value.list) && Object.isFrozen(value.list[0]) && Object.isFrozen(value.inner)).toBe(
      true,
    );
  });
});

describe('validateSubdomain with a Set of reserved names', () => {
  it('refuses a reserved name from a Set as it does from an array, case-insensitively on the input', () => {
    const reserved = new Set(['docs', 'shop']);
    expect(validateSubdomain('Shop', { reserved })).toMatchObject({ ok: false, reason: 'reserved', normalized: 'shop' });
    expect(validateSubdomain('Shop', { reserved: ['docs', 'SHOP'] })).toMatchObject({ ok: false, reason: 'reserved' });
    expect(validateSubdomain('my-shop', { reserved })).toEqual({ ok: true, normalized: 'my-shop' });
  });
});
