import type { Knex } from 'knex';
import { type Row, toInteger } from './dialect.js';

/** The part of a pg `Client` the listener uses. */
type ListenConnection = {
  query(sql: string): Promise<unknown>;
  on(event: 'notification', listener: (message: { channel: string }) => void): unknown;
  on(event: 'error' | 'end', listener: () => void): unknown;
};

function isListenConnection(value: unknown): value is ListenConnection {
  return typeof value === 'object' && value !== null && typeof (value as ListenConnection).query === 'function';
}

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

/**
 * PostgreSQL: LISTEN on a dedicated connection outside the pool (a pooled one would be handed to
 * other queries and lose its LISTEN), opened with knex's own connection settings. When it drops,
 * reconnects with backoff and calls `onChange` once, since notifications may have been missed.
 * Resolves once the first LISTEN is in place; rejects when that first attempt fails.
 */
export async function listenForAudit(db: Knex, channel: string, onChange: () => void, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  // A pool query first: it resolves knex's connection settings when they are given as a function.
  await db.raw('SELECT 1');
  let current: ListenConnection | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;

  const release = (connection: ListenConnection) => {
    db.client.destroyRawConnection(connection).catch(() => {
      // Already broken: nothing left to close.
    });
  };

  const open = async (): Promise<ListenConnection> => {
    const raw: unknown = await db.client.acquireRawConnection();
    if (!isListenConnection(raw)) throw new TypeError('watchAudit needs the pg driver (knex client "pg").');
    const connection = raw;
    connection.on('notification', (message) => {
      if (message.channel === channel) onChange();
    });
    const lost = () => {
      if (current !== connection) return;
      current = undefined;
      release(connection);
      schedule();
    };
    connection.on('error', lost);
    connection.on('end', lost);
    try {
      await connection.query(`LISTEN "${channel}"`);
    } catch (error) {
      release(connection);
      throw error;
    }
    return connection;
  };

  const schedule = () => {
    if (signal.aborted || timer) return;
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** failures);
    timer = setTimeout(async () => {
      timer = undefined;
      try {
        const connection = await open();
        if (signal.aborted) {
          release(connection);
          return;
        }
        current = connection;
        failures = 0;
        onChange();
      } catch {
        failures += 1;
        schedule();
      }
    }, delay);
  };

  current = await open();
  if (signal.aborted) {
    release(current);
    current = undefined;
    return;
  }
  signal.addEventListener(
    'abort',
    () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      const connection = current;
      current = undefined;
      if (connection) release(connection);
    },
    { once: true },
  );
}

/**
 * SQLite (one file, usually one process): polls the audit counter, a one-row read, and calls
 * `onChange` when it moved. Resolves once the starting value is known.
 */
export async function pollForAudit(
  readCounter: () => Promise<Row[]>,
  intervalMs: number,
  onChange: () => void,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return;
  const read = async () => toInteger((await readCounter())[0]?.value ?? 0);
  let last = await read();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    try {
      const value = await read();
      if (value !== last) {
        last = value;
        onChange();
      }
    } catch {
      // A busy or briefly unavailable database: try again next tick.
    }
    if (!signal.aborted) {
      timer = setTimeout(tick, intervalMs);
      // Polling alone must not keep a process alive that has nothing else to do.
      timer.unref?.();
    }
  };
  timer = setTimeout(tick, intervalMs);
  timer.unref?.();
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
}
