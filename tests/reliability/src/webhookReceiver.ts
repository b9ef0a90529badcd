import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Notification, verifyWebhookSignature, WEBHOOK_DELIVERY_HEADER } from '@publishgate/core';

/** The shared secret the test gates sign with. */
export const WEBHOOK_SECRET = 'reliability-suite-webhook-secret';

/** One POST the receiver accepted. */
export type Delivery = { id: string; type: string; notification: Notification };

/**
 * A webhook endpoint run by the test process, so it outlives the gate processes the tests kill.
 * It checks every signature, records every accepted delivery (duplicates included) and offers the
 * deduplicated view a well-behaved receiver keeps, keyed by the `x-publishgate-delivery` id.
 */
export type WebhookReceiver = {
  url: string;
  /** Every accepted delivery, in arrival order, duplicates included. */
  deliveries(): Delivery[];
  /** One entry per notification id, first delivery wins. */
  unique(): Map<string, Delivery>;
  /** Deliveries refused while down, or with a bad signature. */
  readonly refused: number;
  /** Answers 503 to everything until {@link WebhookReceiver.up}. */
  down(): void;
  up(): void;
  close(): Promise<void>;
};

/** Starts a {@link WebhookReceiver} on 127.0.0.1. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const deliveries: Delivery[] = [];
  let refused = 0;
  let isDown = false;
  const server = createServer((request, response) => {
    void readBody(request)
      .then(async (body) => {
        const id = request.headers[WEBHOOK_DELIVERY_HEADER];
        const ok = !isDown && (await verifyWebhookSignature({ body, secret: WEBHOOK_SECRET, headers: request.headers }));
        if (!ok || typeof id !== 'string') {
          refused += 1;
          response.writeHead(isDown ? 503 : 401).end();
          return;
        }
        const notification = JSON.parse(body) as Notification;
        deliveries.push({ id, type: notification.type, notification });
        response.writeHead(204).end();
      })
      .catch(() => {
        refused += 1;
        if (!response.headersSent) response.writeHead(400);
        response.end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/publishgate`,
    deliveries: () => [...deliveries],
    unique() {
      const byId = new Map<string, Delivery>();
      for (const delivery of deliveries) if (!byId.has(delivery.id)) byId.set(delivery.id, delivery);
      return byId;
    },
    get refused() {
      return refused;
    },
    down() {
      isDown = true;
    },
    up() {
      isDown = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
