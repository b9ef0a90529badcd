import { createGitHubHost, createGitLabHost } from '@publishgate/adapter-git';
import { startGitLabEmulator } from '@publishgate/adapter-git/testing';
import { PublishGateError } from '@publishgate/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GITLAB_TOKEN } from './helpers/gitlab.js';

// As on a server that installed only @gitbeaker/rest: the package cannot be found.
vi.mock('@octokit/rest', () => {
  throw new Error("Cannot find package '@octokit/rest'");
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('@octokit/rest is an optional peer (regression: a GitLab-only host failed to import the adapter without it)', () => {
  it('the GitLab host opens a merge request with @octokit/rest missing', async () => {
    const emulator = await startGitLabEmulator({ token: GITLAB_TOKEN });
    closers.push(() => emulator.close());
    emulator.setBranch('publish/site-1');
    const host = createGitLabHost({ token: GITLAB_TOKEN, host: emulator.url, projectPath: emulator.projectPath });
    const opened = await host.openPullRequest({ branch: 'publish/site-1', title: 'Publish', body: 'Changes', requestId: 'req-1' });
    expect(opened.number).toBe(emulator.mergeRequests()[0]?.iid);
  });

  it('the GitHub host is created, and its first call says which package to install, not retryable', async () => {
    const host = createGitHubHost({ auth: 'ghp_notUsed', owner: 'acme', repo: 'sites', baseUrl: 'http://127.0.0.1:9' });
    const failure = await host.openPullRequest({ branch: 'publish/site-1', title: 'Publish', body: 'Changes', requestId: 'req-1' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(PublishGateError.is(failure)).toBe(true);
    expect(failure).toMatchObject({
      code: 'port_failed',
      retryable: false,
      message: expect.stringContaining('install it next to @publishgate/adapter-git'),
    });
  });
});
