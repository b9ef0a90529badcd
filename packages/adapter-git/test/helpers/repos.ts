import { cp, mkdir, mkdtemp, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createSimpleGit, type SimpleGitAdapterOptions } from '@publishgate/adapter-git';
import type { Workspace } from '@publishgate/core';
import type { GitHarness } from '@publishgate/core/conformance';
import { afterAll } from 'vitest';
import { git } from '../../../../tooling/harnessGit.ts';

export { git };

/** The files every blueprint starts with. */
export const BLUEPRINT_FILES: Record<string, string> = {
  'README.md': '# Sample app\n',
  'index.html': '<h1>Hello</h1>\n<p>Welcome</p>\n',
  'pages/contact.html': '<p>Write to us</p>\n',
};

let template: Promise<string> | undefined;

// The template is built once per test file; remove it when the file is done.
afterAll(async () => {
  if (template) await rm(await template, { recursive: true, force: true });
  template = undefined;
});

async function buildTemplate(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pg-template-'));
  await git(root, ['init', '-q', '--bare', '-b', 'main', 'remote.git']);
  await git(root, ['init', '-q', '-b', 'main', 'blueprint']);
  for (const [path, content] of Object.entries(BLUEPRINT_FILES)) {
    await mkdir(dirname(join(root, 'blueprint', path)), { recursive: true });
    await writeFile(join(root, 'blueprint', path), content);
  }
  await git(join(root, 'blueprint'), ['add', '-A']);
  await git(join(root, 'blueprint'), ['commit', '-q', '-m', 'Blueprint']);
  await git(join(root, 'blueprint'), ['push', '-q', join(root, 'remote.git'), 'main']);
  await git(root, ['clone', '-q', join(root, 'remote.git'), 'ws']);
  return root;
}

/** A fresh bare remote (with the blueprint on main) and a workspace cloned from it, in a temp dir. */
export type RepoFixture = {
  root: string;
  remoteDir: string;
  workspaceDir: string;
  workspace: Workspace;
  remoteBranchSha(branch: string): Promise<string | undefined>;
  cleanup(): Promise<void>;
};

export async function createRepoFixture(): Promise<RepoFixture> {
  template ??= buildTemplate();
  const source = await template;
  const root = await mkdtemp(join(tmpdir(), 'pg-git-'));
  await cp(join(source, 'remote.git'), join(root, 'remote.git'), { recursive: true });
  await cp(join(source, 'ws'), join(root, 'ws'), { recursive: true });
  const remoteDir = join(root, 'remote.git');
  const workspaceDir = join(root, 'ws');
  await git(workspaceDir, ['remote', 'set-url', 'origin', remoteDir]);
  return {
    root,
    remoteDir,
    workspaceDir,
    workspace: { id: `ws-${root.slice(-6)}`, name: 'Test site', blueprintId: 'bp-1', ownerId: 'builder-1' },
    async remoteBranchSha(branch) {
      try {
        return await git(remoteDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
      } catch {
        return undefined;
      }
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** A conformance harness: the simple-git adapter on a fresh fixture. */
export async function createGitHarness(overrides: Partial<SimpleGitAdapterOptions> = {}): Promise<GitHarness & { fixture: RepoFixture }> {
  const fixture = await createRepoFixture();
  const gitPort = createSimpleGit({
    resolveWorkspaceDir: () => fixture.workspaceDir,
    remote: `file://${fixture.remoteDir}`,
    baseBranch: 'main',
    ...overrides,
  });
  const at = (path: string) => join(fixture.workspaceDir, path);
  return {
    fixture,
    git: gitPort,
    workspace: fixture.workspace,
    existingFile: 'index.html',
    async writeFile(path, content) {
      await mkdir(dirname(at(path)), { recursive: true });
      await writeFile(at(path), content);
    },
    async removeFile(path) {
      await unlink(at(path));
    },
    async renameFile(from, to) {
      await mkdir(dirname(at(to)), { recursive: true });
      await rename(at(from), at(to));
    },
    remoteBranchSha: (branch) => fixture.remoteBranchSha(branch),
    async commitParents(sha) {
      const line = await git(fixture.workspaceDir, ['rev-list', '--parents', '-n', '1', '--end-of-options', sha]);
      return line.trim().split(' ').slice(1);
    },
    cleanup: () => fixture.cleanup(),
  };
}

/** Reads a file of the fixture's workspace. */
export function readWorkspaceFile(fixture: RepoFixture, path: string): Promise<string> {
  return readFile(join(fixture.workspaceDir, path), 'utf8');
}
