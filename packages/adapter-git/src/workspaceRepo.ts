import { createHash, randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import {
  copyFile,
  link,
  lstat,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { isValidBranchName, PublishGateError } from '@publishgate/core';

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

const SCRATCH_PREFIX = 'publishgate-git-';
// Hostnames can hold anything; a short hash of it is safe in a file name and tells hosts apart when
// several machines or containers share a temporary directory.
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const SCRATCH_NAME = /^publishgate-git-([0-9a-f]{8})-(\d+)-[A-Za-z0-9]{6}$/;

/** Whether a process with this pid runs on this host (a process we may not signal still runs). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the scratch directories that processes on this host left behind when they were killed
 * (SIGKILL skips every `finally`). Only directories named for this host, owned by this user, whose
 * process is gone, are touched; a live process's directory and anything else in the temporary
 * directory are left alone. Returns the names removed.
 */
export async function removeStaleScratchDirs(root: string = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(root)) {
    const match = SCRATCH_NAME.exec(name);
    if (!match || match[1] !== HOST_TAG) continue;
    const pid = Number(match[2]);
    if (pid === process.pid || isProcessAlive(pid)) continue;
    const path = join(root, name);
    try {
      const info = await lstat(path);
      if (!info.isDirectory() || (process.getuid !== undefined && info.uid !== process.getuid())) continue;
      await rm(path, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Another process removed it first.
    }
  }
  return removed;
}

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
  // mkdtemp creates the directory with mode 0700. The name says which process on which host owns
  // it, so a later process can remove it once that process is gone (see removeStaleScratchDirs).
  const dir = await mkdtemp(join(tmpdir(), `${SCRATCH_PREFIX}${HOST_TAG}-${process.pid}-`));
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
    // Real (UTF-8) names in patch headers; git still C-quotes names with tabs, newlines, quotes or backslashes.
    'quotePath = false',
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

/** The builder's index, locked the way git locks it, while a publish commit is put in place. */
export type IndexLock = {
  /** Replaces the builder's index with `source` and releases the lock. */
  commit(source: string): Promise<void>;
  /** Releases the lock without changing the index. */
  release(): Promise<void>;
};

const LOCK_MARK = 'publishgate-index-lock';
const MAX_LOCK_READ = 512;

/** What the adapter writes into an `index.lock` it holds: who holds it, and a nonce that tells two holders apart. */
function lockOwner(nonce: string): string {
  return `${LOCK_MARK} host=${HOST_TAG} pid=${process.pid} nonce=${nonce}\n`;
}

/** A lock's owner when the lock is one this adapter wrote on this host, else undefined. */
function parseLockOwner(text: string): { pid: number } | undefined {
  const match = /^publishgate-index-lock host=([0-9a-f]{8}) pid=(\d+) nonce=[0-9a-f-]{36}\n$/.exec(text);
  if (!match || match[1] !== HOST_TAG) return undefined;
  return { pid: Number(match[2]) };
}

async function readSmall(path: string): Promise<string | undefined> {
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const buffer = Buffer.alloc(MAX_LOCK_READ);
      const { bytesRead } = await handle.read(buffer, 0, MAX_LOCK_READ, 0);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * Removes `lockPath` if it is still exactly the dead lock `seen`. Renaming first makes the check and
 * the removal one step: if a live holder's lock was caught in between (it replaced the dead one), it
 * is linked back into place.
 */
async function breakDeadLock(lockPath: string, seen: string): Promise<void> {
  const aside = `${lockPath}.publishgate-${randomUUID()}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return;
  }
  if ((await readSmall(aside)) !== seen) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

/**
 * Takes `<gitDir>/index.lock` (as git itself does), so the builder's own git cannot write the index
 * while a publish commit is put in place. The lock records this process and host; a lock this
 * adapter left behind when its process was killed (the process is gone) is broken, while a lock of
 * git or of a live process is never touched: the call retries briefly, then fails.
 */
export async function lockIndex(repo: WorkspaceRepo, attempts = 10, delayMs = 100): Promise<IndexLock> {
  const lockPath = `${repo.indexFile}.lock`;
  const owner = lockOwner(randomUUID());
  for (let attempt = 1; ; attempt += 1) {
    try {
      const handle = await open(lockPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
      try {
        await handle.writeFile(owner);
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const seen = await readSmall(lockPath);
      const holder = seen === undefined ? undefined : parseLockOwner(seen);
      if (seen !== undefined && holder && holder.pid !== process.pid && !isProcessAlive(holder.pid)) {
        await breakDeadLock(lockPath, seen);
        continue;
      }
      if (attempt >= attempts) {
        throw new Error('The workspace index is locked by another git process (index.lock exists); try again shortly.');
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
  let held = true;
  const release = async () => {
    if (!held) return;
    held = false;
    // Only our own lock: never remove one that is not (any more) ours.
    if ((await readSmall(lockPath)) === owner) await rm(lockPath, { force: true });
  };
  return {
    async commit(source) {
      if (!held) return;
      // Written beside the lock and renamed over the index: the lock keeps its owner line until
      // the index is replaced, so a crash here leaves a lock the next call can recognise.
      const staged = `${lockPath}.publishgate-${randomUUID()}`;
      try {
        await copyFile(source, staged);
        await rename(staged, repo.indexFile);
      } finally {
        await rm(staged, { force: true });
      }
      await release();
    },
    release,
  };
}

/** An identity of a file's current version (git replaces the index by rename, so it changes on every write), or 'absent'. */
export async function fileIdentity(path: string): Promise<string> {
  try {
    const info = await stat(path);
    return `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
}

const MAX_CONFIG_BYTES = 256 * 1024;
const REF_SHA = /^([0-9a-f]{40}|[0-9a-f]{64})\n$/;

/**
 * The commit id HEAD names, read from the files when they are plain (a detached HEAD, or a branch
 * with a loose ref file); undefined otherwise (packed refs, reftable, symlinks, anything odd), and
 * the caller asks git. Whatever it answers is checked later: HEAD only moves by compare-and-swap.
 */
export async function readHeadRef(repo: WorkspaceRepo): Promise<string | undefined> {
  const head = await readPlain(join(repo.gitDir, 'HEAD'));
  if (head === undefined) return undefined;
  const detached = REF_SHA.exec(head);
  if (detached) return detached[1];
  const symbolic = /^ref: refs\/heads\/([^\n]+)\n$/.exec(head);
  if (!symbolic || !isValidBranchName(symbolic[1] as string)) return undefined;
  const ref = await readPlain(join(repo.gitDir, 'refs', 'heads', symbolic[1] as string));
  return ref === undefined ? undefined : REF_SHA.exec(ref)?.[1];
}

async function readPlain(path: string): Promise<string | undefined> {
  try {
    const info = await lstat(path);
    if (!info.isFile() || info.size > 512) return undefined;
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The workspace config's text when its settings may be cached by content, or undefined when they
 * may not: unreadable, too large, or including other files (which can change without it changing).
 */
export async function readConfigForCache(gitDir: string): Promise<string | undefined> {
  const text = (await readBounded(join(gitDir, 'config'), MAX_CONFIG_BYTES))?.toString('utf8');
  if (text === undefined || /^\s*\[\s*include/im.test(text)) return undefined;
  return text;
}
