import type { DeploymentStatus, GitHostPort, PullRequestStatus } from '@publishgate/core';
import { PublishGateError } from '@publishgate/core';

/** A pull request as the fake host keeps it. */
export type FakePullRequest = {
  number: number;
  url: string;
  head: string;
  base: string;
  title: string;
  body: string;
  requestId: string;
  state: 'open' | 'closed';
  /** Set by {@link FakeGitHost.merge}. */
  mergeSha?: string;
};

/** Options for {@link createFakeGitHost}. */
export type FakeGitHostOptions = {
  /** Base branch pull requests target. Default `main`. */
  baseBranch?: string;
  /** Prefix of pull request URLs. Default `https://git.example.test/acme/sites/pull/`. */
  urlPrefix?: string;
  /** When given, opening a PR for a branch this says does not exist fails, as GitHub's 422 would. */
  branchExists?: (branch: string) => boolean;
};

/** The in-memory GitHostPort plus the handles a test needs. */
export type FakeGitHost = GitHostPort & {
  /** Every pull request opened, in order. */
  pullRequests(): FakePullRequest[];
  /** How many `openPullRequest` calls created a new pull request. */
  readonly createdCount: number;
  /**
   * Makes the next `times` calls reject with `error`. With `afterCreate: true` the pull request is
   * created first and then the call fails, as a 5xx after a successful POST does.
   */
  failNext(error?: Error, options?: { times?: number; afterCreate?: boolean }): void;
  /** Closes a pull request, so a later open for the same head creates a new one. */
  close(number: number): void;
  /** Merges (and closes) a pull request as commit `mergeSha`. */
  merge(number: number, mergeSha: string): void;
  /** Sets the latest deployment status of commit `sha` (what `getDeployment` answers). */
  deploy(sha: string, status: DeploymentStatus): void;
  /** How many `getPullRequest` and `getDeployment` calls were made. */
  readonly pollCount: number;
};

/**
 * An in-memory {@link GitHostPort}: one open pull request per head branch, idempotent opens,
 * injectable failures (including "created, then the response was lost").
 */
export function createFakeGitHost(options: FakeGitHostOptions = {}): FakeGitHost {
  const baseBranch = options.baseBranch ?? 'main';
  const urlPrefix = options.urlPrefix ?? 'https://git.example.test/acme/sites/pull/';
  const pulls: FakePullRequest[] = [];
  const openByHead = new Map<string, FakePullRequest>();
  const failures: Array<{ error: Error; afterCreate: boolean }> = [];
  let createdCount = 0;
  let pollCount = 0;
  const deployments = new Map<string, DeploymentStatus>();

  return {
    async openPullRequest({ branch, title, body, requestId, signal }) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      const failure = failures.shift();
      if (failure && !failure.afterCreate) throw failure.error;
      if (options.branchExists && !options.branchExists(branch)) {
        throw new PublishGateError('validation', `Branch ${branch} does not exist on the remote.`);
      }
      const open = openByHead.get(branch);
      let result: { number: number; url: string; created: boolean };
      if (open) {
        result = { number: open.number, url: open.url, created: false };
      } else {
        const number = pulls.length + 1;
        const pull: FakePullRequest = {
          number,
          url: `${urlPrefix}${number}`,
          head: branch,
          base: baseBranch,
          title,
          body,
          requestId,
          state: 'open',
        };
        pulls.push(pull);
        openByHead.set(branch, pull);
        createdCount += 1;
        result = { number, url: pull.url, created: true };
      }
      if (failure?.afterCreate) throw failure.error;
      return result;
    },
    async getPullRequest({ number, signal }): Promise<PullRequestStatus> {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      pollCount += 1;
      const pull = pulls.find((candidate) => candidate.number === number);
      if (!pull) throw new PublishGateError('port_failed', `No pull request ${number}.`, { port: 'gitHost', operation: 'getPullRequest' });
      return { state: pull.state, merged: pull.mergeSha !== undefined, ...(pull.mergeSha ? { mergeSha: pull.mergeSha } : {}) };
    },
    async getDeployment({ sha, signal }) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      pollCount += 1;
      const found = deployments.get(sha);
      return found ? { ...found } : null;
    },
    pullRequests() {
      return pulls.map((pull) => ({ ...pull }));
    },
    get pollCount() {
      return pollCount;
    },
    merge(number, mergeSha) {
      const pull = pulls.find((candidate) => candidate.number === number);
      if (pull && pull.state === 'open') {
        pull.state = 'closed';
        pull.mergeSha = mergeSha;
        if (openByHead.get(pull.head) === pull) openByHead.delete(pull.head);
      }
    },
    deploy(sha, status) {
      deployments.set(sha, { ...status });
    },
    get createdCount() {
      return createdCount;
    },
    failNext(error = new Error('fake git host: injected failure'), failOptions = {}) {
      for (let index = 0; index < (failOptions.times ?? 1); index += 1)
        failures.push({ error, afterCreate: failOptions.afterCreate ?? false });
    },
    close(number) {
      const pull = pulls.find((candidate) => candidate.number === number);
      if (pull) {
        pull.state = 'closed';
        if (openByHead.get(pull.head) === pull) openByHead.delete(pull.head);
      }
    },
  };
}
