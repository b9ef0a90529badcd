// `remote`, `owner`/`repo` and `projectPath`/`projectId` as functions of the workspace: checked on
// every call like a fixed value, caches and queues kept per repository.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGitHubHost, createGitLabHost, createSimpleGit, type GitLabClient, gitLabRemote } from '@publishgate/adapter-git';
import { type GitHubEmulator, routeGitHubEmulators, startGitHubEmulator } from '@publishgate/adapter-git/testing';
import { PublishGateError, type Workspace } from '@publishgate/core';
import { rejectionOf } from '@publishgate/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SECOND_MS, TOKEN } from './helpers/github.js';
import { startHttpsGitServer } from './helpers/httpsGitServer.js';
import { createRepoFixture, git } from './helpers/repos.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const shopWs: Workspace = { id: 'ws-shop', name: 'Shop', blueprintId: 'shop', ownerId: 'builder-1' };
const blogWs: Workspace = { id: 'ws-blog', name: 'Blog', blueprintId: 'blog', ownerId: 'builder-2' };
const pr = (branch: string, workspace?: Workspace) => ({
  branch,
  title: `Publish ${branch}`,
  body: 'Changes',
  requestId: 'req-1',
  ...(workspace ? { workspace } : {}),
});

function expectValidation(error: unknown, pattern: RegExp) {
  expect(PublishGateError.is(error, 'validation')).toBe(true);
  expect((error as PublishGateError).retryable).toBe(false);
  expect((error as Error).message).toMatch(pattern);
}

describe('createGitHubHost with owner/repo as functions of the workspace', () => {
  async function twoRepositories(): Promise<{ shop: GitHubEmulator; blog: GitHubEmulator; url: string }> {
    const shop = await startGitHubEmulator({ token: TOKEN, secondMs: SECOND_MS, repo: 'shop' });
    const blog = await startGitHubEmulator({ token: TOKEN, secondMs: SECOND_MS, repo: 'blog', defaultBranch: 'trunk' });
    const router = await routeGitHubEmulators([shop, blog]);
    cleanups.push(async () => {
      await router.close();
      for (const emulator of [shop, blog]) {
        const violations = emulator.violations();
        await emulator.close();
        expect(violations).toEqual([]);
      }
    });
    blog.setBranch('trunk');
    return { shop, blog, url: router.url };
  }
  const hostFor = (url: string, repo: (workspace: Workspace) => string, owner: string | ((workspace: Workspace) => string) = 'acme') =>
    createGitHubHost({ auth: TOKEN, owner, repo, baseUrl: url, log: { warn: () => {} } });

  it('opens each pull request in the workspace’s repository, into that repository’s default branch, asked once per repository', async () => {
    const { shop, blog, url } = await twoRepositories();
    const repo = vi.fn((workspace: Workspace) => workspace.blueprintId);
    const host = hostFor(url, repo);
    expect(repo).not.toHaveBeenCalled();
    for (const name of ['publish/a', 'publish/b']) {
      shop.setBranch(name);
      blog.setBranch(name);
      expect(await host.openPullRequest(pr(name, shopWs))).toMatchObject({
        url: expect.stringMatching(/\/acme\/shop\/pull\/\d+$/),
        created: true,
      });
      expect(await host.openPullRequest(pr(name, blogWs))).toMatchObject({
        url: expect.stringMatching(/\/acme\/blog\/pull\/\d+$/),
        created: true,
      });
    }
    expect(shop.pulls().map((pull) => [pull.head, pull.base])).toEqual([
      ['publish/a', 'main'],
      ['publish/b', 'main'],
    ]);
    expect(blog.pulls().map((pull) => [pull.head, pull.base])).toEqual([
      ['publish/a', 'trunk'],
      ['publish/b', 'trunk'],
    ]);
    expect(repo).toHaveBeenCalledTimes(4);
    for (const emulator of [shop, blog]) expect(emulator.requests().filter((request) => request.operation === 'repos.get')).toHaveLength(1);
  });

  it('calls for the same branch in two repositories do not wait for each other', async () => {
    const { shop, blog, url } = await twoRepositories();
    shop.setBranch('publish/site');
    blog.setBranch('publish/site');
    const host = createGitHubHost({
      auth: TOKEN,
      owner: 'acme',
      repo: async (workspace) => workspace.blueprintId,
      baseUrl: url,
      baseBranch: 'main',
    });
    blog.setBranch('main');
    const hold = shop.holdPullRequests();
    const shopOpen = host.openPullRequest(pr('publish/site', shopWs));
    await vi.waitFor(() => expect(hold.waiting()).toBe(1));
    // The shop's call is held at GitHub; the blog's, same branch name, goes through meanwhile.
    expect(await host.openPullRequest(pr('publish/site', blogWs))).toMatchObject({ number: 1, created: true });
    hold.release();
    expect(await shopOpen).toMatchObject({ number: 1, created: true });
  });

  it.each<[string, (workspace: Workspace) => unknown]>([
    ['a name with a space', () => 'my site'],
    ['..', () => '..'],
    ['an empty name', () => ''],
    ['no string', () => 42],
  ])('a repo function returning %s is refused per call with validation, before any request', async (_name, repo) => {
    const { shop, blog, url } = await twoRepositories();
    const host = hostFor(url, repo as (workspace: Workspace) => string);
    expectValidation(
      await rejectionOf(host.openPullRequest(pr('publish/x', shopWs))),
      /repo function returned no GitHub name for workspace ws-shop/,
    );
    expect([...shop.requests(), ...blog.requests()]).toEqual([]);
  });

  it('an owner function is checked the same way', async () => {
    const { url } = await twoRepositories();
    const host = hostFor(
      url,
      () => 'shop',
      () => '-acme/x',
    );
    expectValidation(await rejectionOf(host.openPullRequest(pr('publish/x', shopWs))), /owner function returned no GitHub name/);
  });

  it('a function that throws is a retryable port_failed naming the workspace, with the token redacted', async () => {
    const { url } = await twoRepositories();
    const host = hostFor(url, () => {
      throw new Error(`lookup with ${TOKEN} timed out`);
    });
    const error = await rejectionOf(host.openPullRequest(pr('publish/x', shopWs)));
    expect(PublishGateError.is(error, 'port_failed')).toBe(true);
    expect(error).toMatchObject({ retryable: true, port: 'gitHost', operation: 'openPullRequest' });
    expect((error as Error).message).toMatch(/repo function failed for workspace ws-shop: lookup with .* timed out/);
    expect((error as Error).message).not.toContain(TOKEN);
  });

  it('without a workspace, a host whose repository depends on it refuses with a non-retryable validation error', async () => {
    const { url } = await twoRepositories();
    const host = hostFor(url, (workspace) => workspace.blueprintId);
    expectValidation(await rejectionOf(host.openPullRequest(pr('publish/x'))), /needs the workspace: repo is a function of it/);
  });

  it('fixed names are still checked when the host is created', () => {
    expect(() => createGitHubHost({ auth: TOKEN, owner: 'acme', repo: '..' })).toThrow(PublishGateError);
    expect(() => createGitHubHost({ auth: TOKEN, owner: 'a b', repo: (workspace) => workspace.blueprintId })).toThrow(PublishGateError);
  });
});

describe('createGitLabHost with projectPath/projectId as functions of the workspace', () => {
  /** A GitLab double: one merge request list per project, default branch `trunk` for blog projects. */
  function fakeGitLab() {
    const calls: string[] = [];
    const gitlab: GitLabClient = {
      Projects: {
        async show(project) {
          calls.push(`show ${project}`);
          return { default_branch: String(project).toLowerCase().includes('blog') || project === 2 ? 'trunk' : 'main' };
        },
      },
      MergeRequests: {
        async create(project, source, target) {
          calls.push(`create ${project} ${source}→${target}`);
          const iid = calls.filter((call) => call.startsWith(`create ${project} `)).length;
          return { iid, web_url: `https://gitlab.example/${project}/-/merge_requests/${iid}` };
        },
        async all() {
          return [];
        },
      },
    };
    return { gitlab, calls };
  }

  it('opens each merge request in the workspace’s project, asking each project’s default branch once (paths compared case-insensitively)', async () => {
    const { gitlab, calls } = fakeGitLab();
    let spelling = 0;
    const host = createGitLabHost({
      gitlab,
      // Each project spelled two ways: one cache entry each.
      projectPath: (workspace) => (spelling++ < 2 ? `acme/${workspace.blueprintId}` : `Acme/${workspace.blueprintId}`),
    });
    await host.openPullRequest(pr('publish/a', shopWs));
    await host.openPullRequest(pr('publish/a', blogWs));
    await host.openPullRequest(pr('publish/b', shopWs));
    await host.openPullRequest(pr('publish/b', blogWs));
    expect(calls).toEqual([
      'show acme/shop',
      'create acme/shop publish/a→main',
      'show acme/blog',
      'create acme/blog publish/a→trunk',
      'create Acme/shop publish/b→main',
      'create Acme/blog publish/b→trunk',
    ]);
  });

  it('a projectId function picks the project by id', async () => {
    const { gitlab, calls } = fakeGitLab();
    const host = createGitLabHost({ gitlab, projectId: (workspace) => (workspace.blueprintId === 'shop' ? 1 : 2) });
    expect(await host.openPullRequest(pr('publish/a', blogWs))).toEqual({
      number: 1,
      url: 'https://gitlab.example/2/-/merge_requests/1',
      created: true,
    });
    expect(calls).toEqual(['show 2', 'create 2 publish/a→trunk']);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a path without namespace', { projectPath: () => 'sites' }, /projectPath function returned no valid project for workspace ws-shop/],
    ['a path ending in .git', { projectPath: () => 'acme/sites.git' }, /projectPath function returned no valid project/],
    ['an id of 0', { projectId: () => 0 }, /projectId function returned no valid project/],
    ['an id that is a string', { projectId: () => '7' }, /projectId function returned no valid project/],
  ])('a function returning %s is refused per call with validation, before any request', async (_name, project, pattern) => {
    const { gitlab, calls } = fakeGitLab();
    const host = createGitLabHost({ gitlab, ...project } as Parameters<typeof createGitLabHost>[0]);
    expectValidation(await rejectionOf(host.openPullRequest(pr('publish/x', shopWs))), pattern);
    expect(calls).toEqual([]);
  });

  it('a function that throws is a retryable port_failed; without a workspace the host refuses with validation', async () => {
    const { gitlab } = fakeGitLab();
    const throwing = createGitLabHost({
      gitlab,
      projectPath: () => {
        throw new Error('registry down');
      },
    });
    const error = await rejectionOf(throwing.openPullRequest(pr('publish/x', shopWs)));
    expect(PublishGateError.is(error, 'port_failed')).toBe(true);
    expect(error).toMatchObject({
      retryable: true,
      message: expect.stringMatching(/projectPath function failed for workspace ws-shop: registry down/),
    });
    const host = createGitLabHost({ gitlab, projectPath: (workspace) => `acme/${workspace.blueprintId}` });
    expectValidation(await rejectionOf(host.openPullRequest(pr('publish/x'))), /needs the workspace: projectPath is a function of it/);
  });
});

describe('createSimpleGit with remote as a function of the workspace', () => {
  const author = { name: 'Builder One', email: 'builder@example.com' };
  const blueprint = { kind: 'blueprint' } as const;

  async function fixture() {
    const made = await createRepoFixture();
    cleanups.push(made.cleanup);
    return made;
  }

  it('asks the function on every call and pushes each workspace to its own remote', async () => {
    const shop = await fixture();
    const blog = await fixture();
    const byWs = { [shopWs.id]: shop, [blogWs.id]: blog };
    // Looked up asynchronously, as from a database.
    const remote = vi.fn(async (workspace: Workspace) => `file://${byWs[workspace.id]?.remoteDir}`);
    const git = createSimpleGit({ resolveWorkspaceDir: (workspace) => byWs[workspace.id]?.workspaceDir as string, remote });
    expect(remote).not.toHaveBeenCalled();
    await writeFile(join(shop.workspaceDir, 'shop.html'), 'shop\n');
    await writeFile(join(blog.workspaceDir, 'blog.html'), 'blog\n');
    const shopSha = (await git.commit({ workspace: shopWs, baseline: blueprint, message: 'shop\n', author })).sha;
    const blogSha = (await git.commit({ workspace: blogWs, baseline: blueprint, message: 'blog\n', author })).sha;
    expect(await git.push({ workspace: shopWs, sha: shopSha, branch: 'publish/site' })).toMatchObject({ alreadyPushed: false });
    expect(await git.push({ workspace: blogWs, sha: blogSha, branch: 'publish/site' })).toMatchObject({ alreadyPushed: false });
    // Idempotent per repository: the same branch name holds a different commit in each.
    expect(await git.push({ workspace: shopWs, sha: shopSha, branch: 'publish/site' })).toMatchObject({ alreadyPushed: true });
    expect(await shop.remoteBranchSha('publish/site')).toBe(shopSha);
    expect(await blog.remoteBranchSha('publish/site')).toBe(blogSha);
    expect(remote).toHaveBeenCalledTimes(5);
  });

  it('the blueprint base of each workspace is read from its own remote', async () => {
    const shop = await fixture();
    const blog = await fixture();
    // The blog's blueprint moved on after the workspace was cloned; the shop's did not.
    await git(blog.root, ['clone', '-q', blog.remoteDir, 'upstream']);
    await writeFile(join(blog.root, 'upstream', 'news.html'), 'news\n');
    await git(join(blog.root, 'upstream'), ['add', '-A']);
    await git(join(blog.root, 'upstream'), ['-c', 'user.name=u', '-c', 'user.email=u@example.com', 'commit', '-q', '-m', 'news']);
    await git(join(blog.root, 'upstream'), ['push', '-q', 'origin', 'main']);
    await git(blog.workspaceDir, ['pull', '-q', '--no-rebase', '--no-edit']);
    const byWs = { [shopWs.id]: shop, [blogWs.id]: blog };
    const gitPort = createSimpleGit({
      resolveWorkspaceDir: (workspace) => byWs[workspace.id]?.workspaceDir as string,
      remote: (workspace) => byWs[workspace.id]?.remoteDir as string,
    });
    // news.html is part of the blog's blueprint, so not a change of the blog workspace.
    expect((await gitPort.preview({ workspace: blogWs, baseline: blueprint })).files).toEqual([]);
    await writeFile(join(shop.workspaceDir, 'news.html'), 'news\n');
    expect((await gitPort.preview({ workspace: shopWs, baseline: blueprint })).files.map((file) => file.path)).toEqual(['news.html']);
  });

  it.each<[string, unknown, RegExp]>([
    ['a transport helper', 'ext::sh -c touch% /tmp/pwned', /Refusing git remote/],
    ['credentials in the URL', 'https://user:secret@example.com/acme/site.git', /credentials in the URL/],
    ['an option-like host', 'ssh://-oProxyCommand=x/repo', /Refusing git remote/],
    ['no string', 42, /remote function returned no URL for workspace ws-shop/],
  ])('a function returning %s is refused per call with validation, before any git process', async (_name, value, pattern) => {
    const shop = await fixture();
    const git = createSimpleGit({ resolveWorkspaceDir: () => shop.workspaceDir, remote: () => value as string });
    for (const call of [
      git.preview({ workspace: shopWs, baseline: blueprint }),
      git.push({ workspace: shopWs, sha: 'a'.repeat(40), branch: 'publish/x' }),
    ]) {
      const error = await rejectionOf(call);
      expectValidation(error, pattern);
      expect((error as Error).message).not.toContain('secret');
    }
  });

  it('a function that throws fails the call with a plain error (the gate’s retryable port_failed) naming the workspace', async () => {
    const shop = await fixture();
    const git = createSimpleGit({
      resolveWorkspaceDir: () => shop.workspaceDir,
      remote: () => {
        throw new Error('registry down');
      },
    });
    const error = await rejectionOf(git.preview({ workspace: shopWs, baseline: blueprint }));
    expect(PublishGateError.is(error)).toBe(false);
    expect((error as Error).message).toBe('The remote function failed for workspace ws-shop: registry down');
  });

  it('credentials with a function remote: an answer that is not https is refused per call; https remotes get credentials asked with the workspace', async () => {
    const shop = await fixture();
    await git(shop.root, ['clone', '-q', '--bare', shop.remoteDir, 'blog.git']);
    const server = await startHttpsGitServer(shop.root, 'x-access-token', 'tok-1');
    cleanups.push(server.close);
    const credentials = vi.fn((_workspace: Workspace) => ({ username: 'x-access-token', password: 'tok-1' }));
    const gitPort = createSimpleGit({
      resolveWorkspaceDir: () => shop.workspaceDir,
      remote: (workspace) =>
        workspace.id === 'ws-ssh'
          ? 'git@example.com:acme/site.git'
          : `${server.url}${workspace.blueprintId === 'blog' ? 'blog.git' : 'remote.git'}`,
      caFile: server.caFile,
      credentials,
    });
    expectValidation(
      await rejectionOf(gitPort.preview({ workspace: { ...shopWs, id: 'ws-ssh' }, baseline: blueprint })),
      /credentials are only sent to https remotes/,
    );
    await writeFile(join(shop.workspaceDir, 'page.html'), 'page\n');
    const { sha } = await gitPort.commit({ workspace: shopWs, baseline: blueprint, message: 'page\n', author });
    await gitPort.push({ workspace: blogWs, sha, branch: 'publish/page' });
    expect(credentials.mock.calls.map(([workspace]) => workspace.id)).toEqual(['ws-shop', 'ws-blog']);
    expect(await git(join(shop.root, 'blog.git'), ['rev-parse', 'refs/heads/publish/page'])).toBe(sha);
    await expect(shop.remoteBranchSha('publish/page')).resolves.toBeUndefined();
  });
});

describe('gitLabRemote with a projectPath function', () => {
  it('gives createSimpleGit a remote function that checks each path', () => {
    const { remote } = gitLabRemote({ projectPath: (workspace) => `acme/${workspace.blueprintId}`, token: 'glpat-x' });
    expect(remote(shopWs)).toBe('https://gitlab.com/acme/shop.git');
    expect(() => remote({ ...shopWs, blueprintId: '-x' })).toThrow(/projectPath returned no GitLab project path for workspace ws-shop/);
    expect(() =>
      createSimpleGit({
        resolveWorkspaceDir: () => '/srv/ws',
        ...gitLabRemote({ projectPath: (workspace) => `acme/${workspace.blueprintId}`, token: 'glpat-x' }),
      }),
    ).not.toThrow();
  });
});
