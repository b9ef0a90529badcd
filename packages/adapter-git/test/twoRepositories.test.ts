// Must show (issue 18): workspaces of two blueprints publish into two repositories, each with its
// own bare remote and its own (emulated) GitHub repository; nothing crosses.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGitHubHost, createSimpleGit } from '@publishgate/adapter-git';
import { type GitHubEmulator, routeGitHubEmulators, startGitHubEmulator } from '@publishgate/adapter-git/testing';
import { type Actor, createMemoryStorage, createPublishGate, type Workspace } from '@publishgate/core';
import { createRecordingNotifier } from '@publishgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { SECOND_MS, TOKEN } from './helpers/github.js';
import { createRepoFixture, git, type RepoFixture } from './helpers/repos.js';

const bob: Actor = { id: 'builder-1', email: 'bob@example.com', roles: ['builder'] };
const carol: Actor = { id: 'builder-2', email: 'carol@example.com', roles: ['builder'] };
const admin: Actor = { id: 'admin-1', email: 'ada@example.com', roles: ['admin'] };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Blueprint = { id: string; repo: string; fixture: RepoFixture; emulator: GitHubEmulator; workspace: Workspace };

async function blueprint(id: string, repo: string, owner: Actor): Promise<Blueprint> {
  const fixture = await createRepoFixture();
  cleanups.push(fixture.cleanup);
  const emulator = await startGitHubEmulator({ token: TOKEN, secondMs: SECOND_MS, owner: 'acme', repo, repositoryPath: fixture.remoteDir });
  cleanups.push(async () => {
    const violations = emulator.violations();
    await emulator.close();
    expect(violations).toEqual([]);
  });
  const workspace = { ...fixture.workspace, id: `ws-${repo}`, blueprintId: id, ownerId: owner.id };
  return { id, repo, fixture, emulator, workspace };
}

async function setup() {
  const shop = await blueprint('bp-shop', 'shop', bob);
  const blog = await blueprint('bp-blog', 'blog', carol);
  const github = await routeGitHubEmulators([shop.emulator, blog.emulator]);
  cleanups.push(() => github.close());
  const byBlueprint = (workspace: Workspace): Blueprint => {
    const found = [shop, blog].find((candidate) => candidate.id === workspace.blueprintId);
    if (!found) throw new Error(`no repository for blueprint ${workspace.blueprintId}`);
    return found;
  };
  const gate = createPublishGate({
    storage: createMemoryStorage(),
    git: createSimpleGit({
      resolveWorkspaceDir: (workspace) => byBlueprint(workspace).fixture.workspaceDir,
      remote: (workspace) => `file://${byBlueprint(workspace).fixture.remoteDir}`,
      baseBranch: 'main',
    }),
    // No baseBranch: each repository's default branch is asked for, once per repository.
    gitHost: createGitHubHost({
      auth: TOKEN,
      owner: 'acme',
      repo: (workspace) => byBlueprint(workspace).repo,
      baseUrl: github.url,
      log: { warn: () => {} },
    }),
    notifier: createRecordingNotifier(),
  });
  return { shop, blog, gate };
}

const publishBranches = (remoteDir: string) => git(remoteDir, ['for-each-ref', '--format=%(refname:lstrip=2)', 'refs/heads/publish/']);

describe('two blueprints in two repositories', () => {
  it('approvals of a workspace of each blueprint push to their own remotes and open pull requests in their own repositories; nothing crosses', async () => {
    const { shop, blog, gate } = await setup();
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

    expect(shop.emulator.pulls().map((pull) => ({ head: pull.head, headSha: pull.headSha }))).toEqual([
      { head: shopBranch, headSha: shopRequest.sha },
    ]);
    expect(blog.emulator.pulls().map((pull) => ({ head: pull.head, headSha: pull.headSha }))).toEqual([
      { head: blogBranch, headSha: blogRequest.sha },
    ]);
    expect(shopApproved.pullRequest?.url).toMatch(/\/acme\/shop\/pull\/1$/);
    expect(blogApproved.pullRequest?.url).toMatch(/\/acme\/blog\/pull\/1$/);
    // One default-branch lookup per repository, each in its own.
    for (const { emulator } of [shop, blog]) {
      expect(emulator.requests().filter((request) => request.operation === 'repos.get')).toHaveLength(1);
    }
  });

  it('a second publish of each workspace stays in its repository, and the default branches are not asked for again', async () => {
    const { shop, blog, gate } = await setup();
    for (const round of [1, 2]) {
      for (const [bp, actor] of [
        [shop, bob],
        [blog, carol],
      ] as const) {
        await writeFile(join(bp.fixture.workspaceDir, `round-${round}.html`), `<p>${bp.repo} ${round}</p>\n`);
        const request = await gate.requestPublish({ workspace: bp.workspace, subdomain: `${bp.repo}-site`, actor });
        expect((await gate.approve({ id: request.id, actor: admin })).status).toBe('approved');
      }
    }
    for (const bp of [shop, blog]) {
      expect(bp.emulator.pulls()).toHaveLength(2);
      expect(bp.emulator.pulls().every((pull) => pull.head.startsWith(`publish/${bp.repo}-site-`))).toBe(true);
      expect((await publishBranches(bp.fixture.remoteDir)).split('\n')).toHaveLength(2);
      expect(bp.emulator.requests().filter((request) => request.operation === 'repos.get')).toHaveLength(1);
    }
  });
});
