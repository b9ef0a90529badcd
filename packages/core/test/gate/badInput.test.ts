import { type Actor, type PublishGate, PublishGateError, type PublishGateErrorCode, type Workspace } from '@publishgate/core';
import { describe, expect, it } from 'vitest';
import { admin, builder, builder2, setup, workspace, workspace2 } from '../helpers';

type Ctx = { gate: PublishGate; pendingId: string; rejectedId: string; ws: Workspace };

// Inputs arrive from HTTP bodies and host code alike; the casts let hostile shapes through the types.
const loose = <T>(value: unknown) => value as T;

const badActor = (patch: Record<string, unknown>): Actor => loose<Actor>({ ...builder, ...patch });
const publish = (ctx: Ctx, subdomain: unknown, extra: Record<string, unknown> = {}) =>
  ctx.gate.requestPublish(loose({ workspace: ctx.ws, subdomain, actor: builder, ...extra }));

const cases: Array<[string, (ctx: Ctx) => Promise<unknown>, PublishGateErrorCode]> = [
  // Subdomains
  ['subdomain with a double hyphen', (ctx) => publish(ctx, 'my--site'), 'validation'],
  ['subdomain that is punycode', (ctx) => publish(ctx, 'xn--80ak6aa92e'), 'validation'],
  ['subdomain in upper case that folds onto a taken one', (ctx) => publish(ctx, 'TAKEN-SITE'), 'subdomain_unavailable'],
  ['subdomain with a Cyrillic look-alike', (ctx) => publish(ctx, 'p\u0430ypal'), 'validation'],
  ['subdomain with the Kelvin sign (lower-cases to ASCII k)', (ctx) => publish(ctx, '\u212Aelvin-site'), 'validation'],
  ['subdomain in fullwidth letters', (ctx) => publish(ctx, '\uff46\uff4f\uff4f-site'), 'validation'],
  ['subdomain of 64 characters', (ctx) => publish(ctx, 'a'.repeat(64)), 'validation'],
  ['subdomain of 10,000 characters', (ctx) => publish(ctx, 'b'.repeat(10_000)), 'validation'],
  ['subdomain of 2 characters', (ctx) => publish(ctx, 'ab'), 'validation'],
  ['empty subdomain', (ctx) => publish(ctx, ''), 'validation'],
  ['reserved subdomain', (ctx) => publish(ctx, 'admin'), 'subdomain_unavailable'],
  ['reserved subdomain in upper case', (ctx) => publish(ctx, 'WWW'), 'subdomain_unavailable'],
  ['option-like subdomain --upload-pack=x', (ctx) => publish(ctx, '--upload-pack=x'), 'validation'],
  ['subdomain with a leading hyphen', (ctx) => publish(ctx, '-leading'), 'validation'],
  ['subdomain with a trailing hyphen', (ctx) => publish(ctx, 'trailing-'), 'validation'],
  ['subdomain with a dot', (ctx) => publish(ctx, 'dot.ted'), 'validation'],
  ['subdomain with a path', (ctx) => publish(ctx, '../etc'), 'validation'],
  ['subdomain with a NUL byte', (ctx) => publish(ctx, 'nul\u0000site'), 'validation'],
  ['subdomain with a space', (ctx) => publish(ctx, 'has space'), 'validation'],
  ['subdomain with an underscore', (ctx) => publish(ctx, 'under_score'), 'validation'],
  ['subdomain that is a number', (ctx) => publish(ctx, 12345), 'validation'],
  // People
  [
    'email with CR/LF (header injection)',
    (ctx) =>
      ctx.gate.requestPublish({
        workspace: ctx.ws,
        subdomain: 'fine-site',
        actor: badActor({ email: 'bob@example.com\r\nBcc: x@evil.test' }),
      }),
    'validation',
  ],
  [
    'email with a bare LF',
    (ctx) => ctx.gate.requestPublish({ workspace: ctx.ws, subdomain: 'fine-site', actor: badActor({ email: 'bob@example.com\nX: y' }) }),
    'validation',
  ],
  [
    'email that is not an address',
    (ctx) => ctx.gate.setTrust({ blueprintId: 'bp-shop', userId: builder2.id, email: 'not-an-email', trusted: true, actor: admin }),
    'validation',
  ],
  ['actor with an unknown role', (ctx) => ctx.gate.approve({ id: ctx.pendingId, actor: badActor({ roles: ['superuser'] }) }), 'validation'],
  ['actor with an extra isAdmin flag', (ctx) => ctx.gate.approve({ id: ctx.pendingId, actor: badActor({ isAdmin: true }) }), 'validation'],
  ['actor without an email', (ctx) => ctx.gate.listRequests({ actor: loose<Actor>({ id: 'x', roles: ['admin'] }) }), 'validation'],
  ['actor id with a space', (ctx) => ctx.gate.listRequests({ actor: badActor({ id: 'bob smith' }) }), 'validation'],
  ['actor id that reads as an option', (ctx) => ctx.gate.listRequests({ actor: badActor({ id: '-u' }) }), 'validation'],
  [
    'workspace id that is a path',
    (ctx) => ctx.gate.requestPublish({ workspace: { ...ctx.ws, id: '../../etc' }, subdomain: 'fine-site', actor: builder }),
    'validation',
  ],
  ['workspace id that is ..', (ctx) => ctx.gate.preview({ workspace: { ...ctx.ws, id: '..' }, actor: builder }), 'validation'],
  [
    'workspace name with terminal escapes',
    (ctx) => ctx.gate.preview({ workspace: { ...ctx.ws, name: 'shop\u001b[31m' }, actor: builder }),
    'validation',
  ],
  [
    'workspace name of 201 characters',
    (ctx) => ctx.gate.preview({ workspace: { ...ctx.ws, name: 'n'.repeat(201) }, actor: builder }),
    'validation',
  ],
  ['request body that pins its own sha', (ctx) => publish(ctx, 'fine-site', { sha: 'a'.repeat(40) }), 'validation'],
  // Free text
  ['10 kB of feedback', (ctx) => ctx.gate.reject({ id: ctx.pendingId, actor: admin, feedback: 'f'.repeat(10_240) }), 'validation'],
  [
    'a 2,001-character approval comment',
    (ctx) => ctx.gate.approve({ id: ctx.pendingId, actor: admin, comment: 'c'.repeat(2_001) }),
    'validation',
  ],
  [
    'feedback with a bell control character',
    (ctx) => ctx.gate.reject({ id: ctx.pendingId, actor: admin, feedback: 'ding\u0007' }),
    'validation',
  ],
  ['a 10 kB note', (ctx) => publish(ctx, 'fine-site', { note: 'n'.repeat(10_240) }), 'validation'],
  ['an idempotency key with a newline', (ctx) => publish(ctx, 'fine-site', { idempotencyKey: 'key\nX-Evil: 1' }), 'validation'],
  // Ids and versions
  ['approving an unknown id', (ctx) => ctx.gate.approve({ id: 'no-such-request', actor: admin }), 'not_found'],
  ['rejecting an unknown id', (ctx) => ctx.gate.reject({ id: 'no-such-request', actor: admin }), 'not_found'],
  ['reading an unknown id', (ctx) => ctx.gate.getRequest({ id: 'no-such-request', actor: admin }), 'not_found'],
  ['retrying an unknown id', (ctx) => ctx.gate.retry({ id: 'no-such-request', actor: admin }), 'not_found'],
  ['a request id that is a path', (ctx) => ctx.gate.getRequest({ id: '../../etc/passwd', actor: admin }), 'validation'],
  ['expectedVersion 0', (ctx) => ctx.gate.approve({ id: ctx.pendingId, actor: admin, expectedVersion: 0 }), 'validation'],
  ['expectedVersion as text', (ctx) => ctx.gate.approve(loose({ id: ctx.pendingId, actor: admin, expectedVersion: 'one' })), 'validation'],
  ['a forged cursor', (ctx) => ctx.gate.listRequests({ actor: admin, cursor: 'eyJub3QiOiJvdXJzIn0' }), 'validation'],
  ['a page size of 1,000', (ctx) => ctx.gate.listRequests({ actor: admin, limit: 1_000 }), 'validation'],
  ['an unknown status filter', (ctx) => ctx.gate.listRequests(loose({ actor: admin, status: 'deleted' })), 'validation'],
  ['a history limit of -1', (ctx) => ctx.gate.history({ actor: admin, limit: -1 }), 'validation'],
  [
    'a trust expiry in the past',
    (ctx) =>
      ctx.gate.setTrust({
        blueprintId: 'bp-shop',
        userId: builder2.id,
        email: builder2.email,
        trusted: true,
        actor: admin,
        expiresAt: '2020-01-01T00:00:00.000Z',
      }),
    'validation',
  ],
  [
    'a trust expiry that is not a timestamp',
    (ctx) =>
      ctx.gate.setTrust({
        blueprintId: 'bp-shop',
        userId: builder2.id,
        email: builder2.email,
        trusted: true,
        actor: admin,
        expiresAt: 'tomorrow',
      }),
    'validation',
  ],
  // Wrong roles and states
  ['a builder approving their own request', (ctx) => ctx.gate.approve({ id: ctx.pendingId, actor: builder }), 'forbidden'],
  ['a builder rejecting their own request', (ctx) => ctx.gate.reject({ id: ctx.pendingId, actor: builder }), 'forbidden'],
  [
    "a builder approving someone else's request (existence not revealed)",
    (ctx) => ctx.gate.approve({ id: ctx.pendingId, actor: builder2 }),
    'not_found',
  ],
  [
    'a builder granting trust',
    (ctx) => ctx.gate.setTrust({ blueprintId: 'bp-shop', userId: builder.id, email: builder.email, trusted: true, actor: builder }),
    'forbidden',
  ],
  ['an admin withdrawing a builder’s pending request', (ctx) => ctx.gate.withdraw({ id: ctx.pendingId, actor: admin }), 'forbidden'],
  [
    'a builder publishing someone else’s workspace',
    (ctx) => ctx.gate.requestPublish({ workspace: workspace2, subdomain: 'fine-site', actor: builder }),
    'forbidden',
  ],
  ['approving a rejected request', (ctx) => ctx.gate.approve({ id: ctx.rejectedId, actor: admin }), 'invalid_transition'],
  ['retrying a pending request', (ctx) => ctx.gate.retry({ id: ctx.pendingId, actor: admin }), 'invalid_transition'],
];

async function prepare(): Promise<Ctx & ReturnType<typeof setup>> {
  const env = setup();
  const { gate, git } = env;
  // A rejected request on another workspace, the builder's own pending one, and a taken subdomain.
  const otherWs: Workspace = { id: 'ws-other', name: 'Other', blueprintId: 'bp-shop', ownerId: builder2.id };
  git.write(otherWs, 'a.txt', 'a\n');
  const rejected = await gate.requestPublish({ workspace: otherWs, subdomain: 'old-site', actor: builder2 });
  await gate.reject({ id: rejected.id, actor: admin, feedback: 'no' });
  git.write(workspace2, 'a.txt', 'a\n');
  await gate.requestPublish({ workspace: workspace2, subdomain: 'taken-site', actor: builder2 });
  git.write(workspace, 'a.txt', 'a\n');
  const pending = await gate.requestPublish({ workspace, subdomain: 'bobs-site', actor: builder });
  // A fresh workspace of the builder's, with changes, for the requestPublish cases.
  const ws: Workspace = { id: 'ws-fresh', name: 'Fresh', blueprintId: 'bp-shop', ownerId: builder.id };
  git.write(ws, 'b.txt', 'b\n');
  await gate.sweep();
  return { ...env, pendingId: pending.id, rejectedId: rejected.id, ws };
}

async function stateOf(env: Awaited<ReturnType<typeof prepare>>) {
  const { storage, git, gitHost, notifier } = env;
  return {
    requests: await storage.listRequests({ filter: {}, limit: 100 }),
    audit: await storage.listAudit({ limit: 1_000 }),
    outbox: await storage.countPendingOutbox(),
    trust: await storage.listTrust({}),
    branches: git.remoteBranches(),
    commits: git.commitCount,
    pulls: gitHost.pullRequests(),
    notifications: notifier.deliveries.length,
  };
}

describe('hostile and malformed input', () => {
  it('the table has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('%s → %s… is refused with a typed error and changes nothing', async (_name, call, code) => {
    const env = await prepare();
    const before = await stateOf(env);
    let caught: unknown;
    try {
      await call(env);
    } catch (error) {
      caught = error;
    }
    expect(PublishGateError.is(caught), `expected PublishGateError(${code}), got ${String(caught)}`).toBe(true);
    expect((caught as PublishGateError).code).toBe(code);
    expect((caught as PublishGateError).message.length).toBeGreaterThan(0);
    await env.gate.sweep();
    expect(await stateOf(env)).toEqual(before);
  });

  it('validation errors name the field but never echo the value', async () => {
    const env = await prepare();
    const secret = 'bob@example.com\r\nBcc: attacker@evil.test';
    const error = await env.gate.requestPublish({ workspace: env.ws, subdomain: 'fine-site', actor: badActor({ email: secret }) }).then(
      () => undefined,
      (caught: unknown) => caught as PublishGateError,
    );
    expect(error).toBeInstanceOf(PublishGateError);
    if (!error) return;
    expect(error.issues?.[0]?.path).toBe('actor.email');
    expect(error.message).not.toContain('attacker');
    expect(JSON.stringify(error.toJSON())).not.toContain('attacker');
  });
});

describe('stated refusals carry the right HTTP status', () => {
  it('maps codes to statuses', () => {
    expect(new PublishGateError('validation', 'x').status).toBe(400);
    expect(new PublishGateError('forbidden', 'x').status).toBe(403);
    expect(new PublishGateError('in_flight', 'x').status).toBe(409);
    expect(new PublishGateError('nothing_to_publish', 'x').status).toBe(422);
    expect(new PublishGateError('port_failed', 'x').status).toBe(502);
  });
});
