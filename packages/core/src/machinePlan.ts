import { type AnyStateMachine, not } from 'xstate';
import { type PublishRequestContext, type PublishRequestEvent, type PublishRequestInput, publishRequestMachine } from './machine.js';
import type { SteppedAction } from './machineStepper.js';

/** One move of a compiled plan: the state it lands in, the new context, and the declared actions. */
export type PlannedStep<C> = { value: string; context: C; actions: SteppedAction[] };

/** Transitions of a flat machine, compiled once from its definition; see {@link compileMachinePlan}. */
export type MachinePlan<C, E extends { type: string }, I> = {
  /** Same value, context and actions as xstate's `initialTransition(machine, input)`. */
  initial(input: I): PlannedStep<C>;
  /**
   * Same as xstate's `transition(machine, snapshot, event)` for a snapshot in `value` with
   * `context`, or `null` where xstate would return the snapshot unchanged with no actions.
   */
  step(value: string, context: C, event: E): PlannedStep<C> | null;
};

type Args = { context: unknown; event: { type: string } };
type Guard = (args: Args) => boolean;
type Effect = { kind: 'assign'; run: (args: Args) => unknown } | { kind: 'emit'; type: string; params: (args: Args) => unknown };
type Candidate = { guard: Guard | undefined; target: string | undefined; effects: Effect[] };
type Loose = Record<string, unknown>;

// xstate marks its built-in `not()` guard by the `check` function it carries; probing one here
// recognises it without depending on xstate's internal module layout.
const NOT_CHECK = (not('probe') as unknown as Loose).check;

function unsupported(what: string): never {
  throw new TypeError(`compileMachinePlan: ${what} is not supported; step the machine with xstate instead.`);
}

/**
 * Compiles a flat xstate v5 machine into a transition table that steps without xstate's
 * interpreter.
 *
 * xstate's pure `transition()` spends tens of microseconds per call on the general SCXML
 * algorithm (state-node sets, transition domains, snapshot objects); for a machine of atomic
 * states with guarded transitions that work reduces to "first enabled candidate, then exit,
 * transition and entry actions in order". The table is read from the machine definition itself,
 * and runs the machine's own guard and assign implementations, so the machine stays the single
 * authority; a property test checks the plan against xstate's `transition()`. Anything outside
 * that subset (nested or parallel states, `always`, `after`, `invoke`, wildcard events, built-in
 * actions other than `assign`, guards other than named ones and `not`) throws here rather than
 * being interpreted differently.
 */
export function compileMachinePlan<C, E extends { type: string }, I>(machine: AnyStateMachine): MachinePlan<C, E, I> {
  const implementations = machine.implementations as { actions: Loose; guards: Loose };
  const root = machine.root;
  if (root.entry.length > 0 || root.exit.length > 0 || root.transitions.size > 0 || root.always) {
    unsupported('a root state with actions or transitions');
  }

  function compileGuard(guard: unknown): Guard {
    if (typeof guard === 'function' && (guard as unknown as Loose).check === NOT_CHECK) {
      const inner = (guard as unknown as { guards: unknown[] }).guards;
      if (inner.length !== 1) unsupported('a `not` guard with several guards');
      const check = compileGuard(inner[0]);
      return (args) => !check(args);
    }
    const name = typeof guard === 'string' ? guard : (guard as { type?: unknown } | null)?.type;
    const params = typeof guard === 'object' && guard !== null ? (guard as { params?: unknown }).params : undefined;
    const implementation = typeof name === 'string' ? implementations.guards[name] : undefined;
    if (typeof implementation !== 'function' || 'check' in implementation) unsupported(`guard ${String(name ?? guard)}`);
    const run = implementation as (args: Args, params: unknown) => boolean;
    if (typeof params === 'function') return (args) => run(args, params(args));
    return (args) => run(args, params);
  }

  function compileAction(action: unknown): Effect {
    if (typeof action === 'function') unsupported('an inline action');
    const type = typeof action === 'string' ? action : (action as { type?: unknown } | null)?.type;
    if (typeof type !== 'string') unsupported('an action without a type');
    const raw = typeof action === 'object' && action !== null ? (action as { params?: unknown }).params : undefined;
    const params = typeof raw === 'function' ? (args: Args) => (raw as (a: Args) => unknown)(args) : () => raw;
    const implementation = implementations.actions[type] as (((...a: unknown[]) => unknown) & Loose) | undefined;
    if (typeof implementation !== 'function') unsupported(`action ${type} without an implementation`);
    if (implementation.type === 'xstate.assign') {
      const assignment = implementation.assignment as
        | ((args: Args, params: unknown) => Loose)
        | Record<string, ((args: Args, params: unknown) => unknown) | unknown>;
      if (typeof assignment === 'function') {
        return { kind: 'assign', run: (args) => ({ ...(args.context as Loose), ...assignment(args, params(args)) }) };
      }
      const entries = Object.entries(assignment);
      return {
        kind: 'assign',
        run: (args) => {
          const resolved = params(args);
          const next: Loose = { ...(args.context as Loose) };
          for (const [key, value] of entries) {
            next[key] = typeof value === 'function' ? (value as (a: Args, p: unknown) => unknown)(args, resolved) : value;
          }
          return next;
        },
      };
    }
    // Other built-ins (raise, sendTo, enqueueActions, …) change the machine's course; only plain
    // implementations are declarations the caller carries out.
    if (typeof implementation.type === 'string' && implementation.type.startsWith('xstate.')) unsupported(`built-in action ${type}`);
    return { kind: 'emit', type, params };
  }

  const nodes = new Map<string, { entry: Effect[]; exit: Effect[]; final: boolean; on: Map<string, Candidate[]> }>();
  for (const [key, node] of Object.entries(root.states)) {
    if (node.type !== 'atomic' && node.type !== 'final') unsupported(`a ${node.type} state (${key})`);
    if (node.always || node.invoke.length > 0) unsupported(`eventless transitions or invocations (${key})`);
    nodes.set(key, {
      entry: node.entry.map(compileAction),
      exit: node.exit.map(compileAction),
      final: node.type === 'final',
      on: new Map(),
    });
  }
  for (const [key, node] of Object.entries(root.states)) {
    const compiled = nodes.get(key);
    if (!compiled || compiled.final) continue;
    for (const [eventType, transitions] of node.transitions) {
      if (eventType.includes('*')) unsupported(`wildcard event ${eventType}`);
      compiled.on.set(
        eventType,
        transitions.map((transition) => {
          const targets = transition.target ?? [];
          if (targets.length > 1) unsupported(`a transition to several states (${key} on ${eventType})`);
          const target = targets[0];
          if (target && (target.parent !== root || target.key === key)) unsupported(`a transition to ${target.id} from ${key}`);
          const actions = transition.actions.map(compileAction);
          const effects = target ? [...compiled.exit, ...actions, ...(nodes.get(target.key)?.entry ?? [])] : actions;
          return { guard: transition.guard === undefined ? undefined : compileGuard(transition.guard), target: target?.key, effects };
        }),
      );
    }
  }

  function run(value: string, context: unknown, event: { type: string }, effects: Effect[]): PlannedStep<C> {
    const actions: SteppedAction[] = [];
    let current = context;
    for (const effect of effects) {
      const args = { context: current, event };
      if (effect.kind === 'assign') current = effect.run(args);
      else actions.push({ type: effect.type, params: effect.params(args) });
    }
    return { value, context: current as C, actions };
  }

  const initialKey = root.initial?.target[0]?.key;
  const initialNode = initialKey === undefined ? undefined : nodes.get(initialKey);
  if (initialKey === undefined || !initialNode) unsupported('a machine without an initial state');
  const contextFactory = (machine.config as Loose).context;

  return {
    initial(input) {
      const context =
        typeof contextFactory === 'function'
          ? (contextFactory as (a: { input: I; spawn: () => never }) => unknown)({ input, spawn: () => unsupported('spawn') })
          : contextFactory;
      return run(initialKey, context, { type: 'xstate.init', input } as { type: string }, initialNode.entry);
    },
    step(value, context, event) {
      const node = nodes.get(value);
      const candidates = node?.on.get(event.type);
      if (!candidates) return null;
      const args = { context, event };
      for (const candidate of candidates) {
        if (candidate.guard && !candidate.guard(args)) continue;
        // An enabled transition that goes nowhere and does nothing: xstate hands the snapshot back.
        if (candidate.target === undefined && candidate.effects.length === 0) return null;
        return run(candidate.target ?? value, context, event, candidate.effects);
      }
      return null;
    },
  };
}

let publishRequestPlanCache: MachinePlan<PublishRequestContext, PublishRequestEvent, PublishRequestInput> | undefined;

/**
 * The compiled plan of {@link publishRequestMachine}, which the gate steps with. Compiled on first
 * use and shared: a plan holds no state, so every gate can step with the same one.
 */
export function publishRequestPlan(): MachinePlan<PublishRequestContext, PublishRequestEvent, PublishRequestInput> {
  publishRequestPlanCache ??= compileMachinePlan(publishRequestMachine);
  return publishRequestPlanCache;
}
