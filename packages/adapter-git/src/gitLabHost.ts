import type * as Gitbeaker from '@gitbeaker/rest';
import { type GitHostPort, isValidBranchName, PublishGateError, type PullRequestStatus, type Workspace } from '@publishgate/core';
import { withCallSignal } from './callSignal.js';
import { isGitLabProjectPath } from './gitLabRemote.js';
import { createKeyedQueue } from './keyedQueue.js';
import { createRedactor, type Redactor } from './redact.js';

/**
 * The part of a `Gitlab` instance from `@gitbeaker/rest` the adapter calls. A `new Gitlab({ … })`
 * (with or without `camelize`) fits; so does a test double with these methods (`MergeRequests.show` only
 * for {@link GitHostPort.getPullRequest}).
 */
export type GitLabClient = {
  Projects: { show(projectId: string | number): Promise<unknown> };
  MergeRequests: {
    create(
      projectId: string | number,
      sourceBranch: string,
      targetBranch: string,
      title: string,
      options: { description: string },
    ): Promise<unknown>;
    all(options: {
      projectId: string | number;
      sourceBranch: string;
      targetBranch: string;
      state: 'opened';
      perPage: number;
      maxPages: number;
    }): Promise<unknown>;
    show?(projectId: string | number, mergerequestIId: number): Promise<unknown>;
  };
};

type Connection =
  | {
      /** A personal, project or group access token with the `api` scope (sent as `PRIVATE-TOKEN`). */
      token: string;
      gitlab?: undefined;
      /** The GitLab instance. Default `https://gitlab.com`; self-managed: `https://gitlab.acme.example`. */
      host?: string;
    }
  | {
      /** Your `Gitlab` instance from `@gitbeaker/rest`, used as given (its own retries and pacing included). */
      gitlab: GitLabClient;
      token?: undefined;
      host?: undefined;
    };

type ProjectRef =
  | {
      /**
       * The project's full path, e.g. `acme/sites` or `acme/web/sites`, or a function of the
       * workspace being published (a project per workspace or per blueprint; checked on every call).
       */
      projectPath: string | ((workspace: Workspace) => string | Promise<string>);
      projectId?: undefined;
    }
  | {
      /** The project's numeric id (Settings → General), or a function of the workspace being published. */
      projectId: number | ((workspace: Workspace) => number | Promise<number>);
      projectPath?: undefined;
    };

/** Options for {@link createGitLabHost}. */
export type GitLabHostOptions = Connection &
  ProjectRef & {
    /** The branch merge requests target. Default: the project's default branch. */
    baseBranch?: string;
    /** A link back to the publish request in your portal, appended to every merge request description. */
    requestUrl?: (requestId: string) => string | undefined;
    /** Now, for turning `RateLimit-Reset` (epoch seconds) into a wait. Default: the system clock. */
    clock?: () => Date;
  };

type GitbeakerModule = typeof Gitbeaker;
type ResourceConfig = ConstructorParameters<GitbeakerModule['MergeRequests']>[0];
type RequesterFn = NonNullable<NonNullable<ResourceConfig>['requesterFn']>;
type MergeRequestRef = { number: number; url: string };
type Operation = 'openPullRequest' | 'getPullRequest';

const DEFAULT_HOST = 'https://gitlab.com';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
// GitLab refuses longer titles; descriptions may hold 1,048,576 characters.
const MAX_TITLE = 255;
const MAX_DESCRIPTION = 1_000_000;

/** A non-2xx answer from the adapter's own requester: status, headers and GitLab's message. */
class GitLabHttpError extends Error {
  override readonly name = 'GitLabHttpError';
  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly said: string | undefined,
  ) {
    super(`GitLab answered ${status}${said ? ` ${said}` : ''}`);
  }
}

/**
 * A {@link GitHostPort} for GitLab.com and self-managed GitLab on `@gitbeaker/rest` (an optional
 * peer dependency, loaded on the first call).
 *
 * `openPullRequest` opens a merge request from the branch into the base branch with one API call in
 * the common case. When GitLab answers `409 Another open merge request already exists for this
 * source branch` (an earlier attempt made it, or a response was lost after it was created), it
 * looks up the open merge request between the two branches and returns it (`created: false`);
 * calls for one branch in this process run one at a time. The adapter never retries or waits:
 * a failure is a `port_failed` that says whether it is `retryable`, and for rate limits (429)
 * `rateLimited` and `retryAfterMs` (from `Retry-After`, else `RateLimit-Reset`), so the gate's
 * publish retries pace themselves. With `token`, requests go out exactly once, without
 * gitbeaker's built-in retries and pacing and without following redirects; a `gitlab` instance is
 * used as given. The token never appears in an error.
 *
 * For polling deliveries (`sweep()`, `policy.deliveryPollMs`), `getPullRequest` reads the merge
 * request by its iid (one request): `opened` is open; `merged` is closed and merged, its `mergeSha`
 * the commit the target branch got (`merge_commit_sha`, else `squash_commit_sha` for a squash and
 * fast-forward, else the head `sha` for a plain fast-forward); `closed` and `locked` are closed, not
 * merged. Errors as above. There is no `getDeployment` yet, so a GitLab delivery ends at `merged`.
 *
 * `projectPath` or `projectId` may be a function of the workspace (passed by the gate to
 * `openPullRequest` and `getPullRequest`), so each workspace or blueprint opens merge requests in its own project: the
 * answer is checked on every call, the default branch is looked up once per project, and calls run
 * one at a time per project and branch. Without a `workspace`, such a host refuses with a
 * non-retryable `validation` error.
 *
 * @example
 * ```ts
 * import { createGitLabHost } from '@publishgate/adapter-git';
 *
 * const gitHost = createGitLabHost({
 *   token: process.env.GITLAB_TOKEN!,
 *   projectPath: 'acme/sites',
 *   baseBranch: 'main',
 *   requestUrl: (id) => `https://portal.acme.example/publish/${id}`,
 * });
 * ```
 */
export function createGitLabHost(options: GitLabHostOptions): GitHostPort {
  const projectOption = options.projectId ?? options.projectPath;
  // A fixed project is checked now; a function's answer on every call (projectOf).
  const fixedProject = typeof projectOption === 'function' ? undefined : checkProject(options.projectId, options.projectPath);
  if (options.baseBranch !== undefined && !isValidBranchName(options.baseBranch)) {
    throw new PublishGateError('validation', 'baseBranch is not a valid branch name.');
  }
  const token = options.gitlab ? undefined : options.token;
  if (!options.gitlab && (typeof token !== 'string' || token.trim() === '' || /\s/.test(token))) {
    throw new PublishGateError('validation', 'createGitLabHost needs either token (an access token) or a gitlab instance.');
  }
  const host = options.gitlab ? undefined : checkHost(options.host ?? DEFAULT_HOST);
  const clock = options.clock ?? (() => new Date());
  const redact = createRedactor([token]);

  let sdk: Promise<GitbeakerModule> | undefined;
  /** The client for one call: the given instance, or resources on a single-shot requester bound to the call's signal. */
  async function clientFor(signal: AbortSignal | undefined, operation: Operation): Promise<GitLabClient> {
    if (options.gitlab) return options.gitlab;
    sdk ??= import('@gitbeaker/rest').catch((error: unknown) => {
      sdk = undefined;
      throw new PublishGateError('port_failed', 'createGitLabHost needs @gitbeaker/rest: install it next to @publishgate/adapter-git.', {
        port: 'gitHost',
        operation,
        retryable: false,
        cause: error,
      });
    });
    const { MergeRequests, Projects } = await sdk;
    const config = { host: host as string, token: token as string, requesterFn: singleShotRequester(signal) };
    return { Projects: new Projects(config), MergeRequests: new MergeRequests(config) } as GitLabClient;
  }

  /** The project of this call: the fixed one, or the function's answer for `workspace`, checked. */
  async function projectOf(workspace: Workspace | undefined, operation: Operation): Promise<string | number> {
    if (fixedProject !== undefined) return fixedProject;
    const what = options.projectId === undefined ? 'projectPath' : 'projectId';
    if (workspace === undefined) {
      throw new PublishGateError('validation', `${operation} needs the workspace: ${what} is a function of it.`, {
        issues: [{ path: 'workspace', message: `required when ${what} is a function` }],
      });
    }
    let value: unknown;
    try {
      value = await (projectOption as (workspace: Workspace) => unknown)(workspace);
    } catch (error) {
      if (PublishGateError.is(error)) throw error;
      // A lookup that failed may work next time.
      throw new PublishGateError(
        'port_failed',
        redact(`The ${what} function failed for workspace ${workspace.id}: ${error instanceof Error ? error.message : String(error)}`),
        { port: 'gitHost', operation, retryable: true },
      );
    }
    try {
      return what === 'projectId' ? checkProject(value, undefined) : checkProject(undefined, value);
    } catch (error) {
      throw new PublishGateError('validation', `The ${what} function returned no valid project for workspace ${workspace.id}.`, {
        issues: [{ path: what, message: PublishGateError.is(error) ? error.message : 'invalid' }],
      });
    }
  }

  // The default branch, looked up once per project (a failed lookup is asked again next time).
  const defaultBranches = new Map<string, Promise<string>>();
  function baseBranch(client: GitLabClient, project: string | number): Promise<string> {
    if (options.baseBranch) return Promise.resolve(options.baseBranch);
    const label = String(project);
    const key = projectKey(project);
    let known = defaultBranches.get(key);
    if (known) return known;
    known = client.Projects.show(project)
      .then((data) => {
        const branch = field(data, 'default_branch', 'defaultBranch');
        if (typeof branch !== 'string' || !isValidBranchName(branch)) {
          // An empty project has none until its first push; not cached, so a later call sees it.
          throw new PublishGateError('port_failed', `GitLab project ${label} has no default branch; set baseBranch.`, {
            port: 'gitHost',
            operation: 'openPullRequest',
            retryable: false,
          });
        }
        return branch;
      })
      .catch((error: unknown) => {
        defaultBranches.delete(key);
        throw error;
      });
    defaultBranches.set(key, known);
    return known;
  }

  async function findOpen(
    client: GitLabClient,
    project: string | number,
    branch: string,
    base: string,
  ): Promise<MergeRequestRef | undefined> {
    const list = await client.MergeRequests.all({
      projectId: project,
      sourceBranch: branch,
      targetBranch: base,
      state: 'opened',
      perPage: 100,
      maxPages: 1,
    });
    const found = (Array.isArray(list) ? list : []).find(
      (mr) => field(mr, 'source_branch', 'sourceBranch') === branch && field(mr, 'target_branch', 'targetBranch') === base,
    );
    return found === undefined ? undefined : mergeRequestRef(found);
  }

  // One open call per branch at a time in this process; across processes GitLab's one open merge
  // request per source and target branch and the 409 handling below keep it to one.
  const oneAtATime = createKeyedQueue();

  const port = {
    async openPullRequest({ branch, title, body, requestId, workspace, signal }) {
      if (typeof branch !== 'string' || !isValidBranchName(branch)) {
        throw new PublishGateError('validation', 'The branch name is not one git accepts.');
      }
      if (typeof title !== 'string' || title.trim() === '') throw new PublishGateError('validation', 'A merge request needs a title.');
      const project = await projectOf(workspace, 'openPullRequest');
      const label = String(project);
      return oneAtATime(`${projectKey(project)}\0${branch}`, () =>
        withCallSignal(signal, async (callSignal) => {
          try {
            const client = await clientFor(callSignal, 'openPullRequest');
            return await untilAborted(callSignal, async () => {
              const base = await baseBranch(client, project);
              if (base === branch) throw new PublishGateError('validation', 'A merge request cannot target its own source branch.');
              // Create first: one POST in the common case. GitLab answers 409 when an open merge
              // request between these branches exists (an earlier attempt, or a lost response);
              // only then is it looked up.
              try {
                const created = await client.MergeRequests.create(project, branch, base, title.slice(0, MAX_TITLE), {
                  description: decorateDescription(body, requestId, options.requestUrl),
                });
                return { ...mergeRequestRef(created), created: true };
              } catch (error) {
                if (!isAlreadyExists(error)) throw error;
                const found = await findOpen(client, project, branch, base);
                if (found) return { ...found, created: false };
                // It closed between the two calls: asking again can open a new one.
                throw new PublishGateError(
                  'port_failed',
                  `GitLab reported an open merge request from ${branch} in ${label}, but it was gone when looked up.`,
                  { port: 'gitHost', operation: 'openPullRequest', retryable: true },
                );
              }
            });
          } catch (error) {
            throw toHostError(error, {
              redact,
              project: label,
              host: host ?? 'the GitLab instance',
              now: clock().getTime(),
              signal,
              operation: 'openPullRequest',
            });
          }
        }),
      );
    },

    async getPullRequest({ number, workspace, signal }): Promise<PullRequestStatus> {
      if (typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0) {
        throw new PublishGateError('validation', 'A merge request iid is a positive integer.');
      }
      const project = await projectOf(workspace, 'getPullRequest');
      return withCallSignal(signal, async (callSignal) => {
        try {
          const client = await clientFor(callSignal, 'getPullRequest');
          const show = client.MergeRequests.show;
          if (typeof show !== 'function') {
            throw new PublishGateError('port_failed', 'The gitlab instance has no MergeRequests.show.', {
              port: 'gitHost',
              operation: 'getPullRequest',
              retryable: false,
            });
          }
          const data = await untilAborted(callSignal, () => show.call(client.MergeRequests, project, number));
          return pullRequestStatus(data);
        } catch (error) {
          throw toHostError(error, {
            redact,
            project: String(project),
            host: host ?? 'the GitLab instance',
            now: clock().getTime(),
            signal,
            operation: 'getPullRequest',
            mergeRequest: number,
          });
        }
      });
    },
  } satisfies GitHostPort;
  return port;
}

/** A cache key per project: project paths are case-insensitive on GitLab, ids are numbers. */
function projectKey(project: string | number): string {
  return typeof project === 'number' ? `#${project}` : project.toLowerCase();
}

function checkProject(projectId: unknown, path: unknown): string | number {
  if (projectId !== undefined) {
    if (typeof projectId !== 'number' || !Number.isSafeInteger(projectId) || projectId <= 0) {
      throw new PublishGateError('validation', 'projectId must be a positive integer.');
    }
    return projectId;
  }
  if (!isGitLabProjectPath(path)) {
    throw new PublishGateError('validation', 'projectPath must be a GitLab project path such as acme/sites, or pass projectId.');
  }
  return path;
}

/** The instance URL without a trailing slash; https, or http only on this machine (a token must not travel in clear text). */
function checkHost(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PublishGateError('validation', 'host must be the URL of a GitLab instance, such as https://gitlab.com.');
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new PublishGateError('validation', 'host must not carry credentials, a query or a fragment; pass the token as token.');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new PublishGateError('validation', 'host must be an https URL (http only for localhost).');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * A gitbeaker requester that sends each request once: no retries, no client-side pacing, no
 * redirects (they would carry the token elsewhere), aborted with the call's signal. Request and
 * body keys are snake_cased as gitbeaker's own requester does for the flat parameters used here.
 */
function singleShotRequester(callSignal: AbortSignal | undefined): RequesterFn {
  return (resource) => {
    const send =
      (method: string) =>
      async (endpoint: string, options: { searchParams?: object; body?: unknown; signal?: AbortSignal } = {}) => {
        const url = new URL(endpoint, resource.url.endsWith('/') ? resource.url : `${resource.url}/`);
        for (const [key, value] of Object.entries(options.searchParams ?? {})) {
          if (value !== undefined && value !== null) url.searchParams.set(snakeCase(key), primitive(key, value));
        }
        const headers: Record<string, string> = { accept: 'application/json', ...resource.headers };
        for (const [name, value] of Object.entries(resource.authHeaders)) headers[name] = await value();
        let body: string | undefined;
        if (options.body !== undefined) {
          const entries = Object.entries(options.body as Record<string, unknown>).filter(([, value]) => value !== undefined);
          body = JSON.stringify(Object.fromEntries(entries.map(([key, value]) => [snakeCase(key), value])));
          headers['content-type'] = 'application/json';
        }
        const signals = [callSignal, options.signal].filter((signal): signal is AbortSignal => signal !== undefined);
        const response = await fetch(url, {
          method,
          headers,
          body,
          redirect: 'manual',
          signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
        });
        const text = await response.text();
        const json = (response.headers.get('content-type') ?? '').includes('json') ? parseJson(text) : undefined;
        if (!response.ok) throw new GitLabHttpError(response.status, response.headers, describe(json, text, response.headers));
        return { body: json ?? text, headers: Object.fromEntries(response.headers.entries()), status: response.status };
      };
    return {
      get: send('GET'),
      post: send('POST'),
      put: send('PUT'),
      patch: send('PATCH'),
      delete: send('DELETE'),
    } as unknown as ReturnType<RequesterFn>;
  };
}

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (char) => `_${char.toLowerCase()}`);
}

function primitive(key: string, value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`The GitLab host sends only plain query parameters (${key} is not one).`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** GitLab's message, as it writes it: `message` (a string, a list or an object) or `error`; plain text otherwise. */
function describe(json: unknown, text: string, headers: Headers): string | undefined {
  if (json && typeof json === 'object') {
    const { message, error } = json as { message?: unknown; error?: unknown };
    const said = message ?? error;
    if (typeof said === 'string') return said;
    if (Array.isArray(said)) return said.filter((entry) => typeof entry === 'string').join('; ');
    if (said && typeof said === 'object') return JSON.stringify(said);
    return undefined;
  }
  // An HTML error page from a proxy says nothing useful.
  if ((headers.get('content-type') ?? '').includes('html')) return undefined;
  return text.trim().split('\n')[0]?.slice(0, 200) || undefined;
}

/** Settles with `work`, or rejects as soon as `signal` aborts (a given gitlab instance cannot take a signal). */
function untilAborted<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  if (!signal) return work();
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work()
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', abort));
  });
}

function field(value: unknown, snake: string, camel: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  return record[snake] ?? record[camel];
}

function mergeRequestRef(value: unknown): MergeRequestRef {
  const iid = field(value, 'iid', 'iid');
  const url = field(value, 'web_url', 'webUrl');
  if (typeof iid !== 'number' || !Number.isSafeInteger(iid) || iid <= 0 || typeof url !== 'string') {
    throw new PublishGateError('port_failed', 'GitLab returned a merge request without iid or web_url.', {
      port: 'gitHost',
      operation: 'openPullRequest',
      retryable: false,
    });
  }
  return { number: iid, url };
}

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Where a merge request is, from GitLab's answer (snake_case, or camelCase from a `camelize` instance). */
function pullRequestStatus(data: unknown): PullRequestStatus {
  const state = field(data, 'state', 'state');
  if (state === 'opened') return { state: 'open', merged: false };
  if (state === 'closed' || state === 'locked') return { state: 'closed', merged: false };
  if (state === 'merged') {
    // What the target branch got: the merge commit; with squash and fast-forward the squashed
    // commit; with a plain fast-forward the head itself.
    const mergeSha = [
      field(data, 'merge_commit_sha', 'mergeCommitSha'),
      field(data, 'squash_commit_sha', 'squashCommitSha'),
      field(data, 'sha', 'sha'),
    ].find((value): value is string => typeof value === 'string' && SHA.test(value));
    return { state: 'closed', merged: true, ...(mergeSha ? { mergeSha } : {}) };
  }
  throw new PublishGateError('port_failed', `GitLab returned a merge request in an unknown state (${String(state).slice(0, 40)}).`, {
    port: 'gitHost',
    operation: 'getPullRequest',
    retryable: false,
  });
}

function decorateDescription(body: string, requestId: string, requestUrl: GitLabHostOptions['requestUrl']): string {
  const link = requestUrl?.(requestId);
  const marker = `<!-- publishgate:request ${String(requestId).replace(/[^A-Za-z0-9._:@+=~-]/g, '')} -->`;
  // Parentheses and spaces would end the Markdown link early; encodeURIComponent leaves parentheses alone.
  const href = link?.replace(/[()\s]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  const tail = `${href ? `\n\n[Open the publish request](${href})` : ''}\n\n${marker}`;
  const text = typeof body === 'string' ? body : '';
  return text.length + tail.length > MAX_DESCRIPTION
    ? `${text.slice(0, MAX_DESCRIPTION - tail.length - 20)}\n\n… (truncated)${tail}`
    : `${text}${tail}`;
}

/** What an error from either requester says: status, headers and GitLab's message. */
type Facts = { status: number | undefined; header(name: string): string | undefined; said: string | undefined };

function factsOf(error: unknown): Facts {
  if (error instanceof GitLabHttpError) {
    return { status: error.status, header: (name) => error.headers.get(name) ?? undefined, said: error.said };
  }
  // gitbeaker's own requester (a given instance) throws GitbeakerRequestError with the Response as cause.
  const cause = (error as { cause?: { response?: { status?: unknown; headers?: { get?: unknown } }; description?: unknown } } | null)
    ?.cause;
  const response = cause?.response;
  if (typeof response?.status === 'number' && typeof response.headers?.get === 'function') {
    const headers = response.headers as Headers;
    // gitbeaker passes a list or object message on as its JSON text.
    const description = typeof cause?.description === 'string' ? cause.description : undefined;
    const listed = description?.startsWith('[') ? parseJson(description) : undefined;
    const said = Array.isArray(listed) ? listed.filter((entry) => typeof entry === 'string').join('; ') : description;
    return { status: response.status, header: (name) => headers.get(name) ?? undefined, said };
  }
  // ... and GitbeakerRetryError once its own retries of 429 and 502 ran out.
  const name = (error as { name?: unknown } | null)?.name;
  const message = error instanceof Error ? error.message : '';
  const retried = name === 'GitbeakerRetryError' ? /last status code: (\d{3})/.exec(message) : null;
  return { status: retried ? Number(retried[1]) : undefined, header: () => undefined, said: undefined };
}

function isAlreadyExists(error: unknown): boolean {
  const facts = factsOf(error);
  return facts.status === 409 && /another open merge request already exists/i.test(facts.said ?? '');
}

/** Milliseconds until GitLab will take requests again: `Retry-After` (seconds or a date), else `RateLimit-Reset` (epoch seconds). */
function retryAfterOf(facts: Facts, now: number): number | undefined {
  const retryAfter = facts.header('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = Number(facts.header('ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now);
  return undefined;
}

type ErrorContext = {
  redact: Redactor;
  project: string;
  host: string;
  now: number;
  signal: AbortSignal | undefined;
  operation: Operation;
  /** The merge request asked about, for a 404 that may mean it rather than the project. */
  mergeRequest?: number;
};

/** Turns whatever the call threw into a PublishGateError with a redacted message and no raw cause. */
function toHostError(error: unknown, context: ErrorContext): unknown {
  // The caller's own abort (or timeout) surfaces as its reason, not as a GitLab failure.
  if (context.signal?.aborted) return context.signal.reason ?? error;
  if (PublishGateError.is(error)) return error;
  const fail = (message: string, retryable: boolean, extra: { retryAfterMs?: number; rateLimited?: boolean } = {}) =>
    new PublishGateError('port_failed', context.redact(message).slice(0, 1_000), {
      port: 'gitHost',
      operation: context.operation,
      retryable,
      ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
      ...(extra.rateLimited ? { rateLimited: true } : {}),
    });
  const facts = factsOf(error);
  const { status } = facts;
  const said = facts.said ? ` ${facts.said.split('\n')[0]}` : '';
  if (status === undefined) {
    const name = (error as { name?: unknown } | null)?.name;
    if (name === 'GitbeakerTimeoutError') return fail(`GitLab did not answer in time (${context.host}).`, true);
    const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
    const reason = `${error instanceof Error ? error.message : String(error)}${typeof code === 'string' ? ` (${code})` : ''}`;
    return fail(`GitLab could not be reached at ${context.host}: ${reason}`, true);
  }
  const retryAfterMs = retryAfterOf(facts, context.now);
  if (status === 429) {
    const wait = retryAfterMs === undefined ? '' : `; retry after ${Math.ceil(retryAfterMs / 1000)} s`;
    return fail(`GitLab rate limit reached for ${context.project}${wait}.`, true, { retryAfterMs, rateLimited: true });
  }
  if (status >= 500) return fail(`GitLab failed with ${status}${said}; the request can be retried.`, true, { retryAfterMs });
  if (status === 401) return fail(`GitLab rejected the credentials (401${said}).`, false);
  if (status === 403) return fail(`GitLab refused access to ${context.project} (403${said}); the token needs the api scope.`, false);
  if (status === 404 && context.mergeRequest !== undefined) {
    return fail(
      `GitLab merge request !${context.mergeRequest} in ${context.project} was not found or the token cannot see it (404).`,
      false,
    );
  }
  if (status === 404) return fail(`GitLab project ${context.project} was not found or the token cannot see it (404).`, false);
  if (status >= 300 && status < 400) {
    return fail(`GitLab answered with a redirect (${status}); set host to the instance's own URL.`, false);
  }
  const refused = context.operation === 'getPullRequest' ? 'refused to show the merge request' : 'refused the merge request';
  return fail(`GitLab ${refused} (${status}${said}).`, false);
}
