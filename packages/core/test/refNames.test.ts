import { isValidBranchName } from '@publishgate/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// The rules as first written, component by component; the shipped version checks them with two
// regular expressions instead (cheaper on every push) and must agree on every input.
function byComponents(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  if (name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  if (name === '@' || name === 'HEAD' || name.includes('..') || name.includes('@{') || name.includes('//')) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what git refuses
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return false;
  return name.split('/').every((part) => part.length > 0 && !part.startsWith('.') && !part.endsWith('.lock'));
}

describe('isValidBranchName', () => {
  it('agrees with the component-by-component rules on arbitrary names built from ref-like pieces', () => {
    const piece = fc.constantFrom('a', 'b1', '.', '..', '/', '.lock', 'lock', '-', '@', '{', 'x.y', ' ', '~', 'HEAD');
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')),
        (name) => {
          expect(isValidBranchName(name)).toBe(byComponents(name));
        },
      ),
      { numRuns: 5_000 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (name) => {
        expect(isValidBranchName(name)).toBe(byComponents(name));
      }),
      {
        numRuns: 2_000,
      },
    );
  });

  it('refuses components that start with a dot or end in .lock, and accepts ordinary publish branches', () => {
    expect(isValidBranchName('publish/.hidden')).toBe(false);
    expect(isValidBranchName('publish/site.lock')).toBe(false);
    expect(isValidBranchName('publish/site.lock/x')).toBe(false);
    expect(isValidBranchName('publish/site-1.locked')).toBe(true);
    expect(isValidBranchName('publish/my-site-9b2c0a4e-1111-4a4a-8888-0123456789ab')).toBe(true);
  });
});
