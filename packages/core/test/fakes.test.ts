import { runGitConformance, runGitHostConformance } from '@publishgate/core/conformance';
import { createFakeGit, createFakeGitHost, workspaceFixture } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';

runGitConformance({
  name: 'fake git',
  maxPatchChars: 200_000,
  create: async () => {
    const git = createFakeGit();
    const workspace = workspaceFixture();
    git.write(workspace, 'README.md', '# Sample app\n');
    return {
      git,
      workspace,
      existingFile: 'README.md',
      writeFile: async (path, content) => git.write(workspace, path, content),
      removeFile: async (path) => git.remove(workspace, path),
      renameFile: async (from, to) => git.rename(workspace, from, to),
      remoteBranchSha: async (branch) => git.remoteBranch(branch),
      commitParents: async (sha) => {
        const parent = git.parentOf(sha);
        return parent ? [parent] : [];
      },
    };
  },
});

runGitHostConformance({
  name: 'fake git host',
  create: async () => {
    const branches = new Set<string>();
    const host = createFakeGitHost({ branchExists: (branch) => branches.has(branch) });
    return {
      host,
      prepareBranch: async (branch) => {
        branches.add(branch);
      },
      listPullRequests: async () => host.pullRequests().map((pull) => ({ number: pull.number, head: pull.head, state: pull.state })),
    };
  },
});

describe('fake git diff order', () => {
  // Small trees are sorted by insertion, large ones by Array.prototype.sort: both must list files
  // in the order git does (byte order of the paths).
  it.each([3, 32, 33, 80])('lists %i changed files sorted by path, whatever order they were written in', async (count) => {
    const git = createFakeGit({ blueprints: { '*': {} } });
    const workspace = workspaceFixture();
    const paths = Array.from({ length: count }, (_, index) => `dir${(index * 7919) % count}/File-${index}.txt`);
    paths.push('Z.txt', 'a.txt', 'é.txt', '_.txt');
    for (const path of paths) git.write(workspace, path, `${path}\n`);
    const { sha } = await git.commit({
      workspace,
      baseline: { kind: 'blueprint' },
      message: 'many',
      author: { name: 'a', email: 'a@example.com' },
    });
    const diff = await git.preview({ workspace, baseline: { kind: 'blueprint' }, sha });
    const expected = [...paths].sort();
    expect(diff.files.map((file) => file.path)).toEqual(expected);
  });
});
