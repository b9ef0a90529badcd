import { createGitLabHost, type GitLabClient } from '@publishgate/adapter-git';
import { createManualClock, type GitLabEmulator, routeGitLabEmulators } from '@publishgate/adapter-git/testing';
import { PublishGateError, type Workspace } from '@publishgate/core';
import { describe, expect, it } from 'vitest';
import {
  failure,
  GITLAB_TOKEN,
  type GitLabConnection,
  gitLabApi,
  gitLabEmulatorsClosedAfterEach,
  gitLabHostOptions,
} from './helpers/gitlab.js';

const start = gitLabEmulatorsClosedAfterEach();

/** An open merge request from `branch` on the emulator, opened through the host. */
async function opened(emulator: GitLabEmulator, host: ReturnType<typeof createGitLabHost>, branch = 'publish/site-1') {
  emulator.setBranch(branch);
  return host.openPullRequest({ branch, title: `Publish ${branch}`, body: 'Changes', requestId: 'req-1' });
}

const shows = (emulator: GitLabEmulator) => emulator.requests().filter((request) => request.operation === 'mergeRequests.show');

describe.each<GitLabConnection>(['token', 'gitlab'])('createGitLabHost().getPullRequest over %s', (connection) => {
  it('an opened merge request is open and not merged, with one GET of the merge request', async () => {
    const emulator = await start();
    const host = createGitLabHost(gitLabHostOptions(emulator, connection));
    const { number } = await opened(emulator, host);
    expect(await host.getPullRequest?.({ number })).toEqual({ state: 'open', merged: false });
    expect(shows(emulator)).toEqual([
      {
        method: 'GET',
        path: `/api/v4/projects/${encodeURIComponent(emulator.projectPath)}/merge_requests/${number}`,
        operation: 'mergeRequests.show',
        status: 200,
      },
    ]);
  });

  it('merged with a merge commit: closed, merged, mergeSha is merge_commit_sha', async () => {
    const emulator = await start();
    const host = createGitLabHost(gitLabHostOptions(emulator, connection));
    const { number } = await opened(emulator, host);
    const landed = await emulator.mergeMergeRequest(number);
    expect(emulator.mergeRequests()[0]?.mergeCommitSha).toBe(landed);
    expect(await host.getPullRequest?.({ number })).toEqual({ state: 'closed', merged: true, mergeSha: landed });
  });

  it('merged with squash and fast-forward (no merge commit): mergeSha is squash_commit_sha', async () => {
    const emulator = await start();
    const host = createGitLabHost(gitLabHostOptions(emulator, connection));
    const { number } = await opened(emulator, host);
    const landed = await emulator.mergeMergeRequest(number, 'squash');
    expect(emulator.mergeRequests()[0]).toMatchObject({ squash: true, squashCommitSha: landed });
    expect(emulator.mergeRequests()[0]?.mergeCommitSha).toBeUndefined();
    expect(await host.getPullRequest?.({ number })).toEqual({ state: 'closed', merged: true, mergeSha: landed });
  });

  it('merged by a plain fast-forward: mergeSha is the head sha', async () => {
    const emulator = await start();
    const host = createGitLabHost(gitLabHostOptions(emulator, connection));
    const { number } = await opened(emulator, host);
    const head = emulator.mergeRequests()[0]?.sha;
    expect(await emulator.mergeMergeRequest(number, 'fast-forward')).toBe(head);
    expect(await host.getPullRequest?.({ number })).toEqual({ state: 'closed', merged: true, mergeSha: head });
  });

  it('closed without merging: closed, not merged, no mergeSha', async () => {
    const emulator = await start();
    const host = createGitLabHost(gitLabHostOptions(emulator, connection));
    const { number } = await opened(emulator, host);
    emulator.closeMergeRequest(number);
    expect(await host.getPullRequest?.({ number })).toEqual({ state: 'closed', merged: false });
  });

  it('a merge request that does not exist fails as not retryable naming it (404)', async () => {
    const emulator = await start();
    const host = createGitLabHost(gitLabHostOptions(emulator, connection));
    const error = await failure(host.getPullRequest?.({ number: 7 }) as Promise<unknown>);
    expect(error).toMatchObject({ code: 'port_failed', port: 'gitHost', operation: 'getPullRequest', retryable: false });
    expect(error.message).toContain('!7');
  });

  it('refuses a number that is not a positive integer with validation, before any request', async () => {
    const emulator = await start();
    const host = createGitLabHost(gitLabHostOptions(emulator, connection));
    for (const number of [0, -1, 1.5, Number.NaN]) {
      expect(PublishGateError.is(await failure(host.getPullRequest?.({ number }) as Promise<unknown>), 'validation')).toBe(true);
    }
    expect(emulator.requests()).toEqual([]);
  });
});

describe('createGitLabHost().getPullRequest errors (token: one request each)', () => {
  it('429 with Retry-After: retryable, rateLimited, retryAfterMs; the token is in no error', async () => {
    const emulator = await start();
    const host = createGitLabHost(gitLabHostOptions(emulator, 'token'));
    const { number } = await opened(emulator, host);
    emulator.rateLimit({ seconds: 30, headers: 'retry-after' });
    const error = await failure(host.getPullRequest?.({ number }) as Promise<unknown>);
    expect(error).toMatchObject({ operation: 'getPullRequest', retryable: true, rateLimited: true, retryAfterMs: 30_000 });
    expect(shows(emulator)).toHaveLength(1);
    expect(JSON.stringify(error) + error.message + String(error.cause ?? '')).not.toContain(GITLAB_TOKEN);
  });

  it('429 with only RateLimit-Reset: retryAfterMs is the reset minus the host clock', async () => {
    const clock = createManualClock();
    const emulator = await start({ clock });
    const host = createGitLabHost(gitLabHostOptions(emulator, 'token', { clock: () => new Date(clock.now()) }));
    const { number } = await opened(emulator, host);
    emulator.rateLimit({ seconds: 5, headers: 'reset' });
    const error = await failure(host.getPullRequest?.({ number }) as Promise<unknown>);
    expect(error).toMatchObject({ retryable: true, rateLimited: true });
    expect(error.retryAfterMs).toBeGreaterThan(4_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(6_000);
  });

  it('a 502 from a proxy is retryable', async () => {
    const emulator = await start();
    const host = createGitLabHost(gitLabHostOptions(emulator, 'token'));
    const { number } = await opened(emulator, host);
    emulator.failNext({ operation: 'mergeRequests.show', status: 502 });
    const error = await failure(host.getPullRequest?.({ number }) as Promise<unknown>);
    expect(error).toMatchObject({ operation: 'getPullRequest', retryable: true });
    expect(error.message).toMatch(/502/);
  });

  it('a wrong token gets 401, not retryable, without the token in the error', async () => {
    const emulator = await start();
    const host = createGitLabHost({ token: 'glpat-wrongTokenWrongToken000000', host: emulator.url, projectPath: emulator.projectPath });
    const error = await failure(host.getPullRequest?.({ number: 1 }) as Promise<unknown>);
    expect(error).toMatchObject({ operation: 'getPullRequest', retryable: false });
    expect(error.message).toMatch(/401/);
    expect(JSON.stringify(error) + error.message).not.toContain('glpat-wrongToken');
  });

  it('an aborted signal rejects with its reason; an unreachable GitLab is retryable', async () => {
    const emulator = await start();
    const host = createGitLabHost(gitLabHostOptions(emulator, 'token'));
    const reason = new Error('stop');
    await expect(host.getPullRequest?.({ number: 1, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(emulator.requests()).toEqual([]);
    await emulator.close();
    const error = await failure(host.getPullRequest?.({ number: 1 }) as Promise<unknown>);
    expect(error).toMatchObject({ operation: 'getPullRequest', retryable: true });
  });

  it('a gitbeaker-shaped client without MergeRequests.show fails as not retryable', async () => {
    const client = {
      Projects: { show: async () => ({}) },
      MergeRequests: { create: async () => ({}), all: async () => [] },
    } as GitLabClient;
    const host = createGitLabHost({ gitlab: client, projectPath: 'acme/sites' });
    const error = await failure(host.getPullRequest?.({ number: 1 }) as Promise<unknown>);
    expect(error).toMatchObject({ operation: 'getPullRequest', retryable: false });
  });
});

describe('createGitLabHost().getPullRequest with projectPath a function of the workspace', () => {
  const workspace = (blueprintId: string): Workspace =>
    ({ id: `ws-${blueprintId}`, ownerId: 'u', name: blueprintId, blueprintId }) as Workspace;

  it('asks the project of the workspace; without a workspace it refuses with validation', async () => {
    const shop = await start({ projectPath: 'acme/shop', projectId: 1 });
    const blog = await start({ projectPath: 'acme/blog', projectId: 2 });
    const router = await routeGitLabEmulators([shop, blog]);
    try {
      const host = createGitLabHost({ token: GITLAB_TOKEN, host: router.url, projectPath: (ws) => `acme/${ws.blueprintId}` });
      blog.setBranch('publish/b');
      const { number } = await host.openPullRequest({
        branch: 'publish/b',
        title: 'B',
        body: '',
        requestId: 'r',
        workspace: workspace('blog'),
      });
      await blog.mergeMergeRequest(number);
      expect(await host.getPullRequest?.({ number, workspace: workspace('blog') })).toMatchObject({ state: 'closed', merged: true });
      // The shop project has no merge request with that iid.
      expect(await failure(host.getPullRequest?.({ number, workspace: workspace('shop') }) as Promise<unknown>)).toMatchObject({
        retryable: false,
      });
      expect(PublishGateError.is(await failure(host.getPullRequest?.({ number }) as Promise<unknown>), 'validation')).toBe(true);
    } finally {
      await router.close();
    }
  });
});

describe('the emulator’s GET merge request route', () => {
  it('answers GitLab’s fields for each state and 404 for an unknown iid; undocumented parameters are violations', async () => {
    const emulator = await start();
    emulator.setBranch('publish/x');
    const created = await gitLabApi(emulator, '/projects/1/merge_requests', {
      method: 'POST',
      body: JSON.stringify({ title: 'X', source_branch: 'publish/x', target_branch: 'main' }),
    });
    const { iid } = (await created.json()) as { iid: number };
    const read = async () => (await gitLabApi(emulator, `/projects/acme%2Fsites/merge_requests/${iid}`)).json();
    expect(await read()).toMatchObject({ iid, state: 'opened', merge_commit_sha: null, squash_commit_sha: null, merged_at: null });
    const landed = await emulator.mergeMergeRequest(iid);
    expect(await read()).toMatchObject({ state: 'merged', merge_commit_sha: landed, squash: false, merged_at: expect.any(String) });
    await expect(emulator.mergeMergeRequest(iid)).rejects.toThrow(/not open/);
    expect((await gitLabApi(emulator, '/projects/1/merge_requests/99')).status).toBe(404);
    expect(await (await gitLabApi(emulator, `/projects/1/merge_requests/${iid}?include_rebase_in_progress=true`)).json()).toMatchObject({
      iid,
    });
    expect(emulator.violations()).toEqual([]);
    await gitLabApi(emulator, `/projects/1/merge_requests/${iid}?bogus=1`);
    expect(emulator.violations()).toEqual(['mergeRequests.show: parameter bogus is not documented']);
    // Cleared so the after-each check holds: the violation above was the point.
    (emulator as { violations: () => string[] }).violations = () => [];
  });
});
