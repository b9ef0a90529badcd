import { inspect } from 'node:util';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { type GitHostPort, isValidBranchName, PublishGateError } from '@publishgate/core';
import Bottleneck from 'bottleneck';
import { createRedactor, type Redactor } from './redact.js';

/** Where the adapter's (and Octokit's) log lines go. Every argument arrives redacted, as a string. */
export type GitHubHostLogger = {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
};

/** How rate limits are waited out before the adapter gives up. */
export type GitHubRateLimitOptions = {
  /** A limit that asks to wait longer than this is not waited out: the call fails as retryable. Default 60. */
  maxWaitSeconds?: number;
  /** How many times one request is retried after a rate limit. Default 1. */
  maxRetries?: number;
  /** Real milliseconds per second of `retry-after`. Default 1,000; tests shrink it together with the emulator's clock. */
  secondMs?: number;
  /** Least time between two writes (GitHub asks for about one second). Default 1,000 ms. */
  writeIntervalMs?: number;
  /** Least time between two writes that notify people, such as opening a pull request. Default 3,000 ms. */
  notificationIntervalMs?: number;
};

type Connection = { auth: string; octokit?: undefined } | { octokit: Octokit; auth?: undefined };

/** Options for {@link createGitHubHost}. */
export type GitHubHostOptions = Connection & {
  /** The repository owner (user or organisation). */
  owner: string;
  /** The repository name. */
  repo: string;
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
  /** Retries of failed requests (5xx, network errors). Only with `auth`. */
  retry?: { retries?: number; delayMs?: number };
  /** Rate-limit handling. Only with `auth`. */
  rateLimit?: GitHubRateLimitOptions;
};

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
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
 * a POST retried after a 5xx did create it) looks up the open pull request from the branch into the
 * base branch and returns it (`created: false`); calls for one branch in this process run one at a
 * time. With `auth`, the client
 * retries 5xx responses and waits out rate limits (403/429 with `retry-after` or an exhausted quota)
 * while the wait is at most `rateLimit.maxWaitSeconds`; past that the call fails with a retryable
 * `port_failed`. The token never appears in an error or log line.
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
  const { owner, repo } = options;
  if (!NAME.test(owner ?? '') || !NAME.test(repo ?? '') || owner === '.' || repo === '..' || repo === '.') {
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
  const octokit = options.octokit ?? createOctokit(options, token as string, redact);

  let defaultBranch: Promise<string> | undefined;
  function baseBranch(signal: AbortSignal | undefined): Promise<string> {
    if (options.baseBranch) return Promise.resolve(options.baseBranch);
    defaultBranch ??= octokit.rest.repos.get({ owner, repo, request: { signal } }).then(
      ({ data }) => data.default_branch,
      (error: unknown) => {
        defaultBranch = undefined;
        throw error;
      },
    );
    return defaultBranch;
  }

  async function findOpen(branch: string, base: string, signal: AbortSignal | undefined): Promise<PullRef | undefined> {
    const { data } = await octokit.rest.pulls.list({
      owner,
      repo,
      state: 'open',
      head: `${owner}:${branch}`,
      base,
      per_page: 100,
      request: { signal },
    });
    const pull = data.find((candidate) => candidate.head.ref === branch && candidate.base.ref === base);
    return pull ? { number: pull.number, url: pull.html_url } : undefined;
  }

  // One open call per branch at a time in this process; across processes GitHub's own
  // one-open-PR-per-head rule and the 422 handling below keep it to one pull request.
  const inFlight = new Map<string, Promise<unknown>>();
  function oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = inFlight.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    inFlight.set(key, settled);
    void settled.then(() => {
      if (inFlight.get(key) === settled) inFlight.delete(key);
    });
    return next;
  }

  const port = {
    async openPullRequest({ branch, title, body, requestId, signal }) {
      if (typeof branch !== 'string' || !isValidBranchName(branch)) {
        throw new PublishGateError('validation', 'The branch name is not one git accepts.');
      }
      if (typeof title !== 'string' || title.trim() === '') throw new PublishGateError('validation', 'A pull request needs a title.');
      return oneAtATime(branch, () =>
        withCallSignal(signal, async (callSignal) => {
          try {
            const base = await baseBranch(callSignal);
            // Create first: one POST in the common case. An open pull request for this head already
            // exists (an earlier attempt, or this POST retried after a 5xx that did create it) when
            // GitHub answers 422 "already exists"; only then is it looked up.
            try {
              const { data } = await octokit.rest.pulls.create({
                owner,
                repo,
                head: branch,
                base,
                title: title.slice(0, MAX_TITLE),
                body: decorateBody(body, requestId, options.requestUrl),
                request: { signal: callSignal },
              });
              return { number: data.number, url: data.html_url, created: true };
            } catch (error) {
              if (isAlreadyExists(error)) {
                const found = await findOpen(branch, base, callSignal);
                if (found) return { ...found, created: false };
              }
              throw error;
            }
          } catch (error) {
            throw toHostError(error, redact, `${owner}/${repo}`, signal);
          }
        }),
      );
    },
  } satisfies GitHostPort;
  return port;
}

/**
 * Runs `work` with a signal of its own that follows the caller's. fetch leaves its abort listener on
 * the signal it was given until the request is garbage-collected, so a caller's long-lived signal
 * shared by many calls would collect listeners (and Node's MaxListenersExceededWarning); this way
 * they land on a signal that dies with the call, and the one forwarding listener is removed here.
 */
async function withCallSignal<T>(signal: AbortSignal | undefined, work: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  if (!signal) return work(undefined);
  const controller = new AbortController();
  const forward = () => controller.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  try {
    return await work(controller.signal);
  } finally {
    signal.removeEventListener('abort', forward);
  }
}

function createOctokit(options: GitHubHostOptions, token: string, redact: Redactor): Octokit {
  const limits = options.rateLimit ?? {};
  const maxWaitSeconds = limits.maxWaitSeconds ?? 60;
  const maxRetries = limits.maxRetries ?? 1;
  // Both limits: retry while the wait is bounded, otherwise give up (the error surfaces as retryable).
  const onLimit = (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) =>
    retryCount < maxRetries && retryAfter <= maxWaitSeconds;
  const GitHubOctokit = Octokit.plugin(retry, throttling);
  return new GitHubOctokit({
    auth: token,
    userAgent: options.userAgent ?? 'publishgate',
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}),
    log: redactingLogger(options.log, redact),
    retry: {
      retries: options.retry?.retries ?? 3,
      retryAfterBaseValue: options.retry?.delayMs ?? 1_000,
      // Rate limits (403, 429) belong to the throttling plugin; client errors are final.
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    throttle: {
      onRateLimit: onLimit,
      onSecondaryRateLimit: onLimit,
      retryAfterBaseValue: limits.secondMs ?? 1_000,
      // Groups of this host only, so its pacing neither waits for nor slows other Octokit clients.
      write: new Bottleneck.Group({ maxConcurrent: 1, minTime: limits.writeIntervalMs ?? 1_000 }),
      notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: limits.notificationIntervalMs ?? 3_000 }),
    },
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
  const candidate = error as HttpError;
  if (candidate?.status !== 422) return false;
  const data = candidate.response?.data as { message?: unknown; errors?: Array<{ message?: unknown }> } | undefined;
  const texts = [data?.message, ...(data?.errors ?? []).map((entry) => entry?.message)];
  return texts.some((text) => typeof text === 'string' && /pull request already exists/i.test(text));
}

function header(error: HttpError, name: string): string | undefined {
  const value = error.response?.headers?.[name];
  return value === undefined ? undefined : String(value);
}

/** Turns whatever Octokit threw into a PublishGateError with a redacted message and no raw cause. */
function toHostError(error: unknown, redact: Redactor, repository: string, signal: AbortSignal | undefined): unknown {
  // The caller's own abort (or timeout) surfaces as its reason, not as a GitHub failure.
  if (signal?.aborted) return signal.reason ?? error;
  if (PublishGateError.is(error)) return error;
  const fail = (message: string, retryable: boolean) =>
    new PublishGateError('port_failed', redact(message).slice(0, 1_000), { port: 'gitHost', operation: 'openPullRequest', retryable });
  const http = error as HttpError;
  const status = typeof http?.status === 'number' ? http.status : undefined;
  const data = http?.response?.data as
    | { message?: unknown; errors?: Array<{ message?: unknown; field?: unknown; code?: unknown }> }
    | undefined;
  const said = typeof data?.message === 'string' ? data.message.split('\n')[0] : undefined;
  if (status === undefined || status === 0) {
    return fail(`GitHub could not be reached: ${error instanceof Error ? error.message : String(error)}`, true);
  }
  const retryAfter = header(http, 'retry-after');
  const exhausted = header(http, 'x-ratelimit-remaining') === '0';
  if ((status === 403 || status === 429) && (retryAfter !== undefined || exhausted || /rate limit/i.test(said ?? ''))) {
    const wait = retryAfter ?? (exhausted ? resetIn(header(http, 'x-ratelimit-reset')) : undefined);
    return fail(`GitHub rate limit reached for ${repository}${wait ? `; retry after ${wait} s` : ''}.`, true);
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
  if (status >= 500) return fail(`GitHub failed with ${status}${said ? ` ${said}` : ''}; the request can be retried.`, true);
  return fail(`GitHub refused the request (${status}${said ? ` ${said}` : ''}).`, false);
}

function resetIn(reset: string | undefined): string | undefined {
  const at = Number(reset);
  if (!Number.isFinite(at) || at <= 0) return undefined;
  return String(Math.max(0, Math.ceil(at - Date.now() / 1000)));
}
