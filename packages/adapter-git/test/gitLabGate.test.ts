import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGitLabHost, createSimpleGit, gitLabRemote } from '@publishgate/adapter-git';
import { startGitLabEmulator } from '@publishgate/adapter-git/testing';
import { describe, expect, it } from 'vitest';
import { admin, bob, cleanupsAfterEach, closeChecked, gateOnFixture } from './helpers/gateSetup.js';
import { GITLAB_TOKEN } from './helpers/gitlab.js';
import { startHttpsGitServer } from './helpers/httpsGitServer.js';
import { git } from './helpers/repos.js';

const builder = bob;
const cleanups = cleanupsAfterEach();

/**
 * A GitLab stand-in in two halves over one bare repository: git over https (Basic auth, user
 * `oauth2`) at `acme/sites.git`, and the REST emulator reading its branches from the same repository.
 */
const setup = () =>
  gateOnFixture(cleanups, async (fixture) => {
    const projects = join(fixture.root, 'projects');
    await mkdir(join(projects, 'acme'), { recursive: true });
    await symlink(fixture.remoteDir, join(projects, 'acme', 'sites.git'));
    const server = await startHttpsGitServer(projects, 'oauth2', GITLAB_TOKEN);
    cleanups.push(server.close);
    const emulator = await startGitLabEmulator({ token: GITLAB_TOKEN, projectPath: 'acme/sites', repositoryPath: fixture.remoteDir });
    closeChecked(cleanups, emulator);
    return {
      emulator,
      server,
      git: createSimpleGit({
        resolveWorkspaceDir: () => fixture.workspaceDir,
        ...gitLabRemote({ projectPath: 'acme/sites', token: GITLAB_TOKEN, host: server.url }),
        caFile: server.caFile,
        baseBranch: 'main',
      }),
      gitHost: createGitLabHost({
        token: GITLAB_TOKEN,
        host: emulator.url,
        projectPath: 'acme/sites',
        requestUrl: (id) => `https://portal.example/requests/${id}`,
      }),
    };
  });

describe('a publish gate on the simple-git adapter and the GitLab host (emulated)', () => {
  it('request → approve pushes the pinned sha over https as oauth2 and opens exactly one merge request', async () => {
    const { fixture, emulator, server, gate } = await setup();
    const workspace = { ...fixture.workspace, ownerId: builder.id, name: "Bob's shop" };
    await writeFile(join(fixture.workspaceDir, 'about.html'), '<p>About us</p>\n');

    const request = await gate.requestPublish({ workspace, subdomain: 'bobs-shop', actor: builder });
    expect(request.diff.files.map((file) => file.path)).toEqual(['about.html']);
    const approved = await gate.approve({ id: request.id, actor: admin, comment: 'Looks good' });
    expect(approved.status).toBe('approved');
    const branch = `publish/bobs-shop-${request.id}`;
    expect(await fixture.remoteBranchSha(branch)).toBe(request.sha);

    const mergeRequests = emulator.mergeRequests();
    expect(mergeRequests).toHaveLength(1);
    expect(mergeRequests[0]).toMatchObject({ sourceBranch: branch, targetBranch: 'main', sha: request.sha, state: 'opened' });
    expect(approved.pullRequest).toEqual({ number: mergeRequests[0]?.iid, url: mergeRequests[0]?.webUrl });
    expect(mergeRequests[0]?.description).toContain("Bob's shop");
    expect(mergeRequests[0]?.description).toContain(`https://portal.example/requests/${request.id}`);
    expect(mergeRequests[0]?.description).toContain(`<!-- publishgate:request ${request.id} -->`);

    // Every git request carried the token as oauth2's password, and only there.
    const basic = `Basic ${Buffer.from(`oauth2:${GITLAB_TOKEN}`).toString('base64')}`;
    expect(server.authorizations.length).toBeGreaterThan(0);
    expect(new Set(server.authorizations)).toEqual(new Set([basic]));
  });

  it('a lost answer after the merge request was created: the automatic retry ends approved with one merge request', async () => {
    const { fixture, emulator, gate, clock } = await setup();
    const workspace = { ...fixture.workspace, ownerId: builder.id };
    await writeFile(join(fixture.workspaceDir, 'page.html'), '<p>page</p>\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'flaky-site', actor: builder });
    emulator.failNext({ operation: 'mergeRequests.create', status: 502, afterCreate: true });

    const waiting = await gate.approve({ id: request.id, actor: admin });
    expect(waiting).toMatchObject({ status: 'approving', progress: { step: 'queued', attempt: 1 } });
    expect(waiting.progress?.lastError).toMatch(/502/);
    expect(emulator.mergeRequests()).toHaveLength(1);

    clock.advanceTo(waiting.progress?.nextAttemptAt as string);
    expect((await gate.sweep()).recovered).toBe(1);
    const retried = await gate.getRequest({ id: request.id, actor: admin });
    expect(retried.status).toBe('approved');
    expect(retried.pullRequest?.number).toBe(emulator.mergeRequests()[0]?.iid);
    expect(emulator.mergeRequests()).toHaveLength(1);
    expect(await git(fixture.remoteDir, ['for-each-ref', '--format=%(refname)', 'refs/heads/publish/'])).toBe(
      `refs/heads/publish/flaky-site-${request.id}`,
    );
  });
});

describe('delivery on the emulated GitLab, by polling (controlled clock)', () => {
  const MINUTE = 60_000;
  async function approvedOn(setupResult: Awaited<ReturnType<typeof setup>>) {
    const { fixture, gate, clock } = setupResult;
    const workspace = { ...fixture.workspace, ownerId: builder.id, name: "Bob's shop" };
    await writeFile(join(fixture.workspaceDir, 'about.html'), '<p>About us</p>\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'bobs-shop', actor: builder });
    const approved = await gate.approve({ id: request.id, actor: admin });
    expect(approved.delivery?.state).toBe('pull-request-open');
    const stored = async () => (await gate.getRequest({ id: approved.id, actor: admin })).delivery;
    const later = (ms: number) => clock.advanceTo(new Date(clock.now().getTime() + ms).toISOString());
    return { approved, stored, later };
  }

  it('merged on GitLab → the next sweep records merged with the merge commit; open before that, asked once per poll interval', async () => {
    const ready = await setup();
    const { emulator, gate, fixture } = ready;
    const { approved, stored, later } = await approvedOn(ready);
    const asked = () => emulator.requests().filter((entry) => entry.operation === 'mergeRequests.show').length;

    later(5 * MINUTE);
    expect((await gate.sweep()).deliveriesChecked).toBe(1);
    expect(asked()).toBe(1);
    expect((await stored())?.state).toBe('pull-request-open');

    const mergeSha = await emulator.mergeMergeRequest(approved.pullRequest?.number as number);
    expect(await fixture.remoteBranchSha('main')).toBe(mergeSha);
    // Within the poll interval nothing is asked, so nothing changes yet.
    later(MINUTE);
    await gate.sweep();
    expect(asked()).toBe(1);
    expect((await stored())?.state).toBe('pull-request-open');

    later(4 * MINUTE);
    await gate.sweep();
    expect(asked()).toBe(2);
    expect(await stored()).toMatchObject({ state: 'merged', mergeSha });
  });

  it('squashed and fast-forwarded on GitLab → merged with the squash commit', async () => {
    const ready = await setup();
    const { approved, stored, later } = await approvedOn(ready);
    const mergeSha = await ready.emulator.mergeMergeRequest(approved.pullRequest?.number as number, 'squash');
    later(5 * MINUTE);
    await ready.gate.sweep();
    expect(await stored()).toMatchObject({ state: 'merged', mergeSha });
  });

  it('closed without merging on GitLab → closed-unmerged', async () => {
    const ready = await setup();
    const { approved, stored, later } = await approvedOn(ready);
    ready.emulator.closeMergeRequest(approved.pullRequest?.number as number);
    later(5 * MINUTE);
    await ready.gate.sweep();
    expect((await stored())?.state).toBe('closed-unmerged');
  });
});
