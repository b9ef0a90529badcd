import {
  type Actor,
  createMemoryStorage,
  createPublishGate,
  type PublishGateOptions,
  type StoragePort,
  type Workspace,
} from '@publishgate/core';
import { createFakeGit, createFakeGitHost, createRecordingNotifier } from '@publishgate/core/testing';

/** A clock tests move by hand. */
export function manualClock(start = '2026-03-01T09:00:00.000Z') {
  let now = Date.parse(start);
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
    iso: () => new Date(now).toISOString(),
  };
}

export const admin: Actor = { id: 'admin-1', email: 'ada@example.com', roles: ['admin'] };
export const admin2: Actor = { id: 'admin-2', email: 'grace@example.com', roles: ['admin'] };
export const builder: Actor = { id: 'builder-1', email: 'bob@example.com', roles: ['builder'] };
export const builder2: Actor = { id: 'builder-2', email: 'carol@example.com', roles: ['builder'] };

export const workspace: Workspace = { id: 'ws-bob', name: "Bob's shop", blueprintId: 'bp-shop', ownerId: builder.id };
export const workspace2: Workspace = { id: 'ws-carol', name: "Carol's blog", blueprintId: 'bp-shop', ownerId: builder2.id };

/** A gate on the memory storage and fakes, with every handle a test needs. */
export function setup(overrides: Partial<PublishGateOptions> = {}) {
  const clock = manualClock();
  const storage: StoragePort = overrides.storage ?? createMemoryStorage();
  const git = createFakeGit();
  const gitHost = createFakeGitHost({ branchExists: (branch) => git.remoteBranch(branch) !== undefined });
  const notifier = createRecordingNotifier();
  let n = 0;
  const gate = createPublishGate({
    storage,
    git,
    gitHost,
    notifier,
    clock: clock.now,
    ids: () => {
      n += 1;
      return `id-${n}`;
    },
    ...overrides,
  });
  return { gate, storage, git, gitHost, notifier, clock };
}
