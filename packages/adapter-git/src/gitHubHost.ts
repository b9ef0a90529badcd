import { inspect } from 'node:util';
import type { Octokit } from '@octokit/rest';
import {
  type DeploymentStatus,
  type GitHostPort,
  isValidBranchName,
  PublishGateError,
  type PullRequestStatus,
  type Workspace,
} from '@publishgate/core';
import { withCallSignal } from './callSignal.js';
import { createKeyedQueue } from './keyedQueue.js';
import { createRedactor, type Redactor } from './redact.js';

/** Where the adapter's (and Octokit's) log lines go. Every argument arrives redacted, as a string. */
export type GitHubHostLogger = {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
};

type Connection =
  | {
      /** A GitHub token; the adapter builds a plain Octokit with it. */
      auth: string;
      octokit?: undefined;
    }
  | {
      /**
       * Your Octokit, used as given (`baseUrl`, `userAgent` and `log` are then yours to set). Leave
       * out `@octokit/plugin-throttling`: it would wait out rate limits inside the call, which is the
       * gate's job. `@octokit/plugin-retry` is harmless: every call asks it for no retries.
       */
      octokit: Octokit;
      auth?: undefined;
    };

/** Options for {@link createGitHubHost}. */
export type GitHubHostOptions = Connection & {
  /**
   * The repository owner (user or organisation), or a function of the workspace being published
   * (a repository per workspace or per blueprint; its answer is checked on every call).
   */
  owner: string | ((workspace: Workspace) => string | Promise<string>);
  /** The repository name, or a function of the workspace being published, e.g. `(workspace) => workspace.blueprintId`. */
  repo: string | ((workspace: Workspace) => string | Promise<string>);
  /** API root. Default `https://api.github.com`; GitHub Enterprise Server: `https://HOST/api/v3`. */
  baseUrl?: string;
  /** The branch pull requests target. Default: the repository's default branch. */
  baseBranch?: string;
  /** A link back to the publish request in your portal, appended to every pull request body. */
  requestUrl?: (requestId: string) => string | undefined;
  /** User agent sent to GitHub. Default `publishgate`. */
  userAgent?: string;
  /** Log sink for Octokit's messages. Default: warnings to `console.warn`, everything else dropped. */
  log?: Partial<GitHubHostLogger>;
  /**
   * Now, in milliseconds since the epoch, used only to turn GitHub's `x-ratelimit-reset` into a
   * wait (`retryAfterMs`). Default `Date.now`; tests pass the emulator's clock.
   */
  clock?: () => number;
};

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const isName = (value: unknown): value is string => typeof value === 'string' && NAME.test(value) && value !== '.' && value !== '..';

/** The repository of one call, and its cache key. */
type Repository = { owner: string; repo: string; key: string };
const MAX_BODY = 65_536;
const MAX_TITLE = 256;

type PullRef = { number: number; url: string };
type HttpError = Error & {
  status?: number;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
};

/**
 * A {@link GitHostPort} for GitHub.com and GitHub Enterprise Server on `@octokit/rest`.
 *
 * `openPullRequest` is idempotent with one API call in the common case: it creates the pull request,
 * and only when GitHub answers `422 A pull request already exists` (an earlier attempt made it, or
 * a POST repeated after a 5xx that did create it) looks up the open pull request from the branch into
 * the base branch and returns it (`created: false`); calls for one branch in this process run one at
 * a time. The adapter neither retries nor waits: each API call is one HTTP request, and a failure
 * rejects at once with a `port_failed` error. Rate limits (403/429) come back with
 * `retryable: true`, `rateLimited: true` and `retryAfterMs` (from `retry-after`, from
 * `x-ratelimit-reset`, else GitHub's advice of one minute), 5xx and unreachable GitHub with
 * `retryable: true` (and `retryAfterMs` when GitHub sent `retry-after`); the gate retries and paces
 * publishes (`policy.publishRetry`, `policy.publishPacing`). The token never appears in an error or
 * log line. For polling deliveries (`sweep()`, `policy.deliveryPollMs`), `getPullRequest` reads
 * the pull request (one request) and `getDeployment` the newest deployment of a commit and its
 * newest status (two requests); errors as above.
 *
 * `owner` and `repo` may be functions of the workspace (passed by the gate to `openPullRequest`), so
 * each workspace or blueprint opens pull requests in its own repository: the names are checked on
 * every call, the default branch is looked up once per repository, and calls run one at a time per
 * repository and branch. Without a `workspace`, such a host refuses with a non-retryable
 * `validation` error.
 *
 * @example
 * ```ts
 * import { createGitHubHost } from '@publishgate/adapter-git';
 *
 * const gitHost = createGitHubHost({
 *   auth: process.env.GITHUB_TOKEN!,
 *   owner: 'acme',
 *   repo: 'sites',
 *   baseBranch: 'main',
 *   requestUrl: (id) => `https://portal.acme.example/publish/${id}`,
 * });
 * ```
 */
export function createGitHubHost(options: GitHubHostOptions): GitHostPort {
  // Fixed names are checked now; a function's answer on every call.
  if (typeof options.owner !== 'function' && !isName(options.owner)) {
    throw new PublishGateError('validation', 'owner and repo must be GitHub names.');
  }
  if (typeof options.repo !== 'function' && !isName(options.repo)) {
    throw new PublishGateError('validation', 'owner and repo must be GitHub names.');
  }
  if (options.baseBranch !== undefined && !isValidBranchName(options.baseBranch)) {
    throw new PublishGateError('validation', 'baseBranch is not a valid branch name.');
  }
  const token = options.octokit ? undefined : options.auth;
  if (!options.octokit && (typeof token !== 'string' || token.length === 0)) {
    throw new PublishGateError('validation', 'createGitHubHost needs either auth (a token) or an octokit instance.');
  }
  const redact = createRedactor([token]);
  // Loaded on first use, so a host that never talks to GitHub (GitLab only) needs no @octokit/rest.
  let client: Promise<Octokit> | undefined;
  function octokit(): Promise<Octokit> {
    if (options.octokit) return Promise.resolve(options.octokit);
    client ??= createOctokit(options, token as string, redact).catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return client;
  }
  const clock = options.clock ?? Date.now;
  // `retries: 0` keeps an Octokit passed in with @octokit/plugin-retry to one HTTP request per call;
  // plain Octokit ignores it. Retrying is the gate's job.
  const request = (signal: AbortSignal | undefined) => ({ signal, retries: 0 });

  /** The repository of this call: the fixed names, or the functions' answers for `workspace`, checked. */
  async function repositoryOf(workspace: Workspace | undefined): Promise<Repository> {
    const name = async (option: GitHubHostOptions['owner'], what: 'owner' | 'repo') => {
      if (typeof option !== 'function') return option;
      if (workspace === undefined) {
        throw new PublishGateError('validation', `This call needs the workspace: ${what} is a function of it.`, {
          issues: [{ path: 'workspace', message: 'required when owner or repo is a function' }],
        });
      }
      let value: unknown;
      try {
        value = await option(workspace);
      } catch (error) {
        if (PublishGateError.is(error)) throw error;
        // A lookup that failed may work next time.
        throw new PublishGateError(
          'port_failed',
          redact(`The ${what} function failed for workspace ${workspace.id}: ${error instanceof Error ? error.message : String(error)}`),
          { port: 'gitHost', operation: 'openPullRequest', retryable: true },
        );
      }
      if (!isName(value)) {
        throw new PublishGateError('validation', `The ${what} function returned no GitHub name for workspace ${workspace.id}.`, {
          issues: [{ path: what, message: 'not a GitHub name' }],
        });
      }
      return value;
    };
    const owner = await name(options.owner, 'owner');
    const repo = await name(options.repo, 'repo');
    // GitHub names are case-insensitive: one cache entry per repository, however it is spelled.
    return { owner, repo, key: `${owner}/${repo}`.toLowerCase() };
  }

  // The default branch, looked up once per repository (a failed lookup is asked again next time).
  const defaultBranches = new Map<string, Promise<string>>();
  function baseBranch(repository: Repository, signal: AbortSignal | undefined): Promise<string> {
    if (options.baseBranch) return Promise.resolve(options.baseBranch);
    const { owner, repo, key } = repository;
    let known = defaultBranches.get(key);
    if (!known) {
      known = octokit()
        .then((github) => github.rest.repos.get({ owner, repo, request: request(signal) }))
        .then(
          ({ data }) => data.default_branch,
          (error: unknown) => {
            defaultBranches.delete(key);
            throw error;
          },
        );
      defaultBranches.set(key, known);
    }
    return known;
  }

  // The pull request from `branch` into `base`: the open one, or with `merged`, the merged one.
  async function findExisting(
    { owner, repo }: Repository,
    branch: string,
    base: string,
    which: 'open' | 'merged',
    signal: AbortSignal | undefined,
  ): Promise<PullRef | undefined> {
    const { data } = await (await octokit()).rest.pulls.list({
      owner,
      repo,
      state: which === 'open' ? 'open' : 'closed',
      head: `${owner}:${branch}`,
      base,
      per_page: 100,
      request: request(signal),
    });
    const pull = data.find(
      (candidate) => candidate.head.ref === branch && candidate.base.ref === base && (which === 'open' || candidate.merged_at !== null),
    );
    return pull ? { number: pull.number, url: pull.html_url } : undefined;
  }

  // One open call per branch at a time in this process; across processes GitHub's own
  // one-open-PR-per-head rule and the 422 handling below keep it to one pull request.
  const oneAtATime = createKeyedQueue();

  const port = {
    async openPullRequest({ branch, title, body, requestId, workspace, signal }) {
      if (typeof branch !== 'string' || !isValidBranchName(branch)) {
        throw new PublishGateError('validation', 'The branch name is not one git accepts.');
      }
      if (typeof title !== 'string' || title.trim() === '') throw new PublishGateError('validation', 'A pull request needs a title.');
      const repository = await repositoryOf(workspace);
      const { owner, repo } = repository;
      return oneAtATime(`${repository.key}\0${branch}`, () =>
        withCallSignal(signal, async (callSignal) => {
          try {
            const base = await baseBranch(repository, callSignal);
            // Create first: one POST in the common case. An open pull request for this head already
            // exists (an earlier attempt, or a POST answered 5xx that did create it) when
            // GitHub answers 422 "already exists"; only then is it looked up.
            try {
              const { data } = await (await octokit()).rest.pulls.create({
                owner,
                repo,
                head: branch,
                base,
                title: title.slice(0, MAX_TITLE),
                body: decorateBody(body, requestId, options.requestUrl),
                request: request(callSignal),
              });
              return { number: data.number, url: data.html_url, created: true };
            } catch (error) {
              // An open pull request for this head exists (422 "already exists"), or the head is
              // already in the base (422 "No commits between"): an earlier attempt's pull request
              // was merged before its answer was stored (a server died, or auto-merge was quicker).
              // Either is this publish's pull request; delivery tracking reports what became of it.
              const which = isAlreadyExists(error) ? 'open' : isNothingBetween(error) ? 'merged' : undefined;
              if (which) {
                const found = await findExisting(repository, branch, base, which, callSignal);
                if (found) return { ...found, created: false };
              }
              throw error;
            }
          } catch (error) {
            throw toHostError(error, { redact, repository: `${owner}/${repo}`, now: clock }, signal);
          }
        }),
      );
    },

    async getPullRequest({ number, workspace, signal }): Promise<PullRequestStatus> {
      if (!Number.isInteger(number) || number <= 0)
        throw new PublishGateError('validation', 'A pull request number is a positive integer.');
      const { owner, repo } = await repositoryOf(workspace);
      return withCallSignal(signal, async (callSignal) => {
        try {
          const { data } = await (await octokit()).rest.pulls.get({ owner, repo, pull_number: number, request: request(callSignal) });
          const merged = data.merged === true || data.merged_at !== null;
          const mergeSha = merged && typeof data.merge_commit_sha === 'string' ? data.merge_commit_sha : undefined;
          return { state: data.state === 'open' ? 'open' : 'closed', merged, ...(mergeSha ? { mergeSha } : {}) };
        } catch (error) {
          throw toHostError(error, { redact, repository: `${owner}/${repo}`, now: clock, operation: 'getPullRequest' }, signal);
        }
      });
    },

    async getDeployment({ sha, workspace, signal }): Promise<DeploymentStatus | null> {
      if (typeof sha !== 'string' || !/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(sha)) {
        throw new PublishGateError('validation', 'A commit id is 40 or 64 lower-case hex digits.');
      }
      const { owner, repo } = await repositoryOf(workspace);
      return withCallSignal(signal, async (callSignal) => {
        try {
          // The newest deployment of the commit, and its newest status (GitHub lists both newest first).
          const { data: found } = await (await octokit()).rest.repos.listDeployments({
            owner,
            repo,
            sha,
            per_page: 1,
            request: request(callSignal),
          });
          const deployment = found[0];
          if (!deployment) return null;
          const { data: statuses } = await (await octokit()).rest.repos.listDeploymentStatuses({
            owner,
            repo,
            deployment_id: deployment.id,
            per_page: 1,
            request: request(callSignal),
          });
          const latest = statuses[0];
          if (!latest) return { state: 'pending' };
          const url = latest.environment_url;
          return { state: latest.state, ...(url && /^https?:\/\//.test(url) ? { url } : {}) };
        } catch (error) {
          throw toHostError(error, { redact, repository: `${owner}/${repo}`, now: clock, operation: 'getDeployment' }, signal);
        }
      });
    },
  } satisfies GitHostPort;
  return port;
}

async function createOctokit(options: GitHubHostOptions, token: string, redact: Redactor): Promise<Octokit> {
  let Octokit: typeof import('@octokit/rest').Octokit;
  try {
    ({ Octokit } = await import('@octokit/rest'));
  } catch (error) {
    throw new PublishGateError('port_failed', 'createGitHubHost needs @octokit/rest: install it next to @publishgate/adapter-git.', {
      port: 'gitHost',
      operation: 'openPullRequest',
      retryable: false,
      cause: error,
    });
  }
  // Plain Octokit: no retry or throttling plugin, so no request is repeated or held back here.
  return new Octokit({
    auth: token,
    userAgent: options.userAgent ?? 'publishgate',
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}),
    log: redactingLogger(options.log, redact),
  });
}

function redactingLogger(log: Partial<GitHubHostLogger> | undefined, redact: Redactor) {
  // Octokit logs request options (headers included) at debug level; every argument is flattened
  // and redacted before any sink sees it.
  const line = (args: unknown[]) => redact(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 4 }))).join(' '));
  const sink = (level: keyof GitHubHostLogger, fallback?: (message: string) => void) => {
    const target = log ? log[level]?.bind(log) : fallback;
    return (...args: unknown[]) => target?.(line(args));
  };
  return {
    debug: sink('debug'),
    info: sink('info'),
    warn: sink('warn', (message) => console.warn(message)),
    error: sink('error'),
  };
}

function decorateBody(body: string, requestId: string, requestUrl: GitHubHostOptions['requestUrl']): string {
  const link = requestUrl?.(requestId);
  const marker = `<!-- publishgate:request ${String(requestId).replace(/[^A-Za-z0-9._:@+=~-]/g, '')} -->`;
  const tail = `${link ? `\n\n[Open the publish request](${link.replace(/[()\s]/g, encodeURIComponent)})` : ''}\n\n${marker}`;
  const text = typeof body === 'string' ? body : '';
  return text.length + tail.length > MAX_BODY ? `${text.slice(0, MAX_BODY - tail.length - 20)}\n\n… (truncated)${tail}` : `${text}${tail}`;
}

function isAlreadyExists(error: unknown): boolean {
  return validationSays(error, /pull request already exists/i);
}

function isNothingBetween(error: unknown): boolean {
  return validationSays(error, /no commits between/i);
}

function validationSays(error: unknown, pattern: RegExp): boolean {
  const candidate = error as HttpError;
  if (candidate?.status !== 422) return false;
  const data = candidate.response?.data as { message?: unknown; errors?: Array<{ message?: unknown }> } | undefined;
  const texts = [data?.message, ...(data?.errors ?? []).map((entry) => entry?.message)];
  return texts.some((text) => typeof text === 'string' && pattern.test(text));
}

function header(error: HttpError, name: string): string | undefined {
  const value = error.response?.headers?.[name];
  return value === undefined ? undefined : String(value);
}

type ErrorContext = { redact: Redactor; repository: string; now: () => number; operation?: string };

// GitHub's advice when a rate-limit answer says neither `retry-after` nor `x-ratelimit-reset`.
const UNSPECIFIED_RATE_LIMIT_WAIT_MS = 60_000;

/** Turns whatever Octokit threw into a PublishGateError with a redacted message and no raw cause. */
function toHostError(error: unknown, context: ErrorContext, signal: AbortSignal | undefined): unknown {
  // The caller's own abort (or timeout) surfaces as its reason, not as a GitHub failure.
  if (signal?.aborted) return signal.reason ?? error;
  if (PublishGateError.is(error)) return error;
  const { repository } = context;
  const fail = (message: string, retryable: boolean, extra: { retryAfterMs?: number; rateLimited?: boolean } = {}) =>
    new PublishGateError('port_failed', context.redact(message).slice(0, 1_000), {
      port: 'gitHost',
      operation: context.operation ?? 'openPullRequest',
      retryable,
      ...extra,
    });
  const http = error as HttpError;
  const status = typeof http?.status === 'number' ? http.status : undefined;
  const data = http?.response?.data as
    | { message?: unknown; errors?: Array<{ message?: unknown; field?: unknown; code?: unknown }> }
    | undefined;
  const said = typeof data?.message === 'string' ? data.message.split('\n')[0] : undefined;
  // Octokit reports a network failure as status 500 without a response.
  if (status === undefined || status === 0 || http.response === undefined) {
    return fail(`GitHub could not be reached: ${error instanceof Error ? error.message : String(error)}`, true);
  }
  const retryAfter = retryAfterMs(header(http, 'retry-after'), context.now);
  const exhausted = header(http, 'x-ratelimit-remaining') === '0';
  if (status === 429 || (status === 403 && (retryAfter !== undefined || exhausted || /rate limit/i.test(said ?? '')))) {
    // GitHub's order: retry-after, else the reset of an exhausted quota, else at least a minute.
    const wait =
      retryAfter ?? (exhausted ? resetInMs(header(http, 'x-ratelimit-reset'), context.now) : undefined) ?? UNSPECIFIED_RATE_LIMIT_WAIT_MS;
    return fail(`GitHub rate limit reached for ${repository}; retry after ${Math.ceil(wait / 1000)} s.`, true, {
      rateLimited: true,
      retryAfterMs: wait,
    });
  }
  if (status === 401) return fail(`GitHub rejected the credentials (401${said ? ` ${said}` : ''}).`, false);
  if (status === 404) return fail(`GitHub repository ${repository} was not found or the token cannot see it (404).`, false);
  if (status === 422) {
    const details = (data?.errors ?? [])
      .map((entry) => (typeof entry?.message === 'string' ? entry.message : [entry?.field, entry?.code].filter(Boolean).join(' ')))
      .filter(Boolean)
      .join('; ');
    return fail(`GitHub refused the pull request (422${said ? ` ${said}` : ''}${details ? `: ${details}` : ''}).`, false);
  }
  if (status >= 500) {
    return fail(
      `GitHub failed with ${status}${said ? ` ${said}` : ''}; the request can be retried.`,
      true,
      retryAfter === undefined ? {} : { retryAfterMs: retryAfter },
    );
  }
  return fail(`GitHub refused the request (${status}${said ? ` ${said}` : ''}).`, false);
}

/** `retry-after` in ms: delay-seconds (what GitHub sends) or an HTTP date. */
function retryAfterMs(value: string | undefined, now: () => number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now()) : undefined;
}

/** `x-ratelimit-reset` (epoch seconds) as a wait from now in ms, never negative. */
function resetInMs(reset: string | undefined, now: () => number): number | undefined {
  const at = Number(reset);
  if (reset === undefined || !Number.isFinite(at) || at <= 0) return undefined;
  return Math.max(0, at * 1000 - now());
}
