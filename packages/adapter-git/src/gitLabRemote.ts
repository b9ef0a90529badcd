import { PublishGateError, type Workspace } from '@publishgate/core';
import { parseRemoteUrl } from './remoteUrl.js';
import type { GitCredentials } from './simpleGit.js';

/** Options for {@link gitLabRemote}. */
export type GitLabRemoteOptions = {
  /**
   * The project's full path, e.g. `acme/sites` or `acme/web/sites`, or a function of the workspace
   * for a project per workspace or per blueprint (then `remote` is a function too).
   */
  projectPath: string | ((workspace: Workspace) => string);
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
 *
 * // A project per blueprint: acme/sites-<blueprint id>.
 * const perBlueprint = createSimpleGit({
 *   resolveWorkspaceDir: (workspace) => `/srv/workspaces/${workspace.id}`,
 *   ...gitLabRemote({ projectPath: (workspace) => `acme/sites-${workspace.blueprintId}`, token: process.env.GITLAB_TOKEN! }),
 * });
 * ```
 */
export function gitLabRemote(options: GitLabRemoteOptions & { projectPath: string }): {
  remote: string;
  credentials: () => Promise<GitCredentials>;
};
export function gitLabRemote(options: GitLabRemoteOptions & { projectPath: (workspace: Workspace) => string }): {
  remote: (workspace: Workspace) => string;
  credentials: () => Promise<GitCredentials>;
};
export function gitLabRemote(options: GitLabRemoteOptions): {
  remote: string | ((workspace: Workspace) => string);
  credentials: () => Promise<GitCredentials>;
};
export function gitLabRemote(options: GitLabRemoteOptions): {
  remote: string | ((workspace: Workspace) => string);
  credentials: () => Promise<GitCredentials>;
} {
  const { projectPath } = options;
  if (typeof projectPath !== 'function' && !isGitLabProjectPath(projectPath)) {
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
  const root = `${host.origin}${host.pathname.replace(/\/+$/, '')}`;
  const remoteOf = (path: string) => parseRemoteUrl(`${root}/${path}.git`).url;
  return {
    remote:
      typeof projectPath === 'function'
        ? (workspace) => {
            const path = projectPath(workspace);
            // Checked per call: a path the function made up must still be a project path.
            if (!isGitLabProjectPath(path)) {
              throw new PublishGateError('validation', `projectPath returned no GitLab project path for workspace ${workspace.id}.`, {
                issues: [{ path: 'projectPath', message: 'not a GitLab project path' }],
              });
            }
            return remoteOf(path);
          }
        : remoteOf(projectPath),
    async credentials() {
      const password = typeof token === 'function' ? await token() : token;
      if (typeof password !== 'string' || password === '') throw new Error('The GitLab token function returned no token.');
      return { username: 'oauth2', password };
    },
  };
}
