import { createSimpleGit, gitLabRemote } from '@publishgate/adapter-git';
import { PublishGateError } from '@publishgate/core';
import { describe, expect, it } from 'vitest';

const TOKEN = 'glpat-remoteTestToken00000000';

describe('gitLabRemote', () => {
  it('builds https://HOST/PATH.git and oauth2 credentials; the token is not in the remote', async () => {
    const { remote, credentials } = gitLabRemote({ projectPath: 'acme/web/sites', token: TOKEN });
    expect(remote).toBe('https://gitlab.com/acme/web/sites.git');
    expect(remote).not.toContain(TOKEN);
    expect(await credentials()).toEqual({ username: 'oauth2', password: TOKEN });
  });

  it('keeps a self-managed instance’s path prefix and asks a token function on every call', async () => {
    let issued = 0;
    const { remote, credentials } = gitLabRemote({
      projectPath: 'acme/sites',
      host: 'https://code.acme.example/gitlab/',
      token: async () => `glpat-rotated${++issued}`,
    });
    expect(remote).toBe('https://code.acme.example/gitlab/acme/sites.git');
    expect((await credentials()).password).toBe('glpat-rotated1');
    expect((await credentials()).password).toBe('glpat-rotated2');
  });

  it('fits createSimpleGit as it is', () => {
    expect(() =>
      createSimpleGit({ resolveWorkspaceDir: () => '/srv/ws', ...gitLabRemote({ projectPath: 'acme/sites', token: TOKEN }) }),
    ).not.toThrow();
  });

  it.each<[string, Parameters<typeof gitLabRemote>[0]]>([
    ['a path without namespace', { projectPath: 'sites', token: TOKEN }],
    ['a path segment starting with -', { projectPath: 'acme/-sites', token: TOKEN }],
    ['a path ending in .git', { projectPath: 'acme/sites.git', token: TOKEN }],
    ['an empty token', { projectPath: 'acme/sites', token: '' }],
    ['an http host', { projectPath: 'acme/sites', token: TOKEN, host: 'http://gitlab.acme.example' }],
    ['a host with credentials', { projectPath: 'acme/sites', token: TOKEN, host: `https://oauth2:${TOKEN}@gitlab.com` }],
  ])('refuses %s with validation, without echoing the token', (_name, options) => {
    let thrown: unknown;
    try {
      gitLabRemote(options);
    } catch (error) {
      thrown = error;
    }
    expect(PublishGateError.is(thrown, 'validation')).toBe(true);
    expect(String((thrown as Error).message)).not.toContain(TOKEN);
  });

  it('a token function that returns nothing fails the push or fetch that asked', async () => {
    const { credentials } = gitLabRemote({ projectPath: 'acme/sites', token: async () => '' });
    await expect(credentials()).rejects.toThrow(/returned no token/);
  });
});
