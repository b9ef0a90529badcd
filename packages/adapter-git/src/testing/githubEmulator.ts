import { execFile } from 'node:child_process';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  answersBeforeHandling,
  createBranchStore,
  createCreationWindow,
  createFaultQueue,
  type EmulatorFaultOf,
  type QueuedFault,
} from './emulatorPlumbing.js';
import {
  deploymentJson,
  deploymentStatusJson,
  type EmulatedDeployment,
  type EmulatedDeploymentState,
  type EmulatedPullRequest,
  type FixtureContext,
  fullRepositoryJson,
  pullRequestJson,
  pullRequestSimpleJson,
  rateLimitJson,
} from './githubFixtures.js';
import subset from './githubOpenApi.json';
import { createOpenApiValidator, type JsonSchema, type OpenApiDocument, type ResolvedOperation } from './openApi.js';

export type { EmulatedDeployment, EmulatedDeploymentState, EmulatedPullRequest } from './githubFixtures.js';

/** The REST operations the emulator serves. */
export type EmulatedOperation =
  | 'repos.get'
  | 'pulls.list'
  | 'pulls.create'
  | 'pulls.get'
  | 'repos.listDeployments'
  | 'repos.listDeploymentStatuses'
  | 'rateLimit.get';

/** Where {@link GitHubEmulator} sends signed webhook deliveries. */
export type EmulatorWebhook = {
  /** The receiving URL (e.g. the portal's `POST {basePath}/hooks/github`). */
  url: string;
  /** Signs every delivery's `X-Hub-Signature-256` (HMAC-SHA256 of the body), as GitHub does. */
  secret: string;
};

/**
 * Where the emulator reads the time from, in emulated milliseconds since the epoch. Rate-limit
 * windows, `retry-after` and `x-ratelimit-reset` are computed from it.
 */
export type EmulatorClock = {
  /** The emulated time now, in milliseconds since the epoch. */
  now(): number;
};

/** An {@link EmulatorClock} that only moves when the test says so. */
export type ManualClock = EmulatorClock & {
  /** Moves emulated time forward by `ms` milliseconds. */
  advance(ms: number): void;
};

/** What {@link GitHubEmulatorOptions.onRateLimited} is told as a request is refused by a rate limit. */
export type RateLimitedAnswer = {
  /** `secondary` answers with `retry-after`; `primary` with an exhausted `x-ratelimit-remaining` and `x-ratelimit-reset`. */
  kind: 'secondary' | 'primary';
  /** The operation that was refused. */
  operation: EmulatedOperation;
  /** Emulated seconds until the limit lifts, as the answer tells the client. */
  retryAfterSeconds: number;
};

/**
 * A clock for {@link GitHubEmulatorOptions.clock} that stands still until `advance(ms)` is called,
 * so a test decides when a rate-limit window ends, whatever the load on the machine.
 *
 * @example
 * ```ts
 * const clock = createManualClock();
 * const github = await startGitHubEmulator({ clock, contentCreationLimit: 80 });
 * // ... 80 pull requests, then the 81st is refused with retry-after: 60
 * clock.advance(60_000); // the next emulated minute: 80 more are accepted
 * ```
 */
export function createManualClock(startMs = Date.UTC(2026, 0, 1)): ManualClock {
  let now = startMs;
  return {
    now: () => now,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new Error(`advance needs a non-negative number of milliseconds (got ${ms})`);
      now += ms;
    },
  };
}

/** Options for {@link startGitHubEmulator}. */
export type GitHubEmulatorOptions = {
  /** Repository owner. Default `acme`. */
  owner?: string;
  /** Repository name. Default `sites`. */
  repo?: string;
  /** The repository's default branch. Default `main`. */
  defaultBranch?: string;
  /** When set, every API request must authenticate with this token; others get GitHub's 401 "Bad credentials". */
  token?: string;
  /**
   * A bare git repository to read branches from, so a pull request for a branch that was never
   * pushed gets GitHub's 422. Without it the emulator keeps its own branch list ({@link GitHubEmulator.setBranch}).
   */
  repositoryPath?: string;
  /**
   * Real milliseconds per emulated second on the default clock, which is wall-clock time scaled.
   * Default 1,000. Scaled time depends on how fast the machine runs: tests that assert on rate
   * limits pass a {@link clock} instead. Not allowed together with `clock`.
   */
  secondMs?: number;
  /**
   * The emulated time, e.g. {@link createManualClock}: rate-limit windows, content-creation minutes,
   * `retry-after` and `x-ratelimit-reset` (written in this clock's frame) follow it, and timestamps
   * of pull requests come from it. Default: wall-clock time scaled by `secondMs`.
   */
  clock?: EmulatorClock;
  /**
   * Called as a request is answered with a rate limit, before the answer is sent. A test on a
   * manual clock can move time here by `retryAfterSeconds`, to stand for a client that waits the
   * limit out (the client's retry can only come after this answer).
   */
  onRateLimited?: (answer: RateLimitedAnswer) => void;
  /**
   * Content creation limit: at most this many pull requests per emulated minute, then a secondary
   * rate limit for 60 emulated seconds, as GitHub does (it documents about 80 per minute). Default: no limit.
   */
  contentCreationLimit?: number;
  /** Validate request and response bodies against the OpenAPI description. Default true. */
  validate?: boolean;
  /** Port on 127.0.0.1. Default 0 (any free port). */
  port?: number;
};

/** A fault to inject into upcoming requests (`afterCreate` applies to `pulls.create`). */
export type EmulatorFault = EmulatorFaultOf<EmulatedOperation>;

/** A hold on pull-request creation, from {@link GitHubEmulator.holdPullRequests}. */
export type PullRequestHold = {
  /** How many `pulls.create` requests are waiting on this hold now. */
  waiting(): number;
  /** Answers the requests held by this hold (as if they had just arrived) and lets later ones through. Idempotent. */
  release(): void;
};

/** A running emulator. */
export type GitHubEmulator = {
  /** API base URL, e.g. `http://127.0.0.1:4010`; pass it as `baseUrl`. */
  url: string;
  owner: string;
  repo: string;
  /**
   * The emulator's clock (the `clock` option, or the scaled default). `x-ratelimit-reset` is written
   * in its frame, so a client computes the emulated wait when given the same time:
   * `createGitHubHost({ ..., clock: () => github.clock.now() })`.
   */
  clock: EmulatorClock;
  /** Every pull request, open or closed, in creation order. */
  pulls(): EmulatedPullRequest[];
  /** Closes a pull request, as a maintainer would (and sends `pull_request` `closed` to the webhook). */
  closePullRequest(number: number): Promise<void>;
  /**
   * Merges an open pull request as a new merge commit (returned), as a maintainer would, and sends
   * `pull_request` `closed` with `merged: true` to the webhook. With `repositoryPath` the merge is
   * real: a merge commit of the base branch and the head (`git merge-tree`) moves the base branch;
   * a conflicting merge rejects.
   */
  mergePullRequest(number: number): Promise<string>;
  /**
   * The commits a pull request brings, newest first, as GitHub lists them: the head's commits not
   * in its base branch (at the merge, once merged). Needs `repositoryPath`.
   */
  pullRequestCommits(number: number): Promise<string[]>;
  /**
   * Creates a deployment of commit `sha` with one status (`success` with `environmentUrl`,
   * `failure`, …), and sends `deployment_status` to the webhook. Resolves with the deployment id.
   */
  deploy(args: { sha: string; state: EmulatedDeploymentState; environmentUrl?: string; environment?: string }): Promise<number>;
  /**
   * Sends signed webhook deliveries of the events above to `webhook.url` from now on (`null`
   * stops). Resolves each event's method once the receiver answered; its answers are kept in
   * {@link GitHubEmulator.webhookDeliveries}.
   */
  setWebhook(webhook: EmulatorWebhook | null): void;
  /** Every webhook delivery sent, with the receiver's status. */
  webhookDeliveries(): Array<{ event: string; status: number }>;
  /** Makes a branch exist (only without `repositoryPath`). */
  setBranch(name: string, sha?: string): void;
  /** Makes upcoming requests fail. */
  failNext(fault: EmulatorFault): void;
  /**
   * Starts a rate limit now: `secondary` answers 403 with `retry-after`, `primary` answers 403 with
   * an exhausted `x-ratelimit-remaining`, for `seconds` emulated seconds of the emulator's clock.
   */
  rateLimit(limit: { kind: 'secondary' | 'primary'; seconds: number }): void;
  /**
   * Holds back pull-request creation: from now until `release()`, every `pulls.create` request waits
   * before it is looked at (faults, limits, validation and creation all happen on release). A
   * request whose client gave up meanwhile is still processed, as GitHub would.
   * Other operations are answered as usual. `close()` drops held requests unanswered.
   *
   * @example
   * ```ts
   * const hold = github.holdPullRequests();
   * const approving = gate.approve({ id, actor }); // pushes, then waits for the pull request
   * await vi.waitFor(() => expect(hold.waiting()).toBe(1));
   * // ... assert what the portal shows while the pull request is being opened
   * hold.release();
   * await approving;
   * ```
   */
  holdPullRequests(): PullRequestHold;
  /** Every request received, in order. */
  requests(): Array<{ method: string; path: string; operation: EmulatedOperation | undefined; status: number }>;
  /** Requests and responses that did not match GitHub's OpenAPI description. Tests expect none. */
  violations(): string[];
  /** Stops the server (again: the same promise). Held pull-request creations are dropped unanswered. */
  close(): Promise<void>;
};

/** `limitedFor`: the answer is a rate limit, which `onRateLimited` hears of. */
type Reply = { status: number; body?: unknown; headers?: Record<string, string>; limitedFor?: RateLimitedAnswer };
type Route = { operation: EmulatedOperation; specPath: string; method: string; params: Record<string, string> };

const DOCS = 'https://docs.github.com/rest';
const RATE_LIMIT = 5_000;
const MAX_BODY_BYTES = 1024 * 1024;
const MINUTE_MS = 60_000;
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

const ROUTES: Array<{ operation: EmulatedOperation; method: string; pattern: RegExp; specPath: string; names: string[] }> = [
  { operation: 'rateLimit.get', method: 'GET', pattern: /^\/rate_limit$/, specPath: '/rate_limit', names: [] },
  {
    operation: 'repos.get',
    method: 'GET',
    pattern: /^\/repos\/([^/]+)\/([^/]+)$/,
    specPath: '/repos/{owner}/{repo}',
    names: ['owner', 'repo'],
  },
  {
    operation: 'pulls.list',
    method: 'GET',
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/pulls$/,
    specPath: '/repos/{owner}/{repo}/pulls',
    names: ['owner', 'repo'],
  },
  {
    operation: 'pulls.create',
    method: 'POST',
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/pulls$/,
    specPath: '/repos/{owner}/{repo}/pulls',
    names: ['owner', 'repo'],
  },
  {
    operation: 'pulls.get',
    method: 'GET',
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/pulls\/([^/]+)$/,
    specPath: '/repos/{owner}/{repo}/pulls/{pull_number}',
    names: ['owner', 'repo', 'pull_number'],
  },
  {
    operation: 'repos.listDeployments',
    method: 'GET',
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/deployments$/,
    specPath: '/repos/{owner}/{repo}/deployments',
    names: ['owner', 'repo'],
  },
  {
    operation: 'repos.listDeploymentStatuses',
    method: 'GET',
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/deployments\/([^/]+)\/statuses$/,
    specPath: '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
    names: ['owner', 'repo', 'deployment_id'],
  },
];

/**
 * Starts an emulator of the GitHub REST endpoints the GitHub host adapter uses, on 127.0.0.1. Request
 * bodies, query parameters and the emulator's own responses are checked against GitHub's published
 * OpenAPI description (a subset extracted from `@octokit/openapi`, shipped with this package, so
 * `@octokit/openapi` is not needed at run time). Switches inject the failures the adapter must
 * survive: a 5xx after the pull request was created, secondary and primary rate limits (on a clock
 * the test controls, or scaled wall-clock time), bad credentials, and GitHub's content-creation limit; and
 * pull-request creation can be held back to observe a publish mid-way. Pull requests also get a
 * small HTML page at their `html_url`.
 *
 * @example
 * ```ts
 * import { createGitHubHost } from '@publishgate/adapter-git';
 * import { startGitHubEmulator } from '@publishgate/adapter-git/testing';
 *
 * const github = await startGitHubEmulator({ owner: 'acme', repo: 'sites', repositoryPath: '/srv/git/sites.git' });
 * const gitHost = createGitHubHost({ auth: 'test-token', owner: github.owner, repo: github.repo, baseUrl: github.url });
 * github.failNext({ operation: 'pulls.create', status: 502, afterCreate: true });
 * // ... later
 * await github.close();
 * ```
 */
export async function startGitHubEmulator(options: GitHubEmulatorOptions = {}): Promise<GitHubEmulator> {
  const owner = options.owner ?? 'acme';
  const repo = options.repo ?? 'sites';
  const defaultBranch = options.defaultBranch ?? 'main';
  if (!NAME.test(owner) || !NAME.test(repo)) throw new Error('owner and repo must be GitHub names');
  if (options.clock && options.secondMs !== undefined) throw new Error('pass either clock or secondMs, not both');
  const clock = options.clock ?? scaledWallClock(options.secondMs ?? 1_000);
  // Pull request timestamps stay wall-clock time on the default clock (scaled time would run ahead of it).
  const timestamp = () => new Date(options.clock ? clock.now() : Date.now()).toISOString().replace(/\.\d+Z$/, 'Z');
  const validate = options.validate ?? true;
  const validator = createOpenApiValidator(subset as unknown as OpenApiDocument);
  const createdAt = timestamp();

  const pulls: EmulatedPullRequest[] = [];
  const deployments: EmulatedDeployment[] = [];
  let webhook: EmulatorWebhook | null = null;
  const webhookLog: Array<{ event: string; status: number }> = [];
  let nextStatusId = 1;

  /** Sends one signed delivery to the webhook, if one is set; resolves once it answered. */
  async function sendWebhook(event: string, payload: unknown): Promise<void> {
    if (!webhook) return;
    const body = JSON.stringify(payload);
    const signature = `sha256=${createHmac('sha256', webhook.secret).update(body).digest('hex')}`;
    let status = 0;
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'GitHub-Hookshot/emulator',
          'x-github-event': event,
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': signature,
        },
        body,
      });
      status = response.status;
      await response.body?.cancel();
    } catch {
      status = 0;
    }
    webhookLog.push({ event, status });
  }

  // Merges and pull request creations run one at a time, as GitHub serialises writes to a
  // repository: a merge starts from the last one's result (and finds a pull request merged twice
  // already closed), and a creation sees every merge before it ("No commits between" once its
  // head is merged) instead of checking a base branch a merge is about to move.
  let writing: Promise<unknown> = Promise.resolve();
  function oneAtATime<T>(write: () => Promise<T>): Promise<T> {
    const done = writing.then(write);
    writing = done.catch(() => undefined);
    return done;
  }
  async function mergeNow(number: number): Promise<string> {
    const pull = pulls.find((candidate) => candidate.number === number);
    if (pull?.state !== 'open') throw new Error(`pull request ${number} is not open`);
    const mergeSha = options.repositoryPath
      ? await mergeInRepository(pull)
      : createHash('sha1').update(`merge:${number}:${pull.headSha}`).digest('hex');
    pull.state = 'closed';
    pull.closedAt = timestamp();
    pull.mergedAt = pull.closedAt;
    pull.updatedAt = pull.closedAt;
    pull.mergeSha = mergeSha;
    await sendWebhook('pull_request', {
      action: 'closed',
      number,
      pull_request: pullRequestJson(ctx, pull),
      repository: repositoryRef(),
    });
    return mergeSha;
  }

  const repositoryRef = () => ({ id: 1, name: repo, full_name: `${owner}/${repo}`, owner: { login: owner } });
  const branches = createBranchStore({ defaultBranch, repositoryPath: options.repositoryPath });
  const faults = createFaultQueue<EmulatedOperation>();
  const log: Array<{ method: string; path: string; operation: EmulatedOperation | undefined; status: number }> = [];
  const violations: string[] = [];
  const creations = createCreationWindow(clock, MINUTE_MS);
  let limit: { kind: 'secondary' | 'primary'; until: number } | undefined;
  let used = 0;
  let ctx: FixtureContext;
  let closed = false;
  let stopped: Promise<void> | undefined;
  type Hold = { released: Promise<void>; release: () => void; waiting: number };
  const holds = new Set<Hold>();

  /** Waits until every hold active now is released; false when the emulator closed meanwhile. */
  async function passHolds(): Promise<boolean> {
    const active = [...holds];
    for (const hold of active) hold.waiting += 1;
    await Promise.all(active.map((hold) => hold.released));
    for (const hold of active) hold.waiting -= 1;
    return !closed;
  }

  const resolveBranch = (name: string) => branches.resolve(name);

  /** A git command in the emulated repository (`repositoryPath`), its output trimmed. */
  function gitInRepository(args: string[], env: Record<string, string> = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        'git',
        ['--git-dir', options.repositoryPath as string, ...args],
        { env: { PATH: process.env.PATH ?? '', GIT_CONFIG_NOSYSTEM: '1', ...env } },
        (error, stdout) => (error ? reject(error) : resolve(stdout.trim())),
      );
    });
  }

  /** Merges `pull` into its base branch in the repository, as GitHub's merge button does, and returns the merge commit. */
  async function mergeInRepository(pull: EmulatedPullRequest): Promise<string> {
    const base = await resolveBranch(pull.base);
    if (base === undefined) throw new Error(`base branch ${pull.base} is gone`);
    // merge-tree exits 1 on conflicts, which GitHub would refuse to merge too.
    const tree = (await gitInRepository(['merge-tree', '--write-tree', '--end-of-options', base, pull.headSha])).split('\n')[0] as string;
    const merge = await gitInRepository(
      [
        'commit-tree',
        '-p',
        base,
        '-p',
        pull.headSha,
        '-m',
        `Merge pull request #${pull.number} from ${owner}/${pull.head}`,
        '--end-of-options',
        tree,
      ],
      {
        GIT_AUTHOR_NAME: 'GitHub',
        GIT_AUTHOR_EMAIL: 'noreply@github.com',
        GIT_COMMITTER_NAME: 'GitHub',
        GIT_COMMITTER_EMAIL: 'noreply@github.com',
      },
    );
    await gitInRepository(['update-ref', `refs/heads/${pull.base}`, merge, base]);
    return merge;
  }

  async function hasCommitsBetween(base: string, head: string): Promise<boolean> {
    if (base === head) return false;
    if (!options.repositoryPath) return true;
    // No commits between base and head when head is already contained in base.
    return new Promise((resolve) => {
      execFile(
        'git',
        ['--git-dir', options.repositoryPath as string, 'merge-base', '--is-ancestor', '--end-of-options', head, base],
        { env: { PATH: process.env.PATH ?? '', GIT_CONFIG_NOSYSTEM: '1' } },
        (error) => resolve(error !== null),
      );
    });
  }

  const basicError = (status: number, message: string): Reply => ({
    status,
    body: { message, documentation_url: DOCS, status: String(status) },
  });
  const validationFailed = (errors: Array<Record<string, string>>, message = 'Validation Failed'): Reply => ({
    status: 422,
    body: { message, errors, documentation_url: `${DOCS}/pulls/pulls#create-a-pull-request` },
  });

  /**
   * `x-ratelimit-reset` for a limit that lifts at `atMs` on the emulator's clock, in epoch seconds
   * of that clock, rounded up so a client waiting until then finds the limit lifted. A client
   * computes its wait as "reset minus now", so it needs the emulator's clock as its now.
   */
  function resetAt(atMs: number): string {
    return String(Math.ceil(atMs / 1000));
  }

  function rateHeaders(): Record<string, string> {
    const remaining = limit?.kind === 'primary' && limit.until > clock.now() ? 0 : Math.max(0, RATE_LIMIT - used);
    return {
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': resetAt(clock.now() + 3_600_000),
      'x-ratelimit-used': String(RATE_LIMIT - remaining),
      'x-ratelimit-resource': 'core',
    };
  }

  function limited(operation: EmulatedOperation): Reply | undefined {
    if (!limit) return undefined;
    const left = limit.until - clock.now();
    if (left <= 0) {
      limit = undefined;
      return undefined;
    }
    const seconds = Math.max(1, Math.ceil(left / 1000));
    const limitedFor: RateLimitedAnswer = { kind: limit.kind, operation, retryAfterSeconds: seconds };
    if (limit.kind === 'secondary') {
      return {
        limitedFor,
        ...basicError(
          403,
          `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${randomUUID()}.`,
        ),
        headers: { 'retry-after': String(seconds) },
      };
    }
    return {
      limitedFor,
      ...basicError(403, 'API rate limit exceeded for installation ID 1.'),
      headers: {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': resetAt(limit.until),
        'x-ratelimit-used': String(RATE_LIMIT),
      },
    };
  }

  function faultReply(status: number): Reply {
    if (status === 401) return basicError(401, 'Bad credentials');
    if (status === 403) return basicError(403, 'Resource not accessible by integration');
    if (status === 404) return basicError(404, 'Not Found');
    return basicError(status, status >= 500 ? 'Server Error' : 'Error');
  }

  function checkRequest(operation: ResolvedOperation, route: Route, query: URLSearchParams, body: unknown): string[] {
    const problems: string[] = [];
    for (const parameter of operation.parameters) {
      const raw = parameter.in === 'path' ? route.params[parameter.name] : parameter.in === 'query' ? query.get(parameter.name) : undefined;
      if (raw === undefined || raw === null) {
        if (parameter.required) problems.push(`${parameter.in} parameter ${parameter.name} is required`);
        continue;
      }
      const schema = parameter.schema ?? {};
      const value = schema.type === 'integer' || schema.type === 'number' ? (/^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw) : raw;
      problems.push(...validator.validate(schema, value, `${parameter.in}.${parameter.name}`));
    }
    if (operation.requestBody) {
      if (body === undefined) {
        if (operation.requestBody.required) problems.push('a JSON body is required');
      } else if (operation.requestBody.schema) {
        problems.push(...validator.validate(operation.requestBody.schema, body, 'body'));
      }
    }
    return problems;
  }

  function checkResponse(operation: ResolvedOperation | undefined, reply: Reply, label: string): Reply {
    if (!validate || reply.body === undefined) return reply;
    let schema: JsonSchema | null | undefined = operation?.responseSchema(reply.status);
    // Statuses the description does not list for an operation (401, 5xx) still carry GitHub's basic error.
    if (schema === undefined && reply.status >= 400) schema = validator.schema('basic-error');
    if (!schema) return reply;
    const problems = validator.validate(schema, reply.body, 'response');
    if (problems.length === 0) return reply;
    violations.push(...problems.map((problem) => `${label} ${reply.status}: ${problem}`));
    return basicError(500, `The emulator produced a response that does not match GitHub's description: ${problems[0]}`);
  }

  async function createPull(body: Record<string, unknown>, fault: QueuedFault<EmulatedOperation> | undefined): Promise<Reply> {
    const title = typeof body.title === 'string' ? body.title : '';
    const headParam = String(body.head);
    const base = String(body.base);
    const [headOwner, headRef] = headParam.includes(':') ? (headParam.split(':', 2) as [string, string]) : [owner, headParam];
    if (title.trim() === '') return validationFailed([{ resource: 'PullRequest', field: 'title', code: 'missing_field' }]);
    if (headOwner !== owner) return validationFailed([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
    if (options.contentCreationLimit !== undefined) {
      // A creation counts for one emulated minute: exactly 60 s later it no longer does.
      if (creations.count() >= options.contentCreationLimit) {
        limit = { kind: 'secondary', until: clock.now() + MINUTE_MS };
        return limited('pulls.create') as Reply;
      }
    }
    const [headSha, baseSha] = await Promise.all([resolveBranch(headRef), resolveBranch(base)]);
    if (baseSha === undefined) return validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
    if (headSha === undefined) return validationFailed([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
    if (!(await hasCommitsBetween(baseSha, headSha))) {
      return validationFailed([{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${headRef}` }]);
    }
    // Checked after the awaits, so two concurrent creates cannot both pass.
    if (pulls.some((pull) => pull.state === 'open' && pull.head === headRef && pull.base === base)) {
      return validationFailed([
        { resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${owner}:${headRef}.` },
      ]);
    }
    const number = pulls.length + 1;
    const now = timestamp();
    const pull: EmulatedPullRequest = {
      number,
      title,
      body: typeof body.body === 'string' ? body.body : '',
      head: headRef,
      headSha,
      base,
      baseSha,
      state: 'open',
      draft: body.draft === true,
      url: `${ctx.webUrl}/${owner}/${repo}/pull/${number}`,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
    };
    pulls.push(pull);
    creations.record();
    if (fault?.afterCreate) return faultReply(fault.status);
    return {
      status: 201,
      body: pullRequestJson(ctx, pull),
      headers: { location: `${ctx.apiUrl}/repos/${owner}/${repo}/pulls/${number}` },
    };
  }

  function listPulls(query: URLSearchParams): Reply {
    const state = query.get('state') ?? 'open';
    const head = query.get('head');
    const base = query.get('base');
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const headRef =
      head === null ? undefined : head.includes(':') ? (head.split(':', 2)[0] === owner ? head.split(':', 2)[1] : '\0') : head;
    const matching = pulls
      .filter((pull) => state === 'all' || pull.state === state)
      .filter((pull) => headRef === undefined || pull.head === headRef)
      .filter((pull) => base === null || pull.base === base)
      .sort((a, b) => (query.get('direction') === 'asc' ? a.number - b.number : b.number - a.number));
    return { status: 200, body: matching.slice((page - 1) * perPage, page * perPage).map((pull) => pullRequestSimpleJson(ctx, pull)) };
  }

  async function handle(
    route: Route,
    query: URLSearchParams,
    body: unknown,
    fault: QueuedFault<EmulatedOperation> | undefined,
  ): Promise<Reply> {
    if (route.operation === 'rateLimit.get')
      return { status: 200, body: rateLimitJson(RATE_LIMIT, RATE_LIMIT - used, Number(resetAt(clock.now() + 3_600_000))) };
    if (route.params.owner !== owner || route.params.repo !== repo) return basicError(404, 'Not Found');
    switch (route.operation) {
      case 'repos.get':
        return { status: 200, body: fullRepositoryJson(ctx) };
      case 'pulls.list':
        return listPulls(query);
      case 'pulls.create':
        return oneAtATime(() => createPull(body as Record<string, unknown>, fault));
      case 'pulls.get': {
        const pull = pulls.find((candidate) => String(candidate.number) === route.params.pull_number);
        return pull ? { status: 200, body: pullRequestJson(ctx, pull) } : basicError(404, 'Not Found');
      }
      case 'repos.listDeployments': {
        const sha = query.get('sha');
        const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
        // Newest first, as GitHub lists them.
        const matching = deployments.filter((deployment) => sha === null || deployment.sha === sha).reverse();
        return { status: 200, body: matching.slice(0, perPage).map((deployment) => deploymentJson(ctx, deployment)) };
      }
      case 'repos.listDeploymentStatuses': {
        const deployment = deployments.find((candidate) => String(candidate.id) === route.params.deployment_id);
        if (!deployment) return basicError(404, 'Not Found');
        const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
        const statuses = [...deployment.statuses].reverse().slice(0, perPage);
        return { status: 200, body: statuses.map((status) => deploymentStatusJson(ctx, deployment, status)) };
      }
    }
  }

  function htmlPage(path: string): string | undefined {
    const match = new RegExp(`^/${owner}/${repo}/pull/(\\d+)$`).exec(path);
    const pull = match ? pulls.find((candidate) => candidate.number === Number(match[1])) : undefined;
    if (!pull) return undefined;
    const html = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
    return `<!doctype html><meta charset="utf-8"><title>${html(pull.title)}</title><h1>${html(pull.title)} #${pull.number}</h1><p>${html(
      `${owner}:${pull.head} → ${pull.base} (${pull.state})`,
    )}</p><pre>${html(pull.body)}</pre>`;
  }

  async function onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://emulator');
    const method = request.method ?? 'GET';
    const route = matchRoute(method, url.pathname);
    const send = (reply: Reply) => {
      // Before the answer leaves: a test moving its clock here does so before any client can retry.
      if (reply.limitedFor) options.onRateLimited?.(reply.limitedFor);
      log.push({ method, path: `${url.pathname}${url.search}`, operation: route?.operation, status: reply.status });
      const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
      response.writeHead(reply.status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-request-id': randomUUID().toUpperCase(),
        'x-github-media-type': 'github.v3; format=json',
        ...rateHeaders(),
        ...reply.headers,
      });
      response.end(payload);
    };

    if (!route) {
      const page = method === 'GET' ? htmlPage(url.pathname) : undefined;
      if (page) {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(page);
        return;
      }
      return send(basicError(404, 'Not Found'));
    }
    if (options.token !== undefined) {
      const presented = /^(?:token|bearer)\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      if (presented !== options.token) return send(basicError(401, 'Bad credentials'));
    }
    if (route.operation === 'pulls.create' && holds.size > 0 && !(await passHolds())) {
      response.destroy();
      return;
    }
    used += 1;
    const operation = validator.operation(route.specPath, route.method.toLowerCase());
    const fault = faults.take(route.operation);
    if (answersBeforeHandling(fault, route.operation, 'pulls.create'))
      return send(checkResponse(undefined, faultReply(fault.status), route.operation));
    if (route.operation !== 'rateLimit.get') {
      const blocked = limited(route.operation);
      if (blocked) return send(checkResponse(undefined, blocked, route.operation));
    }

    let body: unknown;
    const raw = await readBody(request);
    if (raw === null) return send(basicError(413, 'Request body too large'));
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        return send(basicError(400, 'Problems parsing JSON'));
      }
    }
    if (validate) {
      const problems = checkRequest(operation, route, url.searchParams, body);
      if (problems.length > 0) {
        violations.push(...problems.map((problem) => `${route.operation} request: ${problem}`));
        return send({
          status: 422,
          body: { message: `Invalid request.\n\n${problems.join('\n')}`, documentation_url: DOCS, status: '422' },
        });
      }
    }
    const reply = await handle(route, url.searchParams, body, fault);
    return send(checkResponse(operation, reply, route.operation));
  }

  const server = createServer((request, response) => {
    onRequest(request, response).catch((error: unknown) => {
      violations.push(`emulator crashed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'Emulator error', documentation_url: DOCS }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  ctx = { apiUrl: base, webUrl: base, owner, repo, defaultBranch, createdAt };

  return {
    url: base,
    owner,
    repo,
    clock,
    pulls: () => pulls.map((pull) => ({ ...pull })),
    async closePullRequest(number) {
      const pull = pulls.find((candidate) => candidate.number === number);
      if (pull && pull.state === 'open') {
        pull.state = 'closed';
        pull.closedAt = timestamp();
        pull.updatedAt = pull.closedAt;
        await sendWebhook('pull_request', {
          action: 'closed',
          number,
          pull_request: pullRequestJson(ctx, pull),
          repository: repositoryRef(),
        });
      }
    },
    mergePullRequest(number) {
      return oneAtATime(() => mergeNow(number));
    },
    async pullRequestCommits(number) {
      const pull = pulls.find((candidate) => candidate.number === number);
      if (!pull) throw new Error(`no pull request ${number}`);
      if (!options.repositoryPath) throw new Error('pullRequestCommits needs repositoryPath');
      const base = pull.mergeSha ? `${pull.mergeSha}^1` : await resolveBranch(pull.base);
      if (base === undefined) throw new Error(`base branch ${pull.base} is gone`);
      const listed = await gitInRepository(['rev-list', '--end-of-options', pull.headSha, `^${base}`]);
      return listed === '' ? [] : listed.split('\n');
    },
    async deploy({ sha, state, environmentUrl = '', environment = 'production' }) {
      const now = timestamp();
      const deployment: EmulatedDeployment = {
        id: deployments.length + 1,
        sha,
        ref: defaultBranch,
        environment,
        createdAt: now,
        statuses: [],
      };
      const status = { id: nextStatusId++, state, environmentUrl, createdAt: now };
      deployment.statuses.push(status);
      deployments.push(deployment);
      await sendWebhook('deployment_status', {
        action: 'created',
        deployment_status: deploymentStatusJson(ctx, deployment, status),
        deployment: deploymentJson(ctx, deployment),
        repository: repositoryRef(),
      });
      return deployment.id;
    },
    setWebhook(next) {
      webhook = next;
    },
    webhookDeliveries: () => webhookLog.map((entry) => ({ ...entry })),
    setBranch: (name, sha) => branches.set(name, sha),
    failNext: (fault) => faults.add(fault),
    rateLimit({ kind, seconds }) {
      limit = { kind, until: clock.now() + seconds * 1000 };
    },
    holdPullRequests() {
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const hold: Hold = { released, release, waiting: 0 };
      holds.add(hold);
      return {
        waiting: () => hold.waiting,
        release() {
          holds.delete(hold);
          hold.release();
        },
      };
    },
    requests: () => log.map((entry) => ({ ...entry })),
    violations: () => [...violations],
    close() {
      stopped ??= new Promise<void>((resolve, reject) => {
        closed = true;
        for (const hold of holds) hold.release();
        holds.clear();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      return stopped;
    },
  };
}

/** Wall-clock time, running `1000 / secondMs` times faster than real time from the moment the emulator starts. */
function scaledWallClock(secondMs: number): EmulatorClock {
  if (!(secondMs > 0)) throw new Error(`secondMs must be positive (got ${secondMs})`);
  const origin = Date.now();
  return { now: () => origin + ((Date.now() - origin) * 1000) / secondMs };
}

function matchRoute(method: string, pathname: string): Route | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    const params: Record<string, string> = {};
    route.names.forEach((name, index) => {
      params[name] = decodeURIComponent(match[index + 1] ?? '');
    });
    return { operation: route.operation, specPath: route.specPath, method: route.method, params };
  }
  return undefined;
}

function readBody(request: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
