import { createServer } from 'node:http';
import { toNodeHandler } from '@publishgate/core';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { BASE_PATH, createTestHandler, listen, runPublishFlow } from './flow';

describe('Express 5', () => {
  it('carries the publish flow with toNodeHandler mounted under the base path, before the JSON parser', async () => {
    const { gate, handler } = createTestHandler();
    const app = express();
    app.use(BASE_PATH, toNodeHandler(handler));
    app.use(express.json());
    app.get('/health', (_request, response) => {
      response.json({ ok: true });
    });
    const server = await listen(createServer(app));
    try {
      await runPublishFlow(server.origin);
      // Paths outside the base path fall through to the app's own routes.
      expect(await (await fetch(`${server.origin}/health`)).json()).toEqual({ ok: true });
    } finally {
      handler.closeStreams();
      await server.close();
      await gate.close();
    }
  });

  it('still carries the flow when express.json() parsed the body first (the body is serialized again)', async () => {
    const { gate, handler } = createTestHandler();
    const app = express();
    // A larger parser limit than the handler's, so the handler's own 413 is the one that answers.
    app.use(express.json({ limit: '1mb' }));
    app.use(toNodeHandler(handler));
    const server = await listen(createServer(app));
    try {
      await runPublishFlow(server.origin);
    } finally {
      handler.closeStreams();
      await server.close();
      await gate.close();
    }
  });
});
