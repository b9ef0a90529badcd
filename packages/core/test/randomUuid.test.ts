import { describe, expect, it } from 'vitest';
import { randomUuid } from '../src/randomUuid.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('randomUuid', () => {
  it('returns RFC 9562 version-4 UUIDs, all distinct across many batches', () => {
    const seen = new Set<string>();
    for (let index = 0; index < 100_000; index += 1) {
      const id = randomUuid();
      expect(V4.test(id)).toBe(true);
      seen.add(id);
    }
    expect(seen.size).toBe(100_000);
  });

  it('spreads every random hex digit evenly (each of 16 values within 15% of its expected count)', () => {
    const samples = 32_000;
    const counts = Array.from({ length: 36 }, () => new Array<number>(16).fill(0));
    for (let index = 0; index < samples; index += 1) {
      const id = randomUuid();
      for (let at = 0; at < 36; at += 1) {
        const digit = Number.parseInt(id[at] as string, 16);
        const row = counts[at] as number[];
        if (!Number.isNaN(digit)) row[digit] = (row[digit] ?? 0) + 1;
      }
    }
    // Fixed positions: dashes (8, 13, 18, 23), the version digit (14) and the variant digit (19).
    for (const at of [0, 7, 9, 12, 15, 17, 20, 24, 35]) {
      for (const count of counts[at] as number[]) expect(Math.abs(count - samples / 16) / (samples / 16)).toBeLessThan(0.15);
    }
    expect((counts[14] as number[])[4]).toBe(samples);
    expect(((counts[19] as number[]).slice(8, 12) as number[]).reduce((sum, count) => sum + count, 0)).toBe(samples);
  });
});
