import { toNodeHandler } from '@publishgate/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { BASE_PATH, createTestHandler, listen, runPublishFlow } from './flow';

/**
 * The mount HTTP.md documents: an encapsulated plugin whose catch-all content-type parser leaves
 * the body unread, so the publishgate handler reads (and size-checks) it from the raw request.
 * Fastify's own JSON parser stays in place for the app's other routes.
 */
function mountPublishGate(app: FastifyInstance, handler: ReturnType<typeof createTestHandler>['handler']) {
  const nodeHandler = toNodeHandler(handler);
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    scope.all(`${BASE_PATH}/*`, async (request, reply) => {
      // publishgate writes the response itself, streams included.
      reply.hijack();
      await nodeHandler(request.raw, reply.raw);
    });
  });
}

describe('Fastify 5', () => {
  it('carries the publish flow when mounted with a content-type parser that leaves the body to the handler', async () => {
    const { gate, handler } = createTestHandler();
    const app = Fastify();
    mountPublishGate(app, handler);
    app.post('/echo', async (request) => request.body);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const server = await listen(app.server);
    try {
      await runPublishFlow(server.origin);
      // The app's own routes keep Fastify's JSON parsing.
      const echo = await fetch(`${server.origin}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      expect(await echo.json()).toEqual({ a: 1 });
    } finally {
      handler.closeStreams();
      await server.close();
      await gate.close();
    }
  });

  it('answers 400 on a naive mount, because Fastify already consumed the JSON body (regression guard for the documented step)', async () => {
    const { gate, handler } = createTestHandler();
    const app = Fastify();
    const nodeHandler = toNodeHandler(handler);
    app.all(`${BASE_PATH}/*`, async (request, reply) => {
      reply.hijack();
      await nodeHandler(request.raw, reply.raw);
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const server = await listen(app.server);
    try {
      const response = await fetch(`${server.origin}${BASE_PATH}/requests`, {
        method: 'POST',
        headers: { authorization: 'Bearer builder-1', 'content-type': 'application/json' },
        body: JSON.stringify({ workspaceId: 'ws-bob', subdomain: 'bobs-bikes' }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'validation' } });
    } finally {
      handler.closeStreams();
      await server.close();
      await gate.close();
    }
  });
});
