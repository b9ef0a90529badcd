import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createSimpleGit } from '@publishgate/adapter-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builder, workspace } from '../src/population.js';
import { createGitWorld, type GitWorld } from '../src/repos.js';

// On a loaded machine a git process can exit well before the test reads the last of its output
// from the pipe. simple-git 4.0 by default completes a command 50 ms after the process's `exit` event
// unless the pipes `close` first, so under load the adapter saw empty output from successful
// commands: `write-tree` gave no tree, `rev-parse HEAD` no commit, and publishes failed with
// "Needed a single revision" or "bad object" (found by the several-servers test: 200 concurrent
// submits on 2 cores). This test makes that timing certain instead of likely: a `git` first on
// the PATH that runs the real git, exits with its status, and delivers the output 200 ms later.

let shimDir: string;
let world: GitWorld;
const originalPath = process.env.PATH;

beforeAll(async () => {
  world = await createGitWorld();
  const realGit = execFileSync('sh', ['-c', 'command -v git']).toString().trim();
  shimDir = mkdtempSync(join(tmpdir(), 'pg-reliability-slowgit-'));
  const shim = join(shimDir, 'git');
  writeFileSync(
    shim,
    `#!/bin/sh
out=$(mktemp) err=$(mktemp)
'${realGit}' "$@" >"$out" 2>"$err"
status=$?
( sleep 0.2; cat "$out"; cat "$err" >&2; rm -f "$out" "$err" ) &
exit $status
`,
  );
  chmodSync(shim, 0o755);
});

afterAll(async () => {
  process.env.PATH = originalPath;
  rmSync(shimDir, { recursive: true, force: true });
  await world.cleanup();
});

describe('git output that arrives after git exited (a loaded machine)', () => {
  it('regression: commit and push still get the full output of every git command (simple-git completion waits for the pipes to close)', async () => {
    const ws = workspace(1);
    await world.addWorkspace(ws.id);
    await world.write(ws.id, 'about.html', '<p>late output</p>\n');
    const git = createSimpleGit({ resolveWorkspaceDir: (w) => join(world.workspacesDir, w.id), remote: world.remoteUrl });
    process.env.PATH = `${shimDir}${delimiter}${originalPath ?? ''}`;
    try {
      const { sha } = await git.commit({
        workspace: ws,
        baseline: { kind: 'blueprint' },
        message: 'Publish\n',
        author: { name: 'Builder', email: builder(1).email },
      });
      expect(sha).toMatch(/^[0-9a-f]{40}$/);
      const pushed = await git.push({ workspace: ws, sha, branch: 'publish/late-output' });
      expect(pushed).toEqual({ branch: 'publish/late-output', sha, alreadyPushed: false });
    } finally {
      process.env.PATH = originalPath;
    }
    expect((await world.publishBranches()).get('publish/late-output')).toMatch(/^[0-9a-f]{40}$/);
  });
});
