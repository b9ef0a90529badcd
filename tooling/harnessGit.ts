import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

// The tests' own git runs outside the adapter: a fixed identity and no system or global config,
// so a developer's ~/.gitconfig cannot change what the tests see.
const HARNESS_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Blueprint',
  GIT_AUTHOR_EMAIL: 'blueprint@example.com',
  GIT_COMMITTER_NAME: 'Blueprint',
  GIT_COMMITTER_EMAIL: 'blueprint@example.com',
};

/** Runs the test harness's own git (not the adapter's) in `cwd` and returns trimmed stdout. */
export async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: HARNESS_ENV, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}
