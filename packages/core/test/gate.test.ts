import { createMemoryStorage, type GateEvent } from '@publishgate/core';
import { codeOf } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { admin, admin2, builder, builder2, setup, workspace, workspace2 } from './helpers';

describe('publish and approve', () => {
  it('full approve flow: the pinned commit is pushed, one pull request opens, the builder is notified', async () => {
    const { gate, git, gitHost, notifier, storage } = setup();
    git.write(workspace, 'index.html', '<h1>Bob sells bikes</h1>\n');
    const preview = await gate.preview({ workspace, actor: builder });
    expect(preview.publishable).toBe(true);
    expect(preview.diff.files.map((file) => file.path)).toEqual(['index.html']);
    expect(preview.suggestedSubdomain).toBe('bob-s-shop');

    const request = await gate.requestPublish({ workspace, subdomain: 'Bobs-Bikes', actor: builder, note: 'First version' });
    expect(request).toMatchObject({
      status: 'pending',
      version: 1,
      subdomain: 'bobs-bikes',
      builder: { id: builder.id, email: builder.email },
    });
    expect(request.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(git.filesAt(request.sha)?.['index.html']).toBe('<h1>Bob sells bikes</h1>\n');

    // The builder keeps working; the pending request still publishes the pinned commit.
    git.write(workspace, 'index.html', '<h1>Unfinished edit</h1>\n');

    const queue = await gate.listRequests({ actor: admin, status: 'pending' });
    expect(queue.items.map((item) => item.id)).toEqual([request.id]);
    const [queued] = queue.items;
    expect(queued?.workspace.name).toBe("Bob's shop");
    expect(queued?.builder.email).toBe('bob@example.com');
    expect(queued?.diff.patch).toContain('+<h1>Bob sells bikes</h1>');
    await gate.sweep();
    expect(notifier.notifications.map((note) => [note.type, note.to])).toEqual([['request.submitted', { role: 'admin' }]]);

    const approved = await gate.approve({ id: request.id, actor: admin, comment: 'Looks good' });
    expect(approved).toMatchObject({ status: 'approved', version: 3, branch: `publish/bobs-bikes-${request.id}` });
    expect(approved.decision).toMatchObject({ kind: 'approved', by: { id: admin.id, email: admin.email }, comment: 'Looks good' });
    expect(git.remoteBranch(approved.branch as string)).toBe(request.sha);
    expect(gitHost.pullRequests()).toHaveLength(1);
    expect(approved.pullRequest).toEqual({ number: 1, url: gitHost.pullRequests()[0]?.url });

    await gate.sweep();
    const toBuilder = notifier.to(builder.id);
    expect(toBuilder.map((note) => note.type)).toEqual(['request.approved']);
    expect(toBuilder[0]?.data).toMatchObject({ subdomain: 'bobs-bikes', pullRequestUrl: approved.pullRequest?.url });
    expect(await storage.getPublication({ workspaceId: workspace.id })).toMatchObject({ subdomain: 'bobs-bikes', sha: request.sha });

    const history = await gate.history({ actor: admin, requestId: request.id });
    expect(history.items.map((entry) => entry.type)).toEqual(['request.submitted', 'request.approving', 'request.approved']);
  });

  it('events are emitted only after the change is stored', async () => {
    const { gate, git, storage } = setup();
    const seen: Array<{ type: string; storedStatus: string | undefined }> = [];
    const pending: Promise<void>[] = [];
    gate.events.on('*', (type, event: GateEvent) => {
      pending.push(
        storage.getRequest({ id: event.requestId as string }).then((stored) => {
          seen.push({ type, storedStatus: stored?.status });
        }),
      );
    });
    git.write(workspace, 'a.txt', 'a\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'events-site', actor: builder });
    await gate.reject({ id: request.id, actor: admin, feedback: 'no' });
    await Promise.all(pending);
    expect(seen).toEqual([
      // The memory storage reads synchronously, so each read sees the state at emit time.
      { type: 'request.submitted', storedStatus: 'pending' },
      { type: 'request.rejected', storedStatus: 'rejected' },
    ]);
  });
});

describe('change signals and the default clock', () => {
  it('onChange fires once per stored change while events carry every audit entry', async () => {
    // Without watchAudit, so only this gate's own signal is counted.
    const { watchAudit: _watch, ...storage } = createMemoryStorage();
    const { gate, git } = setup({ storage });
    await gate.setTrust({ blueprintId: workspace.blueprintId, userId: builder.id, email: builder.email, trusted: true, actor: admin });
    const changes: number[] = [];
    const types: string[] = [];
    gate.onChange(() => changes.push(types.length));
    gate.events.on('*', (type) => types.push(type));
    git.write(workspace, 'index.html', '<h1>Trusted</h1>\n');
    // A trusted submit stores one change with two entries (submitted, approving), then the outcome.
    const request = await gate.requestPublish({ workspace, subdomain: 'trusted-site', actor: builder });
    expect(request.status).toBe('approved');
    expect(types).toEqual(['request.submitted', 'request.approving', 'request.approved']);
    expect(changes).toEqual([2, 3]);
  });

  it('without a clock option, stored timestamps are the current time in ISO-8601 UTC', async () => {
    const { gate, git } = setup({ clock: undefined });
    git.write(workspace, 'index.html', '<h1>Now</h1>\n');
    const before = Date.now();
    const request = await gate.requestPublish({ workspace, subdomain: 'right-now', actor: builder });
    const after = Date.now();
    expect(request.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(request.createdAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(request.createdAt)).toBeLessThanOrEqual(after);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const approved = await gate.approve({ id: request.id, actor: admin });
    expect(Date.parse(approved.updatedAt)).toBeGreaterThan(Date.parse(request.createdAt));
  });
});

describe('pull request text', () => {
  it('carries the request details and a link back, with user text escaped', async () => {
    const weird = { ...workspace, name: 'Shop | <b>bold</b> @team' };
    const { gate, git, gitHost, notifier } = setup({ requestUrl: (request) => `https://portal.example/requests/${request.id}` });
    git.write(weird, 'a.txt', 'a\n');
    const request = await gate.requestPublish({ workspace: weird, subdomain: 'pr-text', actor: builder });
    await gate.approve({ id: request.id, actor: admin });
    const [pull] = gitHost.pullRequests();
    expect(pull?.body).toContain(`[Open in the portal](https://portal.example/requests/${request.id})`);
    expect(pull?.body).toContain('approved by ada@\u200bexample.com');
    expect(pull?.body).toContain('Shop \\| \\<b\\>bold\\</b\\> @\u200bteam');
    expect(pull?.body).toContain(`| Commit | \`${request.sha}\` |`);
    expect(pull?.title).toBe('Publish Shop | <b>bold</b> @team to pr-text');
    await gate.sweep();
    expect(notifier.to(builder.id)[0]?.data.requestUrl).toBe(`https://portal.example/requests/${request.id}`);
  });
});

describe('pull request text, reviewer comment', () => {
  it('a multi-line comment with Markdown and mentions stays on one escaped line', async () => {
    const { gate, git, gitHost } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'comment-text', actor: builder });
    await gate.approve({ id: request.id, actor: admin, comment: 'ok\r\nship *it*\n| @ops `now`\rdone' });
    const [pull] = gitHost.pullRequests();
    expect(pull?.body).toContain('ok ship \\*it\\* \\| @\u200bops \\`now\\`\rdone');
  });
});

describe('reject and resubmit', () => {
  it('reject with feedback: the builder sees it and can submit a new request', async () => {
    const { gate, git, notifier } = setup();
    git.write(workspace, 'index.html', '<h1>Draft</h1>\n');
    const first = await gate.requestPublish({ workspace, subdomain: 'bobs-shop', actor: builder });
    const rejected = await gate.reject({ id: first.id, actor: admin, feedback: 'Please add a contact page.' });
    expect(rejected).toMatchObject({ status: 'rejected', decision: { kind: 'rejected', feedback: 'Please add a contact page.' } });

    const mine = await gate.listRequests({ actor: builder, workspaceId: workspace.id });
    expect(mine.items[0]?.decision?.feedback).toBe('Please add a contact page.');
    await gate.sweep();
    expect(notifier.to(builder.id).map((note) => [note.type, note.data.feedback])).toEqual([
      ['request.rejected', 'Please add a contact page.'],
    ]);

    // The dialog offers the name they asked for last time.
    expect((await gate.preview({ workspace, actor: builder })).suggestedSubdomain).toBe('bobs-shop');
    git.write(workspace, 'contact.html', '<p>mail us</p>\n');
    const second = await gate.requestPublish({ workspace, subdomain: 'bobs-shop', actor: builder });
    expect(second.status).toBe('pending');
    expect(second.id).not.toBe(first.id);
    expect(second.diff.files.map((file) => file.path).sort()).toEqual(['contact.html', 'index.html']);
  });
});

describe('trust', () => {
  it('a trusted builder is auto-approved; after revocation requests wait for review again', async () => {
    const { gate, git, gitHost, notifier } = setup();
    await gate.setTrust({ blueprintId: workspace.blueprintId, userId: builder.id, email: builder.email, trusted: true, actor: admin });
    const listed = await gate.listTrust({ actor: admin });
    expect(listed).toEqual([
      expect.objectContaining({ userId: builder.id, grantedBy: { id: admin.id, email: admin.email }, active: true, reviewDue: false }),
    ]);

    git.write(workspace, 'index.html', 'v1\n');
    const auto = await gate.requestPublish({ workspace, subdomain: 'trusted-site', actor: builder });
    expect(auto).toMatchObject({ status: 'approved', decision: { kind: 'approved', by: { trust: true } } });
    expect(gitHost.pullRequests()).toHaveLength(1);
    await gate.sweep();
    // Admins are not asked to review an auto-approved request.
    expect(notifier.notifications.filter((note) => note.type === 'request.submitted')).toHaveLength(0);

    await gate.setTrust({ blueprintId: workspace.blueprintId, userId: builder.id, email: builder.email, trusted: false, actor: admin });
    expect(await gate.listTrust({ actor: admin })).toEqual([]);
    git.write(workspace, 'index.html', 'v2\n');
    const manual = await gate.requestPublish({ workspace, subdomain: 'trusted-site', actor: builder });
    expect(manual.status).toBe('pending');
    const trustHistory = (await gate.history({ actor: admin })).items.filter((entry) => entry.type.startsWith('trust.'));
    expect(trustHistory.map((entry) => [entry.type, entry.builderId])).toEqual([
      ['trust.granted', builder.id],
      ['trust.revoked', builder.id],
    ]);
  });

  it('trust is per blueprint', async () => {
    const { gate, git } = setup();
    await gate.setTrust({ blueprintId: 'bp-other', userId: builder.id, email: builder.email, trusted: true, actor: admin });
    git.write(workspace, 'index.html', 'v1\n');
    expect((await gate.requestPublish({ workspace, subdomain: 'per-blueprint', actor: builder })).status).toBe('pending');
  });

  it('an expired grant no longer auto-approves and is flagged for review', async () => {
    const { gate, git, clock } = setup();
    const expiresAt = new Date(clock.now().getTime() + 3_600_000).toISOString();
    await gate.setTrust({
      blueprintId: workspace.blueprintId,
      userId: builder.id,
      email: builder.email,
      trusted: true,
      actor: admin,
      expiresAt,
    });
    expect((await gate.listTrust({ actor: admin }))[0]).toMatchObject({ active: true, reviewDue: true });
    clock.advance(2 * 3_600_000);
    expect((await gate.listTrust({ actor: admin }))[0]).toMatchObject({ active: false, reviewDue: true });
    git.write(workspace, 'index.html', 'v1\n');
    expect((await gate.requestPublish({ workspace, subdomain: 'expired-trust', actor: builder })).status).toBe('pending');
  });

  it('a trusted builder whose diff holds a likely secret waits for a human, flagged', async () => {
    const { gate, git, notifier } = setup();
    await gate.setTrust({ blueprintId: workspace.blueprintId, userId: builder.id, email: builder.email, trusted: true, actor: admin });
    git.write(workspace, 'config.js', `export const key = "AKIA${'ABCDEFGHIJKLMNOP'}";\n`);
    const request = await gate.requestPublish({ workspace, subdomain: 'leaky-site', actor: builder });
    expect(request.status).toBe('pending');
    expect(request.findings).toEqual([expect.objectContaining({ kind: 'secret', path: 'config.js', line: 1 })]);
    await gate.sweep();
    const submitted = notifier.notifications.find((note) => note.type === 'request.submitted');
    expect(submitted?.data).toMatchObject({ heldForReview: 'secret-finding', trusted: true });
  });

  it('an admin cannot trust themselves', async () => {
    const { gate } = setup();
    expect(await codeOf(gate.setTrust({ blueprintId: 'bp-shop', userId: admin.id, email: admin.email, trusted: true, actor: admin }))).toBe(
      'forbidden',
    );
    expect(await gate.listTrust({ actor: admin })).toEqual([]);
  });
});

describe('refusals', () => {
  it('self-review is refused unless the policy allows it', async () => {
    const adminWorkspace = { ...workspace, id: 'ws-admin', ownerId: admin.id };
    const strict = setup();
    strict.git.write(adminWorkspace, 'a.txt', 'a\n');
    const own = await strict.gate.requestPublish({ workspace: adminWorkspace, subdomain: 'admin-site', actor: admin });
    expect(await codeOf(strict.gate.approve({ id: own.id, actor: admin }))).toBe('forbidden');
    expect(await codeOf(strict.gate.reject({ id: own.id, actor: admin }))).toBe('forbidden');
    expect((await strict.gate.getRequest({ id: own.id, actor: admin })).status).toBe('pending');
    expect((await strict.gate.approve({ id: own.id, actor: admin2 })).status).toBe('approved');

    const lenient = setup({ policy: { allowSelfReview: true } });
    lenient.git.write(adminWorkspace, 'a.txt', 'a\n');
    const mine = await lenient.gate.requestPublish({ workspace: adminWorkspace, subdomain: 'admin-site', actor: admin });
    expect((await lenient.gate.approve({ id: mine.id, actor: admin })).status).toBe('approved');
  });

  it("a builder acting on another's workspace or request is refused and nothing changes", async () => {
    const { gate, git, storage } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    expect(await codeOf(gate.requestPublish({ workspace, subdomain: 'not-mine', actor: builder2 }))).toBe('forbidden');
    expect(await codeOf(gate.preview({ workspace, actor: builder2 }))).toBe('forbidden');
    expect(await storage.listRequests({ filter: {}, limit: 10 })).toEqual([]);
    // Refused before anything was committed in the workspace.
    expect(git.remoteBranches()).toEqual({});

    const request = await gate.requestPublish({ workspace, subdomain: 'mine-only', actor: builder });
    expect(await codeOf(gate.getRequest({ id: request.id, actor: builder2 }))).toBe('not_found');
    expect(await codeOf(gate.withdraw({ id: request.id, actor: builder2 }))).toBe('not_found');
    expect(await codeOf(gate.approve({ id: request.id, actor: builder2 }))).toBe('not_found');
    expect(await codeOf(gate.approve({ id: request.id, actor: builder }))).toBe('forbidden');
    expect((await gate.listRequests({ actor: builder2 })).items).toEqual([]);
    expect(await codeOf(gate.listRequests({ actor: builder2, builderId: builder.id }))).toBe('forbidden');
    expect(await storage.getRequest({ id: request.id })).toEqual(request);
  });

  it('a second request while one is in flight is refused with in_flight', async () => {
    const { gate, git } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    const first = await gate.requestPublish({ workspace, subdomain: 'first-one', actor: builder });
    git.write(workspace, 'b.txt', 'b\n');
    expect(await codeOf(gate.requestPublish({ workspace, subdomain: 'first-one', actor: builder }))).toBe('in_flight');
    const preview = await gate.preview({ workspace, actor: builder });
    expect(preview).toMatchObject({ publishable: false, blockedBy: 'in_flight', inFlight: { id: first.id } });
  });

  it('a subdomain owned by another workspace is refused; the check explains and suggests', async () => {
    const { gate, git } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    await gate.requestPublish({ workspace, subdomain: 'popular', actor: builder });
    git.write(workspace2, 'a.txt', 'a\n');
    expect(await codeOf(gate.requestPublish({ workspace: workspace2, subdomain: 'POPULAR', actor: builder2 }))).toBe(
      'subdomain_unavailable',
    );
    const check = await gate.checkSubdomain({ subdomain: 'Popular', workspaceId: workspace2.id });
    expect(check).toMatchObject({ available: false, reason: 'taken' });
    if (check.available) throw new Error('unreachable');
    expect(check.suggestions.length).toBeGreaterThan(0);
    for (const suggestion of check.suggestions) {
      expect(await gate.checkSubdomain({ subdomain: suggestion, workspaceId: workspace2.id })).toEqual({
        available: true,
        normalized: suggestion,
      });
    }
    expect(await gate.checkSubdomain({ subdomain: 'popular', workspaceId: workspace.id })).toEqual({
      available: true,
      normalized: 'popular',
    });
    expect(await gate.checkSubdomain({ subdomain: 'admin' })).toMatchObject({ available: false, reason: 'reserved' });
    expect(await gate.checkSubdomain({ subdomain: 'a--b' })).toMatchObject({ available: false, reason: 'invalid' });
  });

  it('nothing to publish is refused and the preview says why', async () => {
    const { gate } = setup();
    expect(await gate.preview({ workspace, actor: builder })).toMatchObject({ publishable: false, blockedBy: 'nothing_to_publish' });
    expect(await codeOf(gate.requestPublish({ workspace, subdomain: 'empty-site', actor: builder }))).toBe('nothing_to_publish');
  });
});

describe('withdraw, expiry, retry', () => {
  it('the owner withdraws a pending request and can submit again', async () => {
    const { gate, git } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'withdrawn-site', actor: builder });
    expect((await gate.withdraw({ id: request.id, actor: builder })).status).toBe('withdrawn');
    expect(await codeOf(gate.approve({ id: request.id, actor: admin }))).toBe('invalid_transition');
    expect((await gate.requestPublish({ workspace, subdomain: 'withdrawn-site', actor: builder })).status).toBe('pending');
  });

  it('sweep() expires pending requests past their deadline and notifies the builder', async () => {
    const { gate, git, clock, notifier } = setup({ policy: { pendingTtlMs: 60_000 } });
    git.write(workspace, 'a.txt', 'a\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'slow-review', actor: builder });
    expect(request.expiresAt).toBe(new Date(clock.now().getTime() + 60_000).toISOString());
    clock.advance(59_000);
    expect((await gate.sweep()).expired).toBe(0);
    clock.advance(1_000);
    expect((await gate.sweep()).expired).toBe(1);
    expect((await gate.getRequest({ id: request.id, actor: builder })).status).toBe('expired');
    expect(notifier.to(builder.id).map((note) => note.type)).toEqual(['request.expired']);
    expect(await codeOf(gate.approve({ id: request.id, actor: admin }))).toBe('invalid_transition');
  });

  it('push failure → failed → retry → approved, with still exactly one branch and one pull request', async () => {
    const { gate, git, gitHost, notifier } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'flaky-remote', actor: builder });
    git.failNext('push', new Error('remote hung up unexpectedly'));
    const failed = await gate.approve({ id: request.id, actor: admin });
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'port_failed' } });
    expect(failed.error?.message).toContain('remote hung up');
    expect(gitHost.pullRequests()).toHaveLength(0);
    await gate.sweep();
    expect(notifier.notifications.filter((note) => note.type === 'request.failed').map((note) => note.to)).toEqual([{ role: 'admin' }]);

    expect(await codeOf(gate.retry({ id: request.id, actor: builder }))).toBe('forbidden');
    const approved = await gate.retry({ id: request.id, actor: admin });
    expect(approved).toMatchObject({ status: 'approved', attempts: 2 });
    expect(approved.error).toBeUndefined();
    expect(Object.keys(git.remoteBranches())).toEqual([approved.branch]);
    expect(gitHost.pullRequests()).toHaveLength(1);
  });

  it('a pull request created but answered with an error: retry finds it and creates no second one', async () => {
    const { gate, git, gitHost } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'lost-answer', actor: builder });
    gitHost.failNext(new Error('502 Bad Gateway'), { afterCreate: true });
    expect((await gate.approve({ id: request.id, actor: admin })).status).toBe('failed');
    expect(gitHost.pullRequests()).toHaveLength(1);
    const approved = await gate.retry({ id: request.id, actor: admin });
    expect(approved.status).toBe('approved');
    expect(gitHost.pullRequests()).toHaveLength(1);
    expect(git.pushCount).toBe(1);
  });

  it('a notifier failure never undoes a decision; the outbox delivers it later', async () => {
    const { gate, git, notifier, storage, clock } = setup();
    notifier.goDown();
    git.write(workspace, 'a.txt', 'a\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'quiet-site', actor: builder });
    const approved = await gate.approve({ id: request.id, actor: admin });
    expect(approved.status).toBe('approved');
    const down = await gate.sweep();
    expect(down.delivered).toBe(0);
    expect(await storage.countPendingOutbox()).toBe(2);
    notifier.recover();
    // Failed rows wait for their backoff; a later sweep delivers them.
    expect((await gate.sweep()).delivered).toBe(0);
    clock.advance(60_000);
    expect((await gate.sweep()).delivered).toBe(2);
    expect(await storage.countPendingOutbox()).toBe(0);
    expect(notifier.notifications.map((note) => note.type).sort()).toEqual(['request.approved', 'request.submitted']);
    expect((await gate.getRequest({ id: request.id, actor: admin })).status).toBe('approved');
  });
});
