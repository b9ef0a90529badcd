/**
 * A stored row that cannot be read back as what it should be: its JSON does not parse, it does
 * not match core's schema, or it disagrees with its own indexed columns. Thrown instead of
 * returning a wrong object; the gate reports it as `port_failed` with this error as `cause`.
 * The message names the table and row but never quotes the stored value (it may hold secrets).
 */
export class CorruptRowError extends Error {
  override readonly name = 'CorruptRowError';
  /** The table the row lives in (with its prefix). */
  readonly table: string;
  /** The row's key: a request id, `blueprintId/userId`, an audit seq, a notification id. */
  readonly rowId: string;

  constructor(table: string, rowId: string, reason: string, options: { cause?: unknown } = {}) {
    super(`Stored row ${rowId} in ${table} is corrupt: ${reason}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.table = table;
    this.rowId = rowId;
  }
}
