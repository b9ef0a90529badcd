import type { GateEvent } from '@publishgate/core';
import { codeOf } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { admin, builder, builder2, setup, workspace } from '../../helpers';

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
    // submitted (1), approving (2), pushing (3), opening the pull request (4), approved (5).
    expect(approved).toMatchObject({ status: 'approved', version: 5, branch: `publish/bobs-bikes-${request.id}` });
    expect(approved.progress).toBeUndefined();
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
    expect(history.items.map((entry) => entry.type)).toEqual([
      'request.submitted',
      'request.approving',
      'request.progress',
      'request.progress',
      'request.approved',
    ]);
    expect(history.items.map((entry) => (entry.data.progress as { step?: string } | undefined)?.step)).toEqual([
      undefined,
      'queued',
      'pushing',
      'opening-pull-request',
      undefined,
    ]);
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

  it('a push failure that cannot heal → failed at once → admin retry → approved, with still exactly one branch and one pull request', async () => {
    const { gate, git, gitHost, notifier } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'flaky-remote', actor: builder });
    git.failNext('push', Object.assign(new Error('remote hung up unexpectedly'), { retryable: false }));
    const failed = await gate.approve({ id: request.id, actor: admin });
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'port_failed', retryable: false, attempts: 1 } });
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

  it('a pull request created but answered with an error: the automatic retry finds it and creates no second one', async () => {
    const { gate, git, gitHost, clock } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'lost-answer', actor: builder });
    gitHost.failNext(new Error('502 Bad Gateway'), { afterCreate: true });
    const waiting = await gate.approve({ id: request.id, actor: admin });
    expect(waiting).toMatchObject({ status: 'approving', progress: { step: 'queued', attempt: 1 } });
    expect(waiting.progress?.lastError).toContain('502 Bad Gateway');
    expect(gitHost.pullRequests()).toHaveLength(1);
    clock.advance(Date.parse(waiting.progress?.nextAttemptAt as string) - clock.now().getTime());
    expect((await gate.sweep()).recovered).toBe(1);
    const approved = await gate.getRequest({ id: request.id, actor: admin });
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

describe('approve, reject, withdraw and retry: one command path', () => {
  const commands = [
    ['approve', 'approval', builder2],
    ['reject', 'rejection', builder2],
    ['withdraw', 'withdrawal', builder2],
    ['retry', 'retry', builder2],
  ] as const;

  async function pendingRequest() {
    const world = setup();
    world.git.write(workspace, 'a.txt', 'a\n');
    const request = await world.gate.requestPublish({ workspace, subdomain: 'one-path', actor: builder });
    const actor = (command: string) => (command === 'withdraw' ? builder : admin);
    const snapshot = async () => ({
      request: await world.storage.getRequest({ id: request.id }),
      history: (await world.gate.history({ actor: admin })).items.length,
    });
    return { ...world, request, actor, snapshot };
  }

  it.each(commands)('%s with a stale expectedVersion is a conflict and changes nothing', async (command) => {
    const { gate, request, actor, snapshot } = await pendingRequest();
    const before = await snapshot();
    const stale = gate[command]({ id: request.id, actor: actor(command), expectedVersion: request.version + 1 });
    expect(await codeOf(stale)).toBe('conflict');
    expect(await snapshot()).toEqual(before);
  });

  it.each(commands)('%s of a request the actor cannot see is not_found, and of an unknown id too', async (command, _what, stranger) => {
    const { gate, request, actor, snapshot } = await pendingRequest();
    const before = await snapshot();
    expect(await codeOf(gate[command]({ id: request.id, actor: stranger }))).toBe('not_found');
    expect(await codeOf(gate[command]({ id: 'no-such-request', actor: actor(command) }))).toBe('not_found');
    expect(await snapshot()).toEqual(before);
  });

  it.each(commands)('%s with malformed input is a validation error naming the command', async (command, what) => {
    const { gate, actor } = await pendingRequest();
    const call = gate[command] as (input: unknown) => Promise<unknown>;
    const error = await call({ id: '', actor: actor(command) }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'validation' });
    expect((error as Error).message).toMatch(new RegExp(`^Invalid ${what}: id`));
  });
});
