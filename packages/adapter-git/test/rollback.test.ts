import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGitHubHost, createSimpleGit } from '@publishgate/adapter-git';
import { type GitHubEmulator, startGitHubEmulator } from '@publishgate/adapter-git/testing';
import { type Actor, createMemoryStorage, createPublishGate, type PublishRequest } from '@publishgate/core';
import { expectErrorCode } from '@publishgate/core/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import { hostOptionsFor, SECOND_MS, TOKEN } from './helpers/github.js';
import { createRepoFixture, git } from './helpers/repos.js';

// Issue 16, "Must show": a rollback on real git repositories and the emulated GitHub.

const builder: Actor = { id: 'builder-1', email: 'bob@example.com', roles: ['builder'] };
const admin: Actor = { id: 'admin-1', email: 'ada@example.com', roles: ['admin'] };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function stack() {
  const fixture = await createRepoFixture();
  cleanups.push(fixture.cleanup);
  const emulator: GitHubEmulator = await startGitHubEmulator({ token: TOKEN, secondMs: SECOND_MS, repositoryPath: fixture.remoteDir });
  cleanups.push(async () => {
    const violations = emulator.violations();
    await emulator.close();
    expect(violations).toEqual([]);
  });
  const gate = createPublishGate({
    clock: () => new Date('2026-06-01T09:00:00.000Z'),
    storage: createMemoryStorage(),
    git: createSimpleGit({ resolveWorkspaceDir: () => fixture.workspaceDir, remote: `file://${fixture.remoteDir}`, baseBranch: 'main' }),
    gitHost: createGitHubHost(hostOptionsFor(emulator, { baseBranch: 'main' })),
    policy: { publishPacing: false },
  });
  cleanups.push(() => gate.close());
  const workspace = { ...fixture.workspace, ownerId: builder.id, name: "Bob's shop" };
  const inWorkspace = (args: string[]) => git(fixture.workspaceDir, args);
  const write = (path: string, content: string) => writeFile(join(fixture.workspaceDir, path), content);

  /** Edits the workspace, publishes, approves and merges the pull request on the emulated GitHub. */
  async function publishAndMerge(files: Record<string, string>): Promise<PublishRequest> {
    for (const [path, content] of Object.entries(files)) await write(path, content);
    const request = await gate.requestPublish({ workspace, subdomain: 'bobs-shop', actor: builder });
    const approved = await gate.approve({ id: request.id, actor: admin });
    const number = approved.pullRequest?.number as number;
    const mergeSha = await emulator.mergePullRequest(number);
    const merged = await gate.reportDelivery({ pullRequest: { number, branch: approved.branch as string }, event: 'merged', mergeSha });
    expect(merged.outcome).toBe('updated');
    return approved;
  }
  return { fixture, emulator, gate, workspace, inWorkspace, write, publishAndMerge };
}

describe('rollback on real git and the emulated GitHub', () => {
  it("the rollback's tree is the earlier publication's, its parent the current one, its pull request one commit; the workspace is untouched", async () => {
    const { fixture, emulator, gate, workspace, inWorkspace, write, publishAndMerge } = await stack();
    const first = await publishAndMerge({ 'about.html': '<p>About us</p>\n' });
    const second = await publishAndMerge({ 'about.html': '<p>About us, now with boats</p>\n', 'boats.html': '<p>Boats</p>\n' });
    // Each merged pull request brought exactly its one publish commit (the emulator merges for real).
    expect(await emulator.pullRequestCommits(second.pullRequest?.number as number)).toEqual([second.sha]);

    // The builder is mid-edit: a staged change, an unstaged one, an untracked file.
    await write('index.html', '<h1>Hello</h1>\n<p>Staged edit</p>\n');
    await inWorkspace(['add', 'index.html']);
    await write('about.html', '<p>Unstaged edit</p>\n');
    await write('draft.html', '<p>Untracked</p>\n');
    const before = {
      head: await inWorkspace(['rev-parse', 'HEAD']),
      branch: await inWorkspace(['symbolic-ref', 'HEAD']),
      branchSha: await inWorkspace(['rev-parse', 'refs/heads/main']),
      status: await inWorkspace(['status', '--porcelain=v1']),
      index: await readFile(join(fixture.workspaceDir, '.git', 'index')),
      about: await readFile(join(fixture.workspaceDir, 'about.html'), 'utf8'),
      refs: await inWorkspace(['for-each-ref', '--format=%(refname) %(objectname)']),
    };
    expect(before.head).toBe(second.sha);

    const rollback = await gate.requestRollback({ workspace, toRequestId: first.id, actor: builder, note: 'Boats broke checkout' });
    expect(rollback).toMatchObject({
      status: 'pending',
      kind: 'rollback',
      rollbackOf: first.id,
      baseline: { kind: 'publication', sha: second.sha },
    });

    // Tree equal to the earlier publication's; parent the current publication.
    expect(await inWorkspace(['rev-parse', `${rollback.sha}^{tree}`])).toBe(await inWorkspace(['rev-parse', `${first.sha}^{tree}`]));
    expect(await inWorkspace(['rev-list', '--parents', '-n', '1', rollback.sha])).toBe(`${rollback.sha} ${second.sha}`);
    expect(await inWorkspace(['log', '-1', '--format=%an <%ae>%n%B', rollback.sha])).toContain(`Rollback-Of: ${first.id}`);
    // The reviewer's diff is exactly what the rollback changes.
    expect(rollback.diff.files.map((file) => [file.path, file.status])).toEqual([
      ['about.html', 'modified'],
      ['boats.html', 'deleted'],
    ]);
    expect(rollback.diff.patch).toContain('-<p>About us, now with boats</p>');
    expect(rollback.diff.patch).toContain('+<p>About us</p>');

    // The builder's branch, HEAD, index, working tree and refs are as they were.
    expect({
      head: await inWorkspace(['rev-parse', 'HEAD']),
      branch: await inWorkspace(['symbolic-ref', 'HEAD']),
      branchSha: await inWorkspace(['rev-parse', 'refs/heads/main']),
      status: await inWorkspace(['status', '--porcelain=v1']),
      index: await readFile(join(fixture.workspaceDir, '.git', 'index')),
      about: await readFile(join(fixture.workspaceDir, 'about.html'), 'utf8'),
      refs: await inWorkspace(['for-each-ref', '--format=%(refname) %(objectname)']),
    }).toEqual(before);

    // Reviewed and published like any request: its pull request has exactly the one restore commit.
    const approved = await gate.approve({ id: rollback.id, actor: admin });
    expect(approved).toMatchObject({ status: 'approved', delivery: { state: 'pull-request-open' } });
    const pull = emulator.pulls().find((candidate) => candidate.number === approved.pullRequest?.number);
    expect(pull).toMatchObject({ headSha: rollback.sha, state: 'open', title: "Roll back Bob's shop on bobs-shop" });
    expect(await emulator.pullRequestCommits(pull?.number as number)).toEqual([rollback.sha]);
    expect(await fixture.remoteBranchSha(approved.branch as string)).toBe(rollback.sha);

    // Merged, main on the remote has the first version's files again.
    await emulator.mergePullRequest(pull?.number as number);
    expect(await git(fixture.remoteDir, ['rev-parse', 'main^{tree}'])).toBe(await inWorkspace(['rev-parse', `${first.sha}^{tree}`]));
  });

  it('a rollback to a request whose pull request was never merged is refused with a clear error, and nothing is committed', async () => {
    const { fixture, gate, workspace, inWorkspace, write, publishAndMerge } = await stack();
    await publishAndMerge({ 'about.html': '<p>About us</p>\n' });
    await write('about.html', '<p>Never merged</p>\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'bobs-shop', actor: builder });
    const open = await gate.approve({ id: request.id, actor: admin });
    expect(open.delivery?.state).toBe('pull-request-open');
    await publishAndMerge({ 'about.html': '<p>Third</p>\n' });
    const objectsBefore = await inWorkspace(['count-objects', '-v']);

    const attempt = gate.requestRollback({ workspace, toRequestId: open.id, actor: builder });
    await expectErrorCode(attempt, 'invalid_transition');
    await expect(attempt).rejects.toThrow('Only a publication whose pull request was merged (or is live) can be brought back.');
    expect(await inWorkspace(['count-objects', '-v'])).toBe(objectsBefore);
    expect((await gate.listRequests({ actor: admin, workspaceId: workspace.id })).items.some((item) => item.kind === 'rollback')).toBe(
      false,
    );
    expect(await fixture.remoteBranchSha('main')).toBeDefined();
  });
});
