import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { BASE_PATH, createTestHandler, listen, runPublishFlow } from './flow';

describe('Hono on @hono/node-server', () => {
  it('carries the publish flow with the fetch handler mounted as is under the base path', async () => {
    const { gate, handler } = createTestHandler();
    const app = new Hono();
    app.all(`${BASE_PATH}/*`, (context) => handler(context.req.raw));
    app.get('/health', (context) => context.json({ ok: true }));
    const server = await listen(createAdaptorServer({ fetch: app.fetch }) as Server);
    try {
      await runPublishFlow(server.origin);
      expect(await (await fetch(`${server.origin}/health`)).json()).toEqual({ ok: true });
    } finally {
      handler.closeStreams();
      await server.close();
      await gate.close();
    }
  });
});
