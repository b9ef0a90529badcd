import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSimpleGit } from '@publishgate/adapter-git';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGitShim, type GitShim } from './helpers/gitShim.js';
import { createRepoFixture, git as harnessGit, type RepoFixture } from './helpers/repos.js';

// Each git process costs milliseconds to start and finish on every submit and approval; these
// counts are the budget (issue 19), so a change that adds a process fails here, not in a benchmark.

const author = { name: 'Builder One', email: 'builder@example.com' };
const originalPath = process.env.PATH;
let shim: GitShim;
let fixture: RepoFixture;

beforeAll(async () => {
  shim = await createGitShim();
});
beforeEach(async () => {
  fixture = await createRepoFixture();
});
afterEach(async () => {
  process.env.PATH = originalPath;
  await fixture.cleanup();
});
afterAll(async () => {
  await shim.cleanup();
});

function adapter() {
  return createSimpleGit({ resolveWorkspaceDir: () => fixture.workspaceDir, remote: `file://${fixture.remoteDir}`, baseBranch: 'main' });
}

function write(path: string, content: string): Promise<void> {
  return writeFile(join(fixture.workspaceDir, path), content);
}

/** Runs `work` with the counting shim first on the PATH and returns the git subcommands it ran. */
async function counted<T>(work: () => Promise<T>): Promise<{ value: T; processes: string[] }> {
  await shim.reset();
  process.env.PATH = shim.path;
  try {
    const value = await work();
    return { value, processes: await shim.processes() };
  } finally {
    process.env.PATH = originalPath;
  }
}

/** A first publish (blueprint baseline, which also fetches), so the workspace has a publication. */
async function published(git: ReturnType<typeof adapter>) {
  await write('first.html', '<p>first</p>\n');
  const { sha } = await git.commit({
    workspace: fixture.workspace,
    baseline: { kind: 'blueprint' },
    message: 'Publish\n\nPublish-Request: r1\n',
    author,
  });
  await git.push({ workspace: fixture.workspace, sha, branch: 'publish/r1' });
  return { kind: 'publication', sha } as const;
}

describe('git processes per operation (a git on the PATH counts them)', () => {
  it('a submit (commit, then preview of that sha) against a publication runs 4 git processes when HEAD is the last publish commit, 5 otherwise', async () => {
    const git = adapter();
    const baseline = await published(git);
    await write('second.html', '<p>second</p>\n');
    const submit = await counted(async () => {
      const { sha } = await git.commit({ workspace: fixture.workspace, baseline, message: 'Publish\n\nPublish-Request: r2\n', author });
      return git.preview({ workspace: fixture.workspace, baseline, sha });
    });
    expect(submit.value.files.map((file) => file.path)).toEqual(['second.html']);
    expect(submit.processes).toEqual(['add', 'commit', 'update-ref', 'diff']);

    // A HEAD the builder made themselves is read once with git.
    await harnessGit(fixture.workspaceDir, ['commit', '-q', '--allow-empty', '-m', 'builder’s own commit']);
    await write('third.html', '<p>third</p>\n');
    const afterOwnCommit = await counted(async () => {
      const { sha } = await git.commit({ workspace: fixture.workspace, baseline, message: 'Publish\n\nPublish-Request: r3\n', author });
      return git.preview({ workspace: fixture.workspace, baseline, sha });
    });
    expect(afterOwnCommit.value.files.map((file) => file.path)).toEqual(['second.html', 'third.html']);
    expect(afterOwnCommit.processes).toEqual(['cat-file', 'add', 'commit', 'update-ref', 'diff']);
  });

  it('a first submit (blueprint baseline) fetches the base once: the preview of the new commit reuses it', async () => {
    const git = adapter();
    await write('first.html', '<p>first</p>\n');
    const submit = await counted(async () => {
      const baseline = { kind: 'blueprint' } as const;
      const { sha } = await git.commit({ workspace: fixture.workspace, baseline, message: 'Publish\n\nPublish-Request: r1\n', author });
      return git.preview({ workspace: fixture.workspace, baseline, sha });
    });
    expect(submit.value.files.map((file) => file.path)).toEqual(['first.html']);
    expect(submit.processes).toEqual(['config', 'cat-file', 'fetch', 'merge-base', 'add', 'commit', 'update-ref', 'diff']);
  });

  it('an approval’s push runs 1 git process, 2 in a process that has not seen the commit, and asks the remote nothing first', async () => {
    const git = adapter();
    const baseline = await published(git);
    await write('second.html', '<p>second</p>\n');
    const { sha } = await git.commit({ workspace: fixture.workspace, baseline, message: 'Publish\n\nPublish-Request: r2\n', author });

    const warm = await counted(() => git.push({ workspace: fixture.workspace, sha, branch: 'publish/r2' }));
    expect(warm.value.alreadyPushed).toBe(false);
    expect(warm.processes).toEqual(['push']);

    // A restarted server approving a request submitted before: one look-up, one push.
    const cold = await counted(() => adapter().push({ workspace: fixture.workspace, sha, branch: 'publish/r2-again' }));
    expect(cold.processes).toEqual(['cat-file', 'push']);

    // Pushing the same sha again is idempotent, still without an ls-remote first.
    const again = await counted(() => git.push({ workspace: fixture.workspace, sha, branch: 'publish/r2' }));
    expect(again.value.alreadyPushed).toBe(true);
    expect(again.processes).toEqual(['push']);
  });

  it('the workspace config is read once per content: a preview runs it only the first time', async () => {
    const git = adapter();
    const baseline = await published(adapter());
    await write('third.html', '<p>third</p>\n');
    const first = await counted(() => git.preview({ workspace: fixture.workspace, baseline }));
    expect(first.processes).toEqual(['config', 'cat-file', 'add', 'write-tree', 'diff']);
    const second = await counted(() => git.preview({ workspace: fixture.workspace, baseline }));
    expect(second.processes).toEqual(['add', 'write-tree', 'diff']);
    // A changed config is read again.
    await writeFile(join(fixture.workspaceDir, '.git', 'config'), '[core]\n\tfilemode = false\n', { flag: 'a' });
    const changed = await counted(() => git.preview({ workspace: fixture.workspace, baseline }));
    expect(changed.processes).toEqual(['config', 'add', 'write-tree', 'diff']);
  });

  it('a rollback (restore, then preview of the restore commit) runs 2 git processes, 4 in a process that has seen neither the commits nor the config', async () => {
    const git = adapter();
    const first = await published(git);
    await write('second.html', '<p>second</p>\n');
    const second = await git.commit({ workspace: fixture.workspace, baseline: first, message: 'Publish\n\nPublish-Request: r2\n', author });
    const current = { kind: 'publication', sha: second.sha } as const;
    const rollback = async (port: ReturnType<typeof adapter>) => {
      const restored = await port.restore?.({
        workspace: fixture.workspace,
        sha: first.sha,
        onto: second.sha,
        message: 'Roll back\n\nPublish-Request: r3\n',
        author,
      });
      return port.preview({ workspace: fixture.workspace, baseline: current, sha: restored?.sha as string });
    };
    const warm = await counted(() => rollback(git));
    expect(warm.value.files.map((file) => [file.path, file.status])).toEqual([['second.html', 'deleted']]);
    expect(warm.processes).toEqual(['commit-tree', 'diff']);
    const cold = await counted(() => rollback(adapter()));
    expect(cold.processes).toEqual(['cat-file', 'commit-tree', 'config', 'diff']);
  });
});
