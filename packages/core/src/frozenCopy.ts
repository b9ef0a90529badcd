import { flatString } from './flatString.js';

/**
 * A deep copy of plain JSON data (objects, arrays, strings, numbers, booleans) with every object
 * frozen and every string flat (see {@link flatString}); `undefined` fields are left out, and
 * objects that are already frozen are shared, not copied. `patch` fields, if given, replace the
 * top-level ones.
 *
 * The gate writes these, so a storage that keeps objects (the memory storage) can keep them as
 * they are. Copying is also the fast way to freeze here: V8 freezes an object built by
 * `Object.assign({}, …)` about ten times faster than one made with spread syntax from an
 * unfrozen object, which is how most of our objects are made.
 */
export function frozenCopy<T>(value: T, patch?: Partial<T>): T {
  if (typeof value === 'string') return flatString(value) as T;
  if (value === null || typeof value !== 'object' || (patch === undefined && Object.isFrozen(value))) return value;
  if (Array.isArray(value)) return Object.freeze(value.map((item) => frozenCopy(item))) as T;
  const copy: Record<string, unknown> =
    patch === undefined ? (Object.assign({}, value) as Record<string, unknown>) : Object.assign({}, value, patch);
  for (const key in copy) {
    const field = copy[key];
    if (field === undefined) {
      // Rare: deleting would turn the copy into a slow dictionary object, so build it again without.
      return frozenCopy(Object.fromEntries(Object.entries(copy).filter(([, item]) => item !== undefined)) as T);
    }
    if (typeof field === 'string') flatString(field);
    else if (typeof field === 'object' && field !== null && !Object.isFrozen(field)) copy[key] = frozenCopy(field);
  }
  return Object.freeze(copy) as T;
}

/**
 * Freezes `value` and everything reachable from it in place, flattening its strings; stops at
 * frozen objects. For objects the caller has just built from literals, which V8 freezes quickly;
 * anything built by spreading another object should go through {@link frozenCopy} instead.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'string') return flatString(value) as T;
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    for (const item of value) deepFreeze(item);
  } else {
    for (const key in value) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return Object.freeze(value);
}
