import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One API base URL in front of several emulators, one per repository or project. */
export type EmulatorRouter = {
  /** Base URL, e.g. `http://127.0.0.1:4010`; pass it as the host's `baseUrl` (GitHub) or `host` (GitLab). */
  url: string;
  /** Stops the router (not the emulators). Again: the same promise. */
  close(): Promise<void>;
};

/** What a router answers to a request no emulator serves. */
export type RouterMiss = { status: number; body: unknown };

/**
 * Forwards each request, unchanged, to the base URL `pick` names for its path, and answers `miss`
 * (as JSON) when it names none. Shared by the GitHub and GitLab routers; each knows its own paths.
 *
 * @internal
 */
export async function startEmulatorRouter(
  pick: (path: string) => string | undefined,
  miss: RouterMiss,
  options: { port?: number } = {},
): Promise<EmulatorRouter> {
  const server = createServer((incoming, outgoing) => {
    const path = incoming.url ?? '/';
    const target = pick(path);
    if (!target) {
      incoming.resume();
      outgoing.writeHead(miss.status, { 'content-type': 'application/json; charset=utf-8' });
      outgoing.end(JSON.stringify(miss.body));
      return;
    }
    const { hostname, port } = new URL(target);
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
