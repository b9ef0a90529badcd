import mitt, { type Emitter } from 'mitt';
import { type PortName, PublishGateError } from '../errors.js';
import { isFanOutNotifier } from '../fanOutNotifier.js';
import { guardPort } from '../guardPort.js';
import type { MachinePolicy } from '../lifecycle/machine.js';
import { isEligibleApprover } from '../lifecycle/machine.js';
import { createOutboxDispatcher, type OutboxDispatcher } from '../outbox.js';
import type { GitPort } from '../ports/git.js';
import type { GitHostPort } from '../ports/gitHost.js';
import type { StoragePort } from '../ports/storage.js';
import type { Actor, ApprovalRule, AuditEntryInput, PublishRequest, TrustGrant } from '../schemas/domain.js';
import { defaultPullRequestText } from './format/pullRequestText.js';
import { type ResolvedPolicy, resolvePolicy } from './policy.js';
import type { GateEvents, PublishGateOptions } from './types.js';

/** Everything a command needs: the guarded ports, the resolved options and the gate's shared state. */
export type GateContext = {
  storage: StoragePort;
  git: GitPort;
  gitHost: GitHostPort;
  policy: ResolvedPolicy;
  machinePolicy: MachinePolicy;
  /** The current time. */
  clock: () => Date;
  /** The current time as ISO-8601 UTC text. */
  now: () => string;
  ids: () => string;
  /** A fresh deadline for one port call (or one publish: push and pull request together). */
  portSignal: () => AbortSignal;
  branchName: (request: PublishRequest) => string;
  pullRequestText: (request: PublishRequest) => { title: string; body: string };
  requestUrl: ((request: PublishRequest) => string) | undefined;
  /** How long a claimed publish job is held (its lease). */
  recoverAfterMs: number;
  events: Emitter<GateEvents>;
  dispatcher: OutboxDispatcher | undefined;
  /** Publish jobs running in this process, so a worker, sweep() and a decision never run one twice here. */
  running: Map<string, Promise<PublishRequest | undefined>>;
  /** Emits stored audit entries as events, wakes change listeners and the outbox dispatcher. */
  emit: (audit: readonly AuditEntryInput[], payload: { request?: PublishRequest; grant?: TrustGrant; rule?: ApprovalRule }) => void;
  /** Subscribes to stored changes (this gate's, and other servers' when storage can watch). */
  onChange: (listener: () => void) => () => void;
  /** Stops watching storage and forgets change listeners. */
  stopWatching: () => void;
  onError: (error: unknown) => void;
};

const STORAGE_METHODS = [
  'createRequest',
  'transitionRequest',
  'getRequest',
  'findRequestByIdempotencyKey',
  'getInFlightRequest',
  'listRequests',
  'listOverdueRequests',
  'findRequestByPullRequest',
  'findRequestByMergeSha',
  'claimDeliveryChecks',
  'getPublication',
  'getSubdomainClaim',
  'getTrust',
  'putTrust',
  'deleteTrust',
  'listTrust',
  'getApprovalRule',
  'putApprovalRule',
  'listApprovalRules',
  'listAudit',
  'claimOutbox',
  'completeOutbox',
  'failOutbox',
  'countPendingOutbox',
  'listDeadLetters',
  'redeliverOutbox',
  'claimJobs',
  'getJob',
  'reservePacing',
] as const;

/** Checks and wraps the options of `createPublishGate` into the context its commands share. */
export function createGateContext(options: PublishGateOptions): GateContext {
  assertPort(options.storage, 'storage', STORAGE_METHODS);
  assertPort(options.git, 'git', ['preview', 'commit', 'push']);
  assertPort(options.gitHost, 'gitHost', ['openPullRequest']);
  if (options.notifier !== undefined) assertPort(options.notifier, 'notifier', ['notify']);
  const fanOut = isFanOutNotifier(options.notifier) ? options.notifier : undefined;
  const storage = withOutboxChannels(
    guardPort(options.storage, 'storage'),
    fanOut?.channels.map((channel) => channel.name),
  );
  const notifier = options.notifier ? guardPort(options.notifier, 'notifier') : undefined;
  const channels = fanOut
    ? new Map(
        fanOut.channels.map((channel) => [channel.name, guardPort(channel.notifier, 'notifier', `channel "${channel.name}"`)] as const),
      )
    : undefined;
  const clock = options.clock ?? (() => new Date());
  const policy = resolvePolicy(options.policy);
  const requestUrl = options.requestUrl;
  const portTimeoutMs = options.portTimeoutMs ?? 120_000;
  const onError = options.onError ?? (() => {});
  const events = mitt<GateEvents>();
  const dispatcher = notifier
    ? createOutboxDispatcher({ storage, notifier, channels, clock, onError, maxAttempts: policy.maxDeliveryAttempts })
    : undefined;

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
  const stopWatching = () => {
    watchController?.abort();
    watchController = undefined;
  };

  return {
    storage,
    git: guardPort(options.git, 'git'),
    gitHost: guardPort(options.gitHost, 'gitHost'),
    policy,
    machinePolicy: {
      allowSelfReview: policy.allowSelfReview,
      remindAfterMs: policy.remindAfterMs,
      remindEveryMs: policy.remindEveryMs,
    },
    clock,
    now: () => clock().toISOString(),
    ids: options.ids ?? (() => crypto.randomUUID()),
    portSignal: () => AbortSignal.timeout(portTimeoutMs),
    branchName: options.branchName ?? ((request) => `publish/${request.subdomain}-${request.id}`),
    pullRequestText: options.pullRequestText ?? ((request) => defaultPullRequestText(request, policy.baseDomain, requestUrl?.(request))),
    requestUrl,
    recoverAfterMs: options.recoverAfterMs ?? portTimeoutMs + 30_000,
    events,
    dispatcher,
    running: new Map(),
    emit(audit, payload) {
      if (audit.length === 0) return;
      for (const entry of audit) {
        try {
          events.emit(entry.type, { ...entry, ...payload });
        } catch (error) {
          // A listener's bug must not turn a stored change into a failed call.
          onError(error);
        }
      }
      notifyChange();
      dispatcher?.kick();
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
        if (changeListeners.size === 0) stopWatching();
      };
    },
    stopWatching() {
      stopWatching();
      changeListeners.clear();
    },
    onError,
  };
}

/** Whether an actor may see a request: admins see all, builders their own, approvers its rule names. */
export function canSee(actor: Actor, request: PublishRequest): boolean {
  return (
    actor.roles.includes('admin') ||
    request.builder.id === actor.id ||
    request.workspace.ownerId === actor.id ||
    (request.rule !== undefined && isEligibleApprover(request.rule, actor))
  );
}

/** Loads a request the actor may see; any other answers `not_found`, so ids reveal nothing. */
export async function loadVisible(ctx: GateContext, id: string, actor: Actor): Promise<PublishRequest> {
  const request = await ctx.storage.getRequest({ id });
  if (!request || !canSee(actor, request)) throw new PublishGateError('not_found', `No publish request ${id}.`);
  return request;
}

// Every write that queues notifications must split them per fan-out channel; doing it here, where
// the storage enters the gate, means no command can forget to.
function withOutboxChannels(storage: StoragePort, channels: readonly string[] | undefined): StoragePort {
  if (!channels) return storage;
  return {
    ...storage,
    createRequest: (args) => storage.createRequest({ ...args, channels }),
    transitionRequest: (args) => storage.transitionRequest({ ...args, channels }),
    putTrust: (args) => storage.putTrust({ ...args, channels }),
    deleteTrust: (args) => storage.deleteTrust({ ...args, channels }),
    putApprovalRule: (args) => storage.putApprovalRule({ ...args, channels }),
  };
}

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
