import type { Workspace } from '../schemas/domain.js';

/**
 * The code host where deployment pull requests are opened. `runGitHostConformance` is the
 * contract.
 */
export interface GitHostPort {
  /**
   * Opens a pull request from `branch` into the base branch the adapter is configured with.
   * Idempotent: when an open pull request from the same head exists, resolves with it and
   * `created: false`; never opens a second one.
   */
  openPullRequest(args: {
    branch: string;
    title: string;
    body: string;
    requestId: string;
    /** The workspace being published, for hosts whose repository depends on it (one per blueprint). */
    workspace?: Workspace;
    signal?: AbortSignal;
  }): Promise<{ number: number; url: string; created: boolean }>;
}
