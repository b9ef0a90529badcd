import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSimpleGit } from '@publishgate/adapter-git';
import { type Actor, createMemoryStorage, createPublishGate, PublishGateError } from '@publishgate/core';
import { createFakeGitHost } from '@publishgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHarness, createRepoFixture, git, type RepoFixture } from './helpers/repos.js';

const author = { name: 'Builder One', email: 'builder@example.com' };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function harness() {
  const h = await createGitHarness();
  cleanups.push(h.cleanup as () => Promise<void>);
  const canary = join(h.fixture.root, 'CANARY');
  return { ...h, canary };
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return PublishGateError.is(error) ? error.code : `plain: ${(error as Error).message}`;
  }
  return 'resolved';
}

/** A full id of a commit the workspace has (the blueprint commit), without making one. */
function headSha(h: Awaited<ReturnType<typeof harness>>): Promise<string> {
  return git(h.fixture.workspaceDir, ['rev-parse', 'HEAD']);
}

async function pinnedCommit(h: Awaited<ReturnType<typeof harness>>): Promise<string> {
  await h.writeFile('pinned.txt', 'pinned\n');
  return (await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'Pin\n', author })).sha;
}

describe('option-like and malformed shas are refused before git sees them', () => {
  const payloads: Array<[string, (sha: string, canary: string) => string]> = [
    ['--upload-pack', (_sha, canary) => `--upload-pack=touch ${canary}`],
    ['-u bundled with a command', (_sha, canary) => `-utouch ${canary}`],
    ['--receive-pack', (_sha, canary) => `--receive-pack=touch ${canary}`],
    ['--exec', (_sha, canary) => `--exec=touch ${canary}`],
    ['abbreviated --rec', (_sha, canary) => `--rec=touch ${canary}`],
    ['short sha', (sha) => sha.slice(0, 7)],
    ['HEAD~1', () => 'HEAD~1'],
    ['sha^', (sha) => `${sha}^`],
    ['range sha..sha', (sha) => `${sha}..${sha}`],
    ['upper-case sha', (sha) => sha.toUpperCase()],
    ['sha with a newline and an option', (sha, canary) => `${sha}\n--upload-pack=touch ${canary}`],
    ['40 hex digits of no commit', () => 'f'.repeat(40)],
    ['64 hex digits of no commit', () => 'e'.repeat(64)],
    ['reflog syntax @{-1}', () => '@{-1}'],
    ['a tree id instead of a commit', (sha) => `${sha}^{tree}`],
  ];
  it.each(payloads)('%s', async (_name, payload) => {
    const h = await harness();
    const sha = await headSha(h);
    const bad = payload(sha, h.canary);
    expect(await code(h.git.push({ workspace: h.workspace, sha: bad, branch: 'publish/bad-sha' }))).toBe('validation');
    expect(await code(h.git.preview({ workspace: h.workspace, baseline: { kind: 'blueprint' }, sha: bad }))).toBe('validation');
    expect(await code(h.git.preview({ workspace: h.workspace, baseline: { kind: 'publication', sha: bad } }))).toBe('validation');
    expect(await h.remoteBranchSha('publish/bad-sha')).toBeUndefined();
    expect(existsSync(h.canary)).toBe(false);
  });

  it('a tree id that is a full 40-hex id is refused because it is not a commit', async () => {
    const h = await harness();
    const tree = await git(h.fixture.workspaceDir, ['rev-parse', 'HEAD^{tree}']);
    expect(await code(h.git.push({ workspace: h.workspace, sha: tree, branch: 'publish/tree' }))).toBe('validation');
  });
});

describe('option-like and malformed branch names are refused', () => {
  const payloads: Array<[string, (canary: string) => string]> = [
    ['--upload-pack', (canary) => `--upload-pack=touch ${canary}`],
    ['bundled short options -uc', () => '-uc'],
    ['abbreviated --receive', (canary) => `--receive=touch${canary}`],
    ['-f', () => '-f'],
    ['dot-dot', () => 'publish/../main'],
    ['.lock suffix', () => 'publish/x.lock'],
    ['refspec injection a:refs/heads/main', () => 'publish/a:refs/heads/main'],
    ['force refspec +main', () => '+main:main'],
    ['newline then an option', (canary) => `publish/x\n--upload-pack=touch ${canary}`],
    ['HEAD', () => 'HEAD'],
    ['reflog syntax', () => 'publish/x@{1}'],
    ['glob', () => 'publish/*'],
    ['empty', () => ''],
  ];
  it.each(payloads)('%s', async (_name, payload) => {
    const h = await harness();
    const sha = await headSha(h);
    expect(await code(h.git.push({ workspace: h.workspace, sha, branch: payload(h.canary) }))).toBe('validation');
    expect(existsSync(h.canary)).toBe(false);
    expect(await git(h.fixture.remoteDir, ['for-each-ref', '--format=%(refname)'])).toBe('refs/heads/main');
  });
});

describe('remote URLs outside the allowlist are refused when the adapter is created', () => {
  const canary = '/tmp/publishgate-remote-canary';
  const payloads: Array<[string, string]> = [
    ['ext:: remote helper', `ext::sh -c touch% ${canary}`],
    ['ext:: without spaces', `ext::touch%${canary}`],
    ['fd:: remote helper', 'fd::17'],
    ['any transport::address', 'custom::something'],
    ['option-like remote', `--upload-pack=touch ${canary}`],
    ['ssh host that is an option', `ssh://-oProxyCommand=touch%20${canary}/repo.git`],
    ['scp-like host that is an option', '-oProxyCommand=x:repo.git'],
    ['scp-like path that is an option', 'git@github.com:-u/repo.git'],
    ['https with user and password', 'https://user:s3cret@github.com/acme/sites.git'],
    ['https with a token as user', 'https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/acme/sites.git'],
    ['git:// (unauthenticated)', 'git://github.com/acme/sites.git'],
    ['http:// (unencrypted)', 'http://github.com/acme/sites.git'],
    ['file URL with a query', 'file:///tmp/repo.git?upload-pack=x'],
    ['percent-encoded newline', 'https://github.com/acme/sites.git%0a--upload-pack'],
    ['relative path', 'remote.git'],
  ];
  it.each(payloads)('%s', (_name, remote) => {
    let caught: unknown;
    try {
      createSimpleGit({ resolveWorkspaceDir: () => '/tmp', remote });
    } catch (error) {
      caught = error;
    }
    expect(PublishGateError.is(caught, 'validation'), String(caught)).toBe(true);
    expect(existsSync(canary)).toBe(false);
  });

  it('accepts https, ssh, scp-like and file remotes', () => {
    for (const remote of [
      'https://github.com/acme/sites.git',
      'ssh://git@github.com/acme/sites.git',
      'git@github.com:acme/sites.git',
      'file:///srv/git/sites.git',
      '/srv/git/sites.git',
    ]) {
      expect(() => createSimpleGit({ resolveWorkspaceDir: () => '/tmp', remote })).not.toThrow();
    }
  });
});

describe('option-like subdomains never become branches', () => {
  it.each(['--upload-pack=touch x', '-u', 'a..b', 'x:refs/heads/main'])(
    '%s is refused by the gate before any commit',
    async (subdomain) => {
      const fixture = await createRepoFixture();
      cleanups.push(fixture.cleanup);
      const builder: Actor = { id: 'builder-1', email: 'builder@example.com', roles: ['builder'] };
      const gate = createPublishGate({
        storage: createMemoryStorage(),
        git: createSimpleGit({ resolveWorkspaceDir: () => fixture.workspaceDir, remote: `file://${fixture.remoteDir}` }),
        gitHost: createFakeGitHost(),
      });
      await writeFile(join(fixture.workspaceDir, 'x.txt'), 'x\n');
      const before = await git(fixture.workspaceDir, ['rev-parse', 'HEAD']);
      expect(await code(gate.requestPublish({ workspace: { ...fixture.workspace, ownerId: builder.id }, subdomain, actor: builder }))).toBe(
        'validation',
      );
      expect(await git(fixture.workspaceDir, ['rev-parse', 'HEAD'])).toBe(before);
    },
  );
});

/** A hostile workspace: its `.git` belongs to the builder. Each case plants a trick, proves it fires for plain git, then runs the adapter. */
type HostileCase = {
  name: string;
  plant(fixture: RepoFixture, canary: string): Promise<void>;
  /** Plain git doing what the adapter does; the canary appears, so the payload is live. */
  control?(fixture: RepoFixture): Promise<void>;
};

async function setConfig(fixture: RepoFixture, key: string, value: string) {
  await git(fixture.workspaceDir, ['config', key, value]);
}

async function hookScript(path: string, canary: string) {
  await writeFile(path, `#!/bin/sh\ntouch '${canary}'\n`);
  await chmod(path, 0o755);
}

const HOOKS = [
  'pre-commit',
  'prepare-commit-msg',
  'commit-msg',
  'post-commit',
  'reference-transaction',
  'post-index-change',
  'pre-push',
  'pre-auto-gc',
];
const plainCommit = async (fixture: RepoFixture) => {
  await writeFile(join(fixture.workspaceDir, 'control.txt'), `${Math.random()}\n`);
  await git(fixture.workspaceDir, ['add', '-A']).catch(() => undefined);
  await git(fixture.workspaceDir, ['commit', '-q', '-m', 'control']).catch(() => undefined);
};

const hostile: HostileCase[] = [
  {
    name: 'core.fsmonitor runs a command',
    plant: (fixture, canary) => setConfig(fixture, 'core.fsmonitor', `touch ${canary}; false`),
    control: (fixture) => git(fixture.workspaceDir, ['status']).then(() => undefined),
  },
  {
    name: 'core.hooksPath points at a directory of hooks',
    async plant(fixture, canary) {
      const dir = join(fixture.root, 'evil-hooks');
      await mkdir(dir, { recursive: true });
      for (const hook of HOOKS) await hookScript(join(dir, hook), canary);
      await setConfig(fixture, 'core.hooksPath', dir);
    },
    control: plainCommit,
  },
  {
    name: 'hooks in .git/hooks',
    async plant(fixture, canary) {
      for (const hook of HOOKS) await hookScript(join(fixture.workspaceDir, '.git', 'hooks', hook), canary);
    },
    control: plainCommit,
  },
  {
    name: 'filter.<driver>.clean with a .gitattributes that applies it',
    async plant(fixture, canary) {
      await setConfig(fixture, 'filter.evil.clean', `sh -c 'touch ${canary}; cat'`);
      await setConfig(fixture, 'filter.evil.smudge', `sh -c 'touch ${canary}; cat'`);
      await writeFile(join(fixture.workspaceDir, '.gitattributes'), '* filter=evil\n');
    },
    control: (fixture) => git(fixture.workspaceDir, ['add', '-A']).then(() => undefined),
  },
  {
    name: 'filter.<driver>.process (long-running filter)',
    async plant(fixture, canary) {
      await setConfig(fixture, 'filter.proc.process', `touch ${canary}`);
      await writeFile(join(fixture.workspaceDir, '.gitattributes'), '* filter=proc\n');
    },
    control: (fixture) =>
      git(fixture.workspaceDir, ['add', '-A'])
        .catch(() => undefined)
        .then(() => undefined),
  },
  {
    name: 'diff.external and a textconv driver',
    async plant(fixture, canary) {
      await setConfig(fixture, 'diff.external', `sh -c 'touch ${canary}'`);
      await setConfig(fixture, 'diff.evil.textconv', `sh -c 'touch ${canary}; cat "$1"' -`);
      await writeFile(join(fixture.workspaceDir, '.gitattributes'), '* diff=evil\n');
    },
    async control(fixture) {
      await writeFile(join(fixture.workspaceDir, 'index.html'), '<h1>changed</h1>\n');
      await git(fixture.workspaceDir, ['diff', 'HEAD']);
      await git(fixture.workspaceDir, ['checkout', '--', 'index.html']);
    },
  },
  {
    name: 'core.pager and pager.diff',
    async plant(fixture, canary) {
      await setConfig(fixture, 'core.pager', `touch ${canary}; cat`);
      await setConfig(fixture, 'pager.diff', `touch ${canary}; cat`);
    },
  },
  {
    name: 'gpg.program with commit.gpgSign',
    async plant(fixture, canary) {
      await setConfig(fixture, 'gpg.program', join(fixture.root, 'evil-gpg'));
      await hookScript(join(fixture.root, 'evil-gpg'), canary);
      await setConfig(fixture, 'commit.gpgSign', 'true');
    },
    control: plainCommit,
  },
  {
    name: 'core.sshCommand, core.askPass and credential.helper',
    async plant(fixture, canary) {
      await setConfig(fixture, 'core.sshCommand', `touch ${canary}; false`);
      await setConfig(fixture, 'core.askPass', `touch ${canary}`);
      await setConfig(fixture, 'credential.helper', `!touch ${canary}`);
    },
  },
  {
    name: 'url.insteadOf rewriting the remote to an ext:: command',
    async plant(fixture, canary) {
      await setConfig(fixture, 'protocol.ext.allow', 'always');
      await setConfig(fixture, `url.ext::sh -c touch% ${canary}% >&2% ;false.insteadOf`, `file://${fixture.remoteDir}`);
    },
    control: (fixture) =>
      git(fixture.workspaceDir, ['ls-remote', `file://${fixture.remoteDir}`])
        .catch(() => undefined)
        .then(() => undefined),
  },
  {
    name: 'remote.*.uploadpack / receivepack and uploadpack.packObjectsHook',
    async plant(fixture, canary) {
      await setConfig(fixture, 'remote.origin.uploadpack', `touch ${canary}; git-upload-pack`);
      await setConfig(fixture, 'remote.origin.receivepack', `touch ${canary}; git-receive-pack`);
      await setConfig(fixture, 'uploadpack.packObjectsHook', `touch ${canary};`);
    },
    control: (fixture) =>
      git(fixture.workspaceDir, ['fetch', 'origin'])
        .catch(() => undefined)
        .then(() => undefined),
  },
  {
    name: 'alias definitions for the commands the adapter runs',
    async plant(fixture, canary) {
      for (const name of ['publish', 'status', 'add', 'update-ref', 'rev-parse', 'config'])
        await setConfig(fixture, `alias.${name}`, `!touch ${canary}`);
    },
    control: (fixture) =>
      git(fixture.workspaceDir, ['publish'])
        .catch(() => undefined)
        .then(() => undefined),
  },
  {
    name: 'include.path pulling in a file with fsmonitor and hooksPath',
    async plant(fixture, canary) {
      const dir = join(fixture.root, 'included-hooks');
      await mkdir(dir, { recursive: true });
      for (const hook of HOOKS) await hookScript(join(dir, hook), canary);
      await writeFile(join(fixture.root, 'evil.gitconfig'), `[core]\n\tfsmonitor = touch ${canary}; false\n\thooksPath = ${dir}\n`);
      await setConfig(fixture, 'include.path', join(fixture.root, 'evil.gitconfig'));
    },
    control: plainCommit,
  },
  {
    name: 'core.editor and sequence.editor',
    async plant(fixture, canary) {
      await setConfig(fixture, 'core.editor', `touch ${canary}`);
      await setConfig(fixture, 'sequence.editor', `touch ${canary}`);
    },
  },
];

describe('a hostile workspace .git cannot run code through the adapter', () => {
  it.each(hostile.map((entry) => [entry.name, entry] as const))('%s', async (_name, entry) => {
    const h = await harness();
    await entry.plant(h.fixture, h.canary);
    if (entry.control) {
      await entry.control(h.fixture);
      expect(existsSync(h.canary), 'the payload should be live for plain git').toBe(true);
      await rm(h.canary);
      // Undo what the control did to the workspace, keeping the planted config.
      await git(h.fixture.workspaceDir, [
        '-c',
        'core.hooksPath=/dev/null',
        '-c',
        'core.fsmonitor=false',
        'reset',
        '-q',
        '--soft',
        'origin/main',
      ]).catch(() => undefined);
    }
    await h.writeFile('page.html', '<p>published</p>\n');
    await h.git.preview({ workspace: h.workspace, baseline: { kind: 'blueprint' } });
    const { sha } = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'Publish\n', author });
    await h.git.preview({ workspace: h.workspace, baseline: { kind: 'blueprint' }, sha });
    await h.git.push({ workspace: h.workspace, sha, branch: 'publish/hostile' });
    expect(await h.remoteBranchSha('publish/hostile')).toBe(sha);
    expect(existsSync(h.canary)).toBe(false);
  });

  it('core.sshCommand is not used for an ssh remote (plain ssh fails to connect instead)', async () => {
    const h = await harness();
    await setConfig(h.fixture, 'core.sshCommand', `touch ${h.canary}; false`);
    const sha = await pinnedCommit(h);
    const overSsh = createSimpleGit({
      resolveWorkspaceDir: () => h.fixture.workspaceDir,
      remote: 'ssh://git@127.0.0.1:1/acme/sites.git',
      timeoutMs: 20_000,
    });
    expect(await code(overSsh.push({ workspace: h.workspace, sha, branch: 'publish/ssh' }))).toMatch(/^plain: /);
    expect(existsSync(h.canary)).toBe(false);
  });

  it('core.worktree pointing elsewhere cannot pull files from outside the workspace into the commit', async () => {
    const h = await harness();
    const elsewhere = join(h.fixture.root, 'elsewhere');
    await mkdir(elsewhere);
    await writeFile(join(elsewhere, 'server-secret.txt'), 'do not publish\n');
    await setConfig(h.fixture, 'core.worktree', elsewhere);
    await h.writeFile('page.html', '<p>published</p>\n');
    const { sha } = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'Publish\n', author });
    const files = await git(h.fixture.root, ['--git-dir', join(h.fixture.workspaceDir, '.git'), 'ls-tree', '-r', '--name-only', sha]);
    expect(files.split('\n')).toContain('page.html');
    expect(files).not.toContain('server-secret.txt');
  });

  it('a .git file pointing at another repository is refused', async () => {
    const h = await harness();
    const other = await createRepoFixture();
    cleanups.push(other.cleanup);
    await rm(join(h.fixture.workspaceDir, '.git'), { recursive: true });
    await writeFile(join(h.fixture.workspaceDir, '.git'), `gitdir: ${join(other.workspaceDir, '.git')}\n`);
    expect(await code(h.git.preview({ workspace: h.workspace, baseline: { kind: 'blueprint' } }))).toBe('validation');
  });

  it('a linked-worktree commondir is refused', async () => {
    const h = await harness();
    await writeFile(join(h.fixture.workspaceDir, '.git', 'commondir'), '/somewhere/else\n');
    expect(await code(h.git.preview({ workspace: h.workspace, baseline: { kind: 'blueprint' } }))).toBe('validation');
  });

  it('replace refs cannot make the reviewed diff differ from what is pushed', async () => {
    const h = await harness();
    await h.writeFile('page.html', '<p>real change</p>\n');
    const { sha } = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'Publish\n', author });
    // Replace the publish commit with the blueprint commit: plain git would now show no diff.
    const base = await git(h.fixture.workspaceDir, ['rev-parse', 'origin/main']);
    await git(h.fixture.workspaceDir, ['replace', '-f', sha, base]);
    expect(await git(h.fixture.workspaceDir, ['diff', '--stat', base, sha])).toBe('');
    const diff = await h.git.preview({ workspace: h.workspace, baseline: { kind: 'blueprint' }, sha });
    expect(diff.files.map((file) => file.path)).toEqual(['page.html']);
  });

  it('a forged remote-tracking ref cannot hide changes: the baseline comes from the remote itself', async () => {
    const h = await harness();
    await h.writeFile('page.html', '<p>change</p>\n');
    const { sha } = await h.git.commit({ workspace: h.workspace, baseline: { kind: 'blueprint' }, message: 'Publish\n', author });
    await git(h.fixture.workspaceDir, ['update-ref', 'refs/remotes/origin/main', sha]);
    const diff = await h.git.preview({ workspace: h.workspace, baseline: { kind: 'blueprint' } });
    expect(diff.files.map((file) => file.path)).toEqual(['page.html']);
  });

  it('.gitattributes cannot disguise text as binary in the reviewed diff', async () => {
    const h = await harness();
    await h.writeFile('.gitattributes', '*.js -diff\n');
    await h.writeFile('app.js', 'stealAllTheData();\n');
    const diff = await h.git.preview({ workspace: h.workspace, baseline: { kind: 'blueprint' } });
    expect(diff.files.find((file) => file.path === 'app.js')).toMatchObject({ binary: false, additions: 1 });
    expect(diff.patch).toContain('+stealAllTheData();');
  });

  it('the adapter writes nothing into the workspace config', async () => {
    const h = await harness();
    const before = await readFile(join(h.fixture.workspaceDir, '.git', 'config'), 'utf8');
    const sha = await pinnedCommit(h);
    await h.git.push({ workspace: h.workspace, sha, branch: 'publish/config' });
    expect(await readFile(join(h.fixture.workspaceDir, '.git', 'config'), 'utf8')).toBe(before);
  });
});
