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

  /**
   * Optional, for polling hosts without webhooks: where a pull request this port opened is now.
   * `mergeSha` is the commit it was merged as (when `merged`). Rejects like `openPullRequest` does
   * (`port_failed` with `retryable`, `rateLimited`, `retryAfterMs`).
   */
  getPullRequest?(args: {
    number: number;
    /** The pull request's head branch, as the gate pushed it. */
    branch?: string;
    workspace?: Workspace;
    signal?: AbortSignal;
  }): Promise<PullRequestStatus>;

  /**
   * Optional, for polling: the latest deployment of commit `sha` and the state of its latest
   * status, or null when nothing deployed it (yet).
   */
  getDeployment?(args: { sha: string; workspace?: Workspace; signal?: AbortSignal }): Promise<DeploymentStatus | null>;
}

/** Where a pull request is, as {@link GitHostPort.getPullRequest} reports it. */
export type PullRequestStatus = { state: 'open' | 'closed'; merged: boolean; mergeSha?: string };

/**
 * The state of a deployment's latest status (GitHub's deployment status states); `url` is where it
 * is live (`environment_url`), when the deployment said.
 */
export type DeploymentStatus = {
  state: 'pending' | 'queued' | 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';
  url?: string;
};
