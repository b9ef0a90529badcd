import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_PATH, runPublishFlow } from './flow';

const appDir = fileURLToPath(new URL('../next-app', import.meta.url));
const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');
// No telemetry: the tests talk only to the servers they start.
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

/** Runs `next <args>` in the app directory; resolves with its output when it exits with 0. */
async function next(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [nextBin, ...args, appDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`next ${args.join(' ')} exited with ${code}:\n${output}`);
  return output;
}

/** A port the kernel just handed out on loopback (next start takes no port 0). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

let server: ChildProcess | undefined;
let origin = '';

// A real built app: `next build` (webpack, see next.config.ts) then `next start` on 127.0.0.1.
beforeAll(async () => {
  await next(['build', '--webpack']);
  const port = await freePort();
  const child = spawn(process.execPath, [nextBin, 'start', '--hostname', '127.0.0.1', '--port', String(port), appDir], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready in/.test(output)) resolve();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`next start exited with ${code}:\n${output}`)));
  });
  origin = `http://127.0.0.1:${port}`;
}, 600_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    await exited;
  }
});

describe('Next.js route handlers (a built app)', () => {
  it('carries the publish flow with the fetch handler exported as GET, POST and PUT from app/api/publishgate/[...path]/route.ts', async () => {
    await runPublishFlow(origin);
    // Outside the route the app answers its own 404, not publishgate's.
    const outside = await fetch(`${origin}/elsewhere`);
    expect(outside.status).toBe(404);
    expect(outside.headers.get('content-type')).not.toMatch(/^application\/json/);
    // An unknown path under the base path is publishgate's JSON 404.
    const unknown = await fetch(`${origin}${BASE_PATH}/nope`, { headers: { authorization: 'Bearer admin-1' } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
