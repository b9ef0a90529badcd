import { createFakeGit, createFakeGitHost, runGitConformance, runGitHostConformance, workspaceFixture } from '@publishgate/core/testing';

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
