import {
  createMemoryStorage,
  createPublishGate,
  type GitHostPort,
  type GitPort,
  guardPort,
  PublishGateError,
  type StoragePort,
} from '@publishgate/core';
import { createFakeGit, createFakeGitHost } from '@publishgate/core/testing';
import { describe, expect, it } from 'vitest';
import { admin, builder, setup, workspace } from './helpers';

describe('port errors', () => {
  it('a foreign error becomes port_failed naming the port and operation, with the cause kept', async () => {
    const original = new Error('connect ECONNREFUSED 10.0.0.1:443');
    const host = guardPort<GitHostPort>({ openPullRequest: async () => Promise.reject(original) }, 'gitHost');
    const error = await host.openPullRequest({ branch: 'b', title: 't', body: 'b', requestId: 'r' }).catch((caught: unknown) => caught);
    expect(PublishGateError.is(error, 'port_failed')).toBe(true);
    expect(error).toMatchObject({ port: 'gitHost', operation: 'openPullRequest', retryable: true, cause: original });
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('PublishGateErrors from adapters pass through unchanged', async () => {
    const conflict = new PublishGateError('conflict', 'branch moved');
    const host = guardPort<GitHostPort>({ openPullRequest: async () => Promise.reject(conflict) }, 'gitHost');
    await expect(host.openPullRequest({ branch: 'b', title: 't', body: 'b', requestId: 'r' })).rejects.toBe(conflict);
  });

  it('credentials in an adapter message are redacted from ours', async () => {
    const token = `ghp_${'Z'.repeat(36)}`;
    const host = guardPort<GitHostPort>(
      {
        openPullRequest: async () => {
          throw new Error(
            `fatal: unable to access 'https://x-access-token:${token}@github.com/acme/site.git/': 401 (authorization: Bearer ${token})`,
          );
        },
      },
      'gitHost',
    );
    const error = (await host
      .openPullRequest({ branch: 'b', title: 't', body: 'b', requestId: 'r' })
      .catch((caught: unknown) => caught)) as Error;
    expect(error.message).not.toContain(token);
    expect(error.message).toContain('***');
  });

  it('a storage failure surfaces as port_failed and leaves no half-written state', async () => {
    const memory = createMemoryStorage();
    let broken = false;
    const storage: StoragePort = {
      ...memory,
      transitionRequest: async (args) => {
        if (broken) throw new Error('SQLITE_IOERR: disk I/O error');
        return memory.transitionRequest(args);
      },
    };
    const env = setup({ storage });
    env.git.write(workspace, 'a.txt', 'a\n');
    const request = await env.gate.requestPublish({ workspace, subdomain: 'flaky-db', actor: builder });
    broken = true;
    const error = await env.gate.approve({ id: request.id, actor: admin }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'port_failed', port: 'storage', operation: 'transitionRequest' });
    expect(await memory.getRequest({ id: request.id })).toEqual(request);
    expect(env.git.pushCount).toBe(0);
    expect((await memory.listAudit({ limit: 100 })).map((entry) => entry.type)).toEqual(['request.submitted']);
  });
});

describe('adapter output is checked like input', () => {
  it('a git adapter returning a malformed diff fails the submit with port_failed and stores nothing', async () => {
    const git = createFakeGit();
    const broken: GitPort = {
      ...git,
      commit: (args) => git.commit(args),
      push: (args) => git.push(args),
      preview: async (args) => ({ ...(await git.preview(args)), additions: -1 }),
    };
    const env = setup({ git: broken });
    git.write(workspace, 'a.txt', 'a\n');
    const error = await env.gate.requestPublish({ workspace, subdomain: 'bad-diff', actor: builder }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'port_failed', port: 'git', operation: 'preview' });
    expect(await env.storage.listRequests({ filter: {}, limit: 10 })).toEqual([]);
  });

  it('a git adapter that pushes something other than the pinned commit leaves the request failed', async () => {
    const git = createFakeGit();
    const lying: GitPort = {
      preview: (args) => git.preview(args),
      commit: (args) => git.commit(args),
      push: async (args) => ({ ...(await git.push(args)), sha: 'f'.repeat(40) }),
    };
    const env = setup({ git: lying });
    git.write(workspace, 'a.txt', 'a\n');
    const request = await env.gate.requestPublish({ workspace, subdomain: 'lying-push', actor: builder });
    const result = await env.gate.approve({ id: request.id, actor: admin });
    expect(result).toMatchObject({ status: 'failed', error: { code: 'port_failed' } });
    expect(env.gitHost.pullRequests()).toHaveLength(0);
  });

  it('a git host answering without a number leaves the request failed, not approved with garbage', async () => {
    const host: GitHostPort = { openPullRequest: async () => ({ number: 0, url: '', created: true }) };
    const env = setup({ gitHost: host });
    env.git.write(workspace, 'a.txt', 'a\n');
    const request = await env.gate.requestPublish({ workspace, subdomain: 'no-number', actor: builder });
    expect(await env.gate.approve({ id: request.id, actor: admin })).toMatchObject({
      status: 'failed',
      error: { code: 'port_failed', retryable: false, attempts: 1 },
    });
  });

  it('an incomplete adapter is refused when the gate is created', () => {
    expect(() => createPublishGate({ storage: createMemoryStorage(), git: {} as GitPort, gitHost: createFakeGitHost() })).toThrow(
      /options\.git is not a complete git port \(missing preview, commit, push\)/,
    );
  });
});
