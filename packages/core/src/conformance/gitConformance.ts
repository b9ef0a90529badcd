import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GitPort, Workspace } from '@publishgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { expectErrorCode } from './expectErrorCode.js';

/** One fresh workspace (from a blueprint, untouched) with the handles the suite needs. */
export type GitHarness = {
  git: GitPort;
  workspace: Workspace;
  /** Writes a file in the working copy (not committed). */
  writeFile(path: string, content: string | Uint8Array): Promise<void>;
  /** Deletes a file from the working copy. */
  removeFile(path: string): Promise<void>;
  /** Moves a file in the working copy. */
  renameFile(from: string, to: string): Promise<void>;
  /** A file the blueprint created, which the suite may modify or delete. */
  existingFile: string;
  /** Where a branch points on the remote, or undefined. */
  remoteBranchSha(branch: string): Promise<string | undefined>;
  /** The parents of a commit, oldest first; lets the suite check what `restore` made (checked when given). */
  commitParents?(sha: string): Promise<string[]>;
  /** Releases what the harness made. */
  cleanup?(): Promise<void>;
};

/** How to build the git adapter under test. */
export type GitConformanceOptions = {
  name: string;
  /** A fresh harness per test. */
  create: () => Promise<GitHarness>;
  /** The most characters `preview` may return in `patch` for the truncation test. Default 2,000,000. */
  maxPatchChars?: number;
  /** Per-test timeout in ms. Default 30,000. */
  timeoutMs?: number;
  /**
   * Whether the adapter implements the optional `restore` (rollbacks). Default true; with false the
   * suite checks that `restore` is absent, so a gate on this adapter refuses rollbacks.
   */
  restore?: boolean;
};

const author = { name: 'Builder One', email: 'builder@example.com' };
// A file an injected `--upload-pack=touch …` would create; the suite checks it never appears.
const CANARY = join(tmpdir(), `publishgate-git-conformance-canary-${process.pid}`);

/**
 * The GitPort contract as a vitest suite: diffs against both baselines, pinned commits,
 * idempotent and non-forcing pushes, refusal of unsafe arguments, bounded patches, and restore
 * commits for rollbacks.
 *
 * @example
 * ```ts
 * runGitConformance({ name: 'simple-git', create: () => makeRepoHarness() });
 * ```
 */
export function runGitConformance(options: GitConformanceOptions): void {
  const timeout = options.timeoutMs ?? 30_000;
  const maxPatchChars = options.maxPatchChars ?? 2_000_000;
  const harnesses: GitHarness[] = [];

  async function fresh(): Promise<GitHarness> {
    const harness = await options.create();
    harnesses.push(harness);
    return harness;
  }

  describe(`GitPort conformance: ${options.name}`, () => {
    afterEach(async () => {
      for (const harness of harnesses.splice(0)) await harness.cleanup?.();
    });

    it('preview of an untouched workspace against its blueprint is empty', { timeout }, async () => {
      const { git, workspace } = await fresh();
      const diff = await git.preview({ workspace, baseline: { kind: 'blueprint' } });
      expect(diff).toEqual({ files: [], additions: 0, deletions: 0, patch: '', truncated: false });
    });

    it('preview shows uncommitted additions, modifications and deletions with line counts', { timeout }, async () => {
      const h = await fresh();
      await h.writeFile('pages/about.html', '<p>one</p>\n<p>two</p>\n');
      await h.writeFile(h.existingFile, 'replaced\n');
      const diff = await h.git.preview({ workspace: h.workspace, baseline: { kind: 'blueprint' } });
      const added = diff.files.find((file) => file.path === 'pages/about.html');
      expect(added).toMatchObject({ status: 'added', additions: 2, deletions: 0, binary: false });
      const modified = diff.files.find((file) => file.path === h.existingFile);
      expect(modified).toMatchObject({ status: 'modified', binary: false });
      expect(modified?.additions).toBeGreaterThanOrEqual(1);
      expect(diff.patch).toContain('+<p>two</p>');
      expect(diff.additions).toBe(diff.files.reduce((sum, file) => sum + file.additions, 0));
      await h.removeFile(h.existingFile);
      const afterDelete = await h.git.preview({ workspace: h.workspace, baseline: { kind: 'blueprint' } });
      expect(afterDelete.files.find((file) => file.path === h.existingFile)).toMatchObject({ status: 'deleted', additions: 0 });
    });

    it('preview reports a rename with its old path', { timeout }, async () => {
      const h = await fresh();
      await h.renameFile(h.existingFile, `moved-${h.existingFile.replace(/\//g, '-')}`);
      const diff = await h.git.preview({ workspace: h.workspace, baseline: { kind: 'blueprint' } });
      expect(diff.files).toHaveLength(1);
      expect(diff.files[0]).toMatchObject({
        status: 'renamed',
        oldPath: h.existingFile,
        path: `moved-${h.existingFile.replace(/\//g, '-')}`,
      });
    });

    it('preview flags binary files', { timeout }, async () => {
      const h = await fresh();
      await h.writeFile('logo.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0x00, 0xff]));
      const diff = await h.git.preview({ workspace: h.workspace, baseline: { kind: 'blueprint' } });
      expect(diff.files.find((file) => file.path === 'logo.png')).toMatchObject({ status: 'added', binary: true });
    });

    it('commit pins the workspace state and returns a full commit id', { timeout }, async () => {
      const h = await fresh();
      await h.writeFile('new.txt', 'hello\n');
      const { sha } = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'Publish', author });
      expect(sha).toMatch(/^[0-9a-f]{40}$/);
      const pinned = await h.git.preview({ workspace: h.workspace, baseline: { kind: 'blueprint' }, sha });
      expect(pinned.files.map((file) => file.path)).toEqual(['new.txt']);
    });

    it('commit of an untouched workspace rejects with nothing_to_publish', { timeout }, async () => {
      const h = await fresh();
      await expectErrorCode(
        h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'Publish', author }),
        'nothing_to_publish',
      );
    });

    it('commit of a clean workspace ahead of its baseline returns that HEAD', { timeout }, async () => {
      const h = await fresh();
      await h.writeFile('new.txt', 'hello\n');
      const first = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'Publish', author });
      const second = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'Publish again', author });
      expect(second.sha).toBe(first.sha);
    });

    it('commit of a clean workspace whose HEAD is the publish commit of another request makes a commit for this request', {
      timeout,
    }, async () => {
      const h = await fresh();
      await h.writeFile('index.html', '<h1>Orphaned</h1>\n');
      const baseline = { kind: 'blueprint' } as const;
      // A submit that committed and then died before its request was stored leaves this HEAD.
      const orphan = await h.git.commit({ workspace: h.workspace, baseline, message: 'Publish\n\nPublish-Request: req-lost\n', author });
      const next = await h.git.commit({ workspace: h.workspace, baseline, message: 'Publish\n\nPublish-Request: req-next\n', author });
      expect(next.sha).not.toBe(orphan.sha);
      const again = await h.git.commit({ workspace: h.workspace, baseline, message: 'Publish\n\nPublish-Request: req-next\n', author });
      expect(again.sha).toBe(next.sha);
      const files = async (sha: string) => (await h.git.preview({ workspace: h.workspace, baseline, sha })).files;
      expect(await files(next.sha)).toEqual(await files(orphan.sha));
    });

    it('against a publication baseline: identical rejects with nothing_to_publish, later edits show alone', { timeout }, async () => {
      const h = await fresh();
      await h.writeFile('one.txt', 'one\n');
      const published = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'Publish', author });
      const baseline = { kind: 'publication' as const, sha: published.sha };
      await expectErrorCode(h.git.commit({ workspace: h.workspace, baseline, message: 'Again', author }), 'nothing_to_publish');
      await h.writeFile('two.txt', 'two\n');
      const diff = await h.git.preview({ workspace: h.workspace, baseline });
      expect(diff.files.map((file) => file.path)).toEqual(['two.txt']);
    });

    it('preview with sha shows that commit, not edits made after it', { timeout }, async () => {
      const h = await fresh();
      await h.writeFile('pinned.txt', 'v1\n');
      const { sha } = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'Publish', author });
      await h.writeFile('pinned.txt', 'v2\n');
      await h.writeFile('later.txt', 'later\n');
      const pinned = await h.git.preview({ workspace: h.workspace, baseline: { kind: 'blueprint' }, sha });
      expect(pinned.files.map((file) => file.path)).toEqual(['pinned.txt']);
      expect(pinned.patch).toContain('+v1');
      expect(pinned.patch).not.toContain('+v2');
    });

    it('preview against a commit baseline with sha shows only what changed between the two commits', { timeout }, async () => {
      const h = await fresh();
      await h.writeFile('page.html', '<h1>Draft</h1>\n');
      await h.writeFile('debug.html', 'debug\n');
      const first = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'Publish 1', author });
      // The builder answers the feedback: one file changed, one removed, one untouched.
      await h.writeFile('page.html', '<h1>Final</h1>\n');
      await h.removeFile('debug.html');
      const second = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'Publish 2', author });
      const since = await h.git.preview({ workspace: h.workspace, baseline: { kind: 'commit', sha: first.sha }, sha: second.sha });
      expect(since.files.map((file) => [file.path, file.status])).toEqual([
        ['debug.html', 'deleted'],
        ['page.html', 'modified'],
      ]);
      expect(since.patch).toContain('-<h1>Draft</h1>');
      expect(since.patch).toContain('+<h1>Final</h1>');
      expect(since.patch).not.toContain(h.existingFile);
      await expectErrorCode(
        h.git.preview({ workspace: h.workspace, baseline: { kind: 'commit', sha: 'not-a-sha' }, sha: second.sha }),
        'validation',
      );
    });

    it('push puts exactly the pinned sha on the remote branch, even after later commits', { timeout }, async () => {
      const h = await fresh();
      await h.writeFile('a.txt', 'a\n');
      const pinned = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'Publish', author });
      await h.writeFile('b.txt', 'b\n');
      const later = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'Later', author });
      expect(later.sha).not.toBe(pinned.sha);
      const result = await h.git.push({ workspace: h.workspace, sha: pinned.sha, branch: 'publish/site-1' });
      expect(result).toEqual({ branch: 'publish/site-1', sha: pinned.sha, alreadyPushed: false });
      expect(await h.remoteBranchSha('publish/site-1')).toBe(pinned.sha);
    });

    it('push is idempotent: the same sha again resolves alreadyPushed without changing the remote', { timeout }, async () => {
      const h = await fresh();
      await h.writeFile('a.txt', 'a\n');
      const { sha } = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'Publish', author });
      await h.git.push({ workspace: h.workspace, sha, branch: 'publish/again' });
      expect(await h.git.push({ workspace: h.workspace, sha, branch: 'publish/again' })).toEqual({
        branch: 'publish/again',
        sha,
        alreadyPushed: true,
      });
      expect(await h.remoteBranchSha('publish/again')).toBe(sha);
    });

    it('push never moves a branch that points at another commit: it rejects with conflict', { timeout }, async () => {
      const h = await fresh();
      await h.writeFile('a.txt', 'a\n');
      const first = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'One', author });
      await h.git.push({ workspace: h.workspace, sha: first.sha, branch: 'publish/taken' });
      await h.writeFile('b.txt', 'b\n');
      const second = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'Two', author });
      await expectErrorCode(h.git.push({ workspace: h.workspace, sha: second.sha, branch: 'publish/taken' }), 'conflict');
      expect(await h.remoteBranchSha('publish/taken')).toBe(first.sha);
    });

    it('push refuses shas that are not full ids of a commit in the workspace', { timeout }, async () => {
      const h = await fresh();
      await h.writeFile('a.txt', 'a\n');
      const { sha } = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'One', author });
      for (const bad of [
        sha.slice(0, 7),
        'HEAD',
        'HEAD~1',
        `--upload-pack=touch /tmp/pwned`,
        sha.toUpperCase(),
        'f'.repeat(40),
        `${sha}^`,
      ]) {
        await expectErrorCode(h.git.push({ workspace: h.workspace, sha: bad, branch: 'publish/bad-sha' }), 'validation');
      }
      expect(await h.remoteBranchSha('publish/bad-sha')).toBeUndefined();
      expect(existsSync(CANARY), 'an injected command ran').toBe(false);
    });

    it('push refuses branch names git would reject or read as options', { timeout }, async () => {
      const h = await fresh();
      await h.writeFile('a.txt', 'a\n');
      const { sha } = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'One', author });
      for (const bad of [
        '--upload-pack=touch /tmp/pwned',
        '-f',
        'a..b',
        'a b',
        'x@{1}',
        'ends.lock',
        '.hidden',
        'trailing/',
        'a:b',
        'HEAD',
      ]) {
        await expectErrorCode(h.git.push({ workspace: h.workspace, sha, branch: bad }), 'validation');
      }
      expect(existsSync(CANARY), 'an injected command ran').toBe(false);
    });

    it('a huge change is bounded: truncated is set and the patch stays under the limit', { timeout }, async () => {
      const h = await fresh();
      const line = 'x'.repeat(120);
      await h.writeFile('huge.txt', `${Array.from({ length: 40_000 }, (_, index) => `${index} ${line}`).join('\n')}\n`);
      const diff = await h.git.preview({ workspace: h.workspace, baseline: { kind: 'blueprint' } });
      expect(diff.truncated).toBe(true);
      expect(diff.patch.length).toBeLessThanOrEqual(maxPatchChars);
      expect(diff.files.find((file) => file.path === 'huge.txt')?.additions).toBe(40_000);
    });
    if (options.restore === false) {
      it('restore is absent when the adapter says it has none', { timeout }, async () => {
        const { git } = await fresh();
        expect(git.restore).toBeUndefined();
      });
      return;
    }

    /** Two publish commits in a row: `first` (a.txt = one), then `second` (a.txt = two, b.txt added). */
    async function twoVersions(h: GitHarness) {
      await h.writeFile('a.txt', 'one\n');
      const first = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'First', author });
      await h.writeFile('a.txt', 'two\n');
      await h.writeFile('b.txt', 'bee\n');
      const baseline = { kind: 'publication' as const, sha: first.sha };
      const second = await h.git.commit({ workspace: h.workspace, baseline, message: 'Second', author });
      return { first: first.sha, second: second.sha };
    }

    function restoreOf(git: GitPort) {
      const restore = git.restore?.bind(git);
      if (!restore) throw new Error('this adapter has no restore; pass `restore: false` to the suite');
      return restore;
    }

    it('restore makes a commit on top of onto whose tree is exactly the tree of sha', { timeout }, async () => {
      const h = await fresh();
      const { first, second } = await twoVersions(h);
      const restored = await restoreOf(h.git)({ workspace: h.workspace, sha: first, onto: second, message: 'Roll back', author });
      expect(restored.sha).toMatch(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/);
      expect([first, second]).not.toContain(restored.sha);
      // Same tree as `first`: nothing differs.
      const same = await h.git.preview({ workspace: h.workspace, baseline: { kind: 'publication', sha: first }, sha: restored.sha });
      expect(same.files).toEqual([]);
      // Against `second`, exactly what the rollback undoes.
      const undo = await h.git.preview({ workspace: h.workspace, baseline: { kind: 'publication', sha: second }, sha: restored.sha });
      expect(undo.files.map((file) => [file.path, file.status]).sort()).toEqual([
        ['a.txt', 'modified'],
        ['b.txt', 'deleted'],
      ]);
      if (h.commitParents) expect(await h.commitParents(restored.sha)).toEqual([second]);
      // The restore commit is an ordinary commit of the workspace: it can be pushed.
      await h.git.push({ workspace: h.workspace, sha: restored.sha, branch: 'publish/rollback' });
      expect(await h.remoteBranchSha('publish/rollback')).toBe(restored.sha);
    });

    it('restore leaves the working copy, HEAD and uncommitted edits as they were', { timeout }, async () => {
      const h = await fresh();
      const { first, second } = await twoVersions(h);
      await h.writeFile('draft.txt', 'work in progress\n');
      const before = await h.git.preview({ workspace: h.workspace, baseline: { kind: 'publication', sha: second } });
      await restoreOf(h.git)({ workspace: h.workspace, sha: first, onto: second, message: 'Roll back', author });
      const after = await h.git.preview({ workspace: h.workspace, baseline: { kind: 'publication', sha: second } });
      expect(after).toEqual(before);
      expect(after.files.map((file) => file.path)).toEqual(['draft.txt']);
      // HEAD did not move to the restore commit: committing now builds on `second`.
      const next = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'publication', sha: second }, message: 'Next', author });
      if (h.commitParents) expect(await h.commitParents(next.sha)).toEqual([second]);
    });

    it('restore of a version whose tree equals onto rejects with nothing_to_publish', { timeout }, async () => {
      const h = await fresh();
      const { second } = await twoVersions(h);
      await expectErrorCode(
        restoreOf(h.git)({ workspace: h.workspace, sha: second, onto: second, message: 'Roll back', author }),
        'nothing_to_publish',
      );
    });

    it('restore refuses shas that are not full ids of commits in the workspace with validation', { timeout }, async () => {
      const h = await fresh();
      const { first, second } = await twoVersions(h);
      const restore = restoreOf(h.git);
      for (const bad of [
        first.slice(0, 7),
        'HEAD',
        'HEAD~1',
        `--upload-pack=touch ${CANARY}`,
        first.toUpperCase(),
        'f'.repeat(40),
        `${first}^`,
      ]) {
        await expectErrorCode(restore({ workspace: h.workspace, sha: bad, onto: second, message: 'Roll back', author }), 'validation');
        await expectErrorCode(restore({ workspace: h.workspace, sha: first, onto: bad, message: 'Roll back', author }), 'validation');
      }
      expect(existsSync(CANARY), 'an injected command ran').toBe(false);
    });
  });
}
