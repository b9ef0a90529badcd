import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isValidBranchName } from '@publishgate/core';
import {
  answersBeforeHandling,
  createBranchStore,
  createCreationWindow,
  createFaultQueue,
  type EmulatorFaultOf,
  type QueuedFault,
} from './emulatorPlumbing.js';
import type { EmulatorClock } from './githubEmulator.js';

/** The GitLab REST v4 operations the emulator serves. */
export type GitLabEmulatedOperation = 'projects.show' | 'mergeRequests.list' | 'mergeRequests.create' | 'mergeRequests.show';

/** A merge request as the emulator stores it. */
export type EmulatedMergeRequest = {
  /** The instance-wide id (GitLab's `id`), which addresses nothing a person sees. */
  id: number;
  /** The number in the project (`!iid`), as in the web URL. */
  iid: number;
  title: string;
  description: string;
  sourceBranch: string;
  targetBranch: string;
  /** The source branch's commit when the merge request was opened. */
  sha: string;
  state: 'opened' | 'closed' | 'merged';
  webUrl: string;
  createdAt: string;
  updatedAt: string;
  /** Whether it was merged with "Squash commits". */
  squash: boolean;
  /** The merge commit (merged with a merge commit), as GitLab's `merge_commit_sha`. */
  mergeCommitSha?: string;
  /** The squashed commit (merged with squash), as GitLab's `squash_commit_sha`. */
  squashCommitSha?: string;
  mergedAt?: string;
  closedAt?: string;
};

/** How {@link GitLabEmulator.mergeMergeRequest} merges, as the project's merge method and "Squash commits" choose. */
export type GitLabMergeMethod = 'merge' | 'squash' | 'fast-forward';

/** Options for {@link startGitLabEmulator}. */
export type GitLabEmulatorOptions = {
  /** The project's full path (`namespace/project`). Default `acme/sites`. */
  projectPath?: string;
  /** The project's numeric id. Default 1. */
  projectId?: number;
  /** The project's default branch. Default `main`. */
  defaultBranch?: string;
  /**
   * When set, every API request must carry this token as `PRIVATE-TOKEN` or `Authorization: Bearer`;
   * others get GitLab's 401 `{"message":"401 Unauthorized"}`.
   */
  token?: string;
  /**
   * A bare git repository to read branches from, so a merge request from a branch that was never
   * pushed is refused. Without it the emulator keeps its own branch list ({@link GitLabEmulator.setBranch}).
   */
  repositoryPath?: string;
  /**
   * The emulated time, e.g. `createManualClock()`: rate-limit windows, `Retry-After`,
   * `RateLimit-Reset` and timestamps follow it. Default: the wall clock.
   */
  clock?: EmulatorClock;
  /**
   * At most this many merge requests per emulated minute; the next one gets GitLab's application
   * rate limit (429, `Retry-After` until the minute is over). Default: no limit.
   */
  mergeRequestLimit?: number;
  /** Port on 127.0.0.1. Default 0 (any free port). */
  port?: number;
};

/** A fault to inject into upcoming requests (`afterCreate` applies to `mergeRequests.create`; 429 comes with GitLab's rate-limit headers). */
export type GitLabEmulatorFault = EmulatorFaultOf<GitLabEmulatedOperation>;

/** How a rate-limited answer says when to come back. */
export type GitLabRateLimitHeaders = 'retry-after' | 'reset' | 'both' | 'none';

/** A running emulator. */
export type GitLabEmulator = {
  /** The instance URL, e.g. `http://127.0.0.1:4010`; pass it as `host` (the API is under `/api/v4`). */
  url: string;
  projectPath: string;
  projectId: number;
  /** Every merge request, open or not, in creation order. */
  mergeRequests(): EmulatedMergeRequest[];
  /** Closes an open merge request without merging it, as a maintainer would. */
  closeMergeRequest(iid: number): void;
  /**
   * Merges an open merge request as a maintainer would and resolves with the commit the target
   * branch now points at. `merge` (default) makes a merge commit (`merge_commit_sha`); `squash`
   * squashes the changes into one commit and fast-forwards (`squash_commit_sha`, no merge commit);
   * `fast-forward` moves the target to the head (`sha`; neither field set). With `repositoryPath`
   * the merge is real (the target branch moves; a conflict or a target that is not an ancestor of
   * the head for `fast-forward` rejects).
   */
  mergeMergeRequest(iid: number, method?: GitLabMergeMethod): Promise<string>;
  /** Makes a branch exist (only without `repositoryPath`). */
  setBranch(name: string, sha?: string): void;
  /** Makes upcoming requests fail. */
  failNext(fault: GitLabEmulatorFault): void;
  /**
   * Refuses every API request for `seconds` emulated seconds with 429 `Retry later`, as GitLab's
   * request throttles do. `headers` picks what the answer carries: `Retry-After` (seconds),
   * `RateLimit-Reset` (epoch seconds of the emulator's clock), both (default), or neither.
   */
  rateLimit(limit: { seconds: number; headers?: GitLabRateLimitHeaders }): void;
  /** Every request received, in order. */
  requests(): Array<{ method: string; path: string; operation: GitLabEmulatedOperation | undefined; status: number }>;
  /** Requests the emulator could not place: unknown routes and parameters GitLab does not document for them. Tests expect none. */
  violations(): string[];
  /** Stops the server. */
  close(): Promise<void>;
};

/** A rate limit: a request throttle (any request) or an application limit (merge request creation). */
type Limit = { until: number; headers: GitLabRateLimitHeaders; kind: 'throttle' | 'application' };
type Reply = { status: number; body?: unknown; text?: string; contentType?: string; headers?: Record<string, string> };

const MAX_BODY_BYTES = 1024 * 1024;
const MINUTE_MS = 60_000;
const PROJECT_PATH = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]*)+$/;
// Parameters GitLab documents for the two merge request endpoints (a subset for listing).
const CREATE_PARAMS = new Set([
  'title',
  'source_branch',
  'target_branch',
  'description',
  'assignee_id',
  'assignee_ids',
  'reviewer_ids',
  'target_project_id',
  'labels',
  'milestone_id',
  'remove_source_branch',
  'allow_collaboration',
  'allow_maintainer_to_push',
  'squash',
  'approvals_before_merge',
  'merge_after',
]);
const LIST_PARAMS = new Set([
  'state',
  'order_by',
  'sort',
  'source_branch',
  'target_branch',
  'author_id',
  'author_username',
  'labels',
  'milestone',
  'search',
  'view',
  'scope',
  'draft',
  'wip',
  'created_after',
  'created_before',
  'updated_after',
  'updated_before',
  'page',
  'per_page',
]);
const STATES = new Set(['opened', 'closed', 'locked', 'merged', 'all']);
// Parameters GitLab documents for showing one merge request.
const SHOW_PARAMS = new Set(['render_html', 'include_diverged_commits_count', 'include_rebase_in_progress']);
const GIT_ENV = { PATH: process.env.PATH ?? '', GIT_CONFIG_NOSYSTEM: '1' };

/**
 * Starts an emulator of the GitLab REST v4 endpoints the GitLab host adapter uses, on 127.0.0.1:
 * `GET /api/v4/projects/:id` (`:id` numeric or the URL-encoded path), `POST` and
 * `GET /api/v4/projects/:id/merge_requests`, `GET /api/v4/projects/:id/merge_requests/:iid`, plus a small HTML page at each merge request's
 * `web_url`. Answers follow GitLab's: 409 `Another open merge request already exists for this
 * source branch: !N` for a second open merge request between the same branches, 422 for a branch
 * that does not exist, 401/404 bodies as GitLab writes them, pagination headers on lists, and 429
 * with `Retry-After` and `RateLimit-*` headers when limited.
 *
 * @example
 * ```ts
 * const clock = createManualClock();
 * const gitlab = await startGitLabEmulator({ token: 'glpat-test', repositoryPath: '/tmp/remote.git', clock });
 * const gitHost = createGitLabHost({
 *   token: 'glpat-test',
 *   host: gitlab.url,
 *   projectPath: gitlab.projectPath,
 *   clock: () => new Date(clock.now()),
 * });
 * gitlab.failNext({ operation: 'mergeRequests.create', status: 502, afterCreate: true }); // created, response lost
 * gitlab.rateLimit({ seconds: 30 }); // 429 with Retry-After: 30 and RateLimit-Reset
 * await gitlab.close();
 * ```
 */
export async function startGitLabEmulator(options: GitLabEmulatorOptions = {}): Promise<GitLabEmulator> {
  const projectPath = options.projectPath ?? 'acme/sites';
  const projectId = options.projectId ?? 1;
  const defaultBranch = options.defaultBranch ?? 'main';
  if (!PROJECT_PATH.test(projectPath)) throw new Error(`projectPath must look like namespace/project (got ${projectPath})`);
  if (!Number.isSafeInteger(projectId) || projectId <= 0) throw new Error(`projectId must be a positive integer (got ${projectId})`);
  if (!isValidBranchName(defaultBranch)) throw new Error(`invalid default branch ${defaultBranch}`);
  const clock: EmulatorClock = options.clock ?? { now: () => Date.now() };
  const startedAt = new Date(clock.now()).toISOString();

  const branches = createBranchStore({ defaultBranch, repositoryPath: options.repositoryPath });
  const mergeRequests: EmulatedMergeRequest[] = [];
  const faults = createFaultQueue<GitLabEmulatedOperation>();
  const log: Array<{ method: string; path: string; operation: GitLabEmulatedOperation | undefined; status: number }> = [];
  const violations: string[] = [];
  const creations = createCreationWindow(clock, MINUTE_MS);
  let limit: Limit | undefined;
  let url = '';

  const message = (status: number, text: unknown): Reply => ({ status, body: { message: text } });
  const webUrl = (iid: number) => `${url}/${projectPath}/-/merge_requests/${iid}`;

  const resolveBranch = (name: string) => branches.resolve(name);

  function projectJson() {
    const name = projectPath.split('/').at(-1) as string;
    return {
      id: projectId,
      name,
      path: name,
      name_with_namespace: projectPath.split('/').join(' / '),
      path_with_namespace: projectPath,
      default_branch: defaultBranch,
      visibility: 'private',
      web_url: `${url}/${projectPath}`,
      http_url_to_repo: `${url}/${projectPath}.git`,
      created_at: startedAt,
      merge_requests_enabled: true,
    };
  }

  function mergeRequestJson(mr: EmulatedMergeRequest) {
    return {
      id: mr.id,
      iid: mr.iid,
      project_id: projectId,
      title: mr.title,
      description: mr.description,
      state: mr.state,
      created_at: mr.createdAt,
      updated_at: mr.updatedAt,
      target_branch: mr.targetBranch,
      source_branch: mr.sourceBranch,
      source_project_id: projectId,
      target_project_id: projectId,
      draft: /^(?:draft:|\[draft\]|\(draft\))/i.test(mr.title),
      sha: mr.sha,
      squash: mr.squash,
      merge_commit_sha: mr.mergeCommitSha ?? null,
      squash_commit_sha: mr.squashCommitSha ?? null,
      merged_at: mr.mergedAt ?? null,
      closed_at: mr.closedAt ?? null,
      merge_status: mr.state === 'opened' ? 'checking' : 'can_be_merged',
      detailed_merge_status: mr.state === 'opened' ? 'checking' : 'not_open',
      references: { short: `!${mr.iid}`, relative: `!${mr.iid}`, full: `${projectPath}!${mr.iid}` },
      web_url: mr.webUrl,
      author: { id: 1, username: 'publish-bot', name: 'Publish bot', state: 'active' },
    };
  }

  /** The 429 for a limit that lifts at `current.until`. */
  function limitReply(current: Limit): Reply {
    const left = Math.max(1, current.until - clock.now());
    const throttle = current.kind === 'throttle';
    const headers: Record<string, string> = {
      'ratelimit-name': throttle ? 'throttle_authenticated_api' : 'merge_request_create',
      'ratelimit-limit': throttle ? '2000' : String(options.mergeRequestLimit ?? 0),
      'ratelimit-observed': throttle ? '2001' : String(creations.count() + 1),
      'ratelimit-remaining': '0',
    };
    if (current.headers === 'retry-after' || current.headers === 'both') headers['retry-after'] = String(Math.ceil(left / 1000));
    if (current.headers === 'reset' || current.headers === 'both') {
      const reset = Math.ceil(current.until / 1000);
      headers['ratelimit-reset'] = String(reset);
      headers['ratelimit-resettime'] = new Date(reset * 1000).toUTCString();
    }
    // Request throttles answer in plain text; application limits (merge request creation) in JSON.
    if (throttle) return { status: 429, text: 'Retry later\n', contentType: 'text/plain', headers };
    return { ...message(429, { error: 'This endpoint has been requested too many times. Try again later.' }), headers };
  }

  /** The answer while a {@link GitLabEmulator.rateLimit} lasts, or undefined once it has lifted. */
  function limited(): Reply | undefined {
    if (limit && limit.until <= clock.now()) limit = undefined;
    return limit ? limitReply(limit) : undefined;
  }

  function faultReply(status: number): Reply {
    if (status === 401) return message(401, '401 Unauthorized');
    if (status === 403) return message(403, '403 Forbidden');
    if (status === 404) return message(404, '404 Project Not Found');
    if (status === 429) return limitReply({ until: clock.now() + 1000, headers: 'both', kind: 'throttle' });
    // A proxy in front of GitLab answers these with an HTML page, not JSON.
    if (status === 502 || status === 503 || status === 504) {
      return { status, text: `<html><body><h1>${status}</h1></body></html>`, contentType: 'text/html' };
    }
    return message(status, status >= 500 ? '500 Internal Server Error' : `${status} Error`);
  }

  function checkParams(kind: string, given: Iterable<string>, known: Set<string>) {
    for (const name of given) if (!known.has(name)) violations.push(`${kind}: parameter ${name} is not documented`);
  }

  async function createMergeRequest(
    body: Record<string, unknown>,
    fault: QueuedFault<GitLabEmulatedOperation> | undefined,
  ): Promise<Reply> {
    checkParams('mergeRequests.create', Object.keys(body), CREATE_PARAMS);
    // Grape validates required parameters before anything else, with its own error shape.
    for (const name of ['title', 'source_branch', 'target_branch']) {
      if (typeof body[name] !== 'string' || body[name] === '') return { status: 400, body: { error: `${name} is missing` } };
    }
    const title = body.title as string;
    const source = body.source_branch as string;
    const target = body.target_branch as string;
    if (body.description !== undefined && typeof body.description !== 'string')
      return { status: 400, body: { error: 'description is invalid' } };
    if (title.length > 255) return message(400, { title: ['is too long (maximum is 255 characters)'] });
    if (source === target) return message(422, ["You can't use same project/branch for source and target"]);
    if (options.mergeRequestLimit !== undefined) {
      if (creations.count() >= options.mergeRequestLimit) {
        // The window slides: the oldest creation in it leaves exactly one minute after it was made.
        return limitReply({ until: creations.oldestLeavesAt() as number, headers: 'retry-after', kind: 'application' });
      }
    }
    const [sha, targetSha] = await Promise.all([resolveBranch(source), resolveBranch(target)]);
    if (sha === undefined) return message(422, [`Source branch "${source}" does not exist`]);
    if (targetSha === undefined) return message(422, [`Target branch "${target}" does not exist`]);
    // Checked after the awaits, so two concurrent creates cannot both pass.
    const conflicting = mergeRequests.find((mr) => mr.state === 'opened' && mr.sourceBranch === source && mr.targetBranch === target);
    if (conflicting) return message(409, [`Another open merge request already exists for this source branch: !${conflicting.iid}`]);
    const iid = mergeRequests.length + 1;
    const now = new Date(clock.now()).toISOString();
    const mr: EmulatedMergeRequest = {
      id: 1000 + iid,
      iid,
      title,
      description: typeof body.description === 'string' ? body.description : '',
      sourceBranch: source,
      targetBranch: target,
      sha,
      state: 'opened',
      webUrl: webUrl(iid),
      createdAt: now,
      updatedAt: now,
      squash: false,
    };
    mergeRequests.push(mr);
    creations.record();
    if (fault?.afterCreate) return faultReply(fault.status);
    return { status: 201, body: mergeRequestJson(mr) };
  }

  function listMergeRequests(query: URLSearchParams): Reply {
    checkParams('mergeRequests.list', query.keys(), LIST_PARAMS);
    const state = query.get('state') ?? 'all';
    if (!STATES.has(state)) return { status: 400, body: { error: 'state does not have a valid value' } };
    const source = query.get('source_branch');
    const target = query.get('target_branch');
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 20) || 20));
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const matching = mergeRequests
      .filter((mr) => state === 'all' || mr.state === state)
      .filter((mr) => source === null || mr.sourceBranch === source)
      .filter((mr) => target === null || mr.targetBranch === target)
      .sort((a, b) => (query.get('sort') === 'asc' ? a.iid - b.iid : b.iid - a.iid));
    const totalPages = Math.max(1, Math.ceil(matching.length / perPage));
    const headers: Record<string, string> = {
      'x-page': String(page),
      'x-per-page': String(perPage),
      'x-total': String(matching.length),
      'x-total-pages': String(totalPages),
      'x-next-page': page < totalPages ? String(page + 1) : '',
      'x-prev-page': page > 1 ? String(page - 1) : '',
    };
    if (page < totalPages) {
      const next = new URLSearchParams(query);
      next.set('page', String(page + 1));
      headers.link = `<${url}/api/v4/projects/${projectId}/merge_requests?${next}>; rel="next"`;
    }
    return { status: 200, body: matching.slice((page - 1) * perPage, page * perPage).map(mergeRequestJson), headers };
  }

  function showMergeRequest(iidText: string, query: URLSearchParams): Reply {
    checkParams('mergeRequests.show', query.keys(), SHOW_PARAMS);
    const mr = /^[1-9]\d*$/.test(iidText) ? mergeRequests.find((candidate) => candidate.iid === Number(iidText)) : undefined;
    return mr ? { status: 200, body: mergeRequestJson(mr) } : message(404, '404 Not found');
  }

  function git(args: string[], env: Record<string, string> = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('git', ['--git-dir', options.repositoryPath as string, ...args], { env: { ...GIT_ENV, ...env } }, (error, stdout) =>
        error ? reject(error) : resolve(stdout.trim()),
      );
    });
  }

  /** Merges in the repository as GitLab's merge button does; returns the commit the target branch moves to. */
  async function mergeInRepository(mr: EmulatedMergeRequest, method: GitLabMergeMethod, target: string): Promise<string> {
    const identity = {
      GIT_AUTHOR_NAME: 'Administrator',
      GIT_AUTHOR_EMAIL: 'admin@example.com',
      GIT_COMMITTER_NAME: 'Administrator',
      GIT_COMMITTER_EMAIL: 'admin@example.com',
    };
    let next: string;
    if (method === 'fast-forward') {
      // merge-base --is-ancestor exits 1 when the target has moved on: GitLab would ask for a rebase.
      await git(['merge-base', '--is-ancestor', '--end-of-options', target, mr.sha]).catch(() => {
        throw new Error(`merge request !${mr.iid} needs a rebase before a fast-forward merge`);
      });
      next = mr.sha;
    } else {
      // merge-tree exits 1 on conflicts, which GitLab would refuse to merge too.
      const tree = (await git(['merge-tree', '--write-tree', '--end-of-options', target, mr.sha])).split('\n')[0] as string;
      const parents = method === 'merge' ? ['-p', target, '-p', mr.sha] : ['-p', target];
      const text =
        method === 'merge'
          ? `Merge branch '${mr.sourceBranch}' into '${mr.targetBranch}'\n\n${mr.title}\n\nSee merge request ${projectPath}!${mr.iid}`
          : mr.title;
      next = await git(['commit-tree', ...parents, '-m', text, '--end-of-options', tree], identity);
    }
    await git(['update-ref', `refs/heads/${mr.targetBranch}`, next, target]);
    return next;
  }

  function htmlPage(path: string): string | undefined {
    const prefix = `/${projectPath}/-/merge_requests/`;
    if (!path.startsWith(prefix)) return undefined;
    const mr = mergeRequests.find((candidate) => String(candidate.iid) === path.slice(prefix.length));
    if (!mr) return undefined;
    const html = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
    return `<!doctype html><meta charset="utf-8"><title>${html(mr.title)}</title><h1>${html(mr.title)} !${mr.iid}</h1><p>${html(
      `${mr.sourceBranch} → ${mr.targetBranch} (${mr.state})`,
    )}</p><pre>${html(mr.description)}</pre>`;
  }

  function authorized(request: IncomingMessage): boolean {
    if (options.token === undefined) return true;
    const privateToken = request.headers['private-token'];
    const bearer = /^bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    return privateToken === options.token || bearer === options.token;
  }

  async function onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = request.url ?? '/';
    const parsed = new URL(raw, 'http://emulator');
    const method = request.method ?? 'GET';
    // Matched on the raw path: a project path travels URL-encoded (acme%2Fsites) in one segment.
    const rawPath = raw.split('?')[0] ?? '/';
    const match = /^\/api\/v4\/projects\/([^/]+)(\/merge_requests(?:\/([^/]+))?)?\/?$/.exec(rawPath);
    const operation: GitLabEmulatedOperation | undefined = !match
      ? undefined
      : !match[2]
        ? method === 'GET'
          ? 'projects.show'
          : undefined
        : match[3] !== undefined
          ? method === 'GET'
            ? 'mergeRequests.show'
            : undefined
          : method === 'GET'
            ? 'mergeRequests.list'
            : method === 'POST'
              ? 'mergeRequests.create'
              : undefined;
    const send = (reply: Reply) => {
      log.push({ method, path: `${parsed.pathname}${parsed.search}`, operation, status: reply.status });
      const payload = reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
      response.writeHead(reply.status, {
        'content-type': reply.contentType ?? 'application/json',
        'x-request-id': createHash('sha1').update(`${log.length}`).digest('hex').slice(0, 26),
        'x-gitlab-meta': JSON.stringify({ correlation_id: String(log.length), version: '1' }),
        ...reply.headers,
      });
      response.end(payload);
    };

    if (!rawPath.startsWith('/api/')) {
      const page = method === 'GET' ? htmlPage(parsed.pathname) : undefined;
      if (page) {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(page);
        return;
      }
      return send({ status: 404, text: 'Not Found', contentType: 'text/plain' });
    }
    if (!operation) {
      violations.push(`unknown route ${method} ${parsed.pathname}`);
      return send(message(404, '404 Not Found'));
    }
    if (!authorized(request)) return send(message(401, '401 Unauthorized'));
    const fault = faults.take(operation);
    if (answersBeforeHandling(fault, operation, 'mergeRequests.create')) return send(faultReply(fault.status));
    const blocked = limited();
    if (blocked) return send(blocked);

    let id: string;
    try {
      id = decodeURIComponent(match?.[1] ?? '');
    } catch {
      return send(message(404, '404 Project Not Found'));
    }
    if (id !== String(projectId) && id !== projectPath) return send(message(404, '404 Project Not Found'));

    let body: Record<string, unknown> = {};
    const text = await readBody(request);
    if (text === null) return send({ status: 413, text: 'Request Entity Too Large', contentType: 'text/plain' });
    if (text.length > 0) {
      try {
        const value: unknown = JSON.parse(text);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
        body = value as Record<string, unknown>;
      } catch {
        return send({ status: 400, body: { error: 'The provided content-type is not supported or the body is malformed.' } });
      }
    }
    switch (operation) {
      case 'projects.show':
        return send({ status: 200, body: projectJson() });
      case 'mergeRequests.list':
        return send(listMergeRequests(parsed.searchParams));
      case 'mergeRequests.create':
        return send(await createMergeRequest(body, fault));
      case 'mergeRequests.show':
        return send(showMergeRequest(match?.[3] as string, parsed.searchParams));
    }
  }

  const server = createServer((request, response) => {
    onRequest(request, response).catch((error: unknown) => {
      violations.push(`emulator crashed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: '500 Internal Server Error' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closed: Promise<void> | undefined;

  return {
    url,
    projectPath,
    projectId,
    mergeRequests: () => mergeRequests.map((mr) => ({ ...mr })),
    closeMergeRequest(iid) {
      const mr = mergeRequests.find((candidate) => candidate.iid === iid);
      if (mr && mr.state === 'opened') {
        mr.state = 'closed';
        mr.closedAt = new Date(clock.now()).toISOString();
        mr.updatedAt = mr.closedAt;
      }
    },
    async mergeMergeRequest(iid, method = 'merge') {
      const mr = mergeRequests.find((candidate) => candidate.iid === iid);
      if (mr?.state !== 'opened') throw new Error(`merge request !${iid} is not open`);
      let landed: string;
      if (options.repositoryPath) {
        const target = await resolveBranch(mr.targetBranch);
        if (target === undefined) throw new Error(`target branch ${mr.targetBranch} is gone`);
        landed = await mergeInRepository(mr, method, target);
      } else {
        landed = method === 'fast-forward' ? mr.sha : createHash('sha1').update(`${method}:${iid}:${mr.sha}`).digest('hex');
        branches.set(mr.targetBranch, landed);
      }
      // Checked again after the awaits: a concurrent merge or close wins.
      if (mr.state !== 'opened') throw new Error(`merge request !${iid} is not open`);
      mr.state = 'merged';
      mr.squash = method === 'squash';
      if (method === 'merge') mr.mergeCommitSha = landed;
      if (method === 'squash') mr.squashCommitSha = landed;
      mr.mergedAt = new Date(clock.now()).toISOString();
      mr.updatedAt = mr.mergedAt;
      return landed;
    },
    setBranch: (name, sha) => branches.set(name, sha),
    failNext: (fault) => faults.add(fault),
    rateLimit({ seconds, headers = 'both' }) {
      if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`rateLimit needs a positive number of seconds (got ${seconds})`);
      limit = { until: clock.now() + seconds * 1000, headers, kind: 'throttle' };
    },
    requests: () => log.map((entry) => ({ ...entry })),
    violations: () => [...violations],
    close() {
      // Idempotent: a test may stop it early to stand for an unreachable GitLab, and clean up later.
      closed ??= new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      return closed;
    },
  };
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
