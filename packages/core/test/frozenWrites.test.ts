import { type Actor, createMemoryStorage, createPublishGate, type StoragePort, type Workspace } from '@publishgate/core';
import { createFakeGit, createFakeGitHost } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';

// The memory storage keeps what the gate writes without copying it (StoragePort says arguments
// are frozen). The gate freezes most objects one level at a time, so this walks every write.
function unfrozenPaths(value: unknown, path: string, out: string[], seen: Set<object>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (!Object.isFrozen(value)) out.push(path);
  for (const [key, field] of Object.entries(value)) unfrozenPaths(field, `${path}.${key}`, out, seen);
}

function recordingStorage(inner: StoragePort) {
  const problems: string[] = [];
  let writes = 0;
  const check = (operation: string, args: Record<string, unknown>) => {
    writes += 1;
    const { signal: _signal, ...written } = args;
    for (const [key, value] of Object.entries(written)) unfrozenPaths(value, `${operation}.${key}`, problems, new Set());
  };
  const storage: StoragePort = { ...inner };
  for (const operation of ['createRequest', 'transitionRequest', 'putTrust', 'deleteTrust'] as const) {
    const write = inner[operation].bind(inner) as (args: Record<string, unknown>) => Promise<unknown>;
    (storage as unknown as Record<string, unknown>)[operation] = (args: Record<string, unknown>) => {
      check(operation, args);
      return write(args);
    };
  }
  return { storage, problems, writes: () => writes };
}

const admin: Actor = { id: 'admin-1', email: 'admin@example.com', roles: ['admin'] };
const builder: Actor = { id: 'builder-1', email: 'builder@example.com', roles: ['builder'], name: 'Builder One' };
const site = (n: number): Workspace => ({ id: `ws-${n}`, name: `Site ${n}`, blueprintId: 'bp-1', ownerId: builder.id });

describe('what the gate writes is frozen all the way down', () => {
  it('across approve, reject, withdraw, failure and retry, trust and a held-for-review submission', async () => {
    const recording = recordingStorage(createMemoryStorage());
    const git = createFakeGit();
    const gitHost = createFakeGitHost();
    const gate = createPublishGate({
      storage: recording.storage,
      git,
      gitHost,
      policy: { baseDomain: 'apps.example.com', pendingTtlMs: 60_000 },
      requestUrl: (request) => `https://portal.example.com/requests/${request.id}`,
    });

    git.write(site(1), 'index.html', '<h1>one</h1>\n');
    const first = await gate.requestPublish({ workspace: site(1), subdomain: 'one', actor: builder, note: 'first' });
    await gate.approve({ id: first.id, actor: admin, comment: 'ok' });

    git.write(site(2), 'index.html', '<h1>two</h1>\n');
    const second = await gate.requestPublish({ workspace: site(2), subdomain: 'two', actor: builder });
    await gate.reject({ id: second.id, actor: admin, feedback: 'not yet' });

    git.write(site(3), 'index.html', '<h1>three</h1>\n');
    const third = await gate.requestPublish({ workspace: site(3), subdomain: 'three', actor: builder });
    await gate.withdraw({ id: third.id, actor: builder });

    git.write(site(4), 'index.html', '<h1>four</h1>\n');
    const fourth = await gate.requestPublish({ workspace: site(4), subdomain: 'four', actor: builder });
    git.failNext('push');
    expect((await gate.approve({ id: fourth.id, actor: admin })).status).toBe('failed');
    expect((await gate.retry({ id: fourth.id, actor: admin })).status).toBe('approved');

    await gate.setTrust({ blueprintId: 'bp-1', userId: builder.id, email: builder.email, trusted: true, actor: admin });
    git.write(site(5), 'config.js', `export const key = "AKIA${'ABCDEFGHIJKLMNOP'}";\n`);
    const held = await gate.requestPublish({ workspace: site(5), subdomain: 'five', actor: builder });
    expect(held.status).toBe('pending');
    git.write(site(6), 'index.html', '<h1>six</h1>\n');
    expect((await gate.requestPublish({ workspace: site(6), subdomain: 'six', actor: builder })).status).toBe('approved');
    await gate.setTrust({ blueprintId: 'bp-1', userId: builder.id, email: builder.email, trusted: false, actor: admin });

    expect(recording.writes()).toBeGreaterThanOrEqual(16);
    expect(recording.problems).toEqual([]);
  });

  it('the check reports an object left unfrozen', () => {
    const problems: string[] = [];
    unfrozenPaths(Object.freeze({ audit: Object.freeze([Object.freeze({ data: { x: 1 } })]) }), 'w', problems, new Set());
    expect(problems).toEqual(['w.audit.0.data']);
  });
});
