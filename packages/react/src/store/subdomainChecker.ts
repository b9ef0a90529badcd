import type { PublishGateClient } from '@publishgate/core/client';
import { createObservable, type Observable } from './observable.js';
import { toError } from './query.js';
import { quickCheckSubdomain } from './subdomainRules.js';

/** What is known about the subdomain being typed. `value` is always the input it describes. */
export type SubdomainCheckState =
  /** Nothing typed. */
  | { status: 'idle'; value: string }
  /** Refused by the syntax rules before asking the server. */
  | { status: 'invalid'; value: string; message: string }
  /** Waiting for the debounce or the server. */
  | { status: 'checking'; value: string }
  | { status: 'available'; value: string; normalized: string }
  /** The server refused it: bad syntax, reserved, or used by another workspace, with free alternatives. */
  | { status: 'unavailable'; value: string; reason: 'invalid' | 'reserved' | 'taken'; message: string; suggestions: string[] }
  /** The check itself failed (network, server). */
  | { status: 'error'; value: string; error: Error };

/** A debounced availability checker: {@link Observable} of the latest input's state. */
export type SubdomainChecker = Observable<SubdomainCheckState> & {
  /** Checks `value` for `workspaceId` after the debounce; a newer call cancels this one. `force` re-checks an unchanged value. */
  check(value: string, workspaceId: string | undefined, options?: { force?: boolean }): void;
  /** Cancels the pending timer and request. The checker stays usable. */
  dispose(): void;
};

/**
 * Creates a checker. Each keystroke restarts the debounce; a keystroke during a request aborts it
 * (the client passes the signal to fetch), and a sequence number drops any answer that still
 * arrives for an input that is no longer current.
 */
export function createSubdomainChecker(client: PublishGateClient, options: { debounceMs?: number } = {}): SubdomainChecker {
  const debounceMs = options.debounceMs ?? 300;
  const cell = createObservable<SubdomainCheckState>({ status: 'idle', value: '' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let controller: AbortController | undefined;
  let sequence = 0;
  let current: { value: string; workspaceId: string | undefined } = { value: '', workspaceId: undefined };

  function cancel() {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    controller?.abort();
    controller = undefined;
  }

  return {
    getSnapshot: cell.getSnapshot,
    subscribe: cell.subscribe,
    check(value, workspaceId, checkOptions = {}) {
      const state = cell.getSnapshot();
      const unchanged = value === current.value && workspaceId === current.workspaceId;
      // Re-render with the same input: keep the answer (or the request in flight) we have.
      if (unchanged && !checkOptions.force && (state.status !== 'idle' || value === '')) return;
      current = { value, workspaceId };
      cancel();
      sequence += 1;
      if (value === '') return cell.set({ status: 'idle', value });
      const quick = quickCheckSubdomain(value);
      if (!quick.ok) return cell.set({ status: 'invalid', value, message: quick.message });
      cell.set({ status: 'checking', value });
      const mine = sequence;
      timer = setTimeout(() => {
        timer = undefined;
        const ownController = new AbortController();
        controller = ownController;
        client
          .checkSubdomain({ subdomain: value, ...(workspaceId === undefined ? {} : { workspaceId }) }, { signal: ownController.signal })
          .then(
            (result) => {
              if (mine !== sequence) return;
              controller = undefined;
              cell.set(
                result.available
                  ? { status: 'available', value, normalized: result.normalized }
                  : { status: 'unavailable', value, reason: result.reason, message: result.message, suggestions: result.suggestions },
              );
            },
            (error: unknown) => {
              if (mine !== sequence || ownController.signal.aborted) return;
              controller = undefined;
              cell.set({ status: 'error', value, error: toError(error) });
            },
          );
      }, debounceMs);
    },
    dispose() {
      cancel();
      // The next check() after a remount must run again, even for the same value.
      sequence += 1;
      if (cell.getSnapshot().status === 'checking') current = { value: '', workspaceId: undefined };
    },
  };
}
