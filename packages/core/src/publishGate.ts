import mitt, { type Emitter } from 'mitt';
import type * as z from 'zod';
import { createDeadlines } from './deadline.js';
import { type PortName, PublishGateError } from './errors.js';
import { fastApproveInput, fastDiffSummary, fastPullRequestRef, fastRequestPublishInput } from './fastParse.js';
import { type FindingLimits, hasSecretFinding, scanFindings } from './findings.js';
import { flatString } from './flatString.js';
import { deepFreeze, frozenCopy } from './frozenCopy.js';
import {
  approveInputSchema,
  checkSubdomainInputSchema,
  exportHistoryInputSchema,
  getRequestInputSchema,
  historyInputSchema,
  listRequestsInputSchema,
  listTrustInputSchema,
  previewInputSchema,
  rejectInputSchema,
  requestPublishInputSchema,
  retryInputSchema,
  setTrustInputSchema,
  withdrawInputSchema,
} from './gateSchemas.js';
import { guardPort, toPortError } from './guardPort.js';
import type { NotifyParams, PublishRequestEvent, RecordParams, RefuseParams } from './machine.js';
import { publishRequestPlan } from './machinePlan.js';
import type { SteppedAction } from './machineStepper.js';
import { createOutboxDispatcher, type DeliveryReport } from './outbox.js';
import { parseOrThrow } from './parse.js';
import type { GitPort } from './ports/git.js';
import type { GitHostPort } from './ports/gitHost.js';
import type { NotifierPort } from './ports/notifier.js';
import type { RequestCursor, StoragePort } from './ports/storage.js';
import { randomUuid } from './randomUuid.js';
import type {
  Actor,
  AuditActor,
  AuditEntry,
  AuditEntryInput,
  AuditType,
  Baseline,
  DiffSummary,
  Finding,
  Notification,
  Publication,
  PublishRequest,
  PublishStatus,
  TrustGrant,
  Workspace,
} from './schemas.js';
import { diffSummarySchema, pullRequestRefSchema, shaSchema } from './schemas.js';
import { storedRequest } from './storedRequest.js';
import { DEFAULT_RESERVED_SUBDOMAINS, slugifySubdomain, subdomainCandidates, validateSubdomain } from './subdomain.js';

/** Rules the gate enforces; every field is optional with the default shown. */
export type PublishGatePolicy = {
  /** Let an admin approve or reject their own request, and trust themselves. Default false. */
  allowSelfReview?: boolean;
  /** A pending request expires this long after submission (swept by `sweep()`). Default: never. */
  pendingTtlMs?: number;
  /** Subdomains nobody may claim. Default {@link DEFAULT_RESERVED_SUBDOMAINS}. */
  reservedSubdomains?: readonly string[];
  /** Longest rejection feedback or approval comment, in characters. Default 2,000. */
  maxFeedbackLength?: number;
  /** Longest builder note, in characters. Default 2,000. */
  maxNoteLength?: number;
  /** Domain under which subdomains are served, for links in notifications (`<sub>.<baseDomain>`). */
  baseDomain?: string;
  /** A trust grant expiring within this window is flagged `reviewDue`. Default 7 days. */
  trustReviewWindowMs?: number;
  /** Thresholds for the `large-diff` finding. */
  findings?: FindingLimits;
};

/** Options for {@link createPublishGate}. */
export type PublishGateOptions = {
  /** Durable state; `createMemoryStorage()` or `createKnexStorage()`. */
  storage: StoragePort;
  /** Commits, diffs and pushes workspaces. */
  git: GitPort;
  /** Opens deployment pull requests. */
  gitHost: GitHostPort;
  /** Delivers notifications from the outbox. Default: none (rows stay undelivered). */
  notifier?: NotifierPort;
  policy?: PublishGatePolicy;
  /** Current time; inject one in tests. Default `() => new Date()`. */
  clock?: () => Date;
  /** New unique ids for requests, audit entries and notifications. Default: random UUIDs (version 4). */
  ids?: () => string;
  /** Name of the branch a request is pushed to. Must be deterministic: a retry pushes to the same one. */
  branchName?: (request: PublishRequest) => string;
  /** Title and body of the deployment pull request. */
  pullRequestText?: (request: PublishRequest) => { title: string; body: string };
  /** Link to a request in your portal, put in the pull request body and in notifications. */
  requestUrl?: (request: PublishRequest) => string;
  /** An `approving` request untouched for this long is treated as interrupted by `sweep()`. Default 2 min. */
  recoverAfterMs?: number;
  /** Timeout for each git and git-host call. Default 120 s. */
  portTimeoutMs?: number;
  /** Told about failures in background work (notification delivery). Default: ignored. */
  onError?: (error: unknown) => void;
};

/** An event emitted on `gate.events` after the change is stored: the audit entry plus the object it concerns. */
export type GateEvent = AuditEntryInput & { request?: PublishRequest; grant?: TrustGrant };

/** Event map of `gate.events`. */
export type GateEvents = { [K in AuditType]: GateEvent };

/** Result of `gate.preview`. */
export type PreviewResult = {
  baseline: Baseline;
  diff: DiffSummary;
  findings: Finding[];
  /** The live publication's subdomain, else the one last asked for, else one derived from the workspace name. */
  suggestedSubdomain: string | undefined;
  /** True when a new request can be submitted now. */
  publishable: boolean;
  /** Why not, when `publishable` is false. */
  blockedBy?: 'nothing_to_publish' | 'in_flight';
  /** The workspace's live publication, if any. */
  publication: Publication | null;
  /** The workspace's request in flight, if any. */
  inFlight: PublishRequest | null;
};

/** Result of `gate.checkSubdomain`. */
export type SubdomainCheck =
  | { available: true; normalized: string }
  | { available: false; reason: 'invalid' | 'reserved' | 'taken'; message: string; suggestions: string[] };

/** A page of the queue. */
export type RequestPage = { items: PublishRequest[]; nextCursor: string | null };

/** A trust grant as listed: with whether it still applies and whether it needs a look. */
export type TrustView = TrustGrant & { active: boolean; reviewDue: boolean };

/** A page of audit history. */
export type HistoryPage = { items: AuditEntry[]; nextAfterSeq: number | null };

/** What one `sweep()` did. */
export type SweepReport = { expired: number; recovered: number; delivered: number; failedDeliveries: number };

/** The publish approval workflow; see {@link createPublishGate}. */
export type PublishGate = {
  /** The diff a builder would publish now, its findings and a suggested subdomain. Owner or admin. */
  preview(input: { workspace: Workspace; actor: Actor }): Promise<PreviewResult>;
  /** Whether a subdomain can be used by a workspace, with suggestions when not. */
  checkSubdomain(input: { subdomain: string; workspaceId?: string }): Promise<SubdomainCheck>;
  /**
   * Commits the workspace and creates a request pinned to that commit. Resolves `pending`, or for a
   * trusted builder `approved`/`failed` after the push was attempted. Idempotent per `idempotencyKey`.
   */
  requestPublish(input: {
    workspace: Workspace;
    subdomain: string;
    actor: Actor;
    note?: string;
    idempotencyKey?: string;
  }): Promise<PublishRequest>;
  /** The queue, newest first; builders see only their own requests. */
  listRequests(input: {
    actor: Actor;
    status?: PublishStatus | PublishStatus[];
    blueprintId?: string;
    workspaceId?: string;
    builderId?: string;
    cursor?: string;
    limit?: number;
  }): Promise<RequestPage>;
  /** One request; `not_found` when it does not exist or the actor may not see it. */
  getRequest(input: { id: string; actor: Actor }): Promise<PublishRequest>;
  /** Approves, pushes the pinned commit, opens the pull request; resolves `approved` or `failed`. Admin. */
  approve(input: { id: string; actor: Actor; comment?: string; expectedVersion?: number }): Promise<PublishRequest>;
  /** Rejects with optional feedback the builder will see. Admin. */
  reject(input: { id: string; actor: Actor; feedback?: string; expectedVersion?: number }): Promise<PublishRequest>;
  /** Withdraws a pending request (owner), or a failed one (owner or admin). */
  withdraw(input: { id: string; actor: Actor; expectedVersion?: number }): Promise<PublishRequest>;
  /** Retries a failed publish; reuses the same branch and pull request. Admin. */
  retry(input: { id: string; actor: Actor; expectedVersion?: number }): Promise<PublishRequest>;
  /** Grants (`trusted: true`) or revokes trust for a builder on a blueprint. Admin. */
  setTrust(input: {
    blueprintId: string;
    userId: string;
    email: string;
    trusted: boolean;
    actor: Actor;
    expiresAt?: string;
  }): Promise<TrustGrant | null>;
  /** Trust grants; admins see all, builders their own. */
  listTrust(input: { actor: Actor; blueprintId?: string }): Promise<TrustView[]>;
  /** Audit history, oldest first; builders see entries about themselves. */
  history(input: { actor: Actor; requestId?: string; workspaceId?: string; afterSeq?: number; limit?: number }): Promise<HistoryPage>;
  /** The whole visible audit history as NDJSON lines or CSV rows (with a header), streamed page by page. */
  exportHistory(input: { actor: Actor; requestId?: string; workspaceId?: string; format?: 'ndjson' | 'csv' }): AsyncIterable<string>;
  /** Expires overdue requests, finishes interrupted publishes, delivers the outbox. Run it periodically. */
  sweep(): Promise<SweepReport>;
  /** Typed emitter of every stored change (`request.submitted`, `request.approved`, …). */
  events: Emitter<GateEvents>;
  /**
   * Calls `listener` after any change this gate stores and, when the storage can watch
   * (`StoragePort.watchAudit`), after changes other servers store. Read what changed with
   * `history({ afterSeq })`. Returns the function that unsubscribes.
   */
  onChange(listener: () => void): () => void;
  /** Waits for running publishes and notification deliveries to settle, and stops watching storage. */
  close(): Promise<void>;
};

const SYSTEM: AuditActor = Object.freeze({ system: true });
const TRUST: AuditActor = Object.freeze({ trust: true });
const ADMINS: Notification['to'] = Object.freeze({ role: 'admin' });
const BLUEPRINT_BASELINE: Baseline = Object.freeze({ kind: 'blueprint' });
const NO_FINDINGS: Finding[] = Object.freeze([]) as unknown as Finding[];
const PAGE = 200;

type MachineAction = SteppedAction;

/**
 * Creates the publish gate: the facade a portal server calls. It parses every input, asks
 * `publishRequestMachine` whether a move is allowed, stores the result with its audit entries
 * and notifications in one storage call, emits events, and only then runs effects (push, pull
 * request, notification delivery).
 *
 * @example
 * ```ts
 * import { createMemoryStorage, createPublishGate } from '@publishgate/core';
 * import { createFakeGit, createFakeGitHost, createRecordingNotifier } from '@publishgate/core/testing';
 *
 * const gate = createPublishGate({
 *   storage: createMemoryStorage(),
 *   git: createFakeGit(),
 *   gitHost: createFakeGitHost(),
 *   notifier: createRecordingNotifier(),
 * });
 * const request = await gate.requestPublish({ workspace, subdomain: 'my-app', actor: builder });
 * await gate.approve({ id: request.id, actor: admin });
 * ```
 */
export function createPublishGate(options: PublishGateOptions): PublishGate {
  assertPort(options.storage, 'storage', STORAGE_METHODS);
  assertPort(options.git, 'git', ['preview', 'commit', 'push']);
  assertPort(options.gitHost, 'gitHost', ['openPullRequest']);
  if (options.notifier !== undefined) assertPort(options.notifier, 'notifier', ['notify']);
  const storage = guardPort(options.storage, 'storage');
  const git = guardPort(options.git, 'git');
  const gitHost = guardPort(options.gitHost, 'gitHost');
  const notifier = options.notifier ? guardPort(options.notifier, 'notifier') : undefined;
  const clock = options.clock ?? (() => new Date());
  const newId = options.ids ?? randomUuid;
  // Ids are kept as long as the rows they name, so keep them flat (see flatString).
  const ids = () => flatString(newId());
  const policy = resolvePolicy(options.policy);
  const machinePolicy = { allowSelfReview: policy.allowSelfReview };
  // Lower-cased once here rather than on every validation.
  const reservedOption = { reserved: new Set(policy.reservedSubdomains.map((name) => name.toLowerCase())) };
  const branchName = options.branchName ?? ((request: PublishRequest) => `publish/${request.subdomain}-${request.id}`);
  const requestUrl = options.requestUrl;
  const pullRequestText =
    options.pullRequestText ?? ((request: PublishRequest) => defaultPullRequestText(request, policy.baseDomain, requestUrl?.(request)));
  const recoverAfterMs = options.recoverAfterMs ?? 120_000;
  const portTimeoutMs = options.portTimeoutMs ?? 120_000;
  const onError = options.onError ?? (() => {});
  const events = mitt<GateEvents>();
  const dispatcher = notifier ? createOutboxDispatcher({ storage, notifier, clock, onError }) : undefined;
  // Publishes running in this process, so sweep() and a concurrent retry do not start a second one.
  const running = new Map<string, Promise<PublishRequest>>();

  const changeListeners = new Set<() => void>();
  let watchController: AbortController | undefined;
  const notifyChange = () => {
    for (const listener of changeListeners) {
      try {
        listener();
      } catch (error) {
        onError(error);
      }
    }
  };

  const now = options.clock ? () => clock().toISOString() : systemNow();
  const portSignal = createDeadlines(portTimeoutMs);

  // The machine compiled to a table once (see machinePlan.ts): same moves as xstate's
  // transition(), without its per-call interpreter cost.
  const plan = publishRequestPlan();

  /**
   * Asks the machine for the move `event` makes from `request` in state `state` (its status, or
   * `draft` before submission). Throws the machine's refusal, or `invalid_transition` when the
   * event means nothing in that state.
   */
  function decide(state: PublishStatus | 'draft', request: PublishRequest, event: PublishRequestEvent) {
    const next = plan.step(state, { request, policy: machinePolicy }, event);
    const actions = next?.actions ?? [];
    const refusal = actions.find((action) => action.type === 'refuse');
    if (refusal) {
      const params = refusal.params as RefuseParams;
      throw new PublishGateError(params.code, params.message);
    }
    if (!next || !actions.some((action) => action.type === 'record')) {
      throw new PublishGateError(
        'invalid_transition',
        `Cannot ${describeEvent(event)} a request that is ${state === 'draft' ? 'new' : state}.`,
      );
    }
    // Every state's entry action sets the status; copy only if a machine ever did not.
    const moved = next.context.request;
    return { request: moved.status === next.value ? moved : { ...moved, status: next.value as PublishStatus }, actions };
  }

  function auditActorFor(person: AuditActor, request: PublishRequest, type: AuditType): AuditActor {
    if (person === SYSTEM) return SYSTEM;
    if (type === 'request.approving' && request.decision?.by && 'trust' in request.decision.by) return TRUST;
    return person;
  }

  function sideWritesFor(
    before: PublishRequest | undefined,
    after: PublishRequest,
    event: PublishRequestEvent,
    actions: MachineAction[],
    extra?: Record<string, unknown>,
  ) {
    const at = after.updatedAt;
    const person = auditPerson(event, after);
    // Everything below is a fresh literal or a part of the stored (frozen, flat) request, so a
    // shallow freeze per object freezes it all; only the caller's `extra` needs the deep walk.
    const frozenExtra = extra === undefined ? undefined : deepFreeze(extra);
    const audit: AuditEntryInput[] = [];
    const outbox: Notification[] = [];
    for (const action of actions) {
      if (action.type === 'record') {
        const { type } = action.params as RecordParams;
        const data = Object.freeze(auditData(after, frozenExtra));
        audit.push(Object.freeze(auditEntry(ids(), type, auditActorFor(person, after, type), before?.status, after, data)));
      } else if (action.type === 'notify') {
        const { type, to } = action.params as NotifyParams;
        const link = requestUrl?.(after);
        outbox.push(
          Object.freeze({
            id: ids(),
            type,
            requestId: after.id,
            occurredAt: at,
            to: to === 'builder' ? Object.freeze({ userId: after.builder.id, email: after.builder.email }) : ADMINS,
            data: Object.freeze(notificationData(after, policy.baseDomain, link === undefined ? undefined : flatString(link), frozenExtra)),
          }),
        );
      }
    }
    return { audit: Object.freeze(audit), outbox: Object.freeze(outbox) };
  }

  function emit(audit: readonly AuditEntryInput[], payload: { request?: PublishRequest; grant?: TrustGrant }) {
    if (audit.length === 0) return;
    const wildcard = events.all.get('*');
    for (const entry of audit) {
      // Building the event object is skipped when nobody listens: most gates have no listeners.
      const handlers = events.all.get(entry.type);
      if (!handlers?.length && !wildcard?.length) continue;
      try {
        events.emit(entry.type, { ...entry, ...payload });
      } catch (error) {
        // A listener's bug must not turn a stored change into a failed call.
        onError(error);
      }
    }
    notifyChange();
    dispatcher?.kick();
  }

  /** Applies an event to the stored request with compare-and-set, writes its side effects, emits. */
  async function apply(current: PublishRequest, event: PublishRequestEvent): Promise<PublishRequest> {
    const decided = decide(current.status, current, event);
    const next = storedRequest(decided.request, current.version + 1);
    const writes = sideWritesFor(current, next, event, decided.actions);
    const stored = await storage.transitionRequest({ id: current.id, expectedVersion: current.version, next, ...writes });
    emit(writes.audit, { request: stored });
    return stored;
  }

  async function load(id: string): Promise<PublishRequest> {
    const request = await storage.getRequest({ id });
    if (!request) throw new PublishGateError('not_found', `No publish request ${id}.`);
    return request;
  }

  /** Loads a request the actor may see; any other answers `not_found`, so ids reveal nothing. */
  async function loadVisible(id: string, actor: Actor): Promise<PublishRequest> {
    const request = await storage.getRequest({ id });
    if (!request || !canSee(actor, request)) throw new PublishGateError('not_found', `No publish request ${id}.`);
    return request;
  }

  function checkVersion(request: PublishRequest, expectedVersion: number | undefined) {
    if (expectedVersion !== undefined && expectedVersion !== request.version) {
      throw new PublishGateError(
        'conflict',
        `The request changed since you loaded it (version ${request.version}, you had ${expectedVersion}).`,
      );
    }
  }

  function checkText(value: string | undefined, max: number, what: string) {
    if (value !== undefined && value.length > max) {
      throw new PublishGateError('validation', `The ${what} is ${value.length} characters; the limit is ${max}.`, {
        issues: [{ path: what, message: `at most ${max} characters` }],
      });
    }
  }

  /**
   * Adapters are third-party code: what they return is checked like any input, so a malformed diff
   * or commit id becomes a `port_failed` here instead of a corrupt request later.
   */
  function fromPort<S extends z.ZodType>(schema: S, value: unknown, port: PortName, operation: string): z.output<S> {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const first = result.error.issues[0];
    throw new PublishGateError(
      'port_failed',
      `The ${port} adapter returned invalid data from ${operation}${first ? ` (${first.path.join('.') || 'value'}: ${first.message})` : ''}.`,
      {
        port,
        operation,
        cause: result.error,
      },
    );
  }

  /**
   * Pushes the pinned commit and opens the pull request, then stores the outcome. Safe to repeat:
   * the branch name is derived from the request, push and openPullRequest are idempotent.
   */
  function publish(request: PublishRequest): Promise<PublishRequest> {
    const existing = running.get(request.id);
    if (existing) return existing;
    const job = (async () => {
      let outcome: PublishRequestEvent;
      const branch = request.branch ?? branchName(request);
      try {
        // One deadline for the whole publish: push and pull request together.
        const signal = portSignal();
        const pushed = await git.push({ workspace: request.workspace, sha: request.sha, branch, signal });
        if (pushed?.sha !== request.sha || pushed.branch !== branch) {
          throw new PublishGateError(
            'port_failed',
            `The git adapter reported pushing ${String(pushed?.sha)} to ${String(pushed?.branch)}, not the pinned commit.`,
            {
              port: 'git',
              operation: 'push',
            },
          );
        }
        const text = pullRequestText(request);
        const opened = await gitHost
          .openPullRequest({ branch, title: flatString(text.title), body: flatString(text.body), requestId: request.id, signal })
          .then((result) => ({ number: result?.number, url: result?.url }));
        const pr = fastPullRequestRef(opened) ?? fromPort(pullRequestRefSchema, opened, 'gitHost', 'openPullRequest');
        outcome = { type: 'publish.succeeded', at: now(), branch, pullRequest: pr };
      } catch (error) {
        const failure = toPortError(error, 'git', 'publish');
        outcome = { type: 'publish.failed', at: now(), error: { code: failure.code, message: failure.message.slice(0, 2000) } };
      }
      try {
        return await apply(request, outcome);
      } catch (error) {
        // Someone else (a sweep on another server) stored the outcome first; theirs stands.
        if (PublishGateError.is(error, 'conflict') || PublishGateError.is(error, 'invalid_transition')) return load(request.id);
        throw error;
      }
    })();
    running.set(request.id, job);
    return job.finally(() => running.delete(request.id));
  }

  function canSee(actor: Actor, request: PublishRequest) {
    return actor.roles.includes('admin') || request.builder.id === actor.id || request.workspace.ownerId === actor.id;
  }

  async function baselineFor(workspaceId: string): Promise<{ baseline: Baseline; publication: Publication | null }> {
    const publication = await storage.getPublication({ workspaceId });
    return { baseline: publication ? { kind: 'publication', sha: publication.sha } : BLUEPRINT_BASELINE, publication };
  }

  async function availableSuggestions(candidates: string[], workspaceId: string | undefined): Promise<string[]> {
    const out: string[] = [];
    for (const candidate of candidates) {
      if (out.length >= 3) break;
      const checked = validateSubdomain(candidate, reservedOption);
      if (!checked.ok) continue;
      const claim = await storage.getSubdomainClaim({ subdomain: checked.normalized });
      if (!claim || claim.workspaceId === workspaceId) out.push(checked.normalized);
    }
    return out;
  }

  function trustView(grant: TrustGrant, at: number): TrustView {
    const expires = grant.expiresAt === undefined ? undefined : Date.parse(grant.expiresAt);
    const active = expires === undefined || expires > at;
    return { ...grant, active, reviewDue: expires !== undefined && expires - at <= policy.trustReviewWindowMs };
  }

  function historyScope(actor: Actor) {
    return actor.roles.includes('admin') ? {} : { builderId: actor.id };
  }

  const gate: PublishGate = {
    events,

    async preview(input) {
      const { workspace, actor } = parseOrThrow(previewInputSchema, input, 'preview input');
      if (workspace.ownerId !== actor.id && !actor.roles.includes('admin')) {
        throw new PublishGateError('forbidden', 'Only the workspace owner or an admin can preview its publish.');
      }
      const { baseline, publication } = await baselineFor(workspace.id);
      const [rawDiff, inFlight, latest] = await Promise.all([
        git.preview({ workspace, baseline, signal: portSignal() }),
        storage.getInFlightRequest({ workspaceId: workspace.id }),
        // A builder who was rejected should not have to retype the name they asked for.
        publication ? Promise.resolve([]) : storage.listRequests({ filter: { workspaceId: workspace.id }, limit: 1 }),
      ]);
      const diff = fromPort(diffSummarySchema, rawDiff, 'git', 'preview');
      const findings = scanFindings(diff, policy.findings);
      const blockedBy = inFlight ? 'in_flight' : diff.files.length === 0 ? 'nothing_to_publish' : undefined;
      return {
        baseline,
        diff,
        findings,
        suggestedSubdomain: publication?.subdomain ?? inFlight?.subdomain ?? latest[0]?.subdomain ?? slugifySubdomain(workspace.name),
        publishable: blockedBy === undefined,
        ...(blockedBy ? { blockedBy } : {}),
        publication,
        inFlight,
      };
    },

    async checkSubdomain(input) {
      const { subdomain, workspaceId } = parseOrThrow(checkSubdomainInputSchema, input, 'subdomain check');
      const checked = validateSubdomain(subdomain, reservedOption);
      if (!checked.ok) {
        return {
          available: false,
          reason: checked.reason,
          message: checked.message,
          suggestions: await availableSuggestions(subdomainCandidates(subdomain), workspaceId),
        };
      }
      const claim = await storage.getSubdomainClaim({ subdomain: checked.normalized });
      if (claim && claim.workspaceId !== workspaceId) {
        return {
          available: false,
          reason: 'taken',
          message: `"${checked.normalized}" is already used by another workspace.`,
          suggestions: await availableSuggestions(subdomainCandidates(checked.normalized), workspaceId),
        };
      }
      return { available: true, normalized: checked.normalized };
    },

    async requestPublish(input) {
      // The fast paths answer the plain valid case exactly as zod would; anything else goes to zod.
      const { workspace, subdomain, actor, note, idempotencyKey } =
        fastRequestPublishInput(input) ?? parseOrThrow(requestPublishInputSchema, input, 'publish request');
      checkText(note, policy.maxNoteLength, 'note');
      const at = now();
      const id = ids();
      // Dry run on a placeholder so the machine's guards refuse before the workspace is committed.
      const placeholder = draftRequest({ id, workspace, actor, subdomain: 'placeholder', at, note });
      decide('draft', placeholder, { type: 'request.submit', actor, at });

      const checked = validateSubdomain(subdomain, reservedOption);
      if (!checked.ok) {
        if (checked.reason === 'reserved')
          throw new PublishGateError('subdomain_unavailable', `${checked.message}; choose another subdomain.`);
        throw new PublishGateError('validation', checked.message, { issues: [{ path: 'subdomain', message: checked.message }] });
      }
      if (idempotencyKey !== undefined) {
        const previous = await storage.findRequestByIdempotencyKey({ builderId: actor.id, key: idempotencyKey });
        if (previous) return sameOrConflict(previous, workspace.id, checked.normalized);
      }
      // Independent reads: one round trip's worth of waiting instead of four on a database.
      const [inFlight, claim, { baseline }, trust] = await Promise.all([
        storage.getInFlightRequest({ workspaceId: workspace.id }),
        storage.getSubdomainClaim({ subdomain: checked.normalized }),
        baselineFor(workspace.id),
        storage.getTrust({ blueprintId: workspace.blueprintId, userId: actor.id }),
      ]);
      if (inFlight) throw new PublishGateError('in_flight', `This workspace already has a request that is ${inFlight.status}.`);
      if (claim && claim.workspaceId !== workspace.id) {
        throw new PublishGateError('subdomain_unavailable', `The subdomain "${checked.normalized}" is already used by another workspace.`);
      }

      const signal = portSignal();
      const committed = await git.commit({
        workspace,
        baseline,
        message: flatString(commitMessage(workspace, checked.normalized, id, note)),
        author: { name: actor.name ?? actor.email, email: actor.email },
        signal,
      });
      const sha = fromPort(shaSchema, committed?.sha, 'git', 'commit');
      const rawDiff = await git.preview({ workspace, baseline, sha, signal });
      const diff = fastDiffSummary(rawDiff) ?? fromPort(diffSummarySchema, rawDiff, 'git', 'preview');
      const scanned = scanFindings(diff, policy.findings);
      // Most requests have no findings; they share one frozen empty list.
      const findings = scanned.length === 0 ? NO_FINDINGS : scanned;
      const draft: PublishRequest = {
        ...draftRequest({ id, workspace, actor, subdomain: checked.normalized, at, note }),
        sha,
        baseline,
        diff,
        findings,
        ...(policy.pendingTtlMs === undefined ? {} : { expiresAt: new Date(Date.parse(at) + policy.pendingTtlMs).toISOString() }),
      };
      const event: PublishRequestEvent = { type: 'request.submit', actor, at, trust };
      const decided = decide('draft', draft, event);
      const request = storedRequest(decided.request, 1);
      const heldForReview = trust !== null && request.status === 'pending' && hasSecretFinding(findings);
      const writes = sideWritesFor(
        undefined,
        request,
        event,
        decided.actions,
        heldForReview ? { heldForReview: 'secret-finding', trusted: true } : undefined,
      );
      let stored: PublishRequest;
      try {
        stored = await storage.createRequest({ request, ...(idempotencyKey === undefined ? {} : { idempotencyKey }), ...writes });
      } catch (error) {
        // Two submits with one key raced; the loser answers with the winner's request. Which
        // unique rule a database reports first (key, in-flight, subdomain) varies, so look it up.
        if (idempotencyKey !== undefined && PublishGateError.is(error)) {
          const previous = await storage.findRequestByIdempotencyKey({ builderId: actor.id, key: idempotencyKey });
          if (previous) return sameOrConflict(previous, workspace.id, checked.normalized);
        }
        throw error;
      }
      emit(writes.audit, { request: stored });
      return stored.status === 'approving' ? publish(stored) : stored;
    },

    async listRequests(input) {
      const parsed = parseOrThrow(listRequestsInputSchema, input, 'queue query');
      const limit = parsed.limit ?? 20;
      const isAdmin = parsed.actor.roles.includes('admin');
      if (!isAdmin && parsed.builderId !== undefined && parsed.builderId !== parsed.actor.id) {
        throw new PublishGateError('forbidden', 'Builders can list only their own requests.');
      }
      const status = parsed.status === undefined ? undefined : Array.isArray(parsed.status) ? parsed.status : [parsed.status];
      const after = parsed.cursor === undefined ? undefined : decodeCursor(parsed.cursor);
      const items = await storage.listRequests({
        filter: {
          ...(status ? { status } : {}),
          ...(parsed.blueprintId === undefined ? {} : { blueprintId: parsed.blueprintId }),
          ...(parsed.workspaceId === undefined ? {} : { workspaceId: parsed.workspaceId }),
          ...(isAdmin ? (parsed.builderId === undefined ? {} : { builderId: parsed.builderId }) : { builderId: parsed.actor.id }),
        },
        ...(after ? { after } : {}),
        limit: limit + 1,
      });
      const page = items.slice(0, limit);
      const last = page[page.length - 1];
      return { items: page, nextCursor: items.length > limit && last ? encodeCursor(last) : null };
    },

    async getRequest(input) {
      const { id, actor } = parseOrThrow(getRequestInputSchema, input, 'request id');
      const request = await storage.getRequest({ id });
      if (!request || !canSee(actor, request)) throw new PublishGateError('not_found', `No publish request ${id}.`);
      return request;
    },

    async approve(input) {
      const { id, actor, comment, expectedVersion } = fastApproveInput(input) ?? parseOrThrow(approveInputSchema, input, 'approval');
      checkText(comment, policy.maxFeedbackLength, 'comment');
      const current = await loadVisible(id, actor);
      checkVersion(current, expectedVersion);
      const approving = await apply(current, { type: 'review.approve', actor, at: now(), ...(comment ? { comment } : {}) });
      return publish(approving);
    },

    async reject(input) {
      const { id, actor, feedback, expectedVersion } = parseOrThrow(rejectInputSchema, input, 'rejection');
      checkText(feedback, policy.maxFeedbackLength, 'feedback');
      const current = await loadVisible(id, actor);
      checkVersion(current, expectedVersion);
      return apply(current, { type: 'review.reject', actor, at: now(), ...(feedback ? { feedback } : {}) });
    },

    async withdraw(input) {
      const { id, actor, expectedVersion } = parseOrThrow(withdrawInputSchema, input, 'withdrawal');
      const current = await loadVisible(id, actor);
      checkVersion(current, expectedVersion);
      return apply(current, { type: 'request.withdraw', actor, at: now() });
    },

    async retry(input) {
      const { id, actor, expectedVersion } = parseOrThrow(retryInputSchema, input, 'retry');
      const current = await loadVisible(id, actor);
      checkVersion(current, expectedVersion);
      const approving = await apply(current, { type: 'review.retry', actor, at: now() });
      return publish(approving);
    },

    async setTrust(input) {
      const { blueprintId, userId, email, trusted, actor, expiresAt } = parseOrThrow(setTrustInputSchema, input, 'trust change');
      if (!actor.roles.includes('admin')) throw new PublishGateError('forbidden', 'Managing trust needs the admin role.');
      if (trusted && userId === actor.id && !policy.allowSelfReview) {
        throw new PublishGateError('forbidden', 'You cannot trust yourself: your requests would skip review.');
      }
      const at = now();
      if (expiresAt !== undefined && Date.parse(expiresAt) <= Date.parse(at)) {
        throw new PublishGateError('validation', 'expiresAt must be in the future.', {
          issues: [{ path: 'expiresAt', message: 'must be in the future' }],
        });
      }
      const by = { id: actor.id, email: actor.email };
      const type: AuditType = trusted ? 'trust.granted' : 'trust.revoked';
      const audit: AuditEntryInput[] = frozenCopy([
        { id: ids(), type, at, actor: by, builderId: userId, blueprintId, data: { email, ...(expiresAt ? { expiresAt } : {}) } },
      ]);
      const outbox: Notification[] = frozenCopy([
        {
          id: ids(),
          type,
          occurredAt: at,
          to: { userId, email },
          data: { blueprintId, grantedBy: actor.email, ...(expiresAt ? { expiresAt } : {}) },
        },
      ]);
      if (trusted) {
        const grant: TrustGrant = frozenCopy({
          blueprintId,
          userId,
          email,
          grantedBy: by,
          grantedAt: at,
          ...(expiresAt ? { expiresAt } : {}),
        });
        const stored = await storage.putTrust({ grant, audit, outbox });
        emit(audit, { grant: stored });
        return stored;
      }
      const existing = await storage.getTrust({ blueprintId, userId });
      const removed = await storage.deleteTrust({ blueprintId, userId, audit, outbox });
      if (removed) emit(audit, existing ? { grant: existing } : {});
      return null;
    },

    async listTrust(input) {
      const { actor, blueprintId } = parseOrThrow(listTrustInputSchema, input, 'trust query');
      const grants = await storage.listTrust(blueprintId === undefined ? {} : { blueprintId });
      const at = clock().getTime();
      const visible = actor.roles.includes('admin') ? grants : grants.filter((grant) => grant.userId === actor.id);
      return visible.map((grant) => trustView(grant, at));
    },

    async history(input) {
      const { actor, requestId, workspaceId, afterSeq, limit } = parseOrThrow(historyInputSchema, input, 'history query');
      const pageSize = limit ?? 100;
      const items = await storage.listAudit({
        ...historyScope(actor),
        ...(requestId === undefined ? {} : { requestId }),
        ...(workspaceId === undefined ? {} : { workspaceId }),
        afterSeq: afterSeq ?? 0,
        limit: pageSize + 1,
      });
      const page = items.slice(0, pageSize);
      const last = page[page.length - 1];
      return { items: page, nextAfterSeq: items.length > pageSize && last ? last.seq : null };
    },

    exportHistory(input) {
      const { actor, requestId, workspaceId, format } = parseOrThrow(exportHistoryInputSchema, input, 'history export');
      const scope = {
        ...historyScope(actor),
        ...(requestId === undefined ? {} : { requestId }),
        ...(workspaceId === undefined ? {} : { workspaceId }),
      };
      return (async function* () {
        if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\n`;
        let afterSeq = 0;
        for (;;) {
          const items = await storage.listAudit({ ...scope, afterSeq, limit: PAGE });
          for (const entry of items) yield format === 'csv' ? csvRow(entry) : `${JSON.stringify(entry)}\n`;
          const last = items[items.length - 1];
          if (!last || items.length < PAGE) return;
          afterSeq = last.seq;
        }
      })();
    },

    async sweep() {
      await dispatcher?.idle();
      const report: SweepReport = { expired: 0, recovered: 0, delivered: 0, failedDeliveries: 0 };
      const at = now();
      for (;;) {
        const overdue = await storage.listOverdueRequests({ now: at, limit: PAGE });
        let progressed = 0;
        for (const request of overdue) {
          try {
            await apply(request, { type: 'request.expire', at });
            report.expired += 1;
            progressed += 1;
          } catch (error) {
            // Decided by someone else in the meantime; nothing to expire.
            if (!PublishGateError.is(error, 'conflict') && !PublishGateError.is(error, 'invalid_transition')) throw error;
          }
        }
        if (overdue.length < PAGE || progressed === 0) break;
      }

      const staleBefore = Date.parse(at) - recoverAfterMs;
      let after: RequestCursor | undefined;
      for (;;) {
        const approving = await storage.listRequests({ filter: { status: ['approving'] }, ...(after ? { after } : {}), limit: PAGE });
        for (const request of approving) {
          if (running.has(request.id) || Date.parse(request.updatedAt) > staleBefore) continue;
          let claimed: PublishRequest;
          try {
            // Claim the recovery with a compare-and-set touch so two sweepers never both resume it.
            claimed = await storage.transitionRequest({
              id: request.id,
              expectedVersion: request.version,
              next: frozenCopy(request, { version: request.version + 1, updatedAt: at }),
              audit: [],
              outbox: [],
            });
          } catch (error) {
            if (PublishGateError.is(error, 'conflict')) continue;
            throw error;
          }
          await publish(claimed);
          report.recovered += 1;
        }
        const last = approving[approving.length - 1];
        if (!last || approving.length < PAGE) break;
        after = { createdAt: last.createdAt, id: last.id };
      }

      if (dispatcher) {
        const delivery: DeliveryReport = await dispatcher.drain();
        report.delivered = delivery.delivered;
        report.failedDeliveries = delivery.failed;
      }
      return report;
    },

    onChange(listener) {
      changeListeners.add(listener);
      if (!watchController && options.storage.watchAudit) {
        const controller = new AbortController();
        watchController = controller;
        storage.watchAudit?.({ onChange: notifyChange, signal: controller.signal }).catch((error: unknown) => {
          onError(error);
          if (watchController === controller) watchController = undefined;
        });
      }
      return () => {
        changeListeners.delete(listener);
        if (changeListeners.size === 0 && watchController) {
          watchController.abort();
          watchController = undefined;
        }
      };
    },

    async close() {
      while (running.size > 0) await Promise.allSettled([...running.values()]);
      await dispatcher?.idle();
      watchController?.abort();
      watchController = undefined;
      changeListeners.clear();
    },
  };
  return gate;
}

const STORAGE_METHODS = [
  'createRequest',
  'transitionRequest',
  'getRequest',
  'findRequestByIdempotencyKey',
  'getInFlightRequest',
  'listRequests',
  'listOverdueRequests',
  'getPublication',
  'getSubdomainClaim',
  'getTrust',
  'putTrust',
  'deleteTrust',
  'listTrust',
  'listAudit',
  'claimOutbox',
  'completeOutbox',
  'failOutbox',
  'countPendingOutbox',
] as const;

// A missing adapter method would otherwise surface as "x is not a function" deep inside a publish.
function assertPort(port: unknown, name: PortName, methods: readonly string[]): void {
  const missing =
    typeof port === 'object' && port !== null
      ? methods.filter((method) => typeof (port as Record<string, unknown>)[method] !== 'function')
      : methods;
  if (missing.length > 0) {
    throw new TypeError(`createPublishGate: options.${name} is not a complete ${name} port (missing ${missing.join(', ')}).`);
  }
}

type ResolvedPolicy = Required<Omit<PublishGatePolicy, 'pendingTtlMs' | 'baseDomain' | 'findings'>> &
  Pick<PublishGatePolicy, 'pendingTtlMs' | 'baseDomain' | 'findings'>;

function resolvePolicy(policy: PublishGatePolicy = {}): ResolvedPolicy {
  const positive = (value: number | undefined, name: string) => {
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) {
      throw new PublishGateError('validation', `policy.${name} must be a positive number.`);
    }
    return value;
  };
  return {
    allowSelfReview: policy.allowSelfReview ?? false,
    pendingTtlMs: positive(policy.pendingTtlMs, 'pendingTtlMs'),
    reservedSubdomains: policy.reservedSubdomains ?? DEFAULT_RESERVED_SUBDOMAINS,
    maxFeedbackLength: positive(policy.maxFeedbackLength, 'maxFeedbackLength') ?? 2_000,
    maxNoteLength: positive(policy.maxNoteLength, 'maxNoteLength') ?? 2_000,
    baseDomain: policy.baseDomain,
    trustReviewWindowMs: positive(policy.trustReviewWindowMs, 'trustReviewWindowMs') ?? 7 * 24 * 3_600_000,
    findings: policy.findings,
  };
}

// The system clock as ISO text, formatted once per millisecond: a busy gate stamps several changes
// in the same millisecond, and they then share one string.
function systemNow(): () => string {
  let lastMs = Number.NaN;
  let lastIso = '';
  return () => {
    const ms = Date.now();
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = new Date(ms).toISOString();
    }
    return lastIso;
  };
}

const EMPTY_DIFF: DiffSummary = { files: [], additions: 0, deletions: 0, patch: '', truncated: false };
const PLACEHOLDER_SHA = '0'.repeat(40);

function draftRequest(args: {
  id: string;
  workspace: Workspace;
  actor: Actor;
  subdomain: string;
  at: string;
  note: string | undefined;
}): PublishRequest {
  return {
    id: args.id,
    version: 1,
    status: 'pending',
    workspace: args.workspace,
    builder: { id: args.actor.id, email: args.actor.email },
    subdomain: args.subdomain,
    sha: PLACEHOLDER_SHA,
    baseline: BLUEPRINT_BASELINE,
    diff: EMPTY_DIFF,
    findings: [],
    ...(args.note ? { note: args.note } : {}),
    createdAt: args.at,
    updatedAt: args.at,
  };
}

function sameOrConflict(previous: PublishRequest, workspaceId: string, subdomain: string): PublishRequest {
  if (previous.workspace.id === workspaceId && previous.subdomain === subdomain) return previous;
  throw new PublishGateError('conflict', 'This idempotency key was already used for a different publish request.');
}

function commitMessage(workspace: Workspace, subdomain: string, id: string, note: string | undefined): string {
  const body = note ? `\n\n${note}` : '';
  return `Publish ${workspace.name} to ${subdomain}${body}\n\nPublish-Request: ${id}\n`;
}

function describeEvent(event: PublishRequestEvent): string {
  switch (event.type) {
    case 'request.submit':
      return 'submit';
    case 'review.approve':
      return 'approve';
    case 'review.reject':
      return 'reject';
    case 'request.withdraw':
      return 'withdraw';
    case 'request.expire':
      return 'expire';
    case 'review.retry':
      return 'retry';
    case 'publish.succeeded':
    case 'publish.failed':
      return 'finish publishing';
  }
}

// Whole object literals rather than fields added afterwards or spreads: V8 then keeps every field
// inside the object and freezes it cheaply. These run for every stored change.
function auditEntry(
  id: string,
  type: AuditType,
  actor: AuditActor,
  fromStatus: PublishStatus | undefined,
  request: PublishRequest,
  data: Record<string, unknown>,
): AuditEntryInput {
  const { workspace } = request;
  const at = request.updatedAt;
  const builderId = request.builder.id;
  return fromStatus === undefined
    ? {
        id,
        type,
        at,
        actor,
        builderId,
        requestId: request.id,
        workspaceId: workspace.id,
        blueprintId: workspace.blueprintId,
        toStatus: request.status,
        data,
      }
    : {
        id,
        type,
        at,
        actor,
        builderId,
        requestId: request.id,
        workspaceId: workspace.id,
        blueprintId: workspace.blueprintId,
        fromStatus,
        toStatus: request.status,
        data,
      };
}

// The person an entry names is nearly always already on the request (its builder, or the decision's
// reviewer) as an equal frozen object; entries share that one instead of keeping a copy each.
function auditPerson(event: PublishRequestEvent, request: PublishRequest): AuditActor {
  if (!('actor' in event)) return SYSTEM;
  const { id, email } = event.actor;
  const { builder } = request;
  if (builder.id === id && builder.email === email) return builder;
  const by = request.decision?.by;
  if (by && 'email' in by && by.id === id && by.email === email) return by;
  return Object.freeze({ id, email });
}

function auditData(request: PublishRequest, extra: Record<string, unknown> | undefined): Record<string, unknown> {
  const data: Record<string, unknown> = {
    version: request.version,
    subdomain: request.subdomain,
    sha: request.sha,
    workspaceName: request.workspace.name,
    builderEmail: request.builder.email,
  };
  const { decision } = request;
  if (decision?.feedback) data.feedback = decision.feedback;
  if (decision?.comment) data.comment = decision.comment;
  if (request.branch) data.branch = request.branch;
  if (request.pullRequest) data.pullRequest = request.pullRequest;
  if (request.error) data.error = request.error;
  return extra ? Object.assign(data, extra) : data;
}

function notificationData(
  request: PublishRequest,
  baseDomain: string | undefined,
  link: string | undefined,
  extra: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const data: Record<string, unknown> = {
    requestId: request.id,
    status: request.status,
    workspaceId: request.workspace.id,
    workspaceName: request.workspace.name,
    blueprintId: request.workspace.blueprintId,
    builderEmail: request.builder.email,
    subdomain: request.subdomain,
    additions: request.diff.additions,
    deletions: request.diff.deletions,
    files: request.diff.files.length,
    findings: request.findings.length,
  };
  if (baseDomain) data.url = flatString(`https://${request.subdomain}.${baseDomain}`);
  if (request.decision?.feedback) data.feedback = request.decision.feedback;
  if (request.pullRequest) data.pullRequestUrl = request.pullRequest.url;
  if (request.error) data.error = request.error.message;
  if (link) data.requestUrl = link;
  return extra ? Object.assign(data, extra) : data;
}

function defaultPullRequestText(
  request: PublishRequest,
  baseDomain: string | undefined,
  link: string | undefined,
): { title: string; body: string } {
  const decidedBy =
    request.decision?.by && 'email' in request.decision.by ? escapeCell(request.decision.by.email) : 'trust (auto-approved builder)';
  const lines = [
    `Publish request \`${request.id}\` approved by ${decidedBy}.${link ? ` [Open in the portal](${link.replace(/[()\s<>[\]]/g, (char) => encodeURIComponent(char))})` : ''}`,
    '',
    '| | |',
    '|---|---|',
    `| Workspace | ${escapeCell(request.workspace.name)} (\`${request.workspace.id}\`) |`,
    `| Builder | ${escapeCell(request.builder.email)} |`,
    `| Subdomain | \`${request.subdomain}\`${baseDomain ? ` (https://${request.subdomain}.${baseDomain})` : ''} |`,
    `| Commit | \`${request.sha}\` |`,
    `| Changes | ${request.diff.files.length} files, +${request.diff.additions} −${request.diff.deletions} |`,
  ];
  if (request.findings.length > 0) {
    lines.push(
      '',
      '**Findings**',
      '',
      ...request.findings.slice(0, 20).map((finding) => `- ${finding.kind}: ${escapeCell(finding.message)}`),
    );
  }
  if (request.decision?.comment) lines.push('', '**Reviewer comment**', '', escapeCell(request.decision.comment));
  return { title: `Publish ${request.workspace.name} to ${request.subdomain}`.slice(0, 250), body: lines.join('\n') };
}

// User text goes into a Markdown table and must not break out of it or ping people: Markdown
// specials are backslash-escaped, `@` gets a zero-width space, line breaks become spaces.
const CELL_SPECIALS = /[|\\`*_<>[\]@]|\r?\n/g;
function escapeCell(text: string): string {
  return text.replace(CELL_SPECIALS, (match) => (match === '@' ? '@\u200b' : match.endsWith('\n') ? ' ' : `\\${match}`));
}

function encodeCursor(request: PublishRequest): string {
  const raw = JSON.stringify([request.createdAt, request.id]);
  return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function decodeCursor(cursor: string): RequestCursor {
  try {
    const raw = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      if (!Number.isNaN(Date.parse(parsed[0]))) return { createdAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the typed error
  }
  throw new PublishGateError('validation', 'The cursor is not one this server issued.', {
    issues: [{ path: 'cursor', message: 'invalid cursor' }],
  });
}

const CSV_COLUMNS = [
  'seq',
  'at',
  'type',
  'actor',
  'requestId',
  'workspaceId',
  'blueprintId',
  'builderId',
  'fromStatus',
  'toStatus',
  'data',
];

function csvRow(entry: AuditEntry): string {
  const actor = 'email' in entry.actor ? entry.actor.email : 'trust' in entry.actor ? 'trust' : 'system';
  const cells = [
    String(entry.seq),
    entry.at,
    entry.type,
    actor,
    entry.requestId ?? '',
    entry.workspaceId ?? '',
    entry.blueprintId ?? '',
    entry.builderId ?? '',
    entry.fromStatus ?? '',
    entry.toStatus ?? '',
    JSON.stringify(entry.data),
  ];
  return `${cells.map(csvCell).join(',')}\n`;
}

// Quote every cell and defuse spreadsheet formulas (cells starting with = + - @).
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}
