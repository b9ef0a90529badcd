import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BLUEPRINT, BLUEPRINT_FILES, BLUEPRINTS, DEMO_USERS, DEMO_WORKSPACES, type DemoBlueprint, findBlueprint } from './demoData.js';
import { runGit } from './runGit.js';

/** Where publish branches go: the local bare repository, or a real GitHub repository. */
export type RemoteConfig =
  | { kind: 'local' }
  | {
      kind: 'github';
      owner: string;
      repo: string;
      token: string;
      /** API root, `https://api.github.com` or a GitHub Enterprise Server's `/api/v3`. */
      apiUrl: string;
      /** Web root for clone URLs and links, `https://github.com` by default. */
      serverUrl: string;
      baseBranch: string;
    };

/** The files and folders of one demo installation. */
export type DataLayout = {
  dataDir: string;
  /** SQLite database of the gate. */
  database: string;
  /** The bare repository that plays the first blueprint's ("Small website") remote (local mode). */
  remoteDir: string;
  /** The bare repository of each blueprint, by blueprint id (local mode): a repository per blueprint. */
  remoteDirs: Readonly<Record<string, string>>;
  workspacesDir: string;
  /** Notifications the in-app inbox shows, one JSON object per line. */
  inboxFile: string;
};

const MARKER = '.publishgate-demo';

// The first blueprint keeps the name `remote.git` that data folders of earlier versions have.
function remoteDirOf(root: string, blueprint: DemoBlueprint): string {
  return join(root, blueprint.id === BLUEPRINT.id ? 'remote.git' : `${blueprint.repo}.git`);
}

/** The paths of a data directory (nothing is created). */
export function dataLayout(dataDir: string): DataLayout {
  const root = resolve(dataDir);
  return {
    dataDir: root,
    database: join(root, 'publishgate.sqlite'),
    remoteDir: remoteDirOf(root, BLUEPRINT),
    remoteDirs: Object.fromEntries(BLUEPRINTS.map((blueprint) => [blueprint.id, remoteDirOf(root, blueprint)])),
    workspacesDir: join(root, 'workspaces'),
    inboxFile: join(root, 'inbox.ndjson'),
  };
}

/** What {@link prepareData} did. */
export type PrepareResult = DataLayout & {
  /** Key that signs the dev-only session cookies, so sign-ins survive a restart. */
  sessionSecret: string;
  /** This start created the data (first start, or after `--reset`). */
  created: boolean;
  reset: boolean;
};

/**
 * Creates the demo's data on first start, keeps it on later starts, and wipes it with `reset`:
 * a bare repository per blueprint holding its sample app on `main` (`remote.git` for the "Small
 * website", `blog.git` for the "Notes blog", `docs.git` for the "Docs site"; local mode), one clone per demo workspace from its
 * blueprint's repository, and a session key. Each piece is built in a temporary folder and renamed into place, so an
 * interrupted first start is completed by the next one instead of leaving half a repository.
 *
 * @example
 * ```ts
 * const data = await prepareData({ dataDir: 'data', reset: process.argv.includes('--reset'), remote: { kind: 'local' } });
 * ```
 */
export async function prepareData(options: { dataDir: string; reset?: boolean; remote: RemoteConfig }): Promise<PrepareResult> {
  const layout = dataLayout(options.dataDir);
  const reset = options.reset === true && existsSync(layout.dataDir);
  if (reset) await wipe(layout.dataDir);
  const created = !existsSync(join(layout.dataDir, MARKER));
  await mkdir(layout.workspacesDir, { recursive: true });
  if (created) await writeFile(join(layout.dataDir, MARKER), 'Data of the publishgate portal demo. `pnpm demo --reset` deletes it.\n');

  if (options.remote.kind === 'local') {
    for (const blueprint of BLUEPRINTS) {
      const dir = layout.remoteDirs[blueprint.id] as string;
      if (!existsSync(join(dir, 'HEAD'))) await createBlueprintRemote(layout, blueprint, dir);
    }
  }
  for (const workspace of DEMO_WORKSPACES) {
    const dir = join(layout.workspacesDir, workspace.id);
    if (existsSync(join(dir, '.git'))) continue;
    const owner = DEMO_USERS.find((user) => user.id === workspace.ownerId);
    const cloneFrom = remoteUrl(layout, options.remote, workspace.blueprintId);
    await cloneWorkspace(cloneFrom, dir, options.remote, owner ? { name: owner.name, email: owner.email } : undefined);
  }

  const secretFile = join(layout.dataDir, 'session-secret');
  if (!existsSync(secretFile)) await writeFile(secretFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  const sessionSecret = (await readFile(secretFile, 'utf8')).trim();
  return { ...layout, sessionSecret, created, reset };
}

async function wipe(dataDir: string): Promise<void> {
  // Refuse to delete a folder the demo did not make: `--reset` with a mistyped DATA_DIR must not
  // remove someone's home directory.
  const entries = await readdir(dataDir);
  if (entries.length > 0 && !entries.includes(MARKER)) {
    throw new Error(`${dataDir} is not a publishgate demo data folder (no ${MARKER} in it); not deleting it.`);
  }
  await rm(dataDir, { recursive: true, force: true });
}

async function createBlueprintRemote(layout: DataLayout, blueprint: DemoBlueprint, remoteDir: string): Promise<void> {
  const staging = await mkdtemp(join(layout.dataDir, '.seed-'));
  try {
    const work = join(staging, 'work');
    const bare = join(staging, 'remote.git');
    await runGit(['init', '--quiet', '--initial-branch=main', work]);
    for (const [path, content] of Object.entries(BLUEPRINT_FILES[blueprint.id] ?? {})) {
      await mkdir(dirname(join(work, path)), { recursive: true });
      await writeFile(join(work, path), content);
    }
    await runGit(['add', '--all'], { cwd: work });
    await runGit(
      ['-c', 'user.name=Blueprints', '-c', 'user.email=blueprints@example.com', 'commit', '--quiet', '-m', `${blueprint.name} blueprint`],
      {
        cwd: work,
      },
    );
    await runGit(['init', '--quiet', '--bare', '--initial-branch=main', bare]);
    await runGit(['push', '--quiet', bare, 'main:refs/heads/main'], { cwd: work });
    await rm(remoteDir, { recursive: true, force: true });
    await rename(bare, remoteDir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function cloneWorkspace(
  from: string,
  dir: string,
  remote: RemoteConfig,
  owner: { name: string; email: string } | undefined,
): Promise<void> {
  const staging = `${dir}.cloning`;
  await rm(staging, { recursive: true, force: true });
  // The token goes to git as an environment-only config entry: never in argv, a URL or .git/config.
  const env =
    remote.kind === 'github'
      ? {
          GIT_CONFIG_COUNT: '1',
          GIT_CONFIG_KEY_0: 'http.extraHeader',
          GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${remote.token}`).toString('base64')}`,
        }
      : undefined;
  const branch = remote.kind === 'github' ? remote.baseBranch : 'main';
  await runGit(['clone', '--quiet', '--branch', branch, '--end-of-options', from, staging], env ? { env } : {});
  if (owner) {
    // Commits the builder makes from a terminal in this folder carry their name.
    await runGit(['config', 'user.name', owner.name], { cwd: staging });
    await runGit(['config', 'user.email', owner.email], { cwd: staging });
  }
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
}

function gitHubCloneUrl(remote: Extract<RemoteConfig, { kind: 'github' }>): string {
  return `${remote.serverUrl.replace(/\/+$/, '')}/${remote.owner}/${remote.repo}.git`;
}

/**
 * The URL `createSimpleGit` pushes a blueprint's workspaces to and fetches its base branch from:
 * the blueprint's own bare repository in local mode, the one GitHub repository otherwise.
 */
export function remoteUrl(layout: DataLayout, remote: RemoteConfig, blueprintId: string = BLUEPRINT.id): string {
  if (remote.kind !== 'local') return gitHubCloneUrl(remote);
  const dir = findBlueprint(blueprintId) ? layout.remoteDirs[blueprintId] : undefined;
  if (!dir) throw new Error(`The demo has no blueprint ${JSON.stringify(blueprintId)}.`);
  return pathToFileURL(dir).href;
}
