import { transition } from 'xstate';
import { PublishGateError } from '../errors.js';
import type { PublishRequest, PublishStatus } from '../schemas/domain.js';
import {
  type MachinePolicy,
  type NotifyParams,
  type PublishRequestEvent,
  publishRequestMachine,
  type RecordParams,
  type RefuseParams,
} from './machine.js';

/** What the machine says a command does to a request: the next request and the declared effects. */
export type DecidedChange = {
  /** The request as it should be stored next (its `version` is still the old one). */
  request: PublishRequest;
  /** Audit entries to write with it (`record` actions, in order). */
  records: RecordParams[];
  /** Notifications to write to the outbox with it (`notify` actions, in order). */
  notifications: NotifyParams[];
  /** The machine asked for the push and pull request (`publish` action). */
  publish: boolean;
};

/** Where a request is in the machine: its stored status, or `draft` before it is submitted. */
export type LifecycleState = PublishStatus | 'draft';

type Action = { type: string; params?: unknown };

/**
 * Asks {@link publishRequestMachine}, through xstate's pure `transition()`, what `event` does to
 * `request` in `state`. Nothing is executed: the machine's `record`, `notify` and `publish`
 * actions come back as data. Throws the machine's refusal (`refuse` action) as a
 * `PublishGateError` with its code, and `invalid_transition` when the machine ignores the event
 * in that state.
 */
export function decide(state: LifecycleState, request: PublishRequest, event: PublishRequestEvent, policy: MachinePolicy): DecidedChange {
  const before = publishRequestMachine.resolveState({ value: state, context: { request, policy } });
  const [after, executed] = transition(publishRequestMachine, before, event);
  const actions = executed as Action[];
  const refusal = actions.find((action) => action.type === 'refuse');
  if (refusal) {
    const { code, message } = refusal.params as RefuseParams;
    throw new PublishGateError(code, message);
  }
  if (after === before) {
    throw new PublishGateError('invalid_transition', `Cannot ${verbOf(event)} a request that is ${state === 'draft' ? 'new' : state}.`);
  }
  return {
    request: after.context.request,
    records: actions.filter((action) => action.type === 'record').map((action) => action.params as RecordParams),
    notifications: actions.filter((action) => action.type === 'notify').map((action) => action.params as NotifyParams),
    publish: actions.some((action) => action.type === 'publish'),
  };
}

const VERBS: Record<PublishRequestEvent['type'], string> = {
  'request.submit': 'submit',
  'review.approve': 'approve',
  'review.reject': 'reject',
  'request.withdraw': 'withdraw',
  'request.expire': 'expire',
  'reminder.send': 'send a reminder for',
  'review.retry': 'retry',
  'publish.progress': 'report progress on',
  'publish.succeeded': 'finish publishing',
  'publish.failed': 'finish publishing',
  'delivery.merged': 'mark as merged',
  'delivery.closed': 'mark as closed',
  'delivery.live': 'mark as live',
  'delivery.deploy_failed': 'mark as failed to deploy',
};

function verbOf(event: PublishRequestEvent): string {
  return VERBS[event.type];
}
