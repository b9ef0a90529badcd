import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** A `git` first on the PATH that records each process's subcommand and can stop at one of them. */
export type GitShim = {
  /** The directory to put first on the PATH. */
  dir: string;
  /** `PATH` with the shim first. */
  path: string;
  /** The subcommands run since the last `reset`, in order (`-c key=value` prefixes skipped). */
  processes(): Promise<string[]>;
  reset(): Promise<void>;
  /** Resolves once a process reached the subcommand the shim stops at. */
  reached(): Promise<void>;
  cleanup(): Promise<void>;
};

/**
 * Writes the shim. With `stopAt`, the process running that subcommand creates a marker file and
 * then sleeps instead of running git, holding the caller exactly at that step until it is killed.
 */
export async function createGitShim(options: { stopAt?: string } = {}): Promise<GitShim> {
  const realGit = execFileSync('sh', ['-c', 'command -v git']).toString().trim();
  const dir = await mkdtemp(join(tmpdir(), 'pg-gitshim-'));
  const log = join(dir, 'processes.log');
  const marker = join(dir, 'reached');
  const stop = options.stopAt ? `if [ "$sub" = '${options.stopAt}' ]; then : > '${marker}'; exec sleep 600; fi\n` : '';
  await writeFile(
    join(dir, 'git'),
    `#!/bin/sh
sub=""; skip=0
for a in "$@"; do
  if [ "$skip" = 1 ]; then skip=0; continue; fi
  case "$a" in -c) skip=1 ;; -*) ;; *) sub="$a"; break ;; esac
done
printf '%s\\n' "$sub" >> '${log}'
${stop}exec '${realGit}' "$@"
`,
  );
  chmodSync(join(dir, 'git'), 0o755);
  await writeFile(log, '');
  return {
    dir,
    path: `${dir}${delimiter}${process.env.PATH ?? ''}`,
    async processes() {
      return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    },
    reset: () => writeFile(log, ''),
    async reached() {
      // Waits for an event (the marker), not for an amount of time; the test's timeout bounds it.
      for (;;) {
        try {
          await readFile(marker);
          return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
