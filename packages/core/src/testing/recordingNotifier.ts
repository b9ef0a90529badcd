import type { Notification, NotifierPort } from '@publishgate/core';

/** A notifier that remembers what it was given. */
export type RecordingNotifier = NotifierPort & {
  /** Each notification once, in first-delivery order (deduplicated by id, as a receiver should). */
  readonly notifications: Notification[];
  /** Every successful `notify` call, duplicates included. */
  readonly deliveries: Notification[];
  /** Notifications addressed to one user id. */
  to(userId: string): Notification[];
  /** Makes the next `times` calls reject. */
  failNext(times?: number, error?: Error): void;
  /** Makes every call reject until `recover()` (a receiver that is down). */
  goDown(error?: Error): void;
  /** Ends `goDown`. */
  recover(): void;
  /** Forgets everything recorded. */
  clear(): void;
};

/**
 * A {@link NotifierPort} for tests: records deliveries, deduplicates by notification id, and can
 * be told to fail.
 */
export function createRecordingNotifier(): RecordingNotifier {
  const unique = new Map<string, Notification>();
  const deliveries: Notification[] = [];
  let pendingFailures: Error[] = [];
  let down: Error | undefined;

  return {
    async notify(notification, options = {}) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
      if (down) throw down;
      const failure = pendingFailures.shift();
      if (failure) throw failure;
      const copy = structuredClone(notification);
      deliveries.push(copy);
      if (!unique.has(copy.id)) unique.set(copy.id, copy);
    },
    get notifications() {
      return [...unique.values()];
    },
    get deliveries() {
      return [...deliveries];
    },
    to(userId) {
      return [...unique.values()].filter((notification) => 'userId' in notification.to && notification.to.userId === userId);
    },
    failNext(times = 1, error = new Error('recording notifier: injected failure')) {
      for (let index = 0; index < times; index += 1) pendingFailures.push(error);
    },
    goDown(error = new Error('recording notifier: receiver is down')) {
      down = error;
    },
    recover() {
      down = undefined;
    },
    clear() {
      unique.clear();
      deliveries.length = 0;
      pendingFailures = [];
    },
  };
}
