/** A value that changes over time: what `useSyncExternalStore` reads. */
export type Observable<T> = {
  /** The current value. The same object until it changes, so React can compare snapshots by identity. */
  getSnapshot(): T;
  /** Calls `listener` after every change; returns the function that stops it. */
  subscribe(listener: () => void): () => void;
};

/** An {@link Observable} its owner can write to. */
export type ObservableCell<T> = Observable<T> & {
  /** Replaces the value and notifies listeners (nothing happens when `next` is the current value). */
  set(next: T): void;
  /** How many listeners are subscribed. */
  readonly listenerCount: number;
};

/**
 * The smallest observable the store is built from. Listeners are copied before notifying, so one
 * that unsubscribes (or subscribes another) while being notified does not skip its neighbours.
 */
export function createObservable<T>(
  initial: T,
  hooks: { onFirstListener?: () => void; onLastListener?: () => void } = {},
): ObservableCell<T> {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    getSnapshot: () => value,
    subscribe(listener) {
      // A wrapper per subscription, so subscribing the same function twice needs two unsubscribes.
      const entry = () => listener();
      listeners.add(entry);
      if (listeners.size === 1) hooks.onFirstListener?.();
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        listeners.delete(entry);
        if (listeners.size === 0) hooks.onLastListener?.();
      };
    },
    set(next) {
      if (Object.is(next, value)) return;
      value = next;
      for (const listener of [...listeners]) listener();
    },
    get listenerCount() {
      return listeners.size;
    },
  };
}
