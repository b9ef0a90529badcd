import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Actor, responseSchemas } from '@publishgate/core';
import { expect } from 'vitest';
import { admin, BASE_PATH, builder, workspace } from '../src/fixture';

export { BASE_PATH, createTestHandler } from '../src/fixture';

/** Starts `server` on a free loopback port; `close()` also cuts connections still open. */
export async function listen(server: Server): Promise<{ origin: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type SseEvent = { event: string; id: string; data: string };

/** Reads Server-Sent Events frame by frame from a fetch response. */
function sseReader(response: Response) {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return async function next(): Promise<SseEvent> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = { event: 'message', id: '', data: '' };
        for (const line of frame.split('\n')) {
          const [field, ...rest] = line.split(': ');
          if (field === 'event' || field === 'id' || field === 'data') event[field] = rest.join(': ');
        }
        // Comments (`: ping`) and `retry:` lines carry no event.
        if (event.data !== '') return event;
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('The event stream ended.');
      buffer += decoder.decode(value, { stream: true });
    }
  };
}

/**
 * The publish flow every mount must carry over real HTTP: the admin opens the event stream, the
 * builder submits (POST with a JSON body), the admin lists the queue and approves, the approval
 * arrives as an event, an oversized body answers 413, and the OpenAPI document is served.
 */
export async function runPublishFlow(origin: string): Promise<void> {
  const base = `${origin}${BASE_PATH}`;
  const as = (actor: Actor, body?: unknown): RequestInit => ({
    headers: { authorization: `Bearer ${actor.id}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }),
  });

  const streamAbort = new AbortController();
  const stream = await fetch(`${base}/events`, { ...as(admin), signal: streamAbort.signal });
  expect(stream.status).toBe(200);
  expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const nextEvent = sseReader(stream);
  expect((await nextEvent()).event).toBe('ready');

  try {
    const submitted = await fetch(`${base}/requests`, as(builder, { workspaceId: workspace.id, subdomain: 'bobs-bikes', note: 'First!' }));
    expect(submitted.status).toBe(200);
    const request = responseSchemas.requestPublish.parse(await submitted.json());
    expect(request).toMatchObject({ status: 'pending', subdomain: 'bobs-bikes', note: 'First!', workspace });

    const queue = await fetch(`${base}/requests?status=pending`, as(admin));
    expect(queue.status).toBe(200);
    expect(responseSchemas.listRequests.parse(await queue.json()).items.map((item) => item.id)).toEqual([request.id]);

    const approved = await fetch(
      `${base}/requests/${request.id}/approve`,
      as(admin, { comment: 'Ship it', expectedVersion: request.version }),
    );
    expect(approved.status).toBe(200);
    expect(responseSchemas.approve.parse(await approved.json())).toMatchObject({ status: 'approved', pullRequest: { number: 1 } });

    const seen: string[] = [];
    for (;;) {
      const event = await nextEvent();
      seen.push(event.event);
      if (event.event === 'request.approved') {
        expect(responseSchemas.event.parse(JSON.parse(event.data))).toMatchObject({ requestId: request.id, toStatus: 'approved' });
        break;
      }
    }
    expect(seen).toEqual(['request.submitted', 'request.approving', 'request.progress', 'request.progress', 'request.approved']);

    // 64 KiB is the limit; the framework must pass the body through unread for the handler to count it.
    const oversized = await fetch(
      `${base}/requests`,
      as(builder, { workspaceId: workspace.id, subdomain: 'big', note: 'x'.repeat(100_000) }),
    );
    expect(oversized.status).toBe(413);
    expect(await oversized.json()).toMatchObject({ error: { code: 'payload_too_large' } });

    const document = await fetch(`${base}/openapi.json`);
    expect(document.status).toBe(200);
    expect(await document.json()).toMatchObject({ openapi: '3.1.1', servers: [{ url: BASE_PATH }] });
  } finally {
    streamAbort.abort();
  }
}
