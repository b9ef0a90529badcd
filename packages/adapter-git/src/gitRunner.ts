import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { PublishGateError } from '@publishgate/core';
import { vulnerabilityCheck } from '@simple-git/argv-parser';
import type { Redactor } from './redact.js';

/**
 * Environment variables git may see. The runner refuses every other `GIT_*` variable, and the adapter
 * starts from an empty environment, so `GIT_SSH_COMMAND`, `GIT_ASKPASS`, `GIT_CONFIG_*`, `GIT_TRACE*`
 * and friends from the server's own environment never reach git.
 */
const ALLOWED_GIT_ENV = [
  'GIT_ALLOW_PROTOCOL',
  'GIT_ATTR_NOSYSTEM',
  'GIT_AUTHOR_EMAIL',
  'GIT_AUTHOR_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_COMMITTER_NAME',
  'GIT_CONFIG_NOSYSTEM',
  'GIT_DIR',
  'GIT_INDEX_FILE',
  'GIT_NO_REPLACE_OBJECTS',
  'GIT_OBJECT_DIRECTORY',
  'GIT_PROTOCOL_FROM_USER',
  'GIT_TERMINAL_PROMPT',
  'GIT_WORK_TREE',
] as const;

/** A `GIT_*` variable the adapter sets. */
export type GitEnvKey = (typeof ALLOWED_GIT_ENV)[number];

// Variables copied from the server's environment: what git needs to find itself, ssh keys and
// proxies. Nothing that configures git.
const PASSTHROUGH_ENV = [
  'PATH',
  'HOME',
  'TMPDIR',
  'SYSTEMROOT',
  'SSH_AUTH_SOCK',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
];

/** The environment variable that carries the HTTP Authorization header to `--config-env`. */
export const AUTH_HEADER_ENV = 'PUBLISHGATE_GIT_AUTHORIZATION';

/**
 * The environment every git process starts from: no system config, no prompts, no replace refs, no
 * system attributes, no transport at all unless a caller allows one (`GIT_ALLOW_PROTOCOL` overrides
 * any `protocol.*.allow` a repository config sets).
 */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of PASSTHROUGH_ENV) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return {
    ...env,
    LC_ALL: 'C',
    LANGUAGE: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_PROTOCOL_FROM_USER: '0',
    GIT_ALLOW_PROTOCOL: '',
  };
}

/** How one git process runs. */
export type GitRun = {
  /** Working directory of the process. */
  cwd: string;
  /** The complete environment (start from {@link baseEnv}). */
  env: Record<string, string>;
  /**
   * `-c key=value` pairs put before the command. Only the workspace runner uses them, and only
   * with constant values; see {@link WORKSPACE_HARDENING}.
   */
  config?: readonly string[];
  /** Inactivity timeout: a process silent for this long is killed. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Written to the process's stdin. */
  stdin?: string;
  redact: Redactor;
};

/**
 * Hardening for commands that run with the workspace's own `.git/config` (reading HEAD, moving the
 * branch after a commit). That config belongs to the builder, so it can name hook directories and
 * fsmonitor programs; command-line `-c` beats it. The runner accepts this constant prefix and no
 * other, and every task's own arguments are checked separately with simple-git's guard and nothing
 * allowed ({@link assertSafeArgs}).
 */
export const WORKSPACE_HARDENING: readonly string[] = ['core.hooksPath=/dev/null', 'core.fsmonitor=false'];

/** A git process that exited with a non-zero status. Its texts are already redacted. */
export class GitExitError extends Error {
  override readonly name = 'GitExitError';
  constructor(
    message: string,
    readonly exitCode: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/**
 * Refuses arguments simple-git's own guard flags (`--upload-pack`, `-u` bundles, `--exec`,
 * `-c core.sshCommand=…`, abbreviated options are refused by git itself), with no category allowed.
 * The adapter builds every argument from validated values, so this only ever fires on a bug; it is
 * the guarantee that the runner's narrow unsafe allowance covers nothing but its constant prefix.
 */
export function assertSafeArgs(args: readonly string[], config: readonly string[] = []): void {
  // The only `-c` prefix the runner accepts is the constant hardening, whole or not at all.
  if (
    config.length > 0 &&
    (config.length !== WORKSPACE_HARDENING.length || config.some((entry, index) => entry !== WORKSPACE_HARDENING[index]))
  ) {
    throw new PublishGateError('validation', 'Refusing to run git: an unexpected -c prefix.');
  }
  const found = vulnerabilityCheck(args, {});
  if (found.length > 0) {
    throw new PublishGateError('validation', `Refusing to run git: ${found.map((entry) => entry.message).join('; ')}.`);
  }
}

function subcommand(args: readonly string[]): string {
  return args.find((arg) => !arg.startsWith('-')) ?? 'git';
}

function describeExit(args: readonly string[], exitCode: number, stderr: string): string {
  const detail = stderr.trim().split('\n').slice(-3).join(' ').slice(0, 400);
  return `git ${subcommand(args)} exited with ${exitCode}${detail ? `: ${detail}` : ''}`;
}

const ALLOWED = new Set<string>(ALLOWED_GIT_ENV);
// Output kept from one buffered command. The largest is the file listing of a 20,000-file diff.
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/**
 * Spawns one git process with the arguments guard, the hardening prefix, the checked environment,
 * an inactivity timeout and the caller's abort signal, and settles when its pipes have closed (so
 * every byte of output has been read, however late it arrives after the exit). Nothing waits after
 * a process that printed nothing: git is done when its pipes close. The abort listener is removed
 * when the process ends, so a long-lived signal does not collect listeners.
 */
function spawnGit(
  args: readonly string[],
  run: GitRun,
  onStdout: (chunk: Buffer) => boolean,
): Promise<{ stopped: boolean; code: number; stderr: string }> {
  assertSafeArgs(args, run.config);
  for (const key of Object.keys(run.env)) {
    if (key.startsWith('GIT_') && !ALLOWED.has(key)) throw new PublishGateError('validation', `Refusing to run git with ${key} set.`);
  }
  const prefix = (run.config ?? []).flatMap((entry) => ['-c', entry]);
  return new Promise((resolve, reject) => {
    if (run.signal?.aborted) {
      reject(run.signal.reason ?? new Error('aborted'));
      return;
    }
    const child = spawn('git', [...prefix, ...args], {
      cwd: run.cwd,
      // git itself refuses abbreviated long options (`--upload-p` for `--upload-pack`).
      env: { ...run.env, GIT_TEST_DISALLOW_ABBREVIATED_OPTIONS: 'true' },
      stdio: [run.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let stderr = '';
    let stopped = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error: unknown, code = -1) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
      if (error !== undefined) reject(error);
      else resolve({ stopped, code, stderr });
    };
    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(new Error(`git ${subcommand(args)} timed out after ${run.timeoutMs} ms without output`));
      }, run.timeoutMs);
    };
    function onAbort() {
      child.kill('SIGKILL');
      finish(run.signal?.reason ?? new Error('aborted'));
    }
    run.signal?.addEventListener('abort', onAbort, { once: true });
    arm();
    child.stdout?.on('data', (chunk: Buffer) => {
      if (stopped) return;
      arm();
      if (!onStdout(chunk)) {
        stopped = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      arm();
      // Keep only the tail: it says why git failed, and stays small whatever git prints.
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    if (child.stdin) {
      // git may exit before reading all of its input (a refused command); that is not our error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(run.stdin);
    }
    child.on('error', (error) => finish(new Error(run.redact(`git ${subcommand(args)} could not start: ${error.message}`))));
    child.on('close', (code) => finish(undefined, code ?? -1));
  });
}

/**
 * Runs one git command and resolves with its stdout as bytes. A non-zero exit rejects with
 * {@link GitExitError} (redacted); anything else (spawn failure, timeout, abort) rejects with a
 * plain redacted Error, or the signal's reason.
 *
 * The adapter spawns git itself rather than through simple-git's task runner: simple-git completes
 * a process that printed nothing 50 ms after it ended, whatever its `completion` option says, and
 * most of the commands a commit needs print nothing. The argument guard is still simple-git's own
 * ({@link assertSafeArgs}).
 */
export async function runGitBytes(args: readonly string[], run: GitRun): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  const { code, stderr } = await spawnGit(args, run, (chunk) => {
    size += chunk.length;
    if (size > MAX_BUFFERED_BYTES) {
      overflow = true;
      return false;
    }
    chunks.push(chunk);
    return true;
  });
  if (overflow) throw new Error(`git ${subcommand(args)} printed more than ${MAX_BUFFERED_BYTES} bytes`);
  const stdout = Buffer.concat(chunks);
  if (code !== 0) {
    const text = run.redact(stderr);
    throw new GitExitError(describeExit(args, code, text), code, run.redact(stdout.toString('utf8')), text);
  }
  return stdout;
}

/** {@link runGitBytes}, decoded as UTF-8. */
export async function runGit(args: readonly string[], run: GitRun): Promise<string> {
  return (await runGitBytes(args, run)).toString('utf8');
}

/**
 * Runs a git command and hands its stdout to `onText` as decoded text, without buffering it.
 * `onText` returns `false` to stop early: the process is killed and the promise resolves with
 * `stopped: true`. A 100 MB diff is never held whole.
 */
export async function streamGit(args: readonly string[], run: GitRun, onText: (text: string) => boolean): Promise<{ stopped: boolean }> {
  const decoder = new StringDecoder('utf8');
  const { stopped, code, stderr } = await spawnGit(args, run, (chunk) => onText(decoder.write(chunk)));
  if (stopped) return { stopped };
  const rest = decoder.end();
  if (rest) onText(rest);
  if (code !== 0) {
    const text = run.redact(stderr);
    throw new GitExitError(describeExit(args, code, text), code, '', text);
  }
  return { stopped: false };
}
