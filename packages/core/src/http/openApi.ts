import * as z from 'zod';
import { httpStatusByCode, type PublishGateErrorCode, publishGateErrorCodes } from '../errors.js';
import {
  approvalRuleSchema,
  approvalSchema,
  approverSchema,
  auditEntrySchema,
  baselineSchema,
  deadLetterSchema,
  decisionSchema,
  diffFileSchema,
  diffSummarySchema,
  findingSchema,
  personSchema,
  publicationSchema,
  publishRequestSchema,
  publishStatusSchema,
  pullRequestRefSchema,
  trustGrantSchema,
  workspaceSchema,
} from '../schemas/domain.js';
import { checkSubdomainInputSchema, getRequestInputSchema } from '../schemas/inputs.js';
import { DEFAULT_BASE_PATH } from './fetchHandler.js';
import {
  approveBodySchema,
  checkSubdomainQuerySchema,
  decideManyBodySchema,
  errorBodySchema,
  eventsReadySchema,
  exportHistoryQuerySchema,
  historyPageSchema,
  historyQuerySchema,
  listApprovalRulesQuerySchema,
  listDeadLettersQuerySchema,
  listRequestsQuerySchema,
  listTrustQuerySchema,
  previewResultSchema,
  previewRollbackQuerySchema,
  redeliverBodySchema,
  rejectBodySchema,
  requestPageSchema,
  requestPublishBodySchema,
  requestRollbackBodySchema,
  responseSchemas,
  retryBodySchema,
  setApprovalRuleBodySchema,
  setTrustBodySchema,
  subdomainCheckSchema,
  trustViewSchema,
  webhookResultSchema,
  withdrawBodySchema,
} from './wire.js';

/** A JSON value of an OpenAPI document (schemas, parameters, responses). */
export type OpenApiObject = { [key: string]: unknown };

/** The OpenAPI 3.1 document {@link createOpenApiDocument} returns. */
export type OpenApiDocument = {
  openapi: '3.1.1';
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string }>;
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, Record<string, OpenApiObject>>;
  components: {
    schemas: Record<string, OpenApiObject>;
    responses: Record<string, OpenApiObject>;
    securitySchemes?: Record<string, OpenApiObject>;
  };
};

/** Options for {@link createOpenApiDocument}. */
export type OpenApiDocumentOptions = {
  /** The `basePath` the handler is mounted at. Default `/api/publishgate`, as in `createFetchHandler`. */
  basePath?: string;
  /** Origin the API is reached at, such as `https://portal.example.com`. Default: none, the server URL is the bare `basePath`. */
  serverUrl?: string;
  /** Overrides of the document's `info` (title, version, description). */
  info?: Partial<OpenApiDocument['info']>;
  /**
   * Security schemes your `authenticate` accepts (a session cookie, a bearer token), as OpenAPI
   * Security Scheme objects. Each authenticated operation then requires any one of them. Default:
   * none declared, because publishgate does not know how your app authenticates.
   */
  securitySchemes?: Record<string, OpenApiObject>;
};

// Version of the HTTP API this document describes; bump with breaking changes to routes or bodies.
const API_VERSION = '1.0.0';

type HttpMethod = 'get' | 'post' | 'put';

type Content = { kind: 'json'; schema: string } | { kind: 'raw'; types: Record<string, string> };

type Operation = {
  method: HttpMethod;
  /** The path as the route table writes it (`/requests/:id`); turned into `/requests/{id}` here. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** Path parameters, in path order, with the zod schema of each. */
  params?: Array<{ name: string; description: string; schema: z.ZodType }>;
  query?: z.ZodObject;
  /** Extra header parameters. */
  headers?: OpenApiObject[];
  body?: { schema: string; required: boolean };
  response: { description: string; content: Content };
  /** A 202 answer besides the 200 (accepted, nothing changed), with the same content. */
  accepted?: string;
  /** Error statuses this operation can answer, besides those every authenticated route can. */
  errors: number[];
  /** Answers without calling `authenticate`. */
  public?: boolean;
};

// The named component schemas. Registering the domain schemas too makes every response refer to
// one `Workspace`, one `DiffSummary`…, which is what client generators turn into named types.
const responseComponents: Array<[string, z.ZodType]> = [
  ['Workspace', workspaceSchema],
  ['Person', personSchema],
  ['Baseline', baselineSchema],
  ['DiffFile', diffFileSchema],
  ['DiffSummary', diffSummarySchema],
  ['Finding', findingSchema],
  ['PublishStatus', publishStatusSchema],
  ['Decision', decisionSchema],
  ['PullRequestRef', pullRequestRefSchema],
  ['PublishRequest', publishRequestSchema],
  ['Publication', publicationSchema],
  ['PreviewResult', previewResultSchema],
  ['SubdomainCheck', subdomainCheckSchema],
  ['RequestPage', requestPageSchema],
  ['TrustGrant', trustGrantSchema],
  ['TrustView', trustViewSchema],
  ['TrustViewList', responseSchemas.listTrust],
  ['SetTrustResult', responseSchemas.setTrust],
  ['Approver', approverSchema],
  ['Approval', approvalSchema],
  ['ApprovalRule', approvalRuleSchema],
  ['ApprovalRuleList', responseSchemas.listApprovalRules],
  ['DecisionResultList', responseSchemas.decideMany],
  ['AuditEntry', auditEntrySchema],
  ['HistoryPage', historyPageSchema],
  ['DeadLetter', deadLetterSchema],
  ['DeadLetterList', responseSchemas.listDeadLetters],
  ['RedeliverResult', responseSchemas.redeliver],
  ['EventsReady', eventsReadySchema],
  ['WebhookResult', webhookResultSchema],
  ['Error', errorBodySchema],
];

// Bodies are rendered as zod's input side: what a client may send.
const bodyComponents: Array<[string, z.ZodType]> = [
  ['RequestPublishBody', requestPublishBodySchema],
  ['RequestRollbackBody', requestRollbackBodySchema],
  ['ApproveBody', approveBodySchema],
  ['RejectBody', rejectBodySchema],
  ['WithdrawBody', withdrawBodySchema],
  ['RetryBody', retryBodySchema],
  ['SetTrustBody', setTrustBodySchema],
  ['SetApprovalRuleBody', setApprovalRuleBodySchema],
  ['DecideManyBody', decideManyBodySchema],
  ['RedeliverBody', redeliverBodySchema],
];

const requestId = { name: 'id', description: 'Id of the publish request.', schema: getRequestInputSchema.shape.id };
const json = (schema: string): Content => ({ kind: 'json', schema });

/** Every route of `createFetchHandler`, with what it takes and answers. */
const operations: Operation[] = [
  {
    method: 'get',
    path: '/workspaces/:id/preview',
    operationId: 'preview',
    tag: 'workspaces',
    summary: 'Preview a publish',
    description: 'The diff against the last publication (or the blueprint base), findings and the suggested subdomain.',
    params: [{ name: 'id', description: 'Id of the workspace, as `resolveWorkspace` knows it.', schema: getRequestInputSchema.shape.id }],
    response: { description: 'The preview.', content: json('PreviewResult') },
    errors: [403, 404],
  },
  {
    method: 'get',
    path: '/subdomains/:name',
    operationId: 'checkSubdomain',
    tag: 'subdomains',
    summary: 'Check whether a subdomain is available',
    params: [{ name: 'name', description: 'The subdomain as typed; it is normalized.', schema: checkSubdomainInputSchema.shape.subdomain }],
    query: checkSubdomainQuerySchema,
    response: { description: 'Available (normalized) or not, with why and suggestions.', content: json('SubdomainCheck') },
    errors: [404],
  },
  {
    method: 'post',
    path: '/requests',
    operationId: 'requestPublish',
    tag: 'requests',
    summary: 'Submit a publish request',
    description:
      'Commits the workspace and pins the request to that commit. A trusted builder is auto-approved: the answer is then `approving`, `approved` or `failed`.',
    headers: [
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'Same as the `idempotencyKey` field; when both are given they must be equal.',
        schema: schemaOf(requestPublishBodySchema.shape.idempotencyKey.unwrap(), 'input'),
      },
    ],
    body: { schema: 'RequestPublishBody', required: true },
    response: { description: 'The stored request.', content: json('PublishRequest') },
    errors: [403, 404, 409, 413, 415, 422],
  },
  {
    method: 'get',
    path: '/workspaces/:id/rollback',
    operationId: 'previewRollback',
    tag: 'workspaces',
    summary: 'Preview a rollback',
    description:
      'What a rollback to `toRequestId` would change compared with the current publication (the confirmation shows it). Same refusals as the POST; nothing is stored.',
    params: [{ name: 'id', description: 'Id of the workspace, as `resolveWorkspace` knows it.', schema: getRequestInputSchema.shape.id }],
    query: previewRollbackQuerySchema,
    response: { description: 'The diff the rollback would pin.', content: json('DiffSummary') },
    errors: [403, 404, 409, 422],
  },
  {
    method: 'post',
    path: '/workspaces/:id/rollback',
    operationId: 'requestRollback',
    tag: 'workspaces',
    summary: 'Ask to roll a workspace back to an earlier publication',
    description:
      'Creates a publish request (`kind: rollback`) pinned to a new commit on top of the current publication whose tree is the one `toRequestId` published (its pull request merged or live). Reviewed and published like any request. The workspace owner or an admin.',
    params: [{ name: 'id', description: 'Id of the workspace, as `resolveWorkspace` knows it.', schema: getRequestInputSchema.shape.id }],
    body: { schema: 'RequestRollbackBody', required: true },
    response: { description: 'The stored rollback request.', content: json('PublishRequest') },
    errors: [403, 404, 409, 413, 415, 422],
  },
  {
    method: 'post',
    path: '/requests/decisions',
    operationId: 'decideMany',
    tag: 'requests',
    summary: 'Approve or reject up to 100 requests at once',
    description:
      'Each request is decided on its own (no all-or-nothing): one result per id, in order, with the stored request or the error code. Publishes run in the background.',
    body: { schema: 'DecideManyBody', required: true },
    response: { description: 'One result per id.', content: json('DecisionResultList') },
    errors: [413, 415],
  },
  {
    method: 'get',
    path: '/requests',
    operationId: 'listRequests',
    tag: 'requests',
    summary: 'List publish requests (the approvals queue)',
    description: 'Newest first, keyset-paginated. Builders see only their own requests.',
    query: listRequestsQuerySchema,
    response: { description: 'One page of requests.', content: json('RequestPage') },
    errors: [403],
  },
  {
    method: 'get',
    path: '/requests/:id',
    operationId: 'getRequest',
    tag: 'requests',
    summary: 'Get one publish request',
    params: [requestId],
    response: { description: 'The request.', content: json('PublishRequest') },
    errors: [404],
  },
  ...(
    [
      ['approve', 'ApproveBody', 'Approve a pending request: pushes the pinned commit and opens the pull request.', true],
      ['reject', 'RejectBody', 'Reject a pending request, with optional feedback for the builder.', true],
      ['withdraw', 'WithdrawBody', 'Withdraw your own pending request.', false],
      ['retry', 'RetryBody', 'Retry a failed publish; never creates a second branch or pull request.', false],
    ] as const
  ).map(
    ([command, body, summary, required]): Operation => ({
      method: 'post',
      path: `/requests/:id/${command}`,
      operationId: command,
      tag: 'requests',
      summary,
      // An empty body reads as `{}`, so commands without required fields accept none.
      ...(required ? {} : { description: 'The body may be empty.' }),
      params: [requestId],
      body: { schema: body, required },
      response: { description: 'The request as stored after the command.', content: json('PublishRequest') },
      errors: [403, 404, 409, 413, 415],
    }),
  ),
  {
    method: 'get',
    path: '/trust',
    operationId: 'listTrust',
    tag: 'trust',
    summary: 'List trust grants',
    description: 'Admins see every grant; builders their own.',
    query: listTrustQuerySchema,
    response: { description: 'The grants.', content: json('TrustViewList') },
    errors: [],
  },
  {
    method: 'put',
    path: '/trust',
    operationId: 'setTrust',
    tag: 'trust',
    summary: 'Grant or revoke auto-approval for a builder on a blueprint',
    body: { schema: 'SetTrustBody', required: true },
    response: { description: 'The grant, or `null` after a revocation.', content: json('SetTrustResult') },
    errors: [403, 413, 415],
  },
  {
    method: 'get',
    path: '/approval-rules',
    operationId: 'listApprovalRules',
    tag: 'approval-rules',
    summary: 'List approval rules',
    description: 'The rules set per blueprint; a blueprint without one needs one admin approval. Admin.',
    query: listApprovalRulesQuerySchema,
    response: { description: 'The rules, by blueprint id.', content: json('ApprovalRuleList') },
    errors: [403],
  },
  {
    method: 'put',
    path: '/approval-rules',
    operationId: 'setApprovalRule',
    tag: 'approval-rules',
    summary: "Set a blueprint's approval rule (N of M approvers)",
    description: 'Requests submitted afterwards copy the rule; requests already submitted keep the rule they were submitted with. Admin.',
    body: { schema: 'SetApprovalRuleBody', required: true },
    response: { description: 'The rule as stored.', content: json('ApprovalRule') },
    errors: [403, 413, 415],
  },
  {
    method: 'get',
    path: '/dead-letters',
    operationId: 'listDeadLetters',
    tag: 'notifications',
    summary: 'List notifications that stopped retrying',
    description: 'Admins only. Oldest first; each with its attempts and last error.',
    query: listDeadLettersQuerySchema,
    response: { description: 'The dead letters.', content: json('DeadLetterList') },
    errors: [403],
  },
  {
    method: 'post',
    path: '/dead-letters/:id/redeliver',
    operationId: 'redeliver',
    tag: 'notifications',
    summary: 'Deliver a dead letter again',
    description: 'Admins only. Puts it back in the outbox with a fresh run of attempts. The body may be empty.',
    params: [{ name: 'id', description: 'Id of the notification.', schema: getRequestInputSchema.shape.id }],
    body: { schema: 'RedeliverBody', required: false },
    response: { description: 'It is queued again.', content: json('RedeliverResult') },
    errors: [403, 404, 413, 415],
  },
  {
    method: 'get',
    path: '/history',
    operationId: 'history',
    tag: 'history',
    summary: 'Read the audit history',
    description: 'Oldest first; builders see the entries about themselves.',
    query: historyQuerySchema,
    response: { description: 'One page of audit entries.', content: json('HistoryPage') },
    errors: [],
  },
  {
    method: 'get',
    path: '/history/export',
    operationId: 'exportHistory',
    tag: 'history',
    summary: 'Export the audit history',
    description: 'The whole visible history, streamed as an attachment: one `AuditEntry` per NDJSON line, or CSV.',
    query: exportHistoryQuerySchema,
    response: {
      description: 'The export.',
      content: {
        kind: 'raw',
        types: { 'application/x-ndjson': 'One AuditEntry as JSON per line.', 'text/csv': 'A header row, then one row per entry.' },
      },
    },
    errors: [],
  },
  {
    method: 'get',
    path: '/events',
    operationId: 'events',
    tag: 'events',
    summary: 'Live events (Server-Sent Events)',
    description:
      'Opens with a `ready` event (data: `EventsReady`), then one event per audit entry the actor may see: `id` is its `seq`, `event` its type, `data` the `AuditEntry` as JSON. `: ping` comments keep the stream alive.',
    query: z.strictObject({
      lastEventId: z
        .string()
        .regex(/^\d{1,15}$/)
        .optional()
        .describe('Resume after this `seq`; the `Last-Event-ID` header wins.'),
    }),
    headers: [
      {
        name: 'Last-Event-ID',
        in: 'header',
        required: false,
        description: 'Resume after this `seq` (`0` replays the visible history). Without it the stream starts from now.',
        schema: { type: 'string', pattern: '^\\d{1,15}$' },
      },
    ],
    response: { description: 'The event stream.', content: { kind: 'raw', types: { 'text/event-stream': 'Server-Sent Events.' } } },
    errors: [],
  },
  {
    method: 'post',
    path: '/hooks/github',
    operationId: 'githubWebhook',
    tag: 'webhooks',
    summary: 'GitHub webhook deliveries',
    description:
      "Receives `pull_request` (closed: merged or not) and `deployment_status` (success → live, failure/error → deploy-failed) deliveries of a GitHub webhook, verified by `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the webhook secret) instead of `authenticate`; served only when the handler was given `githubWebhookSecret` (404 otherwise). The body is GitHub's event payload (JSON, or form-encoded `payload=`).",
    headers: [
      {
        name: 'X-Hub-Signature-256',
        in: 'header',
        required: true,
        description: '`sha256=` and the HMAC-SHA256 of the body.',
        schema: { type: 'string' },
      },
      { name: 'X-GitHub-Event', in: 'header', required: true, description: 'The event name.', schema: { type: 'string' } },
    ],
    response: { description: 'A delivery moved on.', content: json('WebhookResult') },
    accepted: 'Nothing changed: another event or action, a pull request or commit the gate does not know, or a repeated or stale delivery.',
    errors: [401, 404, 405, 413],
    public: true,
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApi',
    tag: 'meta',
    summary: 'This OpenAPI document',
    description: 'Answers without authentication: it describes the routes, which are public in the package documentation.',
    response: {
      description: 'The OpenAPI 3.1 document.',
      content: { kind: 'raw', types: { 'application/json': 'An OpenAPI 3.1 document.' } },
    },
    errors: [],
    public: true,
  },
];

// Errors every authenticated route can answer: a malformed path or query, no actor, a bug, an adapter outage.
const COMMON_ERRORS = [400, 401, 500, 502];
const PUBLIC_ERRORS = [400, 500];

/**
 * Builds the OpenAPI 3.1 description of the HTTP API of `createFetchHandler`, generated from the
 * same zod schemas that validate requests and responses (zod's own `z.toJSONSchema`, JSON Schema
 * 2020-12, which is OpenAPI 3.1's schema dialect). The handler serves it at
 * `GET {basePath}/openapi.json`; call this to publish it elsewhere or to feed a client generator.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { createOpenApiDocument } from '@publishgate/core';
 *
 * const document = createOpenApiDocument({ serverUrl: 'https://portal.example.com' });
 * writeFileSync('publishgate.openapi.json', JSON.stringify(document, null, 2));
 * ```
 */
export function createOpenApiDocument(options: OpenApiDocumentOptions = {}): OpenApiDocument {
  const basePath = (options.basePath ?? DEFAULT_BASE_PATH).replace(/\/+$/, '');
  const server = `${(options.serverUrl ?? '').replace(/\/+$/, '')}${basePath}`;
  const schemes = options.securitySchemes ?? {};
  const security = Object.keys(schemes).map((name) => ({ [name]: [] }));

  const paths: OpenApiDocument['paths'] = {};
  for (const operation of operations) {
    const path = operation.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const item = paths[path] ?? {};
    paths[path] = item;
    item[operation.method] = operationObject(operation, security);
  }

  return {
    openapi: '3.1.1',
    info: {
      title: 'publishgate',
      version: API_VERSION,
      description:
        'Publish approval workflow: builders ask to publish a workspace to a subdomain, admins approve or reject. ' +
        'Every route except `/openapi.json` needs the actor your app authenticates (401 `unauthorized` otherwise). ' +
        'Unknown body keys and query parameters are refused (400). A known path with another method answers 405 with an `Allow` header.',
      ...options.info,
    },
    servers: [{ url: server === '' ? '/' : server }],
    tags: [
      { name: 'workspaces', description: 'Preview what a publish would contain.' },
      { name: 'subdomains', description: 'Subdomain availability.' },
      { name: 'requests', description: 'Publish requests and their review.' },
      { name: 'trust', description: 'Auto-approval grants.' },
      { name: 'approval-rules', description: 'How many approvals, and by whom, each blueprint needs.' },
      { name: 'history', description: 'The audit history.' },
      { name: 'notifications', description: 'Notifications that stopped retrying (dead letters).' },
      { name: 'events', description: 'Live updates.' },
      { name: 'webhooks', description: 'Deliveries from the git host (signed, not authenticated).' },
      { name: 'meta', description: 'This description.' },
    ],
    paths,
    components: {
      schemas: { ...componentSchemas(responseComponents, 'output'), ...componentSchemas(bodyComponents, 'input') },
      responses: errorResponses(),
      ...(security.length > 0 ? { securitySchemes: schemes } : {}),
    },
  };
}

function operationObject(operation: Operation, security: OpenApiObject[]): OpenApiObject {
  const parameters = [
    ...(operation.params ?? []).map((param) => ({
      name: param.name,
      in: 'path',
      required: true,
      description: param.description,
      schema: schemaOf(param.schema, 'input'),
    })),
    ...(operation.query ? queryParameters(operation.query) : []),
    ...(operation.headers ?? []),
  ];
  const statuses = [...(operation.public ? PUBLIC_ERRORS : COMMON_ERRORS), ...operation.errors].sort((a, b) => a - b);
  const responses: OpenApiObject = {
    '200': { description: operation.response.description, content: contentOf(operation.response.content) },
    ...(operation.accepted ? { '202': { description: operation.accepted, content: contentOf(operation.response.content) } } : {}),
  };
  for (const status of statuses) responses[String(status)] = { $ref: `#/components/responses/Error${status}` };
  return {
    operationId: operation.operationId,
    tags: [operation.tag],
    summary: operation.summary,
    ...(operation.description === undefined ? {} : { description: operation.description }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: operation.body.required,
            content: { 'application/json': { schema: { $ref: `#/components/schemas/${operation.body.schema}` } } },
          },
        }
      : {}),
    responses,
    // An empty requirement list says "no authentication" explicitly; otherwise any declared scheme will do.
    ...(operation.public ? { security: [] } : security.length > 0 ? { security } : {}),
  };
}

function contentOf(content: Content): OpenApiObject {
  if (content.kind === 'json') return { 'application/json': { schema: { $ref: `#/components/schemas/${content.schema}` } } };
  const out: OpenApiObject = {};
  for (const [type, description] of Object.entries(content.types)) {
    out[type] = { schema: type === 'application/json' ? { type: 'object', description } : { type: 'string', description } };
  }
  return out;
}

/** One query parameter per property of a query schema; `status` (a list) repeats or is comma-separated. */
function queryParameters(query: z.ZodObject): OpenApiObject[] {
  const schema = schemaOf(query, 'input');
  const properties = (schema.properties ?? {}) as Record<string, OpenApiObject>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    if (name === 'status') {
      return {
        name,
        in: 'query',
        required: required.has(name),
        description: 'Only requests in these statuses; repeat the parameter or separate statuses with commas.',
        style: 'form',
        explode: true,
        schema: { type: 'array', items: { $ref: '#/components/schemas/PublishStatus' } },
      };
    }
    const { description, ...rest } = property;
    return {
      name,
      in: 'query',
      required: required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

/** A standalone JSON Schema of `schema`, without the `$schema` header (the document sets the dialect). */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): OpenApiObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io }) as OpenApiObject;
  return rest;
}

function componentSchemas(components: Array<[string, z.ZodType]>, io: 'input' | 'output'): Record<string, OpenApiObject> {
  // A registry of our own (not zod's global one) so that registering changes nothing for anyone else.
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of components) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}` });
  const out: Record<string, OpenApiObject> = {};
  for (const [id, generated] of Object.entries(schemas)) {
    // `$id` would rebase every `$ref` inside the component, `$schema` is the document's default.
    const { $id: _id, $schema: _dialect, ...rest } = generated as OpenApiObject;
    out[id] = rest;
  }
  return out;
}

/** One shared response per error status; each narrows `error.code` to the codes with that status. */
function errorResponses(): Record<string, OpenApiObject> {
  const byStatus = new Map<number, PublishGateErrorCode[]>();
  for (const code of publishGateErrorCodes) {
    const status = httpStatusByCode[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, OpenApiObject> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[`Error${status}`] = {
      description: `Refused: ${codes.map((code) => `\`${code}\``).join(', ')}.`,
      content: {
        'application/json': {
          schema: {
            allOf: [
              { $ref: '#/components/schemas/Error' },
              { type: 'object', properties: { error: { type: 'object', properties: { code: { enum: codes } } } } },
            ],
          },
        },
      },
    };
  }
  return out;
}
