import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, mkdtemp, open, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { PublishGateError } from '@publishgate/core';

/** Where a workspace's repository lives, after its layout was checked. */
export type WorkspaceRepo = {
  /** The working tree: the directory `resolveWorkspaceDir` returned, symlinks resolved. */
  workTree: string;
  /** `<workTree>/.git`, a real directory. */
  gitDir: string;
  /** `<gitDir>/objects`, where every object the adapter writes goes. */
  objectsDir: string;
  /** The builder's index. */
  indexFile: string;
};

/**
 * Resolves and checks a workspace directory. The builder owns everything inside it, so the layout
 * is pinned: `.git` must be a real directory (a `.git` file or symlink could point the adapter at
 * another repository on the server), it must not be a linked worktree (`commondir`), and its objects
 * directory must be real. `core.worktree` in the builder's config is never consulted: the working
 * tree is always the directory the host resolved.
 */
export async function openWorkspaceRepo(dir: string): Promise<WorkspaceRepo> {
  if (typeof dir !== 'string' || !isAbsolute(dir)) {
    throw new PublishGateError('validation', 'resolveWorkspaceDir must return an absolute path.');
  }
  let workTree: string;
  try {
    workTree = await realpath(dir);
    if (!(await stat(workTree)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new Error('The workspace directory does not exist.');
  }
  const gitDir = join(workTree, '.git');
  const objectsDir = join(gitDir, 'objects');
  if (!(await isRealDirectory(gitDir))) {
    throw new PublishGateError('validation', 'The workspace has no .git directory of its own (a .git file or symlink is not accepted).');
  }
  if (await exists(join(gitDir, 'commondir'))) {
    throw new PublishGateError('validation', 'Linked worktrees are not supported as workspaces.');
  }
  if (!(await isRealDirectory(objectsDir))) {
    throw new PublishGateError('validation', 'The workspace repository has no objects directory of its own.');
  }
  return { workTree, gitDir, objectsDir, indexFile: join(gitDir, 'index') };
}

async function isRealDirectory(path: string): Promise<boolean> {
  try {
    const info = await lstat(path);
    return info.isDirectory() && !info.isSymbolicLink();
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Settings of the builder's repository that change what a snapshot contains, carried into the scratch config. */
export type CarriedSettings = Partial<Record<CarriedKey, string>>;
type CarriedKey =
  | 'core.filemode'
  | 'core.symlinks'
  | 'core.ignorecase'
  | 'core.precomposeunicode'
  | 'core.autocrlf'
  | 'core.eol'
  | 'extensions.objectformat';

const BOOLEAN = /^(?:true|false|yes|no|on|off|1|0)$/i;
const CARRIED: Readonly<Record<CarriedKey, RegExp>> = {
  'core.filemode': BOOLEAN,
  'core.symlinks': BOOLEAN,
  'core.ignorecase': BOOLEAN,
  'core.precomposeunicode': BOOLEAN,
  'core.autocrlf': /^(?:true|false|input)$/i,
  'core.eol': /^(?:lf|crlf|native)$/i,
  'extensions.objectformat': /^(?:sha1|sha256)$/,
};

/** The `git config --get-regexp` pattern that reads exactly the carried keys. */
export const CARRIED_KEYS_PATTERN = `^(${Object.keys(CARRIED)
  .map((key) => key.replace(/\./g, '\\.'))
  .join('|')})$`;

/** Keeps the carried keys whose values are one of the few git defines; ignores the rest. */
export function parseCarriedSettings(output: string): CarriedSettings {
  const settings: CarriedSettings = {};
  for (const line of output.split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const key = line.slice(0, space).toLowerCase() as CarriedKey;
    const value = line.slice(space + 1).trim();
    if (Object.hasOwn(CARRIED, key) && CARRIED[key].test(value)) settings[key] = value.toLowerCase();
  }
  return settings;
}

/** Options for the scratch repository's config. */
export type ScratchOptions = {
  settings: CarriedSettings;
  /** The builder's `info/exclude`, so untracked files they excluded stay out of the snapshot. */
  excludeFile?: string;
  /** `http.sslCAInfo` for the remote (a private CA, as on GitHub Enterprise Server). */
  caFile?: string;
};

/** A throwaway git directory whose config the adapter wrote. */
export type ScratchRepo = { dir: string; dispose(): Promise<void> };

const MAX_EXCLUDE_BYTES = 256 * 1024;

/**
 * Creates a private scratch git directory. Every command that touches the builder's files or
 * objects runs with `GIT_DIR` set to it and `GIT_OBJECT_DIRECTORY` set to the workspace's objects:
 * git then reads this config instead of the builder's, so filters, textconv, external diff, hooks,
 * fsmonitor, `url.*.insteadOf`, credential helpers, proxies and replace refs of the workspace are
 * never seen. The config pins everything that changes output the adapter parses.
 */
export async function createScratchRepo(options: ScratchOptions): Promise<ScratchRepo> {
  // mkdtemp creates the directory with mode 0700.
  const dir = await mkdtemp(join(tmpdir(), 'publishgate-git-'));
  try {
    await mkdir(join(dir, 'refs', 'heads'), { recursive: true });
    await mkdir(join(dir, 'objects'), { recursive: true });
    await mkdir(join(dir, 'info'), { recursive: true });
    await writeFile(join(dir, 'HEAD'), 'ref: refs/heads/main\n');
    await writeFile(join(dir, 'config'), scratchConfig(options), { mode: 0o600 });
    if (options.excludeFile) {
      const exclude = await readBounded(options.excludeFile, MAX_EXCLUDE_BYTES);
      if (exclude !== undefined) await writeFile(join(dir, 'info', 'exclude'), exclude);
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

async function readBounded(path: string, max: number): Promise<Buffer | undefined> {
  try {
    const info = await lstat(path);
    if (!info.isFile() || info.size > max) return undefined;
    return await readFile(path);
  } catch {
    return undefined;
  }
}

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function scratchConfig(options: ScratchOptions): string {
  const { settings } = options;
  const sha256 = settings['extensions.objectformat'] === 'sha256';
  const core: string[] = [
    `repositoryformatversion = ${sha256 ? 1 : 0}`,
    'bare = true',
    'hooksPath = /dev/null',
    'fsmonitor = false',
    'untrackedCache = false',
    'splitIndex = false',
    'quotePath = true',
    'logAllRefUpdates = false',
    'askPass =',
  ];
  for (const key of ['filemode', 'symlinks', 'ignorecase', 'precomposeunicode', 'autocrlf', 'eol'] as const) {
    const value = settings[`core.${key}`];
    if (value !== undefined) core.push(`${key} = ${value}`);
  }
  const sections: Array<[string, string[]]> = [
    ['core', core],
    ['gc', ['auto = 0']],
    ['maintenance', ['auto = false']],
    ['fetch', ['writeCommitGraph = false', 'recurseSubmodules = false', 'prune = false']],
    ['diff', ['noprefix = false', 'mnemonicPrefix = false', 'relative = false', 'renames = true', 'algorithm = myers']],
    ['color', ['ui = never']],
    ['commit', ['gpgSign = false']],
    ['push', ['gpgSign = false', 'recurseSubmodules = no', 'followTags = false']],
    ['advice', ['detachedHead = false']],
    // An empty helper resets the list, so no credential helper from any config file runs; the
    // adapter's own credentials travel in a header (see `credentials`).
    ['credential', ['helper =']],
    // A redirect must not carry the Authorization header to another host.
    ['http', ['followRedirects = false', ...(options.caFile ? [`sslCAInfo = ${quote(options.caFile)}`] : [])]],
  ];
  if (sha256) sections.push(['extensions', ['objectFormat = sha256']]);
  return `${sections.map(([name, lines]) => `[${name}]\n${lines.map((line) => `\t${line}`).join('\n')}`).join('\n')}\n`;
}

/** The builder's index, locked the way git locks it, for the duration of a commit. */
export type IndexLock = {
  /** Replaces the builder's index with `source` and releases the lock. */
  commit(source: string): Promise<void>;
  /** Releases the lock without changing the index. */
  release(): Promise<void>;
};

/**
 * Takes `<gitDir>/index.lock` (as git itself does), so the builder's own git commands cannot change
 * the index while a publish commit is built from it. Retries briefly when the builder's git holds it.
 */
export async function lockIndex(repo: WorkspaceRepo, attempts = 10, delayMs = 100): Promise<IndexLock> {
  const lockPath = `${repo.indexFile}.lock`;
  for (let attempt = 1; ; attempt += 1) {
    try {
      const handle = await open(lockPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= attempts) {
        throw new Error('The workspace index is locked by another git process (index.lock exists); try again shortly.');
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
  let held = true;
  const release = async () => {
    if (!held) return;
    held = false;
    await rm(lockPath, { force: true });
  };
  return {
    async commit(source) {
      if (!held) return;
      try {
        await copyFile(source, lockPath);
        await rename(lockPath, repo.indexFile);
        held = false;
      } finally {
        await release();
      }
    },
    release,
  };
}
