import { validateSubdomain } from '@publishgate/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quickCheckSubdomain } from '../src/index.js';

// The field's instant check is core's rule set minus the reserved list (the server decides those).
describe('quickCheckSubdomain', () => {
  it.each(['ab', 'abc', 'ABC', 'my-shop', '-shop', 'my--shop', 'xn--bcher-kva', 'shop_1', 'a'.repeat(64), '\u212Aelvin', 'café', ''])(
    'agrees with core validateSubdomain on %j',
    (input) => {
      const core = validateSubdomain(input, { reserved: [] });
      const quick = quickCheckSubdomain(input);
      expect(quick.ok).toBe(core.ok);
      if (quick.ok && core.ok) expect(quick.normalized).toBe(core.normalized);
      if (!quick.ok && !core.ok) expect(quick.message).toBe(core.message);
    },
  );

  it('agrees with core on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 70 }), fc.stringMatching(/^[A-Za-z0-9-]{0,66}$/)), (input) => {
        expect(quickCheckSubdomain(input).ok).toBe(validateSubdomain(input, { reserved: [] }).ok);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves reserved names to the server', () => {
    expect(validateSubdomain('admin').ok).toBe(false);
    expect(quickCheckSubdomain('admin')).toEqual({ ok: true, normalized: 'admin' });
  });
});
