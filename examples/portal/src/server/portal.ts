import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createGitHubHost, createGitLabHost, createSimpleGit } from '@publishgate/adapter-git';
import {
  type GitHubEmulator,
  type GitLabEmulator,
  routeGitHubEmulators,
  routeGitLabEmulators,
  startGitHubEmulator,
  startGitLabEmulator,
} from '@publishgate/adapter-git/testing';
import {
  type Actor,
  createFetchHandler,
  createPublishGate,
  createWebhookNotifier,
  fanOutNotifier,
  type GitHostPort,
  generateWebhookSecret,
  type PublishGate,
  PublishGateError,
  toNodeHandler,
  type Workspace,
} from '@publishgate/core';
import { createEmailNotifier } from '@publishgate/notify-email';
import nodemailer from 'nodemailer';
import { BLUEPRINT, BLUEPRINTS, DEMO_USERS, DEMO_WORKSPACES, type DemoUser, findBlueprint, findWorkspace } from './demoData.js';
import { createDevSessions } from './devSessions.js';
import { routeGitHostByBlueprint } from './gitHostRouter.js';
import { createInboxNotifier, type InboxNotifier } from './inboxNotifier.js';
import { type MailCatcher, startMailCatcher } from './mailCatcher.js';
import { describeRemoteBranch, listRemoteBranches } from './remoteBranches.js';
import { type PrepareResult, prepareData, type RemoteConfig, remoteUrl } from './seed.js';
import { createStaticHandler, SECURITY_HEADERS } from './staticFiles.js';
import { createPortalStorage } from './storage.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhookReceiver.js';
import { deleteWorkspaceFile, listWorkspaceFiles, readWorkspaceFile, WorkspaceFileError, writeWorkspaceFile } from './workspaceFiles.js';

/** Options of {@link startPortal}. */
export type PortalOptions = {
  /** Folder of the SQLite file, the bare remote, the workspaces and the inbox. Created when missing. */
  dataDir: string;
  /** Delete `dataDir` first and seed it again. */
  reset?: boolean;
  /** Folder of the Vite build of the UI. */
  uiDir: string;
  /** Port on 127.0.0.1. Default 4321; 0 picks a free one. */
  port?: number;
  /** Real GitHub (`kind: 'github'`), or the local bare remote plus the GitHub emulator (default). */
  remote?: RemoteConfig;
  /** Port of the (emulated) GitHub API in local mode, in front of one emulator per blueprint. Default 0 (any free port). */
  emulatorPort?: number;
  /** How often `gate.sweep()` runs. Default 5 s. */
  sweepIntervalMs?: number;
  /**
   * How often a sweep asks the git host about an open delivery (`policy.deliveryPollMs`): GitLab
   * merge requests are followed by polling. Default 10 s with the emulators, the gate's default
   * (5 minutes) with a real GitHub repository.
   */
  deliveryPollMs?: number;
  /** Where log lines go. Default `console.log`. */
  log?: (line: string) => void;
};

/** A running portal. */
export type Portal = {
  /** e.g. `http://127.0.0.1:4321`. */
  url: string;
  gate: PublishGate;
  /** The data folder's paths, and whether this start created them. */
  data: PrepareResult;
  /** The GitHub emulator pull requests of the first blueprint ("Small website", `acme/sites`) go to (local mode only). */
  emulator: GitHubEmulator | undefined;
  /** The GitHub emulator of each GitHub blueprint, by blueprint id (local mode only): a repository per blueprint. */
  emulators: Readonly<Record<string, GitHubEmulator>>;
  /** The emulated GitHub API URL the host talks to; it routes `/repos/acme/<repo>` to that repository's emulator (local mode only). */
  gitHubApiUrl: string | undefined;
  /** The GitLab emulator of each GitLab blueprint ("Docs site", `acme/docs`), by blueprint id (local mode only). */
  gitLabEmulators: Readonly<Record<string, GitLabEmulator>>;
  /** The emulated GitLab instance URL the GitLab host talks to (local mode only). */
  gitLabUrl: string | undefined;
  /** The in-app inbox: the notifier's first channel (`inbox`). */
  inbox: InboxNotifier;
  /** The loopback receiver of the notifier's second channel (`webhook`, Standard Webhooks), with what it received. */
  webhooks: WebhookReceiver;
  /** The loopback SMTP server of the notifier's third channel (`email`), with what it caught. */
  mail: MailCatcher;
  /** The URL publish branches of the first blueprint are pushed to. */
  remote: string;
  /** The URL publish branches of a blueprint's workspaces are pushed to. */
  remoteFor(blueprintId: string): string;
  /** The absolute folder of a workspace's working copy. */
  workspaceDir(workspaceId: string): string;
  /** Stops the server, the sweeper, the emulator and the database, in that order. */
  close(): Promise<void>;
};

const API = '/api/portal';
const MAX_JSON_BYTES = 2 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * Starts the demo portal: seeds or reopens the data folder, builds the gate on SQLite, a local bare
 * remote per blueprint with a GitHub or GitLab emulator in front (or one GitHub repository), and
 * notifications through two channels (the in-app inbox and Standard Webhooks to a receiver on
 * loopback), and serves the publishgate API under `/api/publishgate`, the portal's own small API
 * under `/api/portal` (dev-only sign-in, workspace files, inbox, remote branches, received
 * webhooks) and the built UI, on 127.0.0.1 only.
 *
 * @example
 * ```ts
 * const portal = await startPortal({ dataDir: 'data', uiDir: 'dist', port: 0 });
 * console.log(portal.url);
 * await portal.close();
 * ```
 */
export async function startPortal(options: PortalOptions): Promise<Portal> {
  const log = options.log ?? ((line: string) => console.log(line));
  const remoteConfig: RemoteConfig = options.remote ?? { kind: 'local' };
  const data = await prepareData({ dataDir: options.dataDir, reset: options.reset ?? false, remote: remoteConfig });
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step();
  };

  try {
    const { storage, close: closeStorage } = await createPortalStorage(data.database);
    cleanups.push(closeStorage);
    const inbox = await createInboxNotifier({ file: data.inboxFile, log });
    // A second notification channel that needs no internet: Standard Webhooks to a receiver this
    // demo serves itself. The secret lives as long as this run; each delivery is signed when sent.
    const webhookSigningSecret = generateWebhookSecret();
    const webhooks = await startWebhookReceiver({ secret: webhookSigningSecret });
    cleanups.push(() => webhooks.close());
    // A third: email through nodemailer to an SMTP server on loopback that keeps what it gets.
    const mail = await startMailCatcher();
    cleanups.push(() => mail.close());
    const mailTransport = nodemailer.createTransport({ host: mail.host, port: mail.port, secure: false, ignoreTLS: true });
    cleanups.push(() => mailTransport.close());

    const remoteFor = (blueprintId: string) => remoteUrl(data, remoteConfig, blueprintId);
    const remote = remoteFor(BLUEPRINT.id);
    const baseBranch = remoteConfig.kind === 'github' ? remoteConfig.baseBranch : 'main';
    const workspaceDir = (workspaceId: string) => join(data.workspacesDir, workspaceId);
    const git = createSimpleGit({
      resolveWorkspaceDir: (workspace) => workspaceDir(workspace.id),
      // Local mode: a repository per blueprint, so each workspace pushes to its blueprint's remote.
      remote: remoteConfig.kind === 'github' ? remote : (workspace) => remoteFor(workspace.blueprintId),
      baseBranch,
      author: { name: 'publishgate demo', email: 'publish-bot@example.com' },
      ...(remoteConfig.kind === 'github' ? { credentials: () => ({ username: 'x-access-token', password: remoteConfig.token }) } : {}),
    });

    const emulators: Record<string, GitHubEmulator> = {};
    const gitLabEmulators: Record<string, GitLabEmulator> = {};
    let gitLabUrl: string | undefined;
    // Local mode: the emulators send signed webhooks (merged, deployed) to the gate's own route,
    // as a GitHub repository's webhook settings would; the secret lives only as long as this run.
    const webhookSecret = remoteConfig.kind === 'local' ? randomUUID() : undefined;
    let gitHubApiUrl: string | undefined;
    let gitHost: GitHostPort;
    if (remoteConfig.kind === 'github') {
      gitHost = createGitHubHost({
        auth: remoteConfig.token,
        owner: remoteConfig.owner,
        repo: remoteConfig.repo,
        baseUrl: remoteConfig.apiUrl,
        baseBranch,
      });
    } else {
      // One emulated repository per blueprint (acme/sites and acme/blog on GitHub, acme/docs on
      // GitLab), each reading branches from its blueprint's bare remote, so a pull or merge request
      // for a branch that was never pushed there is refused, as it would be for real. One URL per
      // host serves its repositories, as GitHub and a GitLab instance do.
      const token = randomUUID();
      const repoOf = (workspace: Workspace) => {
        const blueprint = findBlueprint(workspace.blueprintId);
        if (!blueprint) throw new Error(`No repository for blueprint ${workspace.blueprintId}.`);
        return blueprint.repo;
      };
      for (const [index, blueprint] of BLUEPRINTS.entries()) {
        const repositoryPath = data.remoteDirs[blueprint.id] as string;
        if (blueprint.host === 'gitlab') {
          const started = await startGitLabEmulator({ projectPath: `acme/${blueprint.repo}`, projectId: index + 1, repositoryPath, token });
          cleanups.push(() => started.close());
          gitLabEmulators[blueprint.id] = started;
        } else {
          const started = await startGitHubEmulator({ owner: 'acme', repo: blueprint.repo, repositoryPath, token });
          cleanups.push(() => started.close());
          emulators[blueprint.id] = started;
        }
      }
      const router = await routeGitHubEmulators(Object.values(emulators), { port: options.emulatorPort ?? 0 });
      cleanups.push(() => router.close());
      gitHubApiUrl = router.url;
      const gitLabRouter = await routeGitLabEmulators(Object.values(gitLabEmulators));
      cleanups.push(() => gitLabRouter.close());
      gitLabUrl = gitLabRouter.url;
      gitHost = routeGitHostByBlueprint({
        github: createGitHubHost({ auth: token, owner: 'acme', repo: repoOf, baseUrl: router.url, baseBranch }),
        gitlab: createGitLabHost({ token, host: gitLabRouter.url, projectPath: (workspace) => `acme/${repoOf(workspace)}`, baseBranch }),
      });
    }
    const emulator = emulators[BLUEPRINT.id];

    let publicUrl = '';
    const deliveryPollMs = options.deliveryPollMs ?? (remoteConfig.kind === 'local' ? 10_000 : undefined);
    const gate = createPublishGate({
      storage,
      git,
      gitHost,
      ...(deliveryPollMs === undefined ? {} : { policy: { deliveryPollMs } }),
      // Each channel keeps its own outbox rows: a receiver that is down is retried (and in the end
      // dead-lettered) alone, while the other channel delivers once.
      notifier: fanOutNotifier([
        { name: 'inbox', notifier: inbox },
        { name: 'webhook', notifier: createWebhookNotifier({ url: webhooks.url, secret: webhookSigningSecret }) },
        {
          name: 'email',
          notifier: createEmailNotifier({
            transport: mailTransport,
            from: 'publishgate demo <publishgate@example.com>',
            adminAddresses: DEMO_USERS.filter((candidate) => candidate.roles.includes('admin')).map((candidate) => candidate.email),
          }),
        },
      ]),
      requestUrl: (request) => `${publicUrl}/requests/${request.id}`,
      onError: (error) => log(`[gate] background error: ${error instanceof Error ? error.message : String(error)}`),
    });
    cleanups.push(() => gate.close());

    const sessions = createDevSessions(data.sessionSecret);
    const actorOf = (cookie: string | null | undefined): DemoUser | null => sessions.userFromCookie(cookie);
    const visibleWorkspace = (id: string, actor: Actor): Workspace | null => {
      const workspace = findWorkspace(id);
      if (!workspace) return null;
      return workspace.ownerId === actor.id || actor.roles.includes('admin') ? workspace : null;
    };

    const publishgate = createFetchHandler(gate, {
      authenticate: (request) => toActor(actorOf(request.headers.get('cookie'))),
      resolveWorkspace: (id, actor) => visibleWorkspace(id, actor),
      ...(webhookSecret === undefined ? {} : { githubWebhookSecret: webhookSecret }),
      onError: (error) => log(`[publishgate] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
    });
    const publishgateNode = toNodeHandler(publishgate);
    const serveStatic = createStaticHandler(options.uiDir);

    async function portalApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
      const path = url.pathname.slice(API.length);
      const method = req.method ?? 'GET';
      const user = actorOf(req.headers.cookie);
      // Mutations must be JSON: browsers cannot send that cross-site without a CORS preflight,
      // which this server never approves, so a form on another site cannot act for a signed-in user.
      if (method !== 'GET' && method !== 'HEAD' && !/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
        throw new HttpError(415, 'unsupported_media_type', 'Send JSON (content-type: application/json).');
      }

      if (path === '/session') {
        if (method === 'GET')
          return sendJson(res, 200, { user: user ? publicUser(user) : null, users: DEMO_USERS.map(publicUser), devOnly: true });
        if (method === 'POST') {
          const body = await readJson(req);
          const chosen = DEMO_USERS.find((candidate) => candidate.id === body.userId);
          if (!chosen) throw new HttpError(400, 'validation', 'Pick one of the demo users.');
          return sendJson(res, 200, { user: publicUser(chosen) }, { 'set-cookie': sessions.signIn(chosen.id) });
        }
        if (method === 'DELETE') return sendJson(res, 200, { user: null }, { 'set-cookie': sessions.signOut() });
        throw new HttpError(405, 'method_not_allowed', 'Use GET, POST or DELETE.');
      }

      if (!user) throw new HttpError(401, 'unauthorized', 'Sign in first.');

      if (path === '/config' && method === 'GET') {
        return sendJson(res, 200, {
          // Demo-only controls that stand in for what happens on GitHub (merge, deployment).
          devControls: { simulateDeploy: remoteConfig.kind === 'local' && user.roles.includes('admin') },
          blueprints: BLUEPRINTS.map(({ id, name, description, host }) => ({
            id,
            name,
            description,
            // With a real GitHub repository every blueprint publishes there.
            host: remoteConfig.kind === 'github' ? 'github' : host,
            // Trust is per blueprint: its candidates are the builders with a workspace made from it.
            builderIds: DEMO_WORKSPACES.filter((workspace) => workspace.blueprintId === id).map((workspace) => workspace.ownerId),
          })),
          builders: DEMO_USERS.filter((candidate) => candidate.roles.includes('builder')).map(publicUser),
          remote:
            remoteConfig.kind === 'github'
              ? {
                  kind: 'github',
                  repository: `${remoteConfig.owner}/${remoteConfig.repo}`,
                  webUrl: `${remoteConfig.serverUrl}/${remoteConfig.owner}/${remoteConfig.repo}`,
                }
              : {
                  kind: 'local',
                  path: data.remoteDir,
                  pullRequests: gitHubApiUrl ?? '',
                  gitLab: gitLabUrl ?? '',
                  repositories: BLUEPRINTS.map((blueprint) => ({
                    blueprintId: blueprint.id,
                    host: blueprint.host,
                    path: data.remoteDirs[blueprint.id] as string,
                    repository: `acme/${blueprint.repo}`,
                    pullRequests: (emulators[blueprint.id] ?? gitLabEmulators[blueprint.id])?.url ?? '',
                  })),
                },
        });
      }
      if (path === '/workspaces' && method === 'GET') {
        const workspaces = DEMO_WORKSPACES.filter((workspace) => visibleWorkspace(workspace.id, user)).map((workspace) => ({
          ...workspace,
          ownerEmail: DEMO_USERS.find((candidate) => candidate.id === workspace.ownerId)?.email ?? '',
          dir: workspaceDir(workspace.id),
        }));
        return sendJson(res, 200, { workspaces });
      }
      const files = /^\/workspaces\/([A-Za-z0-9_-]{1,64})\/(files|file)$/.exec(path);
      if (files) {
        const workspace = visibleWorkspace(files[1] as string, user);
        if (!workspace) throw new HttpError(404, 'not_found', 'No such workspace.');
        const dir = workspaceDir(workspace.id);
        if (files[2] === 'files' && method === 'GET') return sendJson(res, 200, await listWorkspaceFiles(dir));
        if (files[2] === 'file' && method === 'GET') return sendJson(res, 200, await readWorkspaceFile(dir, url.searchParams.get('path')));
        // Only the owner edits; an admin reviews through the diff.
        if (workspace.ownerId !== user.id) throw new HttpError(403, 'forbidden', 'Only the owner of a workspace edits its files.');
        if (files[2] === 'file' && method === 'PUT') {
          const body = await readJson(req);
          return sendJson(res, 200, await writeWorkspaceFile(dir, body.path, body.content));
        }
        if (files[2] === 'file' && method === 'DELETE') {
          const body = await readJson(req);
          await deleteWorkspaceFile(dir, body.path);
          return sendJson(res, 200, { deleted: true });
        }
        throw new HttpError(405, 'method_not_allowed', 'Method not allowed.');
      }
      if (path === '/dev/simulate-deploy') {
        // DEV-ONLY: plays GitHub's part after an approval (someone merges the pull request, the
        // deployment goes live) on the emulator. It does not exist against a real repository.
        if (remoteConfig.kind !== 'local') throw new HttpError(404, 'not_found', 'Simulated deploys exist only with the GitHub emulator.');
        if (method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'Use POST.');
        if (!user.roles.includes('admin')) throw new HttpError(403, 'forbidden', 'Only admins simulate a deploy.');
        const body = await readJson(req);
        if (typeof body.requestId !== 'string') throw new HttpError(400, 'validation', 'Send { requestId }.');
        return sendJson(res, 200, await simulateDeploy(body.requestId, toActor(user) as Actor));
      }
      if (path === '/inbox' && method === 'GET') return sendJson(res, 200, { items: inbox.forActor(user) });
      if (path === '/dev/webhooks' && method === 'GET') {
        // DEV-ONLY: what the demo's own receiver got; a real receiver is someone else's service.
        if (!user.roles.includes('admin')) throw new HttpError(403, 'forbidden', 'Only admins see the received webhooks.');
        return sendJson(res, 200, { receiver: webhooks.url, items: webhooks.deliveries(), mail: mail.messages() });
      }
      if (path === '/remote/branches' && method === 'GET') {
        if (remoteConfig.kind !== 'local') throw new HttpError(404, 'not_found', 'Branches live on GitHub in this mode.');
        const items = [];
        for (const blueprint of BLUEPRINTS) {
          for (const branch of await listRemoteBranches(data.remoteDirs[blueprint.id] as string))
            items.push({ ...branch, blueprintId: blueprint.id });
        }
        return sendJson(res, 200, { items });
      }
      if (path === '/remote/branch' && method === 'GET') {
        if (remoteConfig.kind !== 'local') throw new HttpError(404, 'not_found', 'Branches live on GitHub in this mode.');
        // Publish branch names carry the request id, so a name is found in at most one blueprint's remote.
        for (const blueprint of BLUEPRINTS) {
          const dir = data.remoteDirs[blueprint.id] as string;
          const branch = await describeRemoteBranch(dir, url.searchParams.get('name') ?? '', baseBranch);
          if (branch) return sendJson(res, 200, { ...branch, blueprintId: blueprint.id });
        }
        throw new HttpError(404, 'not_found', 'No such branch on the remote.');
      }
      throw new HttpError(404, 'not_found', 'No such route.');
    }

    /**
     * Merges the request's pull request on its blueprint's emulator. GitHub: reports a successful
     * deployment of the merge commit; both arrive as webhooks, so the request is live on return.
     * GitLab: no webhook and no deployment; the gate's next delivery poll records the merge.
     */
    async function simulateDeploy(requestId: string, actor: Actor) {
      const request = await gate.getRequest({ id: requestId, actor }).catch((error: unknown) => {
        throw PublishGateError.is(error, 'not_found') || PublishGateError.is(error, 'validation')
          ? new HttpError(404, 'not_found', 'No such request.')
          : error;
      });
      const number = request.pullRequest?.number;
      const emulatorOfRequest = emulators[request.workspace.blueprintId];
      const gitLabOfRequest = gitLabEmulators[request.workspace.blueprintId];
      if (request.status !== 'approved' || request.delivery?.state !== 'pull-request-open' || number === undefined) {
        throw new HttpError(409, 'invalid_state', 'Only an approved request whose pull request is open can be deployed.');
      }
      if (gitLabOfRequest) {
        // Merged as a maintainer would; the sweep's delivery poll (deliveryPollMs) finds it, as it
        // would on a GitLab instance without webhooks. Answers with the request as stored until then.
        if (gitLabOfRequest.mergeRequests().find((mr) => mr.iid === number)?.state !== 'opened') {
          throw new HttpError(409, 'invalid_state', 'The merge request is no longer open on GitLab; the next delivery poll records it.');
        }
        const mergeSha = await gitLabOfRequest.mergeMergeRequest(number);
        return { request: await gate.getRequest({ id: requestId, actor }), mergeSha, pollsEveryMs: deliveryPollMs ?? 300_000 };
      }
      if (!emulatorOfRequest) {
        throw new HttpError(409, 'invalid_state', 'Only an approved request whose pull request is open can be deployed.');
      }
      // Each step answers once the gate received its webhook, so the request is live when this returns.
      const mergeSha = await emulatorOfRequest.mergePullRequest(number);
      await emulatorOfRequest.deploy({ sha: mergeSha, state: 'success', environmentUrl: `https://${request.subdomain}.apps.example.com` });
      return { request: await gate.getRequest({ id: requestId, actor }) };
    }

    const server: Server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://portal.invalid');
      const handle = async () => {
        if (url.pathname === API || url.pathname.startsWith(`${API}/`)) return portalApi(req, res, url);
        let fellThrough = false;
        await publishgateNode(req, res, () => {
          fellThrough = true;
        });
        if (fellThrough) await serveStatic(req, res, url.pathname);
      };
      handle().catch((error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (error instanceof HttpError) return sendJson(res, error.status, { error: { code: error.code, message: error.message } });
        if (error instanceof WorkspaceFileError)
          return sendJson(res, error.status, { error: { code: error.code, message: error.message } });
        log(`[portal] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        sendJson(res, 500, { error: { code: 'internal', message: 'Internal server error.' } });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 4321, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (webhookSecret !== undefined) {
      for (const started of Object.values(emulators))
        started.setWebhook({ url: `${publicUrl}/api/publishgate/hooks/github`, secret: webhookSecret });
    }
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          publishgate.closeStreams();
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );

    // Expiry, interrupted publishes and undelivered notifications are found by sweeping stored
    // state, never by in-memory timers, so a restart picks up where the last run stopped.
    let sweeping = false;
    const sweep = setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      gate
        .sweep()
        .catch((error: unknown) => log(`[sweep] ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => {
          sweeping = false;
        });
    }, options.sweepIntervalMs ?? 5_000);
    sweep.unref();
    cleanups.push(() => clearInterval(sweep));
    // Publish jobs (retries, paced publishes, those of a crashed run) run here as soon as they are due.
    const worker = gate.startWorker();
    cleanups.push(() => worker.stop());

    return {
      url: publicUrl,
      gate,
      data,
      emulator,
      emulators,
      gitHubApiUrl,
      gitLabEmulators,
      gitLabUrl,
      inbox,
      webhooks,
      mail,
      remote,
      remoteFor,
      workspaceDir,
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

function toActor(user: DemoUser | null): Actor | null {
  return user ? { id: user.id, email: user.email, roles: [...user.roles], name: user.name } : null;
}

function publicUser(user: DemoUser) {
  return { id: user.id, email: user.email, name: user.name, title: user.title, roles: [...user.roles] };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...SECURITY_HEADERS,
    ...headers,
  });
  res.end(payload);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BYTES) throw new HttpError(413, 'payload_too_large', 'Request body too large.');
    chunks.push(chunk as Buffer);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'validation', 'Malformed JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, 'validation', 'Send a JSON object.');
  return parsed as Record<string, unknown>;
}
