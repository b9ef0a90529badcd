import type { PacingLimit } from './ports/storage.js';

/**
 * The earliest time (ms) for a new reservation, given the times already reserved under one key
 * (ascending, ms): at or after `now` and the last reservation, with fewer than `max` reservations in
 * the `perMs` window ending there, for every limit. Reservations only ever append, so checking the
 * window that ends at the new one is enough. Storage adapters call it inside their atomic write.
 *
 * @example
 * ```ts
 * nextPacingSlot([0, 1_000], 2_000, [{ max: 2, perMs: 60_000 }]); // 60_000: the one at 0 must leave the window first
 * ```
 */
export function nextPacingSlot(reserved: readonly number[], now: number, limits: readonly PacingLimit[]): number {
  let at = Math.max(now, reserved.at(-1) ?? now);
  for (let moved = true; moved; ) {
    moved = false;
    for (const { max, perMs } of limits) {
      if (reserved.length < max) continue;
      // The max-th latest reservation has to be out of the window (at - perMs, at].
      const earliest = (reserved[reserved.length - max] as number) + perMs;
      if (at < earliest) {
        at = earliest;
        moved = true;
      }
    }
  }
  return at;
}

/** How many of the latest reservations {@link nextPacingSlot} needs to see: the largest `max`. */
export function pacingDepth(limits: readonly PacingLimit[]): number {
  return Math.max(0, ...limits.map((limit) => limit.max));
}

/** The longest window: reservations older than `now` minus this can be forgotten. */
export function pacingHorizon(limits: readonly PacingLimit[]): number {
  return Math.max(0, ...limits.map((limit) => limit.perMs));
}
