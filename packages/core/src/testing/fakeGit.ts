import { createHash } from 'node:crypto';
import type { Baseline, DiffFile, DiffSummary, GitPort, Workspace } from '@publishgate/core';
import { isValidBranchName, PublishGateError } from '@publishgate/core';

type Content = string | Uint8Array;
type Tree = Map<string, Content>;
type Commit = { sha: string; tree: Tree; parent: string | undefined; message: string; author: { name: string; email: string } };
type WorkspaceState = { working: Tree; head: string; commits: Set<string> };

/** An operation of the fake that a test can make fail. */
export type FakeGitOperation = 'preview' | 'commit' | 'push';

/** Options for {@link createFakeGit}. */
export type FakeGitOptions = {
  /** Files every new workspace starts with, per blueprint id (`'*'` for any). Default: a README. */
  blueprints?: Record<string, Record<string, Content>>;
  /** Total patch budget in characters before `truncated` is set. Default 200,000. */
  maxPatchChars?: number;
  /** Patch budget per file. Default 50,000. */
  maxFilePatchChars?: number;
};

/** The in-memory GitPort plus the handles a test needs to drive and inspect it. */
export type FakeGit = GitPort & {
  /** Writes a file in a workspace's working copy (creating the workspace from its blueprint). */
  write(workspace: Workspace | string, path: string, content: Content): void;
  /** Deletes a file from a workspace's working copy. */
  remove(workspace: Workspace | string, path: string): void;
  /** Moves a file in a workspace's working copy. */
  rename(workspace: Workspace | string, from: string, to: string): void;
  /** The file contents of a commit, or undefined for an unknown sha. */
  filesAt(sha: string): Record<string, Content> | undefined;
  /** Where a remote branch points, or undefined. */
  remoteBranch(branch: string): string | undefined;
  /** Every remote branch and its commit. */
  remoteBranches(): Record<string, string>;
  /** Points a remote branch somewhere, as another user's push would. */
  setRemoteBranch(branch: string, sha: string): void;
  /** How many pushes changed the remote (idempotent no-op pushes are not counted). */
  readonly pushCount: number;
  /** How many commits `commit` created in workspaces (blueprint bases are not counted). */
  readonly commitCount: number;
  /** Makes the next `times` calls of `operation` reject with `error`. */
  failNext(operation: FakeGitOperation, error?: Error, times?: number): void;
};

const DEFAULT_BLUEPRINT: Record<string, Content> = { 'README.md': '# Sample app\n', 'index.html': '<h1>Hello</h1>\n' };

/**
 * An in-memory {@link GitPort} with the same contract as the simple-git adapter: content-addressed
 * commits, a shared remote, idempotent never-forcing pushes, bounded patches. For tests and
 * benchmarks of everything above git.
 */
export function createFakeGit(options: FakeGitOptions = {}): FakeGit {
  const maxPatchChars = options.maxPatchChars ?? 200_000;
  const maxFilePatchChars = options.maxFilePatchChars ?? 50_000;
  const blueprints = options.blueprints ?? {};
  const commits = new Map<string, Commit>();
  const baseShas = new Map<string, string>();
  const workspaces = new Map<string, WorkspaceState>();
  const remote = new Map<string, string>();
  const failures: Array<{ operation: FakeGitOperation; error: Error }> = [];
  let pushCount = 0;
  let commitCount = 0;
  let counter = 0;

  function makeCommit(tree: Tree, parent: string | undefined, message: string, author: { name: string; email: string }): string {
    counter += 1;
    const hash = createHash('sha1');
    hash.update(`${parent ?? ''}\n${message}\n${author.email}\n${counter}\n`);
    for (const [path, content] of [...tree.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      hash.update(path);
      hash.update(typeof content === 'string' ? content : Buffer.from(content));
    }
    const sha = hash.digest('hex');
    commits.set(sha, { sha, tree: new Map(tree), parent, message, author });
    return sha;
  }

  function baseFor(blueprintId: string): string {
    const known = baseShas.get(blueprintId);
    if (known) return known;
    const files = blueprints[blueprintId] ?? blueprints['*'] ?? DEFAULT_BLUEPRINT;
    const sha = makeCommit(new Map(Object.entries(files)), undefined, `blueprint ${blueprintId}`, {
      name: 'blueprint',
      email: 'blueprint@example.invalid',
    });
    baseShas.set(blueprintId, sha);
    return sha;
  }

  function stateOf(workspace: Workspace | string): WorkspaceState {
    const id = typeof workspace === 'string' ? workspace : workspace.id;
    let state = workspaces.get(id);
    if (!state) {
      const blueprintId = typeof workspace === 'string' ? '*' : workspace.blueprintId;
      const base = baseFor(blueprintId);
      state = { working: new Map(commits.get(base)?.tree), head: base, commits: new Set([base]) };
      workspaces.set(id, state);
    }
    return state;
  }

  function takeFailure(operation: FakeGitOperation) {
    const index = failures.findIndex((failure) => failure.operation === operation);
    if (index >= 0) {
      const [failure] = failures.splice(index, 1);
      if (failure) throw failure.error;
    }
  }

  function checkSignal(signal: AbortSignal | undefined) {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  }

  function baselineTree(workspace: Workspace, baseline: Baseline): Tree {
    if (baseline.kind === 'blueprint') return commits.get(baseFor(workspace.blueprintId))?.tree ?? new Map();
    const commit = commits.get(baseline.sha);
    if (!commit) throw new PublishGateError('validation', `Unknown baseline commit ${baseline.sha}.`);
    return commit.tree;
  }

  function treesEqual(a: Tree, b: Tree): boolean {
    if (a.size !== b.size) return false;
    for (const [path, content] of a) {
      const other = b.get(path);
      if (other === undefined || !sameContent(content, other)) return false;
    }
    return true;
  }

  const fake: FakeGit = {
    async preview({ workspace, baseline, sha, signal }) {
      checkSignal(signal);
      takeFailure('preview');
      const state = stateOf(workspace);
      let target = state.working;
      if (sha !== undefined) {
        if (!state.commits.has(sha)) throw new PublishGateError('validation', `Commit ${sha} is not in this workspace.`);
        target = (commits.get(sha) as Commit).tree;
      }
      return diffTrees(baselineTree(workspace, baseline), target, maxPatchChars, maxFilePatchChars);
    },

    async commit({ workspace, baseline, message, author, signal }) {
      checkSignal(signal);
      takeFailure('commit');
      const state = stateOf(workspace);
      if (treesEqual(state.working, baselineTree(workspace, baseline))) {
        throw new PublishGateError('nothing_to_publish', 'The workspace is identical to what is published.');
      }
      const headTree = (commits.get(state.head) as Commit).tree;
      if (!treesEqual(state.working, headTree)) {
        state.head = makeCommit(state.working, state.head, message, author);
        state.commits.add(state.head);
        commitCount += 1;
      }
      return { sha: state.head };
    },

    async push({ workspace, sha, branch, signal }) {
      checkSignal(signal);
      takeFailure('push');
      if (!/^[0-9a-f]{40}$/.test(sha)) throw new PublishGateError('validation', 'push needs a full 40-character commit id.');
      if (!isValidBranchName(branch)) throw new PublishGateError('validation', 'Invalid branch name.');
      const state = stateOf(workspace);
      if (!state.commits.has(sha)) throw new PublishGateError('validation', `Commit ${sha} is not in this workspace.`);
      const current = remote.get(branch);
      if (current === sha) return { branch, sha, alreadyPushed: true };
      if (current !== undefined) throw new PublishGateError('conflict', `Remote branch ${branch} already points at another commit.`);
      remote.set(branch, sha);
      pushCount += 1;
      return { branch, sha, alreadyPushed: false };
    },

    write(workspace, path, content) {
      stateOf(workspace).working.set(path, content);
    },
    remove(workspace, path) {
      stateOf(workspace).working.delete(path);
    },
    rename(workspace, from, to) {
      const state = stateOf(workspace);
      const content = state.working.get(from);
      if (content === undefined) throw new Error(`fake git: no file ${from}`);
      state.working.delete(from);
      state.working.set(to, content);
    },
    filesAt(sha) {
      const commit = commits.get(sha);
      return commit ? Object.fromEntries(commit.tree) : undefined;
    },
    remoteBranch(branch) {
      return remote.get(branch);
    },
    remoteBranches() {
      return Object.fromEntries(remote);
    },
    setRemoteBranch(branch, sha) {
      remote.set(branch, sha);
    },
    get pushCount() {
      return pushCount;
    },
    get commitCount() {
      return commitCount;
    },
    failNext(operation, error = new Error(`fake git: injected ${operation} failure`), times = 1) {
      for (let index = 0; index < times; index += 1) failures.push({ operation, error });
    },
  };
  return fake;
}

function sameContent(a: Content, b: Content): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return Buffer.from(a).equals(Buffer.from(b));
}

function isBinary(content: Content): boolean {
  return typeof content !== 'string' || content.includes('\u0000');
}

function linesOf(content: Content): string[] {
  const text = typeof content === 'string' ? content : '';
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// Whole-file hunks are enough for a fake: counts are exact for the multiset of lines, and the
// patch is valid unified-diff syntax that the findings scanner and UI can read.
function diffTrees(base: Tree, target: Tree, maxPatchChars: number, maxFilePatchChars: number): DiffSummary {
  const files: DiffFile[] = [];
  const patches: string[] = [];
  const deleted = [...base.keys()].filter((path) => !target.has(path));
  const added = [...target.keys()].filter((path) => !base.has(path));
  const renames = new Map<string, string>();
  for (const path of added) {
    const content = target.get(path) as Content;
    const source = deleted.find((candidate) => !renames.has(candidate) && sameContent(base.get(candidate) as Content, content));
    if (source !== undefined) renames.set(source, path);
  }
  const renamedTo = new Set(renames.values());
  const paths = new Set([...base.keys(), ...target.keys()]);
  for (const path of [...paths].sort()) {
    const before = base.get(path);
    const after = target.get(path);
    if (before !== undefined && after !== undefined && sameContent(before, after)) continue;
    if (renamedTo.has(path)) continue;
    if (before !== undefined && after === undefined && renames.has(path)) {
      const to = renames.get(path) as string;
      const binary = isBinary(before);
      files.push({ path: to, oldPath: path, status: 'renamed', additions: 0, deletions: 0, binary });
      patches.push(`diff --git a/${path} b/${to}\nsimilarity index 100%\nrename from ${path}\nrename to ${to}\n`);
      continue;
    }
    const binary = (before !== undefined && isBinary(before)) || (after !== undefined && isBinary(after));
    const status: DiffFile['status'] = before === undefined ? 'added' : after === undefined ? 'deleted' : 'modified';
    const oldLines = before === undefined || binary ? [] : linesOf(before);
    const newLines = after === undefined || binary ? [] : linesOf(after);
    const { additions, deletions } = countChanges(oldLines, newLines);
    files.push({ path, status, additions, deletions, binary });
    const header = `diff --git a/${path} b/${path}\n--- ${before === undefined ? '/dev/null' : `a/${path}`}\n+++ ${after === undefined ? '/dev/null' : `b/${path}`}\n`;
    if (binary) {
      patches.push(`${header}Binary files differ\n`);
      continue;
    }
    const hunk = `@@ -${oldLines.length === 0 ? 0 : 1},${oldLines.length} +${newLines.length === 0 ? 0 : 1},${newLines.length} @@\n`;
    const body = `${oldLines.map((line) => `-${line}\n`).join('')}${newLines.map((line) => `+${line}\n`).join('')}`;
    const filePatch = `${header}${hunk}${body}`;
    patches.push(filePatch.length > maxFilePatchChars ? `${filePatch.slice(0, maxFilePatchChars)}\n[file patch truncated]\n` : filePatch);
  }
  let patch = '';
  let truncated = false;
  for (const piece of patches) {
    if (patch.length + piece.length > maxPatchChars) {
      truncated = true;
      break;
    }
    patch += piece;
  }
  if (patches.some((piece) => piece.endsWith('[file patch truncated]\n'))) truncated = true;
  return {
    files,
    additions: files.reduce((sum, file) => sum + file.additions, 0),
    deletions: files.reduce((sum, file) => sum + file.deletions, 0),
    patch,
    truncated,
  };
}

function countChanges(oldLines: string[], newLines: string[]): { additions: number; deletions: number } {
  const remaining = new Map<string, number>();
  for (const line of oldLines) remaining.set(line, (remaining.get(line) ?? 0) + 1);
  let additions = 0;
  for (const line of newLines) {
    const count = remaining.get(line) ?? 0;
    if (count > 0) remaining.set(line, count - 1);
    else additions += 1;
  }
  let deletions = 0;
  for (const count of remaining.values()) deletions += count;
  return { additions, deletions };
}
