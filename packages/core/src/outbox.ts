import { toPortError } from './guardPort.js';
import type { NotifierPort } from './ports/notifier.js';
import type { StoragePort } from './ports/storage.js';

/** Options for {@link createOutboxDispatcher}. */
export type OutboxDispatcherOptions = {
  storage: StoragePort;
  notifier: NotifierPort;
  /**
   * The notifier of each fan-out channel. A row with a `channel` is delivered through that
   * channel's notifier only; a row without one (written before the gate fanned out) through
   * `notifier`. A row whose channel is not here (renamed or removed) becomes a dead letter.
   */
  channels?: ReadonlyMap<string, NotifierPort>;
  clock: () => Date;
  /** How long a claimed row stays leased to this dispatcher. Default 60 s. */
  leaseMs?: number;
  /** Rows claimed per round trip. Default 50. */
  batchSize?: number;
  /** Timeout for one `notify` call. Default 10 s. */
  notifyTimeoutMs?: number;
  /** Delay before the next attempt after `attempts` failures. Default: 5 s doubling to 1 h. */
  backoffMs?: (attempts: number) => number;
  /** Failed attempts after which a notification becomes a dead letter. Default 12. */
  maxAttempts?: number;
  /** Told about failures that happen in the background. */
  onError?: (error: unknown) => void;
};

/** Counts from one delivery pass. */
export type DeliveryReport = { delivered: number; failed: number; deadLettered: number };

/** Delivers outbox rows through the notifier, at least once, in the background or on demand. */
export type OutboxDispatcher = {
  /** Starts a background pass (or schedules one more after the current pass). Never throws. */
  kick(): void;
  /** Runs passes until nothing is deliverable now; resolves with what it did. */
  drain(): Promise<DeliveryReport>;
  /** Resolves when no background pass is running. */
  idle(): Promise<void>;
};

const defaultBackoff = (attempts: number) => Math.min(3_600_000, 5_000 * 2 ** Math.max(0, attempts - 1));

/**
 * Creates the dispatcher that moves notifications from the outbox to the notifier. A delivery
 * failure only reschedules the row; the state change that wrote it stays.
 */
export function createOutboxDispatcher(options: OutboxDispatcherOptions): OutboxDispatcher {
  const { storage, notifier, clock } = options;
  const leaseMs = options.leaseMs ?? 60_000;
  const batchSize = options.batchSize ?? 50;
  const notifyTimeoutMs = options.notifyTimeoutMs ?? 10_000;
  const backoffMs = options.backoffMs ?? defaultBackoff;
  const maxAttempts = options.maxAttempts ?? 12;
  const onError = options.onError ?? (() => {});
  let running: Promise<void> | undefined;
  let again = false;

  function notifierFor(channel: string | undefined): NotifierPort {
    if (channel === undefined) return notifier;
    const found = options.channels?.get(channel);
    if (found) return found;
    // Retrying cannot help until the configuration names the channel again; redeliver then.
    return {
      notify: () => Promise.reject(Object.assign(new Error(`No notifier channel named "${channel}".`), { retryable: false })),
    };
  }

  async function pass(): Promise<DeliveryReport> {
    const report: DeliveryReport = { delivered: 0, failed: 0, deadLettered: 0 };
    // Bounded so that a clock frozen by a test, or a storage that keeps handing rows out, cannot spin.
    for (let round = 0; round < 1_000; round += 1) {
      const now = clock();
      const items = await storage.claimOutbox({ now: now.toISOString(), limit: batchSize, leaseMs });
      if (items.length === 0) break;
      await Promise.all(
        items.map(async (item) => {
          const { notification, channel } = item;
          const row = channel === undefined ? { id: notification.id } : { id: notification.id, channel };
          try {
            await notifierFor(channel).notify(notification, { signal: AbortSignal.timeout(notifyTimeoutMs) });
            await storage.completeOutbox({ ...row, now: clock().toISOString() });
            report.delivered += 1;
          } catch (error) {
            report.failed += 1;
            const failure = toPortError(error, 'notifier', 'notify');
            onError(failure);
            const attempts = item.attempts + 1;
            const now = clock();
            const retryAt = new Date(now.getTime() + backoffMs(attempts)).toISOString();
            // A receiver that will never take it (a bad address, revoked credentials) stops now.
            const dead = attempts >= maxAttempts || !failure.retryable;
            if (dead) report.deadLettered += 1;
            await storage.failOutbox({
              ...row,
              error: failure.message,
              retryAt,
              ...(dead ? { deadLetter: true, now: now.toISOString() } : {}),
            });
          }
        }),
      );
      if (items.length < batchSize) break;
    }
    return report;
  }

  function kick() {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await pass();
        } catch (error) {
          onError(error);
        }
      } while (again);
    })().finally(() => {
      running = undefined;
    });
  }

  return {
    kick,
    async drain() {
      await running;
      return pass();
    },
    async idle() {
      while (running) await running;
    },
  };
}
