import { createMemoryStorage, type GitHostPort, guardPort, PublishGateError, type StoragePort } from '@publishgate/core';
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
