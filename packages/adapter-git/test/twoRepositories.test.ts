// Must show (issue 18): workspaces of two blueprints publish into two repositories, each with its
// own bare remote and its own (emulated) GitHub repository or GitLab project; nothing crosses.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGitHubHost, createGitLabHost } from '@publishgate/adapter-git';
import { routeGitHubEmulators, routeGitLabEmulators, startGitHubEmulator, startGitLabEmulator } from '@publishgate/adapter-git/testing';
import { createMemoryStorage, createPublishGate, type GitHostPort, type Workspace } from '@publishgate/core';
import { createRecordingNotifier } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { admin, bob, carol, cleanupsAfterEach, closeChecked } from './helpers/gateSetup.js';
import { SECOND_MS, TOKEN } from './helpers/github.js';
import { GITLAB_TOKEN } from './helpers/gitlab.js';
import { git } from './helpers/repos.js';
import { type BlueprintRepo, publishBranches, twoBlueprints } from './helpers/twoBlueprints.js';

const cleanups = cleanupsAfterEach();

/** What the tests need from one emulated repository, GitHub's or GitLab's. */
type HostedRepo = {
  /** Pull (merge) requests: head branch and commit. */
  changes(): Array<{ head: string; headSha: string }>;
  /** How often the repository's default branch was asked for. */
  defaultBranchLookups(): number;
};

/** One git host under test: an emulator per blueprint repository, behind one URL, and the host on it. */
type HostUnderTest = {
  name: string;
  /** How the web URL of a blueprint's first change ends. */
  firstChangeUrl: (repo: string) => RegExp;
  start(
    blueprints: readonly BlueprintRepo[],
    byBlueprint: (workspace: Workspace) => BlueprintRepo,
  ): Promise<{
    host: GitHostPort;
    repos: Map<string, HostedRepo>;
  }>;
};

const hosts: HostUnderTest[] = [
  {
    name: 'GitHub',
    firstChangeUrl: (repo) => new RegExp(`/acme/${repo}/pull/1$`),
    async start(blueprints, byBlueprint) {
      const repos = new Map<string, HostedRepo>();
      const emulators = [];
      for (const bp of blueprints) {
        const emulator = await startGitHubEmulator({
          token: TOKEN,
          secondMs: SECOND_MS,
          owner: 'acme',
          repo: bp.repo,
          repositoryPath: bp.fixture.remoteDir,
        });
        closeChecked(cleanups, emulator);
        emulators.push(emulator);
        repos.set(bp.repo, {
          changes: () => emulator.pulls().map((pull) => ({ head: pull.head, headSha: pull.headSha })),
          defaultBranchLookups: () => emulator.requests().filter((request) => request.operation === 'repos.get').length,
        });
      }
      const router = await routeGitHubEmulators(emulators);
      cleanups.push(() => router.close());
      // No baseBranch: each repository's default branch is asked for, once per repository.
      const host = createGitHubHost({
        auth: TOKEN,
        owner: 'acme',
        repo: (workspace) => byBlueprint(workspace).repo,
        baseUrl: router.url,
        log: { warn: () => {} },
      });
      return { host, repos };
    },
  },
  {
    name: 'GitLab',
    firstChangeUrl: (repo) => new RegExp(`/acme/${repo}/-/merge_requests/1$`),
    async start(blueprints, byBlueprint) {
      const repos = new Map<string, HostedRepo>();
      const emulators = [];
      for (const [index, bp] of blueprints.entries()) {
        const emulator = await startGitLabEmulator({
          token: GITLAB_TOKEN,
          projectPath: `acme/${bp.repo}`,
          projectId: index + 1,
          repositoryPath: bp.fixture.remoteDir,
        });
        closeChecked(cleanups, emulator);
        emulators.push(emulator);
        repos.set(bp.repo, {
          changes: () => emulator.mergeRequests().map((mr) => ({ head: mr.sourceBranch, headSha: mr.sha })),
          defaultBranchLookups: () => emulator.requests().filter((request) => request.operation === 'projects.show').length,
        });
      }
      const router = await routeGitLabEmulators(emulators);
      cleanups.push(() => router.close());
      // No baseBranch: each project's default branch is asked for, once per project.
      const host = createGitLabHost({
        token: GITLAB_TOKEN,
        host: router.url,
        projectPath: (workspace) => `acme/${byBlueprint(workspace).repo}`,
      });
      return { host, repos };
    },
  },
];

async function setup(hostUnderTest: HostUnderTest) {
  const { shop, blog, byBlueprint, git } = await twoBlueprints(cleanups);
  const { host, repos } = await hostUnderTest.start([shop, blog], byBlueprint);
  const gate = createPublishGate({ storage: createMemoryStorage(), git, gitHost: host, notifier: createRecordingNotifier() });
  const hosted = (bp: BlueprintRepo) => repos.get(bp.repo) as HostedRepo;
  return { shop, blog, gate, hosted };
}

describe.each(hosts)('two blueprints in two repositories on $name', (hostUnderTest) => {
  it('approvals of a workspace of each blueprint push to their own remotes and open pull requests in their own repositories; nothing crosses', async () => {
    const { shop, blog, gate, hosted } = await setup(hostUnderTest);
    await writeFile(join(shop.fixture.workspaceDir, 'shop.html'), '<p>Shop</p>\n');
    await writeFile(join(blog.fixture.workspaceDir, 'blog.html'), '<p>Blog</p>\n');
    const shopRequest = await gate.requestPublish({ workspace: shop.workspace, subdomain: 'bobs-shop', actor: bob });
    const blogRequest = await gate.requestPublish({ workspace: blog.workspace, subdomain: 'carols-blog', actor: carol });

    const [shopApproved, blogApproved] = await Promise.all([
      gate.approve({ id: shopRequest.id, actor: admin }),
      gate.approve({ id: blogRequest.id, actor: admin }),
    ]);
    expect(shopApproved.status).toBe('approved');
    expect(blogApproved.status).toBe('approved');

    const shopBranch = `publish/bobs-shop-${shopRequest.id}`;
    const blogBranch = `publish/carols-blog-${blogRequest.id}`;
    expect(await publishBranches(shop.fixture.remoteDir)).toBe(shopBranch);
    expect(await publishBranches(blog.fixture.remoteDir)).toBe(blogBranch);
    expect(await shop.fixture.remoteBranchSha(shopBranch)).toBe(shopRequest.sha);
    expect(await blog.fixture.remoteBranchSha(blogBranch)).toBe(blogRequest.sha);
    // The other blueprint's commit never reached this remote.
    await expect(git(shop.fixture.remoteDir, ['cat-file', '-e', `${blogRequest.sha}^{commit}`])).rejects.toThrow();
    await expect(git(blog.fixture.remoteDir, ['cat-file', '-e', `${shopRequest.sha}^{commit}`])).rejects.toThrow();

    expect(hosted(shop).changes()).toEqual([{ head: shopBranch, headSha: shopRequest.sha }]);
    expect(hosted(blog).changes()).toEqual([{ head: blogBranch, headSha: blogRequest.sha }]);
    expect(shopApproved.pullRequest?.url).toMatch(hostUnderTest.firstChangeUrl('shop'));
    expect(blogApproved.pullRequest?.url).toMatch(hostUnderTest.firstChangeUrl('blog'));
    // One default-branch lookup per repository, each in its own.
    for (const bp of [shop, blog]) expect(hosted(bp).defaultBranchLookups()).toBe(1);
  });

  it('a second publish of each workspace stays in its repository, and the default branches are not asked for again', async () => {
    const { shop, blog, gate, hosted } = await setup(hostUnderTest);
    for (const round of [1, 2]) {
      for (const bp of [shop, blog]) {
        await writeFile(join(bp.fixture.workspaceDir, `round-${round}.html`), `<p>${bp.repo} ${round}</p>\n`);
        const request = await gate.requestPublish({ workspace: bp.workspace, subdomain: `${bp.repo}-site`, actor: bp.owner });
        expect((await gate.approve({ id: request.id, actor: admin })).status).toBe('approved');
      }
    }
    for (const bp of [shop, blog]) {
      expect(hosted(bp).changes()).toHaveLength(2);
      expect(
        hosted(bp)
          .changes()
          .every((change) => change.head.startsWith(`publish/${bp.repo}-site-`)),
      ).toBe(true);
      expect((await publishBranches(bp.fixture.remoteDir)).split('\n')).toHaveLength(2);
      expect(hosted(bp).defaultBranchLookups()).toBe(1);
    }
  });
});
