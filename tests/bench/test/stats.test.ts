import { describe, expect, it } from 'vitest';
import { formatTable, median, unionDuration } from '../src/stats.js';

describe('bench arithmetic', () => {
  it('median takes the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('unionDuration counts overlapping port calls once', () => {
    expect(
      unionDuration([
        [0, 10],
        [5, 12],
        [20, 25],
        [21, 22],
      ]),
    ).toBe(17);
    expect(unionDuration([])).toBe(0);
  });

  it('formatTable writes a Markdown table with a yes/no column', () => {
    expect(formatTable([{ measure: 'approve', gate: '10 ms', floor: '9 ms', ratio: '1.11×', target: '≤ 1.2×', met: true }])).toBe(
      '| measure | publishgate | floor | ratio | target | met |\n| --- | --- | --- | --- | --- | --- |\n| approve | 10 ms | 9 ms | 1.11× | ≤ 1.2× | yes |',
    );
  });
});
