import { type PublishRequest, publishRequestSchema } from '@publishgate/core';
import { requestFixture } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { deepFreeze, frozenCopy } from '../src/frozenCopy.js';
import { storedRequest } from '../src/storedRequest.js';

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

describe('storedRequest', () => {
  it('keeps every field of the request schema, with the given version, frozen all the way down', () => {
    const request: PublishRequest = {
      ...requestFixture({ note: 'n', expiresAt: '2026-12-01T00:00:00.000Z', branch: 'publish/x', attempts: 2 }),
      decision: { kind: 'approved', by: { id: 'admin', email: 'a@example.com' }, at: '2026-11-27T12:00:00.000Z' },
      pullRequest: { number: 3, url: 'https://example.test/pull/3' },
      error: { code: 'port_failed', message: 'x' },
    };
    // A field added to the schema but not to storedRequest would be dropped on every write.
    expect(Object.keys(request).sort()).toEqual(Object.keys(publishRequestSchema.shape).sort());
    const stored = storedRequest(request, 7);
    expect(stored).toStrictEqual({ ...request, version: 7 });
    expect(Object.isFrozen(stored) && Object.isFrozen(stored.decision) && Object.isFrozen(stored.diff.files)).toBe(true);
  });
});
