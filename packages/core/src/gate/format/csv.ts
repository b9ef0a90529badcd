import type { AuditEntry } from '../../schemas/domain.js';

/** Columns of the CSV history export, in order. */
export const CSV_COLUMNS = [
  'seq',
  'at',
  'type',
  'actor',
  'requestId',
  'workspaceId',
  'blueprintId',
  'builderId',
  'fromStatus',
  'toStatus',
  'data',
] as const;

/** The CSV header line. */
export const csvHeader = (): string => `${CSV_COLUMNS.join(',')}\n`;

/** One audit entry as a CSV line, every cell quoted and defused for spreadsheets. */
export function csvRow(entry: AuditEntry): string {
  const actor = 'email' in entry.actor ? entry.actor.email : 'trust' in entry.actor ? 'trust' : 'system';
  const cells = [
    String(entry.seq),
    entry.at,
    entry.type,
    actor,
    entry.requestId ?? '',
    entry.workspaceId ?? '',
    entry.blueprintId ?? '',
    entry.builderId ?? '',
    entry.fromStatus ?? '',
    entry.toStatus ?? '',
    JSON.stringify(entry.data),
  ];
  return `${cells.map(csvCell).join(',')}\n`;
}

// Quote every cell and defuse spreadsheet formulas (cells starting with = + - @).
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}
