import { PublishGateError } from '@publishgate/core';
import { parseRemoteUrl } from './remoteUrl.js';
import type { GitCredentials } from './simpleGit.js';

/** Options for {@link gitLabRemote}. */
export type GitLabRemoteOptions = {
  /** The project's full path, e.g. `acme/sites` or `acme/web/sites`. */
  projectPath: string;
  /** An access token with the `write_repository` scope, or a function that returns a fresh one per push or fetch. */
  token: string | (() => string | Promise<string>);
  /** The GitLab instance (https). Default `https://gitlab.com`. */
  host?: string;
};

const PROJECT_PATH = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]{0,254})+$/;

/** Whether `path` is a GitLab project path: `namespace[/subgroup…]/project`, no segment starting with `.` or `-`, no `.git`/`.atom` ending. */
export function isGitLabProjectPath(path: unknown): path is string {
  return typeof path === 'string' && PROJECT_PATH.test(path) && !/\.(?:git|atom)(?:\/|$)/.test(path);
}

/**
 * The `remote` and `credentials` options of `createSimpleGit` for a GitLab project over https:
 * `https://HOST/PATH.git`, with the token sent as the password of the user `oauth2` (GitLab takes
 * personal, project, group and OAuth tokens that way). As with any credentials of that adapter, the
 * token travels only in an Authorization header, never in the URL.
 *
 * @example
 * ```ts
 * import { createSimpleGit, gitLabRemote } from '@publishgate/adapter-git';
 *
 * const git = createSimpleGit({
 *   resolveWorkspaceDir: (workspace) => `/srv/workspaces/${workspace.id}`,
 *   ...gitLabRemote({ projectPath: 'acme/sites', token: process.env.GITLAB_TOKEN! }),
 *   baseBranch: 'main',
 * });
 * ```
 */
export function gitLabRemote(options: GitLabRemoteOptions): { remote: string; credentials: () => Promise<GitCredentials> } {
  if (!isGitLabProjectPath(options.projectPath)) {
    throw new PublishGateError('validation', 'projectPath must be a GitLab project path such as acme/sites.');
  }
  const { token } = options;
  if (typeof token === 'string' ? token.trim() === '' || /\s/.test(token) : typeof token !== 'function') {
    throw new PublishGateError('validation', 'gitLabRemote needs a token (a string or a function returning one).');
  }
  let host: URL;
  try {
    host = new URL(options.host ?? 'https://gitlab.com');
  } catch {
    throw new PublishGateError('validation', 'host must be the https URL of a GitLab instance.');
  }
  if (host.protocol !== 'https:' || host.username !== '' || host.password !== '' || host.search !== '' || host.hash !== '') {
    throw new PublishGateError('validation', 'host must be an https URL without credentials, query or fragment.');
  }
  const remote = parseRemoteUrl(`${host.origin}${host.pathname.replace(/\/+$/, '')}/${options.projectPath}.git`).url;
  return {
    remote,
    async credentials() {
      const password = typeof token === 'function' ? await token() : token;
      if (typeof password !== 'string' || password === '') throw new Error('The GitLab token function returned no token.');
      return { username: 'oauth2', password };
    },
  };
}
