import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

// The Block Kit subset and limits Slack enforces for the blocks a message may carry
// (https://docs.slack.dev/reference/block-kit/blocks). Strict objects: an unknown field fails.
const plainText = (max: number) =>
  z.strictObject({ type: z.literal('plain_text'), text: z.string().min(1).max(max), emoji: z.boolean().optional() });
const mrkdwn = (max: number) =>
  z.strictObject({ type: z.literal('mrkdwn'), text: z.string().min(1).max(max), verbatim: z.boolean().optional() });
const blockId = z.string().max(255).optional();
const button = z.strictObject({
  type: z.literal('button'),
  text: plainText(75),
  action_id: z.string().min(1).max(255),
  url: z
    .url({ protocol: /^https?$/ })
    .max(3000)
    .optional(),
  value: z.string().max(2000).optional(),
  style: z.enum(['primary', 'danger']).optional(),
});
const block = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('header'), text: plainText(150), block_id: blockId }),
  z
    .strictObject({
      type: z.literal('section'),
      text: mrkdwn(3000).optional(),
      fields: z.array(mrkdwn(2000)).min(1).max(10).optional(),
      block_id: blockId,
    })
    .refine((section) => section.text !== undefined || section.fields !== undefined, 'a section needs text or fields'),
  z.strictObject({ type: z.literal('actions'), elements: z.array(button).min(1).max(25), block_id: blockId }),
  z.strictObject({ type: z.literal('context'), elements: z.array(mrkdwn(3000)).min(1).max(10), block_id: blockId }),
  z.strictObject({ type: z.literal('divider'), block_id: blockId }),
]);
/** A message as Slack accepts it: fallback text and at most 50 blocks, action ids unique per message. */
export const slackMessageSchema = z
  .object({ text: z.string().min(1).max(40_000), blocks: z.array(block).min(1).max(50) })
  .refine((message) => {
    const ids = message.blocks.flatMap((entry) => (entry.type === 'actions' ? entry.elements.map((element) => element.action_id) : []));
    return new Set(ids).size === ids.length;
  }, 'action_id must be unique within a message');
/** A message that passed {@link slackMessageSchema}. */
export type PostedMessage = z.infer<typeof slackMessageSchema>;

/** One call the stand-in received. */
export type SlackCall = { method: string; authorization: string | undefined; params: Record<string, string> };
/** A message the stand-in accepted from `chat.postMessage` or the incoming webhook. */
export type Post = { channel: string; message: PostedMessage; params: Record<string, string> };
/** Lets a test answer a call itself: a status, headers and body; `'hang'` to never answer; undefined for the default. */
export type Override = (call: SlackCall) => { status: number; headers?: Record<string, string>; body: string } | 'hang' | undefined;

/**
 * An HTTP server on 127.0.0.1 standing in for Slack: the Web API methods the notifier calls
 * (`users.lookupByEmail`, `conversations.open`, `chat.postMessage`, checking the bearer token and
 * answering `invalid_blocks` to a payload that breaks the Block Kit schema) and an incoming webhook
 * at `/services/T000/B000/<secret>`.
 */
export async function startSlackStandIn(options: { token: string; users: Record<string, string>; webhookSecret?: string }) {
  const calls: SlackCall[] = [];
  const posts: Post[] = [];
  const invalid: string[] = [];
  let override: Override | undefined;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  }

  function accept(raw: Record<string, unknown>): { ok: true; message: PostedMessage } | { ok: false; error: string } {
    const parsed = slackMessageSchema.safeParse(raw);
    if (parsed.success) return { ok: true, message: parsed.data };
    invalid.push(z.prettifyError(parsed.error));
    return { ok: false, error: 'invalid_blocks' };
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: string) {
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    if (path.startsWith('/services/')) {
      const call: SlackCall = { method: 'incoming-webhook', authorization: req.headers.authorization, params: { path } };
      calls.push(call);
      const answer = override?.(call);
      if (answer === 'hang') return;
      if (answer) return send(res, answer.status, answer.body, answer.headers);
      if (path !== `/services/T000/B000/${options.webhookSecret}`) return send(res, 404, 'no_service');
      const payload = JSON.parse(body) as Record<string, unknown>;
      const result = accept(payload);
      if (!result.ok) return send(res, 400, result.error);
      posts.push({ channel: 'webhook', message: result.message, params: { unfurl_links: String(payload.unfurl_links) } });
      return send(res, 200, 'ok');
    }
    const method = path.replace(/^\/api\//, '');
    const params = Object.fromEntries(new URLSearchParams(body));
    const call: SlackCall = { method, authorization: req.headers.authorization, params };
    calls.push(call);
    const answer = override?.(call);
    if (answer === 'hang') return;
    if (answer) return send(res, answer.status, answer.body, answer.headers);
    if (req.headers.authorization !== `Bearer ${options.token}`) return send(res, 200, { ok: false, error: 'invalid_auth' });
    switch (method) {
      case 'users.lookupByEmail': {
        const id = params.email ? options.users[params.email] : undefined;
        return send(res, 200, id ? { ok: true, user: { id, deleted: false } } : { ok: false, error: 'users_not_found' });
      }
      case 'conversations.open':
        return send(
          res,
          200,
          params.users ? { ok: true, channel: { id: `D_${params.users}` } } : { ok: false, error: 'invalid_arguments' },
        );
      case 'chat.postMessage': {
        const result = accept({ text: params.text, blocks: params.blocks === undefined ? undefined : JSON.parse(params.blocks) });
        if (!result.ok) return send(res, 200, result);
        posts.push({ channel: params.channel ?? '', message: result.message, params });
        return send(res, 200, { ok: true, channel: params.channel, ts: '1700000000.000100' });
      }
      default:
        return send(res, 200, { ok: false, error: 'unknown_method' });
    }
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    apiUrl: `${origin}/api/`,
    webhookUrl: `${origin}/services/T000/B000/${options.webhookSecret ?? 'none'}`,
    calls,
    posts,
    /** Schema failures, pretty-printed; empty when every payload was valid. */
    invalid,
    answerWith(next: Override | undefined) {
      override = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
