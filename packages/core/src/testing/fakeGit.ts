import { createHash } from 'node:crypto';
import type { Baseline, DiffFile, DiffSummary, GitPort, Workspace } from '@publishgate/core';
import { isValidBranchName, PublishGateError, publishRequestIdOf } from '@publishgate/core';

type Content = string | Uint8Array;
type Tree = Map<string, Content>;
type Commit = {
  sha: string;
  tree: Tree;
  parent: string | undefined;
  message: string;
  author: { name: string; email: string };
  /** The workspace it was made in; undefined for a blueprint base. */
  workspaceId?: string;
};
// `working` is shared with the head commit's tree until the next change (copy on write), so a
// workspace that commits what it wrote keeps one tree, not two.
type WorkspaceState = { id: string; working: Tree; shared: boolean; head: string; base: string };

/** An operation of the fake that a test can make fail. */
export type FakeGitOperation = 'preview' | 'commit' | 'push' | 'restore';

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
  /** The parent of a commit (undefined for a blueprint base or an unknown sha). */
  parentOf(sha: string): string | undefined;
  /** The commit a workspace's HEAD names. */
  headOf(workspace: Workspace | string): string;
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

  function makeCommit(
    tree: Tree,
    parent: string | undefined,
    message: string,
    author: { name: string; email: string },
    workspaceId?: string,
  ): string {
    counter += 1;
    let input = `${parent ?? ''}\n${message}\n${author.email}\n${counter}\n`;
    for (const path of sortedPaths(tree.keys())) {
      const content = tree.get(path) as Content;
      input += `${path}\u0000${typeof content === 'string' ? content : Buffer.from(content).toString('latin1')}\u0000`;
    }
    const sha = createHash('sha1').update(input).digest('hex');
    commits.set(sha, { sha, tree, parent, message, author, ...(workspaceId === undefined ? {} : { workspaceId }) });
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
      state = { id, working: (commits.get(base) as Commit).tree, shared: true, head: base, base };
      workspaces.set(id, state);
    }
    return state;
  }

  function editable(workspace: Workspace | string): Tree {
    const state = stateOf(workspace);
    if (state.shared) {
      state.working = new Map(state.working);
      state.shared = false;
    }
    return state.working;
  }

  function inWorkspace(state: WorkspaceState, sha: string): boolean {
    return sha === state.base || commits.get(sha)?.workspaceId === state.id;
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
    for (const path of a.keys()) {
      const other = b.get(path);
      if (other === undefined || !sameContent(a.get(path) as Content, other)) return false;
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
        if (!inWorkspace(state, sha)) throw new PublishGateError('validation', `Commit ${sha} is not in this workspace.`);
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
      const head = commits.get(state.head) as Commit;
      if (!treesEqual(state.working, head.tree)) {
        state.head = makeCommit(state.working, state.head, message, author, state.id);
        state.shared = true;
        commitCount += 1;
      } else if (publishRequestIdOf(head.message) !== undefined && publishRequestIdOf(message) !== publishRequestIdOf(head.message)) {
        // HEAD is the commit of another request whose submit died before it was stored: make it
        // again for this request, same parent and tree, so the pinned commit names its own request.
        state.head = makeCommit(head.tree, head.parent, message, author, state.id);
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
      if (!inWorkspace(state, sha)) throw new PublishGateError('validation', `Commit ${sha} is not in this workspace.`);
      const current = remote.get(branch);
      if (current === sha) return { branch, sha, alreadyPushed: true };
      if (current !== undefined) throw new PublishGateError('conflict', `Remote branch ${branch} already points at another commit.`);
      remote.set(branch, sha);
      pushCount += 1;
      return { branch, sha, alreadyPushed: false };
    },

    async restore({ workspace, sha, onto, message, author, signal }) {
      checkSignal(signal);
      takeFailure('restore');
      for (const [what, id] of [
        ['sha', sha],
        ['onto', onto],
      ] as const) {
        if (!/^[0-9a-f]{40}$/.test(id)) throw new PublishGateError('validation', `restore needs a full 40-character ${what}.`);
      }
      const state = stateOf(workspace);
      for (const id of [sha, onto]) {
        if (!inWorkspace(state, id)) throw new PublishGateError('validation', `Commit ${id} is not in this workspace.`);
      }
      const target = commits.get(sha) as Commit;
      if (treesEqual(target.tree, (commits.get(onto) as Commit).tree)) {
        throw new PublishGateError('nothing_to_publish', 'That version is identical to what is published.');
      }
      // The workspace's HEAD and working copy stay as they are: the commit only joins the object store.
      return { sha: makeCommit(target.tree, onto, message, author, state.id) };
    },

    write(workspace, path, content) {
      editable(workspace).set(path, content);
    },
    remove(workspace, path) {
      editable(workspace).delete(path);
    },
    rename(workspace, from, to) {
      const working = editable(workspace);
      const content = working.get(from);
      if (content === undefined) throw new Error(`fake git: no file ${from}`);
      working.delete(from);
      working.set(to, content);
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
    parentOf(sha) {
      return commits.get(sha)?.parent;
    },
    headOf(workspace) {
      return stateOf(workspace).head;
    },
    failNext(operation, error = new Error(`fake git: injected ${operation} failure`), times = 1) {
      for (let index = 0; index < times; index += 1) failures.push({ operation, error });
    },
  };
  return fake;
}

// Sorted by UTF-16 code units, as the built-in sort compares strings.
function sortedPaths(paths: Iterable<string>): string[] {
  return [...paths].sort();
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
  const deleted: string[] = [];
  const added: string[] = [];
  const paths: string[] = [];
  for (const path of base.keys()) {
    paths.push(path);
    if (!target.has(path)) deleted.push(path);
  }
  for (const path of target.keys()) {
    if (base.has(path)) continue;
    paths.push(path);
    added.push(path);
  }
  // Only a file that disappeared can have been renamed: most diffs skip this search.
  const renames = deleted.length > 0 ? findRenames(base, target, deleted, added) : NO_RENAMES;
  const renamedTo = renames.size > 0 ? new Set(renames.values()) : NO_PATHS;
  let additionsTotal = 0;
  let deletionsTotal = 0;
  for (const path of sortedPaths(paths)) {
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
    additionsTotal += additions;
    deletionsTotal += deletions;
    files.push({ path, status, additions, deletions, binary });
    const header = `diff --git a/${path} b/${path}\n--- ${before === undefined ? '/dev/null' : `a/${path}`}\n+++ ${after === undefined ? '/dev/null' : `b/${path}`}\n`;
    if (binary) {
      patches.push(`${header}Binary files differ\n`);
      continue;
    }
    let filePatch = `${header}@@ -${oldLines.length === 0 ? 0 : 1},${oldLines.length} +${newLines.length === 0 ? 0 : 1},${newLines.length} @@\n`;
    for (const line of oldLines) filePatch += `-${line}\n`;
    for (const line of newLines) filePatch += `+${line}\n`;
    patches.push(filePatch.length > maxFilePatchChars ? `${filePatch.slice(0, maxFilePatchChars)}\n[file patch truncated]\n` : filePatch);
  }
  let patch = '';
  let truncated = false;
  for (const piece of patches) {
    if (piece.endsWith('[file patch truncated]\n')) truncated = true;
    if (patch.length + piece.length > maxPatchChars) {
      truncated = true;
      break;
    }
    patch += piece;
  }
  return { files, additions: additionsTotal, deletions: deletionsTotal, patch, truncated };
}

const NO_RENAMES: ReadonlyMap<string, string> = new Map();
const NO_PATHS: ReadonlySet<string> = new Set();

function findRenames(base: Tree, target: Tree, deleted: string[], added: string[]): Map<string, string> {
  const renames = new Map<string, string>();
  for (const path of added) {
    const content = target.get(path) as Content;
    const source = deleted.find((candidate) => !renames.has(candidate) && sameContent(base.get(candidate) as Content, content));
    if (source !== undefined) renames.set(source, path);
  }
  return renames;
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
