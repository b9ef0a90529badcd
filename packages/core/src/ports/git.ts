import type { Baseline, DiffSummary, Workspace } from '../schemas/domain.js';

/** The builder a commit is authored by. */
export type CommitAuthor = { name: string; email: string };

/**
 * Git operations on a builder's workspace. `runGitConformance` is the contract.
 * Adapters may throw plain errors; the gate wraps them as `port_failed`. They throw
 * `PublishGateError` themselves only for the codes named below.
 */
export interface GitPort {
  /**
   * The diff of the workspace against `baseline`: its committed and uncommitted changes, or, when
   * `sha` is given, exactly that commit's tree. `baseline.kind === 'blueprint'` means the base the
   * workspace was created from. The patch is bounded per file and in total (`truncated` says so).
   */
  preview(args: { workspace: Workspace; baseline: Baseline; sha?: string; signal?: AbortSignal }): Promise<DiffSummary>;

  /**
   * Commits every change in the workspace with `author` and returns the commit id the request
   * pins. A clean workspace ahead of the baseline returns its HEAD, unless HEAD is a publish
   * commit whose `Publish-Request:` trailer names another request (its submit died before the
   * request was stored): then a commit with the same parents and tree and this `message` is made,
   * so a pinned commit always names its own request. Rejects with `nothing_to_publish` when the
   * workspace is identical to the baseline.
   */
  commit(args: {
    workspace: Workspace;
    baseline: Baseline;
    message: string;
    author: CommitAuthor;
    signal?: AbortSignal;
  }): Promise<{ sha: string }>;

  /**
   * Makes the remote branch `branch` point at `sha`. Idempotent: when it already does, resolves
   * with `alreadyPushed: true` without pushing. Never force-pushes; a branch that exists at another
   * commit rejects with `conflict`. A `sha` that is not a full id of a commit in the workspace
   * rejects with `validation`.
   */
  push(args: {
    workspace: Workspace;
    sha: string;
    branch: string;
    signal?: AbortSignal;
  }): Promise<{ branch: string; sha: string; alreadyPushed: boolean }>;

  /**
   * Makes a new commit in the workspace's object store whose only parent is `onto` and whose tree
   * is exactly `sha`'s tree, with `author` and `message`, and returns its id: the commit a rollback
   * request pins ("bring back `sha` on top of what is published now"). The builder's working tree,
   * index, HEAD and branches are not touched. Both ids must be full ids of commits in the workspace
   * (else `validation`); when the two trees are equal there is nothing to bring back and it rejects
   * with `nothing_to_publish`. Optional: a gate whose adapter lacks it refuses rollbacks.
   */
  restore?(args: {
    workspace: Workspace;
    sha: string;
    onto: string;
    message: string;
    author: CommitAuthor;
    signal?: AbortSignal;
  }): Promise<{ sha: string }>;
}
