/** The median of some durations (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Total time during which at least one of the intervals was open. Port calls overlap (the gate
 * reads storage four ways at once), so summing their durations would count the same wait twice.
 */
export function unionDuration(intervals: ReadonlyArray<readonly [number, number, ...unknown[]]>): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let start = Number.NEGATIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const [from, to] of sorted) {
    if (from > end) {
      if (end > start) total += end - start;
      start = from;
      end = to;
    } else if (to > end) {
      end = to;
    }
  }
  if (end > start) total += end - start;
  return total;
}

/** One row of the result table: what was measured, the gate's figure, the floor's, and whether the target holds. */
export type Row = { measure: string; gate: string; floor: string; ratio: string; target: string; met: boolean | undefined };

/** Formats rows as a Markdown table, the form the README keeps. */
export function formatTable(rows: readonly Row[]): string {
  const header = ['measure', 'publishgate', 'floor', 'ratio', 'target', 'met'];
  const lines = rows.map((row) => [
    row.measure,
    row.gate,
    row.floor,
    row.ratio,
    row.target,
    row.met === undefined ? '' : row.met ? 'yes' : 'no',
  ]);
  return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
