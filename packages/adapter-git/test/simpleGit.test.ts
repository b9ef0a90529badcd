import { getEventListeners } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimpleGit } from '@publishgate/adapter-git';
import { PublishGateError } from '@publishgate/core';
import { rejectionOf } from '@publishgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHarness, createRepoFixture, git } from './helpers/repos.js';

const author = { name: 'Builder One', email: 'builder@example.com' };
const blueprint = { kind: 'blueprint' } as const;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function harness(overrides: Parameters<typeof createGitHarness>[0] = {}) {
  const h = await createGitHarness(overrides);
  cleanups.push(h.cleanup as () => Promise<void>);
  return h;
}

// Only this process's directories: other processes on the machine (other test files, other
// checkouts' tests) create and remove their own at any moment.
async function scratchDirs(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith('publishgate-git-') && name.includes(`-${process.pid}-`)).sort();
}

describe('createSimpleGit: the builder’s repository', () => {
  it('preview leaves the builder’s index, staged and unstaged changes exactly as they were', async () => {
    const h = await harness();
    await h.writeFile('staged.txt', 'staged\n');
    await git(h.fixture.workspaceDir, ['add', 'staged.txt']);
    await h.writeFile('index.html', 'unstaged edit\n');
    await h.writeFile('untracked.txt', 'untracked\n');
    const before = await git(h.fixture.workspaceDir, ['status', '--porcelain']);
    const diff = await h.git.preview({ workspace: h.workspace, baseline: blueprint });
    expect(diff.files.map((file) => file.path).sort()).toEqual(['index.html', 'staged.txt', 'untracked.txt']);
    expect(await git(h.fixture.workspaceDir, ['status', '--porcelain'])).toBe(before);
  });

  it('commit stages everything, authors the builder, records the configured committer and leaves a clean status', async () => {
    const h = await harness({ author: { name: 'Publish Bot', email: 'bot@example.com' } });
    await h.writeFile('new.txt', 'new\n');
    await h.removeFile('README.md');
    const { sha } = await h.git.commit({
      workspace: h.workspace,
      baseline: blueprint,
      message: 'Publish Shop to shop\n\nPublish-Request: r1\n',
      author,
    });
    expect(await git(h.fixture.workspaceDir, ['rev-parse', 'HEAD'])).toBe(sha);
    expect(await git(h.fixture.workspaceDir, ['status', '--porcelain'])).toBe('');
    expect(await git(h.fixture.workspaceDir, ['log', '-1', '--format=%an <%ae>|%cn <%ce>|%B', sha])).toBe(
      'Builder One <builder@example.com>|Publish Bot <bot@example.com>|Publish Shop to shop\n\nPublish-Request: r1',
    );
    expect(await git(h.fixture.workspaceDir, ['rev-parse', 'HEAD~1'])).toBe(
      await git(h.fixture.workspaceDir, ['rev-parse', 'origin/main']),
    );
  });

  // A dozen git processes per round: on a loaded machine, far beyond the default timeout.
  it('two submits of one workspace at the same moment (one server or two) both get a commit, instead of one failing the HEAD compare-and-swap as a retryable port failure', async () => {
    const h = await harness();
    const other = createSimpleGit({
      resolveWorkspaceDir: () => h.fixture.workspaceDir,
      remote: `file://${h.fixture.remoteDir}`,
      baseBranch: 'main',
    });
    // Round 1 failed before the fix; four rounds cover both pairings twice.
    for (let round = 1; round <= 4; round += 1) {
      await h.writeFile('page.html', `<p>edit ${round}</p>\n`);
      const second = round % 2 === 0 ? other : h.git;
      const results = await Promise.allSettled([
        h.git.commit({ workspace: h.workspace, baseline: blueprint, message: `Publish\n\nPublish-Request: a${round}\n`, author }),
        second.commit({ workspace: h.workspace, baseline: blueprint, message: `Publish\n\nPublish-Request: b${round}\n`, author }),
      ]);
      expect(
        results.map((result) => (result.status === 'rejected' ? String(result.reason) : 'ok')),
        `round ${round}`,
      ).toEqual(['ok', 'ok']);
      const head = await git(h.fixture.workspaceDir, ['rev-parse', 'HEAD']);
      expect(results.map((result) => (result.status === 'fulfilled' ? result.value.sha : ''))).toContain(head);
      expect(await git(h.fixture.workspaceDir, ['show', `${head}:page.html`])).toBe(`<p>edit ${round}</p>`);
      expect(await git(h.fixture.workspaceDir, ['status', '--porcelain'])).toBe('');
    }
  }, 120_000);

  it('respects .gitignore and .git/info/exclude', async () => {
    const h = await harness();
    await h.writeFile('.gitignore', 'build/\n');
    await h.writeFile('build/out.js', 'generated\n');
    await writeFile(join(h.fixture.workspaceDir, '.git', 'info', 'exclude'), 'notes.local\n');
    await h.writeFile('notes.local', 'private\n');
    await h.writeFile('page.html', 'page\n');
    const diff = await h.git.preview({ workspace: h.workspace, baseline: blueprint });
    expect(diff.files.map((file) => file.path).sort()).toEqual(['.gitignore', 'page.html']);
  });

  it('keeps exotic paths intact (quotes, tabs, non-ASCII)', async () => {
    const h = await harness();
    const names = ['quote "me".txt', 'tab\there.txt', 'ünïcødé/日本.txt'];
    for (const name of names) await h.writeFile(name, 'x\n');
    const diff = await h.git.preview({ workspace: h.workspace, baseline: blueprint });
    expect(diff.files.map((file) => file.path).sort()).toEqual([...names].sort());
  });

  it('regression: non-ASCII names appear as themselves in the patch; names with tabs, quotes or newlines C-quoted, as git writes them', async () => {
    const h = await harness();
    const names = ['café.html', 'with space.txt', 'ünïcødé/日本.txt', 'tab\there.txt', 'quote "me".txt', 'new\nline.txt'];
    for (const name of names) await h.writeFile(name, `${name.length}\n`);
    const diff = await h.git.preview({ workspace: h.workspace, baseline: blueprint });
    expect(diff.files.map((file) => file.path).sort()).toEqual([...names].sort());
    // Real names, as a patch parser reads them (no octal escapes of UTF-8 bytes).
    expect(diff.patch).toContain('diff --git a/café.html b/café.html\n');
    expect(diff.patch).toContain('diff --git a/with space.txt b/with space.txt\n');
    // A name with a space ends with a tab in the ---/+++ lines (GNU diff's convention, so the name's end is unambiguous).
    expect(diff.patch).toContain('+++ b/with space.txt\t\n');
    expect(diff.patch).toContain('+++ b/ünïcødé/日本.txt\n');
    expect(diff.patch).not.toMatch(/\\3\d\d/);
    // Git always C-quotes these; the React parsePatch unquotes them.
    expect(diff.patch).toContain('diff --git "a/tab\\there.txt" "b/tab\\there.txt"\n');
    expect(diff.patch).toContain('+++ "b/quote \\"me\\".txt"\t\n');
    expect(diff.patch).toContain('+++ "b/new\\nline.txt"\n');
  });

  it('reports a rename with edits as renamed with line counts, and a deletion as deleted', async () => {
    const h = await harness();
    const original = Array.from({ length: 20 }, (_, index) => `line ${index}`).join('\n');
    await h.writeFile('long.txt', `${original}\n`);
    const first = await h.git.commit({ workspace: h.workspace, baseline: blueprint, message: 'one\n', author });
    await h.removeFile('long.txt');
    await h.writeFile('renamed.txt', `${original}\nextra\n`);
    await h.removeFile('README.md');
    const diff = await h.git.preview({ workspace: h.workspace, baseline: { kind: 'publication', sha: first.sha } });
    expect(diff.files).toEqual([
      { path: 'README.md', status: 'deleted', additions: 0, deletions: 1, binary: false },
      { path: 'renamed.txt', oldPath: 'long.txt', status: 'renamed', additions: 1, deletions: 0, binary: false },
    ]);
  });
});

describe('createSimpleGit: the blueprint baseline', () => {
  it('is the merge-base with the remote base branch, so commits added to main after the clone do not show as reverted', async () => {
    const h = await harness();
    // Someone else advances main on the remote.
    const other = join(h.fixture.root, 'other');
    await git(h.fixture.root, ['clone', '-q', h.fixture.remoteDir, 'other']);
    await writeFile(join(other, 'upstream.txt'), 'upstream\n');
    await git(other, ['add', '-A']);
    await git(other, ['commit', '-q', '-m', 'upstream']);
    await git(other, ['push', '-q', 'origin', 'main']);
    await h.writeFile('mine.txt', 'mine\n');
    const diff = await h.git.preview({ workspace: h.workspace, baseline: blueprint });
    expect(diff.files.map((file) => file.path)).toEqual(['mine.txt']);
  });

  it('fails plainly when the workspace shares no history with the remote', async () => {
    const h = await harness();
    await rm(join(h.fixture.workspaceDir, '.git'), { recursive: true });
    await git(h.fixture.workspaceDir, ['init', '-q', '-b', 'main']);
    await git(h.fixture.workspaceDir, ['add', '-A']);
    await git(h.fixture.workspaceDir, ['commit', '-q', '-m', 'unrelated']);
    const error = await rejectionOf(h.git.preview({ workspace: h.workspace, baseline: blueprint }));
    expect(PublishGateError.is(error)).toBe(false);
    expect((error as Error).message).toMatch(/shares no history with main/);
  });

  it('a publication baseline unknown to the workspace is a validation error', async () => {
    const h = await harness();
    const error = await rejectionOf(h.git.preview({ workspace: h.workspace, baseline: { kind: 'publication', sha: 'a'.repeat(40) } }));
    expect(PublishGateError.is(error, 'validation')).toBe(true);
  });
});

describe('createSimpleGit: bounded patches', () => {
  it('cuts one huge file at the per-file budget, keeps the small files whole, and flags truncated', async () => {
    const h = await harness({ maxPatchChars: 50_000, maxFilePatchChars: 5_000 });
    await h.writeFile('a-small.txt', 'small change\n');
    await h.writeFile('b-huge.txt', `${Array.from({ length: 20_000 }, (_, index) => `row ${index}`).join('\n')}\n`);
    await h.writeFile('c-small.txt', 'another small change\n');
    const diff = await h.git.preview({ workspace: h.workspace, baseline: blueprint });
    expect(diff.truncated).toBe(true);
    expect(diff.patch.length).toBeLessThanOrEqual(50_000);
    expect(diff.patch).toContain('+small change');
    expect(diff.patch).toContain('+another small change');
    expect(diff.patch).toMatch(/\\ publishgate: \d+ more characters of this file's patch are not shown/);
    expect(diff.files.find((file) => file.path === 'b-huge.txt')?.additions).toBe(20_000);
    const sections = diff.patch.split(/^diff --git /m).filter(Boolean);
    expect(sections.every((section) => section.length <= 5_000)).toBe(true);
  });

  it('stops at the total budget: every file is listed, the patch stays within it', async () => {
    const h = await harness({ maxPatchChars: 10_000, maxFilePatchChars: 2_000 });
    for (let index = 0; index < 40; index += 1) await h.writeFile(`file-${String(index).padStart(2, '0')}.txt`, `${'x'.repeat(400)}\n`);
    const diff = await h.git.preview({ workspace: h.workspace, baseline: blueprint });
    expect(diff.files).toHaveLength(40);
    expect(diff.truncated).toBe(true);
    expect(diff.patch.length).toBeLessThanOrEqual(10_000);
    expect(diff.additions).toBe(40);
  });

  it('a single 8 MB line is streamed, not buffered into the patch', async () => {
    const h = await harness({ maxPatchChars: 20_000, maxFilePatchChars: 10_000 });
    await h.writeFile('bundle.min.js', `${'a'.repeat(8 * 1024 * 1024)}\n`);
    const diff = await h.git.preview({ workspace: h.workspace, baseline: blueprint });
    expect(diff.truncated).toBe(true);
    expect(diff.patch.length).toBeLessThanOrEqual(10_000);
    expect(diff.files).toEqual([{ path: 'bundle.min.js', status: 'added', additions: 1, deletions: 0, binary: false }]);
  });

  it('lists at most maxFiles files and says so', async () => {
    const h = await harness({ maxFiles: 3 });
    for (const name of ['a', 'b', 'c', 'd', 'e']) await h.writeFile(`${name}.txt`, `${name}\n`);
    const diff = await h.git.preview({ workspace: h.workspace, baseline: blueprint });
    expect(diff.files.map((file) => file.path)).toEqual(['a.txt', 'b.txt', 'c.txt']);
    expect(diff.additions).toBe(5);
    expect(diff.truncated).toBe(true);
  });
});

describe('createSimpleGit: robustness', () => {
  it('commit fails (retryably) while the builder’s git holds index.lock, and leaves their lock alone', async () => {
    const h = await harness();
    const lock = join(h.fixture.workspaceDir, '.git', 'index.lock');
    await writeFile(lock, '');
    await h.writeFile('x.txt', 'x\n');
    const error = await rejectionOf(h.git.commit({ workspace: h.workspace, baseline: blueprint, message: 'x\n', author }));
    expect(PublishGateError.is(error)).toBe(false);
    expect((error as Error).message).toMatch(/index\.lock/);
    expect(existsSync(lock)).toBe(true);
  }, 30_000);

  it('removes its scratch directories, after success and after failure', async () => {
    const h = await harness();
    const before = await scratchDirs();
    await h.writeFile('x.txt', 'x\n');
    await h.git.preview({ workspace: h.workspace, baseline: blueprint });
    await rejectionOf(h.git.preview({ workspace: h.workspace, baseline: { kind: 'publication', sha: 'b'.repeat(40) } }));
    expect((await scratchDirs()).filter((name) => !before.includes(name))).toEqual([]);
  });

  it('regression: calls sharing one signal leave no abort listener on it (no MaxListenersExceededWarning in a burst)', async () => {
    const h = await harness();
    const signal = new AbortController().signal;
    await h.writeFile('x.txt', 'x\n');
    const { sha } = await h.git.commit({ workspace: h.workspace, baseline: blueprint, message: 'x\n', author, signal });
    for (let index = 0; index < 12; index += 1) await h.git.preview({ workspace: h.workspace, baseline: blueprint, sha, signal });
    await h.git.push({ workspace: h.workspace, sha, branch: 'publish/listeners', signal });
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('an aborted signal rejects with its reason and runs nothing', async () => {
    const h = await harness();
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    const error = await rejectionOf(h.git.preview({ workspace: h.workspace, baseline: blueprint, signal: controller.signal }));
    expect((error as Error).message).toBe('caller gave up');
  });

  it('refuses invalid authors and messages with validation', async () => {
    const h = await harness();
    await h.writeFile('x.txt', 'x\n');
    for (const [name, email, message] of [
      ['Evil <x@y>', 'a@b.c', 'ok\n'],
      ['Name', 'not-an-email', 'ok\n'],
      ['Line\nbreak', 'a@b.c', 'ok\n'],
      ['Name', 'a@b.c', ''],
      ['Name', 'a@b.c', 'nul\0byte'],
    ] as const) {
      const error = await rejectionOf(h.git.commit({ workspace: h.workspace, baseline: blueprint, message, author: { name, email } }));
      expect(PublishGateError.is(error, 'validation')).toBe(true);
    }
  });

  it('refuses a relative workspace directory and a workspace without .git', async () => {
    const fixture = await createRepoFixture();
    cleanups.push(fixture.cleanup);
    const relative = createSimpleGit({ resolveWorkspaceDir: () => 'ws', remote: `file://${fixture.remoteDir}` });
    expect(
      PublishGateError.is(await rejectionOf(relative.preview({ workspace: fixture.workspace, baseline: blueprint })), 'validation'),
    ).toBe(true);
    const plain = join(fixture.root, 'plain');
    await mkdir(plain);
    const noGit = createSimpleGit({ resolveWorkspaceDir: () => plain, remote: `file://${fixture.remoteDir}` });
    expect(PublishGateError.is(await rejectionOf(noGit.preview({ workspace: fixture.workspace, baseline: blueprint })), 'validation')).toBe(
      true,
    );
  });

  it('works with SHA-256 repositories', async () => {
    const fixture = await createRepoFixture();
    cleanups.push(fixture.cleanup);
    const root = fixture.root;
    await git(root, ['init', '-q', '--bare', '--object-format=sha256', '-b', 'main', 'remote256.git']);
    await git(root, ['init', '-q', '--object-format=sha256', '-b', 'main', 'bp256']);
    await writeFile(join(root, 'bp256', 'index.html'), '<h1>256</h1>\n');
    await git(join(root, 'bp256'), ['add', '-A']);
    await git(join(root, 'bp256'), ['commit', '-q', '-m', 'bp']);
    await git(join(root, 'bp256'), ['push', '-q', join(root, 'remote256.git'), 'main']);
    await git(root, ['clone', '-q', join(root, 'remote256.git'), 'ws256']);
    const port = createSimpleGit({ resolveWorkspaceDir: () => join(root, 'ws256'), remote: join(root, 'remote256.git') });
    await writeFile(join(root, 'ws256', 'new.txt'), 'new\n');
    const { sha } = await port.commit({ workspace: fixture.workspace, baseline: blueprint, message: 'x\n', author });
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expect(await port.push({ workspace: fixture.workspace, sha, branch: 'publish/sha256' })).toMatchObject({ alreadyPushed: false });
    expect(await git(join(root, 'remote256.git'), ['rev-parse', 'publish/sha256'])).toBe(sha);
  });
});
