import { and, assign, not, setup } from 'xstate';
import type { PublishGateErrorCode } from '../errors.js';
import { hasSecretFinding } from '../findings.js';
import {
  type Actor,
  type AuditType,
  DEFAULT_REQUEST_RULE,
  type Delivery,
  type DeliveryState,
  type PublishEventType,
  type PublishProgress,
  type PublishRequest,
  type PullRequestRef,
  type RequestRule,
  ROLLBACK_TARGET_STATES,
  type TrustGrant,
} from '../schemas/domain.js';

/** Guard settings the machine reads from its context. */
export type MachinePolicy = {
  /** Let an admin approve or reject their own request. Default false. */
  allowSelfReview: boolean;
  /** A pending request's approvers are reminded this long after submission. Default: never. */
  remindAfterMs?: number | undefined;
  /** …and again this long after each reminder. Default: `remindAfterMs`. */
  remindEveryMs?: number | undefined;
};

/** What the machine holds: the request as it would be stored, and the policy its guards read. */
export type PublishRequestContext = {
  request: PublishRequest;
  policy: MachinePolicy;
};

/** Input for `createActor(publishRequestMachine, { input })`. */
export type PublishRequestInput = {
  /** The request; its `status` is overwritten as the machine moves. */
  request: PublishRequest;
  policy?: Partial<MachinePolicy>;
};

/** Why a publish failed, as stored on the request: the last error, and whether and how often it was tried. */
export type PublishFailure = { code: string; message: string; retryable?: boolean; attempts?: number };

/**
 * Commands the machine accepts. Every one carries `at` (ISO-8601 UTC) so the machine itself never
 * reads a clock, which keeps pure `transition()` calls deterministic.
 */
export type PublishRequestEvent =
  | {
      type: 'request.submit';
      actor: Actor;
      at: string;
      trust?: TrustGrant | null;
      /** The blueprint's approval rule at this moment; the request keeps a copy (none: the default rule). */
      rule?: RequestRule | null;
      /** For a rollback (`request.kind === 'rollback'`): the earlier request named by `rollbackOf`, as stored. */
      rollbackTarget?: PublishRequest;
    }
  | { type: 'review.approve'; actor: Actor; at: string; comment?: string }
  | { type: 'review.reject'; actor: Actor; at: string; feedback?: string }
  | { type: 'request.withdraw'; actor: Actor; at: string }
  | { type: 'request.expire'; at: string }
  /** Remind the approvers of a pending request; refused unless one is due (see {@link MachinePolicy}). */
  | { type: 'reminder.send'; at: string }
  | { type: 'review.retry'; actor: Actor; at: string }
  | { type: 'publish.progress'; at: string; progress: PublishProgress }
  | { type: 'publish.succeeded'; at: string; branch: string; pullRequest: PullRequestRef }
  | { type: 'publish.failed'; at: string; error: PublishFailure }
  | DeliveryEvent;

/**
 * What the git host reported about an approved request's pull request (a webhook, or a poll):
 * merged (as `mergeSha`), closed without merging, its deployment live (at `deploymentUrl`), or its
 * deployment failed. Only the `approved` state accepts them, and only forward (see {@link DELIVERY_MOVES}).
 */
export type DeliveryEvent =
  | { type: 'delivery.merged'; at: string; mergeSha?: string }
  | {
      type: 'delivery.closed';
      at: string;
      /**
       * What the workspace's publication goes back to because of this (storage applies it in the
       * same write): the earlier request's commit, or null for none (a first publish, whose subdomain
       * is released). Absent when the publication is not this request's (a newer publish replaced it).
       */
      publicationRestored?: RestoredPublication | null;
    }
  | { type: 'delivery.live'; at: string; mergeSha?: string; deploymentUrl?: string }
  | { type: 'delivery.deploy_failed'; at: string; mergeSha?: string };

/**
 * For each delivery event, the delivery states it moves on from. Every other (state, event) pair
 * is ignored, so a late or repeated report never moves a delivery backwards: nothing leaves
 * `live`; `merged` ignores a close; a failed deployment may still go live (a redeploy succeeded),
 * never the reverse; a pull request closed unmerged may still be reopened and merged.
 */
export const DELIVERY_MOVES: Readonly<Record<DeliveryEvent['type'], readonly DeliveryState[]>> = {
  'delivery.merged': ['pull-request-open', 'closed-unmerged'],
  'delivery.closed': ['pull-request-open'],
  'delivery.live': ['pull-request-open', 'merged', 'closed-unmerged', 'deploy-failed'],
  'delivery.deploy_failed': ['pull-request-open', 'merged', 'closed-unmerged'],
};

const DELIVERY_STATE_OF: Record<DeliveryEvent['type'], DeliveryState> = {
  'delivery.merged': 'merged',
  'delivery.closed': 'closed-unmerged',
  'delivery.live': 'live',
  'delivery.deploy_failed': 'deploy-failed',
};

/** An approved request's delivery state; requests approved before delivery tracking count as open. */
export const deliveryStateOf = (request: PublishRequest): DeliveryState => request.delivery?.state ?? 'pull-request-open';

const isDeliveryEvent = (event: PublishRequestEvent): event is DeliveryEvent => event.type in DELIVERY_MOVES;

/** The publication a workspace goes back to when its latest publish is closed unmerged. */
export type RestoredPublication = { requestId: string; sha: string; subdomain: string };

// Said on request.closed: where the workspace's publication went back to, when it moved.
const closedData = ({ event }: Ctx): { data?: Record<string, unknown> } =>
  event.type === 'delivery.closed' && event.publicationRestored !== undefined
    ? { data: { publicationRestored: event.publicationRestored } }
    : {};

/** Parameters of the `refuse` action: the machine's verdict when a guard blocks a command. */
export type RefuseParams = { code: PublishGateErrorCode; message: string };
/** Parameters of the `record` action: an audit entry the transition writes, with extra data for it. */
export type RecordParams = { type: AuditType; data?: Record<string, unknown> };
/** Parameters of the `notify` action: a notification the transition sends, with extra data for it. */
export type NotifyParams = { type: PublishEventType; to: 'admins' | 'builder' | 'approvers'; data?: Record<string, unknown> };
/** What the `publish` actor resolves with: the pushed branch and the opened pull request. */
export type PublishOutput = { branch: string; pullRequest: PullRequestRef };

type Ctx = { context: PublishRequestContext; event: PublishRequestEvent };

const isAdmin = (actor: Actor) => actor.roles.includes('admin');
const actorOf = (event: PublishRequestEvent): Actor | undefined => ('actor' in event ? event.actor : undefined);
const person = (actor: Actor) => ({ id: actor.id, email: actor.email });
const refuse = (code: PublishGateErrorCode, message: string) => ({ type: 'refuse' as const, params: { code, message } });
const record = (type: AuditType, data?: Record<string, unknown>) => ({
  type: 'record' as const,
  params: data ? { type, data } : { type },
});
const notify = (type: PublishEventType, to: NotifyParams['to'], data?: Record<string, unknown>) => ({
  type: 'notify' as const,
  params: data ? { type, to, data } : { type, to },
});
const withRequest = (context: PublishRequestContext, patch: Partial<PublishRequest>): PublishRequest => ({ ...context.request, ...patch });
const withoutError = ({ error: _cleared, ...rest }: PublishRequest): PublishRequest => rest;
// Progress describes a publish under way; once it ends, the outcome (pull request or error) says the rest.
const withoutProgress = ({ progress: _done, ...rest }: PublishRequest): PublishRequest => rest;
/** The rule a request must satisfy: its own copy, or the default (one admin) for requests without one. */
export const ruleOf = (request: PublishRequest): RequestRule => request.rule ?? DEFAULT_REQUEST_RULE;
/** Whether `actor` may approve or reject under `rule`: named by id, or holding one of its roles. */
export const isEligibleApprover = (rule: RequestRule, actor: Actor): boolean =>
  rule.approvers.some((approver) => ('userId' in approver ? approver.userId === actor.id : actor.roles.includes(approver.role)));
// Approvals that count: distinct people, never the builder when the rule asks for more than one.
const countedApprovals = (request: PublishRequest): number => {
  const rule = ruleOf(request);
  const people = new Set((request.approvals ?? []).map((approval) => approval.by.id));
  if (rule.requiredApprovals > 1) people.delete(request.builder.id);
  return people.size;
};
/**
 * The oldest version a decision may have been made on and still see the request as it is: the
 * request's version, or, when only reminders changed it since, the version before them.
 */
export const unchangedSince = (request: PublishRequest): number =>
  request.reminder && request.reminder.version === request.version ? request.reminder.unchangedSince : request.version;
/** When the next reminder of a pending request is due under `policy`, in ms; undefined when reminders are off. */
export const nextReminderAt = (request: PublishRequest, policy: MachinePolicy): number | undefined => {
  if (policy.remindAfterMs === undefined) return undefined;
  const first = Date.parse(request.createdAt) + policy.remindAfterMs;
  if (!request.reminder) return first;
  return Math.max(first, Date.parse(request.reminder.at) + (policy.remindEveryMs ?? policy.remindAfterMs));
};
// Said on the submission of a trusted builder whose diff needs a human anyway.
const HELD_FOR_REVIEW = { heldForReview: 'secret-finding', trusted: true };

/**
 * The publish request lifecycle, and the only authority on its transitions.
 *
 * States are the stored statuses plus `draft` (before submission). Guards check roles, ownership,
 * self-review, trust and the request's approval rule (copied from the submit event's `rule`: who may
 * approve, how many distinct approvals publish; until then an approval is recorded in `approvals`
 * and the request stays `pending`); a blocked command stays in place and emits one `refuse` action naming a
 * `PublishGateError` code. Transitions declare their side effects as named actions — `record`
 * (audit entry) and `notify` (notification) — which the gate writes in the same storage
 * transaction as the new state, and a host driving the machine directly can `.provide()`.
 * Entering `approving` emits the `publish` action (push the pinned commit, open the pull request);
 * the gate asks the machine with xstate's pure `transition()`, stores the result, then runs that
 * effect itself and reports the outcome with `publish.succeeded` / `publish.failed`. A live actor
 * gets the same with {@link createPublishEffect}. (The effect is an action rather than an invoked
 * actor because the gate must store `approving` before anything is pushed: an invoked actor would
 * start inside the transition.) Events the machine ignores in a state change nothing.
 *
 * @example
 * ```ts
 * import { createActor } from 'xstate';
 * import { createPublishEffect, publishRequestMachine } from '@publishgate/core';
 *
 * const actor = createActor(
 *   publishRequestMachine.provide({
 *     actions: {
 *       publish: createPublishEffect(async ({ request, signal }) => ({
 *         branch: `publish/${request.subdomain}-${request.id}`,
 *         pullRequest: { number: 1, url: 'https://example.test/pr/1' },
 *       })),
 *     },
 *   }),
 *   { input: { request } },
 * ).start();
 * actor.send({ type: 'request.submit', actor: builder, at: new Date().toISOString() });
 * actor.send({ type: 'review.approve', actor: admin, at: new Date().toISOString() });
 * ```
 */
export const publishRequestMachine = setup({
  types: {
    context: {} as PublishRequestContext,
    events: {} as PublishRequestEvent,
    input: {} as PublishRequestInput,
  },
  actions: {
    // Entering `approving` asks for the push and pull request; a live actor provides it with
    // createPublishEffect, the gate runs the effect itself after storing the state.
    publish: (_: unknown) => {},
    // Declarative effects: the gate reads them from pure transitions; live actors may provide them.
    refuse: (_: unknown, _params: RefuseParams) => {},
    record: (_: unknown, _params: RecordParams) => {},
    notify: (_: unknown, _params: NotifyParams) => {},
    setStatus: assign({
      request: ({ context }, params: { status: PublishRequest['status'] }) => withRequest(context, { status: params.status }),
    }),
    touch: assign({ request: ({ context, event }) => withRequest(context, { updatedAt: event.at }) }),
    // The request keeps the rule of the moment it was submitted: a later change never applies to it.
    copyRule: assign({
      request: ({ context, event }) =>
        event.type === 'request.submit' && event.rule
          ? withRequest(context, { rule: { requiredApprovals: event.rule.requiredApprovals, approvers: event.rule.approvers } })
          : context.request,
    }),
    addApproval: assign({
      request: ({ context, event }) => {
        if (event.type !== 'review.approve') return context.request;
        const approval = { by: person(event.actor), at: event.at, ...(event.comment ? { comment: event.comment } : {}) };
        return withRequest(context, { updatedAt: event.at, approvals: [...(context.request.approvals ?? []), approval] });
      },
    }),
    recordApproval: assign({
      request: ({ context, event }) => {
        const actor = actorOf(event);
        const comment = event.type === 'review.approve' ? event.comment : undefined;
        return withRequest(context, {
          updatedAt: event.at,
          decision: {
            kind: 'approved',
            by: actor ? person(actor) : { trust: true },
            at: event.at,
            ...(comment ? { comment } : {}),
          },
        });
      },
    }),
    recordTrustApproval: assign({
      request: ({ context, event }) =>
        withRequest(context, { updatedAt: event.at, decision: { kind: 'approved', by: { trust: true }, at: event.at } }),
    }),
    recordRejection: assign({
      request: ({ context, event }) => {
        const actor = actorOf(event);
        const feedback = event.type === 'review.reject' ? event.feedback : undefined;
        return withRequest(context, {
          updatedAt: event.at,
          decision: {
            kind: 'rejected',
            by: actor ? person(actor) : { trust: true },
            at: event.at,
            ...(feedback ? { feedback } : {}),
          },
        });
      },
    }),
    countAttempt: assign({
      request: ({ context }) => withRequest(context, { attempts: (context.request.attempts ?? 0) + 1 }),
    }),
    queue: assign({
      request: ({ context, event }) => withRequest(context, { progress: { step: 'queued', attempt: 0, since: event.at } }),
    }),
    recordProgress: assign({
      request: ({ context, event }) =>
        event.type === 'publish.progress' ? withRequest(context, { updatedAt: event.at, progress: event.progress }) : context.request,
    }),
    recordPublished: assign({
      request: ({ context, event }) => {
        if (event.type !== 'publish.succeeded') return context.request;
        return {
          ...withoutProgress(withoutError(context.request)),
          updatedAt: event.at,
          branch: event.branch,
          pullRequest: event.pullRequest,
          delivery: { state: 'pull-request-open', at: event.at, url: event.pullRequest.url },
        };
      },
    }),
    recordDelivery: assign({
      request: ({ context, event }) => {
        if (!isDeliveryEvent(event)) return context.request;
        const before = context.request.delivery;
        const mergeSha = 'mergeSha' in event && event.mergeSha ? event.mergeSha : before?.mergeSha;
        const deploymentUrl = event.type === 'delivery.live' ? event.deploymentUrl : undefined;
        const url = before?.url ?? context.request.pullRequest?.url;
        const delivery: Delivery = {
          state: DELIVERY_STATE_OF[event.type],
          at: event.at,
          ...(url ? { url } : {}),
          ...(mergeSha ? { mergeSha } : {}),
          ...(deploymentUrl ? { deploymentUrl } : {}),
        };
        return withRequest(context, { updatedAt: event.at, delivery });
      },
    }),
    recordFailure: assign({
      request: ({ context, event }) =>
        event.type === 'publish.failed'
          ? { ...withoutProgress(context.request), updatedAt: event.at, error: event.error }
          : context.request,
    }),
    // The machine cannot read the storage's version counter, but commit() always stores version + 1.
    recordReminder: assign({
      request: ({ context, event }) => {
        const { request } = context;
        const before = request.reminder;
        return withRequest(context, {
          updatedAt: event.at,
          reminder: {
            at: event.at,
            count: (before?.count ?? 0) + 1,
            version: request.version + 1,
            unchangedSince: unchangedSince(request),
          },
        });
      },
    }),
    clearFailure: assign({
      request: ({ context, event }) => ({ ...withoutError(context.request), updatedAt: event.at }),
    }),
  },
  guards: {
    isOwner: ({ context, event }: Ctx) => {
      const actor = actorOf(event);
      return actor !== undefined && actor.id === context.request.workspace.ownerId;
    },
    isRequester: ({ context, event }: Ctx) => {
      const actor = actorOf(event);
      return actor !== undefined && actor.id === context.request.builder.id;
    },
    isOwnerOrAdmin: ({ context, event }: Ctx) => {
      const actor = actorOf(event);
      return actor !== undefined && (actor.id === context.request.workspace.ownerId || isAdmin(actor));
    },
    isAdmin: ({ event }: Ctx) => {
      const actor = actorOf(event);
      return actor !== undefined && isAdmin(actor);
    },
    isEligibleApprover: ({ context, event }: Ctx) => {
      const actor = actorOf(event);
      return actor !== undefined && isEligibleApprover(ruleOf(context.request), actor);
    },
    hasDefaultRule: ({ context }: Ctx) => context.request.rule === undefined,
    // With more than one approval required, the builder's own never counts, whatever the self-review policy.
    isBuilderUnderMultiRule: ({ context, event }: Ctx) =>
      actorOf(event)?.id === context.request.builder.id && ruleOf(context.request).requiredApprovals > 1,
    hasApproved: ({ context, event }: Ctx) => {
      const actor = actorOf(event);
      return actor !== undefined && (context.request.approvals ?? []).some((approval) => approval.by.id === actor.id);
    },
    // This approval (not yet added) meets the rule.
    completesRule: ({ context }: Ctx) => countedApprovals(context.request) + 1 >= ruleOf(context.request).requiredApprovals,
    isSelfReview: ({ context, event }: Ctx) => {
      const actor = actorOf(event);
      return !context.policy.allowSelfReview && actor !== undefined && actor.id === context.request.builder.id;
    },
    isTrusted: ({ context, event }: Ctx) => {
      if (event.type !== 'request.submit' || !event.trust) return false;
      const { trust } = event;
      const { request } = context;
      if (trust.blueprintId !== request.workspace.blueprintId || trust.userId !== request.builder.id) return false;
      return trust.expiresAt === undefined || Date.parse(trust.expiresAt) > Date.parse(event.at);
    },
    hasSecretFinding: ({ context }: Ctx) => hasSecretFinding(context.request.findings),
    isRollback: ({ context }: Ctx) => context.request.kind === 'rollback',
    // The earlier request a rollback names, handed over with the submit, is of the same workspace.
    isRollbackOfThisWorkspace: ({ context, event }: Ctx) =>
      event.type === 'request.submit' &&
      event.rollbackTarget !== undefined &&
      event.rollbackTarget.id === context.request.rollbackOf &&
      event.rollbackTarget.workspace.id === context.request.workspace.id,
    // Only a version that really went out (its pull request merged) can be brought back.
    isRollbackTargetDelivered: ({ event }: Ctx) =>
      event.type === 'request.submit' &&
      event.rollbackTarget?.status === 'approved' &&
      ROLLBACK_TARGET_STATES.includes(deliveryStateOf(event.rollbackTarget)),
    // The delivery may move on with this event (see DELIVERY_MOVES).
    deliveryMovesOn: ({ context, event }: Ctx) =>
      isDeliveryEvent(event) && DELIVERY_MOVES[event.type].includes(deliveryStateOf(context.request)),
    isReminderDue: ({ context, event }: Ctx) => {
      const due = nextReminderAt(context.request, context.policy);
      return due !== undefined && due <= Date.parse(event.at);
    },
    isOverdue: ({ context, event }: Ctx) =>
      context.request.expiresAt !== undefined && Date.parse(context.request.expiresAt) <= Date.parse(event.at),
  },
}).createMachine({
  id: 'publishRequest',
  context: ({ input }) => ({
    request: input.request,
    policy: {
      allowSelfReview: input.policy?.allowSelfReview ?? false,
      remindAfterMs: input.policy?.remindAfterMs,
      remindEveryMs: input.policy?.remindEveryMs,
    },
  }),
  initial: 'draft',
  states: {
    draft: {
      on: {
        'request.submit': [
          // A rollback is an ordinary request once these pass: the same trust, findings and review below.
          {
            guard: and(['isRollback', not('isOwnerOrAdmin')]),
            actions: refuse('forbidden', 'Only the workspace owner or an admin can roll a workspace back.'),
          },
          {
            guard: and(['isRollback', not('isRollbackOfThisWorkspace')]),
            actions: refuse('validation', 'A rollback can only bring back an earlier publication of the same workspace.'),
          },
          {
            guard: and(['isRollback', not('isRollbackTargetDelivered')]),
            actions: refuse('invalid_transition', 'Only a publication whose pull request was merged (or is live) can be brought back.'),
          },
          {
            guard: and([not('isRollback'), not('isOwner')]),
            actions: refuse('forbidden', 'Only the workspace owner can submit a publish request.'),
          },
          // A trusted builder skips the queue; the request is stored directly as approving.
          {
            guard: and(['isTrusted', not('hasSecretFinding')]),
            target: 'approving',
            actions: ['copyRule', record('request.submitted'), 'recordTrustApproval', record('request.approving')],
          },
          // A likely secret always needs a human, whoever the builder is; admins are told why it waits.
          {
            guard: 'isTrusted',
            target: 'pending',
            actions: ['copyRule', record('request.submitted', HELD_FOR_REVIEW), notify('request.submitted', 'admins', HELD_FOR_REVIEW)],
          },
          { target: 'pending', actions: ['copyRule', record('request.submitted'), notify('request.submitted', 'admins')] },
        ],
      },
    },
    pending: {
      entry: { type: 'setStatus', params: { status: 'pending' } },
      on: {
        // The request's own rule (copied at submission) says who may approve and how many must.
        'review.approve': [
          { guard: and([not('isEligibleApprover'), 'hasDefaultRule']), actions: refuse('forbidden', 'Approving needs the admin role.') },
          { guard: not('isEligibleApprover'), actions: refuse('forbidden', "You are not an approver under this request's rule.") },
          { guard: 'isSelfReview', actions: refuse('forbidden', 'You cannot review your own publish request.') },
          {
            guard: 'isBuilderUnderMultiRule',
            actions: refuse('forbidden', "The builder's own approval never counts toward a rule of several approvals."),
          },
          { guard: 'hasApproved', actions: refuse('conflict', 'You already approved this request.') },
          { guard: 'completesRule', target: 'approving', actions: ['addApproval', 'recordApproval', record('request.approving')] },
          // Not enough yet: the approval is recorded and the request keeps waiting for the others.
          { actions: ['addApproval', record('request.approval_added')] },
        ],
        // Any eligible approver's rejection rejects, whatever approvals were given before.
        'review.reject': [
          { guard: and([not('isEligibleApprover'), 'hasDefaultRule']), actions: refuse('forbidden', 'Rejecting needs the admin role.') },
          { guard: not('isEligibleApprover'), actions: refuse('forbidden', "You are not an approver under this request's rule.") },
          { guard: 'isSelfReview', actions: refuse('forbidden', 'You cannot review your own publish request.') },
          { target: 'rejected', actions: ['recordRejection', record('request.rejected'), notify('request.rejected', 'builder')] },
        ],
        'request.withdraw': [
          // Whoever asked may take it back: an admin's rollback of someone's workspace, too.
          {
            guard: and([not('isOwner'), not('isRequester')]),
            actions: refuse('forbidden', 'Only the workspace owner or whoever made the request can withdraw it.'),
          },
          { target: 'withdrawn', actions: ['touch', record('request.withdrawn'), notify('request.withdrawn', 'admins')] },
        ],
        'request.expire': [
          { guard: 'isOverdue', target: 'expired', actions: ['touch', record('request.expired'), notify('request.expired', 'builder')] },
          { actions: refuse('invalid_transition', 'The request is not past its deadline.') },
        ],
        // At most one reminder per period: the guard reads the last one from the request, and the
        // gate commits with compare-and-set, so of several sweepers only one stores it.
        'reminder.send': [
          {
            guard: 'isReminderDue',
            actions: ['recordReminder', record('request.reminder'), notify('request.reminder', 'approvers')],
          },
          { actions: refuse('invalid_transition', 'No reminder is due for this request.') },
        ],
      },
    },
    approving: {
      // `publish` is declarative like `record` and `notify`: the gate runs the push and pull request
      // itself after storing this state; a live actor provides it (see createPublishEffect).
      entry: [{ type: 'setStatus', params: { status: 'approving' } }, 'countAttempt', 'queue', 'publish'],
      on: {
        // The publish job moved to another step, or waits for its next attempt (a retry, or its turn
        // in the pacing budget). Who retries, and when, is the gate's policy, not a lifecycle rule.
        'publish.progress': { actions: ['recordProgress', record('request.progress')] },
        'publish.succeeded': {
          target: 'approved',
          actions: ['recordPublished', record('request.approved'), notify('request.approved', 'builder')],
        },
        'publish.failed': {
          target: 'failed',
          actions: ['recordFailure', record('request.failed'), notify('request.failed', 'admins')],
        },
      },
    },
    failed: {
      entry: { type: 'setStatus', params: { status: 'failed' } },
      on: {
        'review.retry': [
          { guard: not('isAdmin'), actions: refuse('forbidden', 'Retrying needs the admin role.') },
          { target: 'approving', actions: ['clearFailure', record('request.retried')] },
        ],
        // Deviation from DESIGN.md: a failed publish that cannot succeed (the branch was taken by
        // someone else) would otherwise hold the workspace's in-flight slot forever.
        'request.withdraw': [
          { guard: not('isOwnerOrAdmin'), actions: refuse('forbidden', 'Only the workspace owner or an admin can withdraw this request.') },
          { target: 'withdrawn', actions: ['touch', record('request.withdrawn'), notify('request.withdrawn', 'admins')] },
        ],
      },
    },
    // Not final: the pull request goes on to be merged, deployed or closed. Only delivery events
    // apply here, and only forward (`deliveryMovesOn`); any other event is ignored.
    approved: {
      entry: { type: 'setStatus', params: { status: 'approved' } },
      on: {
        'delivery.merged': {
          guard: 'deliveryMovesOn',
          actions: ['recordDelivery', record('request.merged'), notify('request.merged', 'builder')],
        },
        'delivery.closed': {
          guard: 'deliveryMovesOn',
          actions: [
            'recordDelivery',
            { type: 'record', params: (args: Ctx): RecordParams => ({ type: 'request.closed', ...closedData(args) }) },
            { type: 'notify', params: (args: Ctx): NotifyParams => ({ type: 'request.closed', to: 'builder', ...closedData(args) }) },
          ],
        },
        'delivery.live': {
          guard: 'deliveryMovesOn',
          actions: ['recordDelivery', record('request.live'), notify('request.live', 'builder')],
        },
        'delivery.deploy_failed': {
          guard: 'deliveryMovesOn',
          actions: ['recordDelivery', record('request.deploy_failed'), notify('request.deploy_failed', 'builder')],
        },
      },
    },
    rejected: { type: 'final', entry: { type: 'setStatus', params: { status: 'rejected' } } },
    withdrawn: { type: 'final', entry: { type: 'setStatus', params: { status: 'withdrawn' } } },
    expired: { type: 'final', entry: { type: 'setStatus', params: { status: 'expired' } } },
  },
});
