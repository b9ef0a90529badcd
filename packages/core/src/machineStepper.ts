import { type AnyActorScope, createActor } from 'xstate';
import { type PublishRequestEvent, type PublishRequestInput, publishRequestMachine } from './machine.js';
import type { PublishRequest } from './schemas.js';

type Snapshot = ReturnType<typeof publishRequestMachine.resolveState>;
/** An action a pure step produced; `params` are already resolved. Nothing has been executed. */
export type SteppedAction = { type: string; params?: unknown };

/** Pure, reusable stepping of {@link publishRequestMachine}; see {@link createPublishRequestStepper}. */
export type PublishRequestStepper = {
  /** Same result as xstate's `initialTransition(publishRequestMachine, input)`. */
  initial(input: PublishRequestInput): [Snapshot, SteppedAction[]];
  /** Same result as xstate's `transition(publishRequestMachine, snapshot, event)`. */
  step(snapshot: Snapshot, event: PublishRequestEvent): [Snapshot, SteppedAction[]];
};

const PLACEHOLDER: PublishRequest = {
  id: 'stepper',
  version: 1,
  status: 'pending',
  workspace: { id: 'stepper', name: 'stepper', blueprintId: 'stepper', ownerId: 'stepper' },
  builder: { id: 'stepper', email: 'stepper@example.invalid' },
  subdomain: 'stepper',
  sha: '0'.repeat(40),
  baseline: { kind: 'blueprint' },
  diff: { files: [], additions: 0, deletions: 0, patch: '', truncated: false },
  findings: [],
  createdAt: '1970-01-01T00:00:00.000Z',
  updatedAt: '1970-01-01T00:00:00.000Z',
};

/**
 * Pure transitions of {@link publishRequestMachine} without xstate's per-call setup.
 *
 * xstate's `transition()` builds a throwaway actor (and evaluates the machine's initial state)
 * on every call, which dominates the cost of a step. This stepper builds that inert scope once
 * and only swaps the action collector per call; the machine logic, guards and results are the
 * same, and no action is ever executed. Calls are synchronous, so sharing the scope is safe.
 *
 * @example
 * ```ts
 * const stepper = createPublishRequestStepper();
 * const [pending] = stepper.step(stepper.initial({ request })[0], { type: 'request.submit', actor, at });
 * ```
 */
export function createPublishRequestStepper(): PublishRequestStepper {
  const self = createActor(publishRequestMachine, { input: { request: PLACEHOLDER } });
  let sink: SteppedAction[] = [];
  const scope = {
    self,
    defer: () => {},
    id: '',
    logger: () => {},
    sessionId: '',
    stopChild: () => {},
    system: self.system,
    emit: () => {},
    actionExecutor: (action: SteppedAction) => {
      sink.push({ type: action.type, params: action.params });
    },
  } as unknown as AnyActorScope;

  function collect<T>(run: () => T): [T, SteppedAction[]] {
    const actions: SteppedAction[] = [];
    sink = actions;
    try {
      return [run(), actions];
    } finally {
      sink = [];
    }
  }

  return {
    initial(input) {
      return collect(() => publishRequestMachine.getInitialSnapshot(scope, input) as Snapshot);
    },
    step(snapshot, event) {
      return collect(() => publishRequestMachine.transition(snapshot, event, scope) as Snapshot);
    },
  };
}
