import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGitHubHost, createSimpleGit } from '@publishgate/adapter-git';
import { startGitHubEmulator } from '@publishgate/adapter-git/testing';
import { describe, expect, it } from 'vitest';
import { admin, bob, cleanupsAfterEach, closeChecked, gateOnFixture } from './helpers/gateSetup.js';
import { hostOptionsFor, SECOND_MS, TOKEN } from './helpers/github.js';
import { git } from './helpers/repos.js';

const builder = bob;
const cleanups = cleanupsAfterEach();

const setup = () =>
  gateOnFixture(cleanups, async (fixture) => {
    // The emulator reads branches from the same bare repository the adapter pushes to.
    const emulator = await startGitHubEmulator({ token: TOKEN, secondMs: SECOND_MS, repositoryPath: fixture.remoteDir });
    closeChecked(cleanups, emulator);
    return {
      emulator,
      git: createSimpleGit({ resolveWorkspaceDir: () => fixture.workspaceDir, remote: `file://${fixture.remoteDir}`, baseBranch: 'main' }),
      gitHost: createGitHubHost(
        hostOptionsFor(emulator, { baseBranch: 'main', requestUrl: (id) => `https://portal.example/requests/${id}` }),
      ),
    };
  });

describe('a publish gate on the simple-git adapter and the GitHub host (emulated)', () => {
  it('a resubmission after a rejection carries sincePrevious: only the changes made after the rejection, with its feedback', async () => {
    const { fixture, gate, clock } = await setup();
    const workspace = { ...fixture.workspace, ownerId: builder.id, name: "Bob's shop" };
    await writeFile(join(fixture.workspaceDir, 'about.html'), '<p>About us</p>\n');
    await writeFile(join(fixture.workspaceDir, 'debug.html'), '<p>debug</p>\n');
    const first = await gate.requestPublish({ workspace, subdomain: 'bobs-shop', actor: builder });
    expect(first.previousRequestId).toBeUndefined();
    await gate.reject({ id: first.id, actor: admin, feedback: 'Remove the debug page, and say who you are.' });

    clock.advanceTo('2026-06-01T10:00:00.000Z');
    await writeFile(join(fixture.workspaceDir, 'about.html'), '<p>About Bob</p>\n');
    await git(fixture.workspaceDir, ['rm', '--quiet', 'debug.html']);
    const second = await gate.requestPublish({ workspace, subdomain: 'bobs-shop', actor: builder });
    // The full diff is still against the blueprint; sincePrevious is between the two pinned commits.
    expect(second.diff.files.map((file) => file.path)).toEqual(['about.html']);
    expect(second.previousRequestId).toBe(first.id);
    expect(second.sincePrevious).toMatchObject({
      requestId: first.id,
      status: 'rejected',
      sha: first.sha,
      feedback: 'Remove the debug page, and say who you are.',
      by: { id: admin.id, email: admin.email },
    });
    const since = second.sincePrevious?.diff;
    expect(since?.files.map((file) => [file.path, file.status])).toEqual([
      ['about.html', 'modified'],
      ['debug.html', 'deleted'],
    ]);
    expect(since?.patch).toContain('-<p>About us</p>');
    expect(since?.patch).toContain('+<p>About Bob</p>');
    expect((await gate.getRequest({ id: second.id, actor: admin })).sincePrevious).toEqual(second.sincePrevious);

    // Withdrawn, then one page added: that page is all that changed since, and there is no feedback.
    await gate.withdraw({ id: second.id, actor: builder });
    clock.advanceTo('2026-06-01T11:00:00.000Z');
    await writeFile(join(fixture.workspaceDir, 'contact.html'), '<p>Call Bob</p>\n');
    const third = await gate.requestPublish({ workspace, subdomain: 'bobs-shop', actor: builder });
    expect(third.sincePrevious).toMatchObject({ requestId: second.id, status: 'withdrawn', by: { id: builder.id } });
    expect(third.sincePrevious?.feedback).toBeUndefined();
    expect(third.sincePrevious?.diff.files.map((file) => file.path)).toEqual(['contact.html']);
  });

  it('request → approve puts the pinned sha on a new branch and opens exactly one pull request', async () => {
    const { fixture, emulator, gate } = await setup();
    const workspace = { ...fixture.workspace, ownerId: builder.id, name: "Bob's shop" };
    await writeFile(join(fixture.workspaceDir, 'about.html'), '<p>About us</p>\n');

    const preview = await gate.preview({ workspace, actor: builder });
    expect(preview.diff.files.map((file) => file.path)).toEqual(['about.html']);
    const request = await gate.requestPublish({ workspace, subdomain: 'bobs-shop', actor: builder });
    expect(request.status).toBe('pending');
    expect(request.diff.files.map((file) => file.path)).toEqual(['about.html']);

    // The builder keeps working; the request stays pinned.
    await writeFile(join(fixture.workspaceDir, 'later.html'), '<p>Later</p>\n');

    const approved = await gate.approve({ id: request.id, actor: admin, comment: 'Looks good' });
    expect(approved.status).toBe('approved');
    const branch = `publish/bobs-shop-${request.id}`;
    expect(approved.branch).toBe(branch);
    expect(await fixture.remoteBranchSha(branch)).toBe(request.sha);
    expect(await git(fixture.remoteDir, ['ls-tree', '--name-only', request.sha])).not.toContain('later.html');

    const pulls = emulator.pulls();
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ head: branch, base: 'main', headSha: request.sha, state: 'open' });
    expect(approved.pullRequest).toEqual({ number: pulls[0]?.number, url: pulls[0]?.url });
    expect(pulls[0]?.body).toContain("Bob's shop");
    // Core escapes user text in the table (a zero-width space after @ keeps e-mails from pinging anyone).
    expect(pulls[0]?.body).toContain('bob@\u200bexample.com');
    // Emails in the body are defused (a zero-width space after @) so GitHub does not link or ping them.
    expect(pulls[0]?.body).toContain('ada@\u200bexample.com');
    expect(pulls[0]?.body).toContain(`https://portal.example/requests/${request.id}`);
  });

  // The adapter no longer retries the 502 itself; until the gate retries publishes automatically,
  // the admin's retry is what repeats the call.
  it('a 502 after the pull request was created: the automatic retry of the gate ends approved with that one pull request', async () => {
    const { fixture, emulator, gate, clock } = await setup();
    const workspace = { ...fixture.workspace, ownerId: builder.id };
    await writeFile(join(fixture.workspaceDir, 'page.html'), '<p>page</p>\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'flaky-site', actor: builder });
    emulator.failNext({ operation: 'pulls.create', status: 502, afterCreate: true });
    const waiting = await gate.approve({ id: request.id, actor: admin });
    expect(waiting).toMatchObject({ status: 'approving', progress: { step: 'queued', attempt: 1 } });
    expect(waiting.progress?.lastError).toMatch(/502/);
    clock.advanceTo(waiting.progress?.nextAttemptAt as string);
    expect((await gate.sweep()).recovered).toBe(1);
    const approved = await gate.getRequest({ id: request.id, actor: admin });
    expect(approved.status).toBe('approved');
    expect(approved.pullRequest?.number).toBe(1);
    expect(emulator.pulls()).toHaveLength(1);
  });

  it('a failed pull request is retried without a second branch or pull request', async () => {
    const { fixture, emulator, gate } = await setup();
    const workspace = { ...fixture.workspace, ownerId: builder.id };
    await writeFile(join(fixture.workspaceDir, 'page.html'), '<p>page</p>\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'retry-site', actor: builder });
    emulator.failNext({ operation: 'pulls.create', status: 401 });
    const failed = await gate.approve({ id: request.id, actor: admin });
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('port_failed');
    const branch = `publish/retry-site-${request.id}`;
    expect(await fixture.remoteBranchSha(branch)).toBe(request.sha);

    const retried = await gate.retry({ id: request.id, actor: admin });
    expect(retried.status).toBe('approved');
    expect(emulator.pulls()).toHaveLength(1);
    expect(await git(fixture.remoteDir, ['for-each-ref', '--format=%(refname)', 'refs/heads/publish/'])).toBe(`refs/heads/${branch}`);
  });
});
