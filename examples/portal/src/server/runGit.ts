import { execFile } from 'node:child_process';

/** Options of {@link runGit}. */
export type RunGitOptions = {
  /** Working directory. */
  cwd?: string;
  /** Extra environment, e.g. `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_0`/`GIT_CONFIG_VALUE_0` for an auth header. */
  env?: Record<string, string>;
  /** Kill git after this long. Default 120 s. */
  timeoutMs?: number;
};

/**
 * Runs git with a fixed identity and without the machine's system or global config, so seeding
 * behaves the same on every machine (no `init.defaultBranch` surprises, no signing prompts, no hooks).
 * Resolves with stdout; rejects with git's stderr in the message.
 */
export function runGit(args: readonly string[], options: RunGitOptions = {}): Promise<string> {
  const base = [
    '-c',
    'user.name=publishgate demo',
    '-c',
    'user.email=demo@publishgate.invalid',
    '-c',
    'commit.gpgsign=false',
    '-c',
    'init.defaultBranch=main',
  ];
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...base, ...args],
      {
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 16 * 1024 * 1024,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_CONFIG_GLOBAL: '/dev/null',
          GIT_TERMINAL_PROMPT: '0',
          ...options.env,
        },
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`git ${args[0] ?? ''} failed: ${stderr.trim() || error.message}`, { cause: error }));
        else resolve(stdout);
      },
    );
  });
}
