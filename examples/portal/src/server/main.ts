// `pnpm demo`: starts the portal on embedded defaults and prints where everything is.
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gitHubFromEnv } from './config.js';
import { BLUEPRINTS, DEMO_USERS, DEMO_WORKSPACES } from './demoData.js';
import { startPortal } from './portal.js';

const exampleDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const HELP = `Usage: pnpm demo [--reset] [--port N]

Starts the publishgate portal demo on 127.0.0.1.

  --reset      delete the demo's data (requests, trust, workspaces, remote) and start over
  --port N     port to listen on (default: $PORT or 4321)

Runs without the internet, everything on 127.0.0.1:
  three blueprints, each a local bare git remote with an emulated repository in front:
  "Small website" (acme/sites) and "Notes blog" (acme/blog) on the GitHub emulator, whose
  signed webhooks report merges and deployments; "Docs site" (acme/docs) on the GitLab
  emulator, where approved publishes open merge requests (it cannot merge them)
  notifications on three channels: the in-app Inbox, Standard Webhooks signed deliveries
  to a receiver the demo serves, verified with the standardwebhooks library, and email to an
  SMTP server the demo serves, which keeps the messages (both listed in Admin > Webhooks)

Environment:
  PORT                              port (default 4321)
  PUBLISHGATE_DEMO_DATA_DIR         data folder (default examples/portal/data)
  PUBLISHGATE_GITHUB_TOKEN          with PUBLISHGATE_GITHUB_REPOSITORY=owner/repo: push branches to that
  PUBLISHGATE_GITHUB_REPOSITORY     GitHub repository and open real pull requests instead of the emulator
                                    (GITHUB_TOKEN/GITHUB_REPOSITORY work too, outside GitHub Actions)
  PUBLISHGATE_GITHUB_BASE_BRANCH    branch the workspaces are cloned from and PRs target (default main)
  GITHUB_API_URL, GITHUB_SERVER_URL GitHub Enterprise Server (defaults: https://api.github.com, https://github.com)
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      reset: { type: 'boolean', default: false },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const port = Number(values.port ?? process.env.PORT ?? 4321);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`Not a port: ${values.port ?? process.env.PORT}`);
  const dataDir = resolve(process.env.PUBLISHGATE_DEMO_DATA_DIR || join(exampleDir, 'data'));
  const remote = gitHubFromEnv(process.env);
  const started = performance.now();

  const portal = await startPortal({
    dataDir,
    reset: values.reset,
    uiDir: join(exampleDir, 'dist'),
    port,
    ...(remote ? { remote } : {}),
  }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`Port ${port} is in use (another demo running?). Stop it, or run PORT=${port + 1} pnpm demo.`);
    }
    throw error;
  });

  // Relative to where the user typed the command (pnpm runs the script in this package's folder).
  const invokedFrom = process.env.INIT_CWD || process.cwd();
  const shown = (path: string) => {
    const rel = relative(invokedFrom, path);
    return rel.startsWith('..') ? path : rel || '.';
  };
  const pad = (text: string, width: number) => text.padEnd(width);
  const lines = [
    '',
    `publishgate portal demo — ready in ${Math.round(performance.now() - started)} ms`,
    '',
    `  Portal      ${portal.url}`,
    `  Data        ${shown(portal.data.dataDir)} (${portal.data.created ? (portal.data.reset ? 'reset and seeded' : 'seeded') : 'kept from the last run'}; --reset starts over)`,
    remote?.kind === 'github'
      ? `  Git/PRs     https://github.com/${remote.owner}/${remote.repo} (branches pushed there, real pull requests into ${remote.baseBranch})`
      : '  Blueprints  a repository each: a bare remote (main = the blueprint) and an emulated GitHub or GitLab repository',
    ...(remote?.kind === 'github'
      ? []
      : BLUEPRINTS.map(
          (blueprint) =>
            `    ${pad(`"${blueprint.name}"`, 16)} ${shown(portal.data.remoteDirs[blueprint.id] as string)}, acme/${blueprint.repo} on ${blueprint.host === 'gitlab' ? 'GitLab' : 'GitHub'}`,
        )),
    remote?.kind === 'github'
      ? ''
      : `  PRs         GitHub emulator at ${portal.gitHubApiUrl} (set PUBLISHGATE_GITHUB_TOKEN and PUBLISHGATE_GITHUB_REPOSITORY for real GitHub)`,
    remote?.kind === 'github' ? '' : `  MRs         GitLab emulator at ${portal.gitLabUrl} (merge requests of "Docs site")`,
    `  Webhooks    Standard Webhooks receiver at ${portal.webhooks.url} (Admin > Webhooks lists what it verified)`,
    `  Email       SMTP catcher at ${portal.mail.host}:${portal.mail.port} (Admin > Webhooks lists what it caught; nobody is mailed)`,
    '',
    '  Demo users (DEV-ONLY sign-in: pick one on the sign-in page; a stand-in for your real authentication)',
    ...DEMO_USERS.map((user) => {
      const workspace = DEMO_WORKSPACES.find((candidate) => candidate.ownerId === user.id);
      const where = workspace
        ? `workspace "${workspace.name}" in ${shown(portal.workspaceDir(workspace.id))}`
        : 'reviews requests, manages trust';
      return `    ${pad(user.name, 6)} ${pad(user.roles.join(', '), 8)} ${pad(user.email, 18)} ${where}`;
    }),
    '',
    '  Try it: sign in as Bob, edit index.html, Publish; sign in as Ada (another browser profile or',
    '  after signing out), approve it in Admin > Approvals, then follow the branch and pull request links.',
    ...(remote?.kind === 'github'
      ? []
      : [
          '  Dan works on the second blueprint: his publishes land in its own remote and emulated repository.',
          '  Erin works on the third, a GitLab project: her approved publishes open merge requests.',
        ]),
    '',
    'Press Ctrl+C to stop.',
    '',
  ].filter((line, index, all) => !(line === '' && all[index - 1] === ''));
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`\n${signal}: stopping the demo…`);
    portal.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`publishgate demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
