import type { Actor, Workspace } from '@publishgate/core';

// Who exists in the tests, derived from ids so that every process (the test and the gate servers
// it spawns) agrees without sharing state: `builder-<n>` owns `ws-<n>`; `admin-<n>` is an admin.

/** The builder who owns workspace number `n`. */
export function builder(n: number): Actor {
  return { id: `builder-${n}`, email: `builder-${n}@example.com`, roles: ['builder'] };
}

/** Admin number `n`. */
export function admin(n: number): Actor {
  return { id: `admin-${n}`, email: `admin-${n}@example.com`, roles: ['admin'] };
}

/** Workspace number `n`, owned by `builder(n)`. */
export function workspace(n: number): Workspace {
  return { id: `ws-${n}`, name: `Site ${n}`, blueprintId: 'bp-site', ownerId: `builder-${n}` };
}

/** The actor with this id, or null for an id outside the population. */
export function actorById(id: string): Actor | null {
  const match = /^(builder|admin)-(\d{1,6})$/.exec(id);
  if (!match) return null;
  return match[1] === 'admin' ? admin(Number(match[2])) : builder(Number(match[2]));
}

/** The workspace with this id, or null for an id outside the population. */
export function workspaceById(id: string): Workspace | null {
  const match = /^ws-(\d{1,6})$/.exec(id);
  return match ? workspace(Number(match[1])) : null;
}

/** Header the test-only `authenticate` of the gate servers reads the caller's id from. */
export const ACTOR_HEADER = 'x-test-actor';
