import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { PublishGateError } from '@publishgate/core';
import { vulnerabilityCheck } from '@simple-git/argv-parser';
import { GitError, GitPluginError, type SimpleGitOptions, simpleGit } from 'simple-git';
import type { Redactor } from './redact.js';

/**
 * Environment variables git may see. simple-git removes every other `GIT_*` variable, and the adapter
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
 * fsmonitor programs; command-line `-c` beats it. simple-git 4.0 refuses these keys whatever their
 * value, so the workspace runner enables exactly `allowUnsafeHooksPath` and `allowUnsafeFsMonitor`
 * for this constant prefix, and every task's own arguments are checked separately with simple-git's
 * guard and nothing allowed ({@link assertSafeArgs}).
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

// simple-git only keeps extra fields on errors that extend its own GitError.
class RawExit extends GitError {
  constructor(
    readonly exitCode: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(undefined, `git exited with ${exitCode}`);
  }
}

/**
 * Refuses arguments simple-git's own guard flags (`--upload-pack`, `-u` bundles, `--exec`,
 * `-c core.sshCommand=…`, abbreviated options are refused by git itself), with no category allowed.
 * The adapter builds every argument from validated values, so this only ever fires on a bug; it is
 * the guarantee that the runner's narrow unsafe allowance covers nothing but its constant prefix.
 */
export function assertSafeArgs(args: readonly string[]): void {
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

/**
 * Runs one git command through simple-git and resolves with its stdout. A non-zero exit rejects
 * with {@link GitExitError} (redacted); anything else (spawn failure, timeout, abort) rejects with
 * a plain redacted Error.
 */
export async function runGit(args: readonly string[], run: GitRun): Promise<string> {
  assertSafeArgs(args);
  const workspaceConfig = run.config ?? [];
  const options: Partial<SimpleGitOptions> = {
    baseDir: run.cwd,
    config: [...workspaceConfig],
    // Exactly the keys of WORKSPACE_HARDENING, and only when that prefix is in use.
    unsafe: workspaceConfig.length > 0 ? { allowUnsafeHooksPath: true, allowUnsafeFsMonitor: true } : {},
    allowEnvironment: ALLOWED_GIT_ENV,
    timeout: { block: run.timeoutMs },
    // Complete when the pipes close, not 50 ms after the process exits (simple-git 4's default):
    // on a loaded machine output can arrive later than that, and a command would succeed empty.
    completion: { onClose: true, onExit: false },
    trimmed: false,
    errors: (error, result) => {
      // A plugin's rejection (abort, timeout, the unsafe-argument guard) stays what it is; only
      // real non-zero exits become RawExit, whatever simple-git's default handler made of them.
      if (error instanceof GitPluginError || result.exitCode === 0) return error;
      return new RawExit(result.exitCode, Buffer.concat(result.stdOut).toString('utf8'), Buffer.concat(result.stdErr).toString('utf8'));
    },
    ...(run.stdin === undefined ? {} : { input: () => run.stdin }),
    ...(run.signal ? { abort: run.signal } : {}),
  };
  try {
    return await simpleGit(options)
      .env(run.env)
      .raw([...args]);
  } catch (error) {
    if (error instanceof RawExit) {
      const stderr = run.redact(error.stderr);
      throw new GitExitError(describeExit(args, error.exitCode, stderr), error.exitCode, run.redact(error.stdout), stderr);
    }
    if (PublishGateError.is(error)) throw error;
    if (run.signal?.aborted) throw run.signal.reason ?? new Error('aborted');
    const reason = error instanceof Error ? error.message : String(error);
    // A fresh error without `cause`: simple-git's errors carry the task, which holds the arguments.
    throw new Error(run.redact(`git ${subcommand(args)} failed: ${reason}`.slice(0, 600)));
  }
}

/**
 * Runs a git command and hands its stdout to `onText` as decoded text, without buffering it.
 * `onText` returns `false` to stop early: the process is killed and the promise resolves with
 * `stopped: true`. simple-git always buffers a command's whole output, which a 100 MB diff must
 * never be, so this is the one place the adapter spawns git itself, with the same arguments guard,
 * environment and hardening.
 */
export function streamGit(args: readonly string[], run: GitRun, onText: (text: string) => boolean): Promise<{ stopped: boolean }> {
  assertSafeArgs(args);
  const prefix = (run.config ?? []).flatMap((entry) => ['-c', entry]);
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...prefix, ...args], {
      cwd: run.cwd,
      env: { ...run.env, GIT_TEST_DISALLOW_ABBREVIATED_OPTIONS: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const decoder = new StringDecoder('utf8');
    let stderr = '';
    let stopped = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve({ stopped });
    };
    const stop = () => {
      stopped = true;
      child.kill('SIGTERM');
    };
    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(new Error(`git ${subcommand(args)} timed out after ${run.timeoutMs} ms without output`));
      }, run.timeoutMs);
    };
    const onAbort = () => {
      child.kill('SIGKILL');
      finish(run.signal?.reason instanceof Error ? run.signal.reason : new Error('aborted'));
    };
    if (run.signal?.aborted) return onAbort();
    run.signal?.addEventListener('abort', onAbort, { once: true });
    arm();
    child.stdout.on('data', (chunk: Buffer) => {
      if (stopped) return;
      arm();
      if (!onText(decoder.write(chunk))) stop();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      // Keep only the tail: it says why git failed, and stays small whatever git prints.
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.on('error', (error) => finish(new Error(run.redact(`git ${subcommand(args)} could not start: ${error.message}`))));
    child.on('close', (code) => {
      if (stopped) return finish();
      const rest = decoder.end();
      if (rest) onText(rest);
      if (code === 0) return finish();
      const text = run.redact(stderr);
      finish(new GitExitError(describeExit(args, code ?? -1, text), code ?? -1, '', text));
    });
  });
}
