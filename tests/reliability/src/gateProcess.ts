/**
 * A gate in its own process, as a portal server runs it: knex storage (SQLite file or PostgreSQL),
 * real git (simple-git over workspace directories and a bare remote), the GitHub host (or the
 * GitLab host) against the emulator the test runs, and the webhook notifier pointing at the test's receiver. The test spawns
 * it with `node --import tsx --conditions=@publishgate/source` and kills it with SIGKILL; whatever
 * it committed before dying is all a new process gets to work with.
 *
 * Told to crash at an effect boundary, it SIGKILLs itself right after that step resolved: the
 * ports are wrapped, and the wrapper kills the process before the gate sees the result.
 */
import { writeSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createGitHubHost, createGitLabHost, createSimpleGit } from '@publishgate/adapter-git';
import { createKnexStorage } from '@publishgate/adapter-knex';
import {
  createFetchHandler,
  createPublishGate,
  createWebhookNotifier,
  type GitHostPort,
  type GitPort,
  type NotifierPort,
  type PublishGate,
  type StoragePort,
  toNodeHandler,
} from '@publishgate/core';
import {
  CONFIG_ENV,
  type CrashPoint,
  type GateProcessConfig,
  type GateProcessEvent,
  type PublishTask,
  type ServeTask,
} from './gateProcessConfig.js';
import { ACTOR_HEADER, actorById, workspaceById } from './population.js';
import { connectTo } from './stores.js';

const config = JSON.parse(process.env[CONFIG_ENV] ?? 'null') as GateProcessConfig | null;
if (!config) throw new Error(`${CONFIG_ENV} is not set`);

// Synchronous, so the line is in the pipe before a SIGKILL that follows it.
function say(event: GateProcessEvent): void {
  writeSync(1, `${JSON.stringify(event)}\n`);
}

function crashIf(point: CrashPoint, reached: boolean): void {
  if (!reached || config?.task.kind !== 'publish' || config.task.crashAfter !== point) return;
  say({ event: 'crashing', point });
  process.kill(process.pid, 'SIGKILL');
}

function crashingStorage(storage: StoragePort): StoragePort {
  return {
    ...storage,
    async transitionRequest(args) {
      const stored = await storage.transitionRequest(args);
      // The decision's claim records `request.approving`; the publish's progress writes (also
      // `approving`, with `request.progress` entries) come after it.
      const decision = args.audit.some((entry) => entry.type === 'request.approving');
      crashIf('claim', decision);
      crashIf('store', stored.status === 'approved');
      return stored;
    },
  };
}

function crashingGit(git: GitPort): GitPort {
  return {
    ...git,
    async push(args) {
      if (config?.pushDelayMs) {
        say({ event: 'pushing', requestId: args.branch.slice(-36) });
        await new Promise((resolve) => setTimeout(resolve, config.pushDelayMs));
      }
      const pushed = await git.push(args);
      crashIf('push', true);
      return pushed;
    },
  };
}

function crashingHost(host: GitHostPort): GitHostPort {
  return {
    // Keeps getPullRequest and getDeployment, or sweep() could not poll deliveries in these processes.
    ...host,
    async openPullRequest(args) {
      const opened = await host.openPullRequest(args);
      crashIf('pullRequest', true);
      return opened;
    },
  };
}

function crashingNotifier(notifier: NotifierPort): NotifierPort {
  return {
    async notify(notification, options) {
      await notifier.notify(notification, options);
      crashIf('notify', notification.type === 'request.approved');
    },
  };
}

function hostFor(cfg: GateProcessConfig): GitHostPort {
  if (cfg.gitlab) {
    return createGitLabHost({ token: cfg.gitlab.token, host: cfg.gitlab.url, projectPath: cfg.gitlab.projectPath, baseBranch: 'main' });
  }
  if (!cfg.github) throw new Error('the config names no git host (github or gitlab)');
  return createGitHubHost({
    auth: cfg.github.token,
    owner: cfg.github.owner,
    repo: cfg.github.repo,
    baseUrl: cfg.github.url,
    baseBranch: 'main',
    log: { warn: () => {} },
  });
}

async function main(cfg: GateProcessConfig): Promise<void> {
  const db = connectTo(cfg.store);
  const storage = createKnexStorage({ knex: db, tablePrefix: cfg.store.tablePrefix });
  const git = createSimpleGit({
    resolveWorkspaceDir: (workspace) => join(cfg.git.workspacesDir, workspace.id),
    remote: cfg.git.remoteUrl,
    baseBranch: 'main',
  });
  const gitHost = hostFor(cfg);
  const notifier = cfg.webhook ? createWebhookNotifier({ url: cfg.webhook.url, secret: cfg.webhook.secret }) : undefined;
  const offset = cfg.clockOffsetMs ?? 0;
  const gate = createPublishGate({
    storage: crashingStorage(storage),
    git: crashingGit(git),
    gitHost: crashingHost(gitHost),
    ...(notifier ? { notifier: crashingNotifier(notifier) } : {}),
    clock: () => new Date(Date.now() + offset),
    ...(cfg.recoverAfterMs === undefined ? {} : { recoverAfterMs: cfg.recoverAfterMs }),
    ...(cfg.policy ? { policy: cfg.policy } : {}),
    // Background failures (a publish run whose storage call failed, a delivery) go to stderr, which
    // the test prints when it fails.
    onError: (error) => console.error('[gate background]', error instanceof Error ? error.message : String(error)),
  });

  switch (cfg.task.kind) {
    case 'publish':
      await publish(gate, cfg.task);
      break;
    case 'recover': {
      const reports = [];
      for (let index = 0; index < cfg.task.sweeps; index += 1) reports.push(await gate.sweep());
      say({ event: 'swept', reports });
      break;
    }
    case 'serve':
      await serve(gate, cfg.task);
      break;
  }
  await gate.close();
  await db.destroy();
}

async function publish(gate: PublishGate, task: PublishTask): Promise<void> {
  const request = await gate.requestPublish({ workspace: task.workspace, subdomain: task.subdomain, actor: task.builder });
  say({ event: 'submitted', request });
  // Deliver the submission notice now, so the only notification left to cross is the approval's.
  await gate.sweep();
  const approved = await gate.approve({ id: request.id, actor: task.admin });
  // The approval notice goes out in the background; drain it so the `notify` boundary is reached.
  await gate.sweep();
  say({ event: 'approved', request: approved });
}

async function serve(gate: PublishGate, { sweepIntervalMs, worker: workerOptions, githubWebhookSecret }: ServeTask): Promise<void> {
  const handler = createFetchHandler(gate, {
    // Test-only: the caller says who it is. A real portal reads its session here.
    authenticate: (request) => actorById(request.headers.get(ACTOR_HEADER) ?? ''),
    resolveWorkspace: (id, actor) => {
      const found = workspaceById(id);
      return found && (found.ownerId === actor.id || actor.roles.includes('admin')) ? found : null;
    },
    onError: (error) => console.error('[gate server]', error),
    ...(githubWebhookSecret ? { githubWebhookSecret } : {}),
  });
  const server = createServer(toNodeHandler(handler));
  // Hundreds of concurrent clients; the default backlog and keep-alive are fine, timeouts are not wanted.
  server.requestTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let sweeping: Promise<unknown> = Promise.resolve();
  const timer =
    sweepIntervalMs === undefined
      ? undefined
      : setInterval(() => {
          sweeping = sweeping.then(() => gate.sweep()).catch((error: unknown) => console.error('[gate server] sweep', error));
        }, sweepIntervalMs);
  const worker = workerOptions ? gate.startWorker(workerOptions) : undefined;
  say({ event: 'ready', port });
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  if (timer) clearInterval(timer);
  await worker?.stop();
  await sweeping;
  handler.closeStreams();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

main(config).then(
  () => process.exit(0),
  (error: unknown) => {
    say({ event: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  },
);
