import type { PublishGate, ReportDeliveryInput } from '../gate/types.js';
import { readText } from './readBody.js';
import { errorResponse, jsonResponse, responseForError } from './responses.js';

/** Largest webhook body accepted when `maxBodyBytes` is not given: 5 MiB (GitHub caps payloads at 25 MB; ours are far smaller). */
export const DEFAULT_MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;

/** Options for {@link createGitHubWebhookHandler}. */
export type GitHubWebhookHandlerOptions = {
  /** The webhook's secret, as set in the repository's (or organisation's) webhook settings. */
  secret: string;
  /** The gate whose deliveries the webhook moves on. */
  gate: Pick<PublishGate, 'reportDelivery'>;
  /** Largest accepted body in bytes; larger ones answer 413. Default {@link DEFAULT_MAX_WEBHOOK_BYTES}. */
  maxBodyBytes?: number;
  /** Told about failures answered with 500/502. Default `console.error`. */
  onError?: (error: unknown) => void;
};

/**
 * Receives GitHub webhooks for the pull requests the gate opened, as a Web-standard
 * `Request → Response` function, for hosts that route themselves (`createFetchHandler` serves the
 * same at `POST {basePath}/hooks/github` when given `githubWebhookSecret`).
 *
 * Every delivery's `X-Hub-Signature-256` is verified against the raw body with
 * `@octokit/webhooks-methods` before anything is read: missing or wrong → 401 and nothing stored.
 * `pull_request` `closed` reports the pull request merged (with its merge commit) or closed
 * unmerged; `deployment_status` reports the deployed commit live (`success`, with
 * `environment_url`) or failed (`failure`, `error`). A change answers 200 with `{ outcome }`;
 * anything else (other events and actions, pull requests and commits the gate does not know,
 * repeated or stale deliveries) answers 202 and changes nothing, so GitHub does not retry it.
 * Send JSON (`application/json`); the form encoding (`payload=`) is accepted too.
 *
 * @example
 * ```ts
 * import { createGitHubWebhookHandler } from '@publishgate/core';
 *
 * const githubWebhook = createGitHubWebhookHandler({ secret: process.env.GITHUB_WEBHOOK_SECRET!, gate });
 * app.post('/webhooks/github', (c) => githubWebhook(c.req.raw)); // Hono
 * ```
 */
export function createGitHubWebhookHandler(options: GitHubWebhookHandlerOptions): (request: Request) => Promise<Response> {
  if (typeof options.secret !== 'string' || options.secret.length === 0) {
    throw new TypeError('createGitHubWebhookHandler: secret must be a non-empty string.');
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_WEBHOOK_BYTES;
  const report = options.onError ?? ((error: unknown) => console.error('[publishgate] GitHub webhook failed:', error));
  return async (request) => {
    try {
      if (request.method !== 'POST') {
        return errorResponse('method_not_allowed', 'GitHub webhooks are POSTed.', 405, { headers: { allow: 'POST' } });
      }
      const signature = request.headers.get('x-hub-signature-256');
      if (!signature) return errorResponse('unauthorized', 'The X-Hub-Signature-256 header is missing.', 401);
      const raw = await readText(request, maxBodyBytes);
      const { verify } = await loadMethods();
      // verify() throws on a malformed signature: that is a wrong signature too.
      const valid = await verify(options.secret, raw, signature).catch(() => false);
      if (!valid) return errorResponse('unauthorized', 'The signature does not match the body.', 401);
      const payload = parsePayload(raw, request.headers.get('content-type'));
      if (payload === undefined) return errorResponse('validation', 'The webhook body is not JSON.', 400);
      const change = deliveryReportOf(request.headers.get('x-github-event'), payload);
      if (!change) return jsonResponse({ outcome: 'ignored' }, 202);
      const { outcome } = await options.gate.reportDelivery(change);
      return jsonResponse({ outcome }, outcome === 'updated' ? 200 : 202);
    } catch (error) {
      return responseForError(error, report);
    }
  };
}

// Loaded on first use with import(): the library ships ESM only, and an `import()` (kept as is in
// the CommonJS build) loads it from CommonJS too, where a static import would become a require.
let methods: Promise<typeof import('@octokit/webhooks-methods')> | undefined;
function loadMethods() {
  methods ??= import('@octokit/webhooks-methods');
  return methods;
}

function parsePayload(raw: string, contentType: string | null): unknown {
  try {
    if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      const payload = new URLSearchParams(raw).get('payload');
      return payload === null ? undefined : JSON.parse(payload);
    }
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

type Json = Record<string, unknown>;
const object = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * What a (verified) webhook says about a delivery, or undefined when it says nothing the gate
 * follows. Exported for tests and for hosts that receive GitHub events another way (a queue).
 */
export function deliveryReportOf(event: string | null, payload: unknown): ReportDeliveryInput | undefined {
  const body = object(payload);
  if (!body) return undefined;
  if (event === 'pull_request' && body.action === 'closed') {
    const pull = object(body.pull_request);
    const number = pull?.number;
    const branch = text(object(pull?.head)?.ref);
    if (typeof number !== 'number' || !Number.isInteger(number) || number <= 0 || !branch || branch.length > 255) return undefined;
    if (pull?.merged !== true) return { pullRequest: { number, branch }, event: 'closed' };
    const mergeSha = text(pull.merge_commit_sha);
    return { pullRequest: { number, branch }, event: 'merged', ...(mergeSha && SHA.test(mergeSha) ? { mergeSha } : {}) };
  }
  if (event === 'deployment_status') {
    const status = object(body.deployment_status);
    const sha = text(object(body.deployment)?.sha);
    if (!status || !sha || !SHA.test(sha)) return undefined;
    if (status.state === 'success') {
      const url = text(status.environment_url);
      return { mergeSha: sha, event: 'live', ...(url && /^https?:\/\//.test(url) && url.length <= 2048 ? { deploymentUrl: url } : {}) };
    }
    if (status.state === 'failure' || status.state === 'error') return { mergeSha: sha, event: 'deploy_failed' };
  }
  return undefined;
}
