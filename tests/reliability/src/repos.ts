import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { git } from '../../../tooling/harnessGit.ts';

export { git };

/**
 * A bare remote with the blueprint on `main`, and workspaces cloned from it, all under one temp
 * directory. Workspaces are copies of one clone (a `cp -r` is much cheaper than `git clone` when a
 * test needs hundreds of them).
 */
export type GitWorld = {
  root: string;
  /** The bare repository publish branches are pushed to. */
  remoteDir: string;
  /** `file://` URL of `remoteDir`, as the adapter is configured with. */
  remoteUrl: string;
  /** Where workspace `id` lives: `<root>/workspaces/<id>`. */
  workspacesDir: string;
  /** Creates (copies) the working copy of workspace `id`; resolves with its directory. */
  addWorkspace(id: string): Promise<string>;
  /** Writes a file in a workspace's working copy. */
  write(id: string, path: string, content: string): Promise<void>;
  /** Every `refs/heads/publish/*` branch of the remote and the commit it points at. */
  publishBranches(): Promise<Map<string, string>>;
  /** Deletes everything. */
  cleanup(): Promise<void>;
};

/** Builds a {@link GitWorld} in a fresh temp directory. */
export async function createGitWorld(): Promise<GitWorld> {
  const root = await mkdtemp(join(tmpdir(), 'pg-reliability-git-'));
  const remoteDir = join(root, 'remote.git');
  const blueprint = join(root, 'blueprint');
  const template = join(root, 'template');
  const workspacesDir = join(root, 'workspaces');
  await git(root, ['init', '-q', '--bare', '-b', 'main', remoteDir]);
  // Many processes push to this remote at once; an auto-gc in the middle would only cost time.
  await git(remoteDir, ['config', 'receive.autogc', 'false']);
  await git(root, ['init', '-q', '-b', 'main', blueprint]);
  await writeFile(join(blueprint, 'index.html'), '<h1>Hello</h1>\n');
  await writeFile(join(blueprint, 'README.md'), '# Sample app\n');
  await git(blueprint, ['add', '-A']);
  await git(blueprint, ['commit', '-q', '-m', 'Blueprint']);
  await git(blueprint, ['push', '-q', remoteDir, 'main']);
  await git(root, ['clone', '-q', remoteDir, template]);
  await mkdir(workspacesDir);
  return {
    root,
    remoteDir,
    remoteUrl: `file://${remoteDir}`,
    workspacesDir,
    async addWorkspace(id) {
      const dir = join(workspacesDir, id);
      await cp(template, dir, { recursive: true });
      return dir;
    },
    async write(id, path, content) {
      const file = join(workspacesDir, id, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
    },
    async publishBranches() {
      const out = await git(remoteDir, ['for-each-ref', '--format=%(refname:short) %(objectname)', 'refs/heads/publish/']);
      const branches = new Map<string, string>();
      for (const line of out.split('\n')) {
        const [name, sha] = line.split(' ');
        if (name && sha) branches.set(name, sha);
      }
      return branches;
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
