import { createObservable, type Observable } from './observable.js';
import { toError } from './query.js';

/** The snapshot of a {@link Mutation}. */
export type MutationState<TInput, TData> =
  | { status: 'idle'; data: undefined; error: undefined; input: undefined }
  | { status: 'pending'; data: undefined; error: undefined; input: TInput }
  | { status: 'success'; data: TData; error: undefined; input: TInput }
  | { status: 'error'; data: undefined; error: Error; input: TInput };

/** A server write with its state: idle, pending, success or error. */
export type Mutation<TInput, TData> = Observable<MutationState<TInput, TData>> & {
  /** Runs the write. While one runs, calling again returns the running promise (no double submit). Rejects on failure. */
  mutate(input: TInput): Promise<TData>;
  /** Back to idle (keeps a running write running). */
  reset(): void;
};

const IDLE = { status: 'idle', data: undefined, error: undefined, input: undefined } as const;

/** Creates a mutation around `run`. */
export function createMutation<TInput, TData>(run: (input: TInput) => Promise<TData>): Mutation<TInput, TData> {
  const cell = createObservable<MutationState<TInput, TData>>(IDLE);
  let running: Promise<TData> | undefined;
  return {
    getSnapshot: cell.getSnapshot,
    subscribe: cell.subscribe,
    mutate(input) {
      if (running) return running;
      cell.set({ status: 'pending', data: undefined, error: undefined, input });
      const promise = run(input).then(
        (data) => {
          running = undefined;
          cell.set({ status: 'success', data, error: undefined, input });
          return data;
        },
        (cause: unknown) => {
          running = undefined;
          const error = toError(cause);
          cell.set({ status: 'error', data: undefined, error, input });
          throw error;
        },
      );
      running = promise;
      return promise;
    },
    reset() {
      if (!running) cell.set(IDLE);
    },
  };
}
