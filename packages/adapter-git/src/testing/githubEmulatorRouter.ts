import { type EmulatorRouter, startEmulatorRouter } from './emulatorRouter.js';
import type { GitHubEmulator } from './githubEmulator.js';

/** One API base URL in front of several {@link GitHubEmulator}s, one per repository. */
export type GitHubEmulatorRouter = EmulatorRouter;

/**
 * Serves several emulated repositories under one API base URL, as GitHub does: a request for
 * `/repos/{owner}/{repo}/…` goes, unchanged, to the emulator of that repository (names compared
 * case-insensitively, as GitHub does); any other request gets GitHub's 404. Each emulator keeps its
 * own pull requests, faults, limits and OpenAPI checks. For a host whose `owner`/`repo` are
 * functions of the workspace.
 *
 * @example
 * ```ts
 * const shop = await startGitHubEmulator({ repo: 'shop', repositoryPath: '/srv/git/shop.git' });
 * const blog = await startGitHubEmulator({ repo: 'blog', repositoryPath: '/srv/git/blog.git' });
 * const github = await routeGitHubEmulators([shop, blog]);
 * const gitHost = createGitHubHost({ auth: 'test-token', owner: 'acme', repo: (ws) => ws.blueprintId, baseUrl: github.url });
 * ```
 */
export function routeGitHubEmulators(emulators: readonly GitHubEmulator[], options: { port?: number } = {}): Promise<GitHubEmulatorRouter> {
  const byRepository = new Map<string, GitHubEmulator>();
  for (const emulator of emulators) {
    const key = `${emulator.owner}/${emulator.repo}`.toLowerCase();
    if (byRepository.has(key)) throw new Error(`Two emulators serve ${key}.`);
    byRepository.set(key, emulator);
  }
  return startEmulatorRouter(
    (path) => {
      const match = /^\/repos\/([^/?#]+)\/([^/?#]+)(?:[/?#]|$)/.exec(path);
      if (!match) return undefined;
      return byRepository.get(`${decodeURIComponent(match[1] as string)}/${decodeURIComponent(match[2] as string)}`.toLowerCase())?.url;
    },
    { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } },
    options,
  );
}
