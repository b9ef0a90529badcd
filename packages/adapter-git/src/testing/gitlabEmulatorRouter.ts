import { type EmulatorRouter, startEmulatorRouter } from './emulatorRouter.js';
import type { GitLabEmulator } from './gitlabEmulator.js';

/** One base URL in front of several {@link GitLabEmulator}s, one per project. */
export type GitLabEmulatorRouter = EmulatorRouter;

/**
 * Serves several emulated GitLab projects under one instance URL, as GitLab does: a request for
 * `/api/v4/projects/{id or URL-encoded path}/…` goes, unchanged, to the emulator of that project
 * (paths compared case-insensitively); any other request gets GitLab's `404 Project Not Found`.
 * Give the emulators distinct `projectId`s. Each keeps its own merge requests, faults and limits.
 * For a host whose `projectPath` or `projectId` is a function of the workspace.
 *
 * @example
 * ```ts
 * const shop = await startGitLabEmulator({ projectPath: 'acme/shop', projectId: 1, repositoryPath: '/srv/git/shop.git' });
 * const blog = await startGitLabEmulator({ projectPath: 'acme/blog', projectId: 2, repositoryPath: '/srv/git/blog.git' });
 * const gitlab = await routeGitLabEmulators([shop, blog]);
 * const gitHost = createGitLabHost({ token: 'glpat-test', host: gitlab.url, projectPath: (ws) => `acme/${ws.blueprintId}` });
 * ```
 */
export function routeGitLabEmulators(emulators: readonly GitLabEmulator[], options: { port?: number } = {}): Promise<GitLabEmulatorRouter> {
  const byProject = new Map<string, GitLabEmulator>();
  for (const emulator of emulators) {
    for (const key of [emulator.projectPath.toLowerCase(), String(emulator.projectId)]) {
      if (byProject.has(key)) throw new Error(`Two emulators serve project ${key}.`);
      byProject.set(key, emulator);
    }
  }
  return startEmulatorRouter(
    (path) => {
      const match = /^\/api\/v4\/projects\/([^/?#]+)(?:[/?#]|$)/.exec(path);
      return match ? byProject.get(decodeURIComponent(match[1] as string).toLowerCase())?.url : undefined;
    },
    { status: 404, body: { message: '404 Project Not Found' } },
    options,
  );
}
