import { DEFAULT_RESERVED_SUBDOMAINS, slugifySubdomain, subdomainCandidates, validateSubdomain } from '@publishgate/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const LABEL = /^[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;
const validLabel = fc.stringMatching(/^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,30}$/).filter((label) => label.length <= 63);
const runs = { numRuns: 2_000 };

describe('validateSubdomain properties', () => {
  it('never throws, and an accepted name is always a lower-case DNS label of 3–63 characters', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.anything()), (input) => {
        const result = validateSubdomain(input);
        if (result.ok) {
          expect(result.normalized).toMatch(LABEL);
          expect(result.normalized.length).toBeGreaterThanOrEqual(3);
          expect(result.normalized.length).toBeLessThanOrEqual(63);
          expect(result.normalized).not.toContain('--');
        } else {
          expect(['invalid', 'reserved']).toContain(result.reason);
          expect(result.message.length).toBeGreaterThan(0);
        }
      }),
      runs,
    );
  });

  it('accepts every well-formed, unreserved label unchanged', () => {
    fc.assert(
      fc.property(validLabel, (label) => {
        fc.pre(!DEFAULT_RESERVED_SUBDOMAINS.includes(label));
        expect(validateSubdomain(label)).toEqual({ ok: true, normalized: label });
      }),
      runs,
    );
  });

  it('is case-insensitive for ASCII and idempotent on its own output', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.'.split('')), maxLength: 70 }), (input) => {
        const lower = validateSubdomain(input.toLowerCase());
        const upper = validateSubdomain(input.toUpperCase());
        expect(upper.ok).toBe(lower.ok);
        if (lower.ok && upper.ok) {
          expect(upper.normalized).toBe(lower.normalized);
          expect(validateSubdomain(lower.normalized)).toEqual(lower);
        }
      }),
      runs,
    );
  });

  it('refuses any input containing a non-ASCII character, even one that lower-cases to ASCII', () => {
    const nonAscii = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 3 })
      .filter((text) => [...text].some((char) => (char.codePointAt(0) ?? 0) > 0x7f));
    fc.assert(
      fc.property(validLabel, nonAscii, fc.nat(), (label, extra, at) => {
        const position = at % (label.length + 1);
        const input = `${label.slice(0, position)}${extra}${label.slice(position)}`;
        expect(validateSubdomain(input)).toMatchObject({ ok: false, reason: 'invalid' });
      }),
      runs,
    );
    expect('\u212A'.toLowerCase()).toBe('k');
    expect(validateSubdomain('\u212Aelvin')).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('refuses option-like, reserved and boundary inputs with the right reason', () => {
    expect(validateSubdomain('--upload-pack=x')).toMatchObject({ ok: false, reason: 'invalid' });
    expect(validateSubdomain('-u')).toMatchObject({ ok: false, reason: 'invalid' });
    expect(validateSubdomain('a'.repeat(63))).toEqual({ ok: true, normalized: 'a'.repeat(63) });
    expect(validateSubdomain('a'.repeat(64))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(validateSubdomain('abc')).toEqual({ ok: true, normalized: 'abc' });
    expect(validateSubdomain('API')).toMatchObject({ ok: false, reason: 'reserved', normalized: 'api' });
    expect(validateSubdomain('shop', { reserved: ['Shop'] })).toMatchObject({ ok: false, reason: 'reserved' });
    expect(validateSubdomain('www', { reserved: [] })).toEqual({ ok: true, normalized: 'www' });
  });
});

describe('slugs and suggestions', () => {
  it('slugifySubdomain yields a valid label or nothing, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 120 }), (text) => {
        const slug = slugifySubdomain(text);
        if (slug !== undefined) expect(validateSubdomain(slug, { reserved: [] })).toEqual({ ok: true, normalized: slug });
      }),
      runs,
    );
    expect(slugifySubdomain("Bob's Café & Bar")).toBe('bob-s-cafe-bar');
    expect(slugifySubdomain('!!')).toBeUndefined();
  });

  it('subdomainCandidates are all well-formed and differ from the base', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), (base, workspaceName) => {
        for (const candidate of subdomainCandidates(base, { workspaceName })) {
          expect(validateSubdomain(candidate, { reserved: [] }).ok).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
    expect(subdomainCandidates('shop', { workspaceName: 'Bob Store' })).toEqual(
      expect.arrayContaining(['shop-bob-store', 'shop-app', 'shop-2']),
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
