'use client';
import { useState, useSyncExternalStore } from 'react';
import type { Observable } from '../store/observable.js';
import type { PublishGateStore } from '../store/publishGateStore.js';

/**
 * An object a hook creates for its provider's store (a mutation, an observer) and keeps across
 * renders; a new store (or a new `key`, for what else it was made from) makes a new one.
 */
export function useOwned<T>(store: PublishGateStore, create: () => T, key?: unknown): T {
  const [owned, setOwned] = useState(() => ({ store, key, value: create() }));
  // Set during render: React renders again at once with the new object, before committing.
  if (owned.store !== store || owned.key !== key) setOwned({ store, key, value: create() });
  return owned.value;
}

/** The current value of an observable, re-rendering on change (the same snapshot on the server). */
export function useObservable<T>(observable: Observable<T>): T {
  return useSyncExternalStore(observable.subscribe, observable.getSnapshot, observable.getSnapshot);
}
