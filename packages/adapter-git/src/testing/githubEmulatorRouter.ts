import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GitHubEmulator } from './githubEmulator.js';

/** One API base URL in front of several {@link GitHubEmulator}s, one per repository. */
export type GitHubEmulatorRouter = {
  /** API base URL, e.g. `http://127.0.0.1:4010`; pass it as the host's `baseUrl`. */
  url: string;
  /** Stops the router (not the emulators). Again: the same promise. */
  close(): Promise<void>;
};

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
export async function routeGitHubEmulators(
  emulators: readonly GitHubEmulator[],
  options: { port?: number } = {},
): Promise<GitHubEmulatorRouter> {
  const byRepository = new Map<string, GitHubEmulator>();
  for (const emulator of emulators) {
    const key = `${emulator.owner}/${emulator.repo}`.toLowerCase();
    if (byRepository.has(key)) throw new Error(`Two emulators serve ${key}.`);
    byRepository.set(key, emulator);
  }
  const server = createServer((incoming, outgoing) => {
    const path = incoming.url ?? '/';
    const match = /^\/repos\/([^/?#]+)\/([^/?#]+)(?:[/?#]|$)/.exec(path);
    const target = match
      ? byRepository.get(`${decodeURIComponent(match[1] as string)}/${decodeURIComponent(match[2] as string)}`.toLowerCase())
      : undefined;
    if (!target) {
      incoming.resume();
      outgoing.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
      outgoing.end(JSON.stringify({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }));
      return;
    }
    const { hostname, port } = new URL(target.url);
    const forwarded = httpRequest(
      { hostname, port, path, method: incoming.method, headers: { ...incoming.headers, host: `${hostname}:${port}` } },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'application/json; charset=utf-8' });
      outgoing.end(JSON.stringify({ message: 'Bad Gateway' }));
    });
    // A client that gives up (abort) ends the forwarded request too.
    outgoing.on('close', () => forwarded.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closed: Promise<void> | undefined;
  return {
    url,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
