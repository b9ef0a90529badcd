'use client';
import { useEffect } from 'react';
import { usePublishGateStore } from '../PublishGateProvider.js';
import { createSubdomainChecker, type SubdomainCheckState } from '../store/subdomainChecker.js';
import { quickCheckSubdomain } from '../store/subdomainRules.js';
import { useObservable, useOwned } from './useOwned.js';

/** Options of {@link useSubdomainCheck}. */
export type UseSubdomainCheckOptions = {
  /** The workspace that would use the subdomain: its own current subdomain counts as available. */
  workspaceId?: string;
  /** Wait this long after the last keystroke before asking the server. Default 300 ms. */
  debounceMs?: number;
};

/** The result of {@link useSubdomainCheck}: the check state plus `recheck`. */
export type SubdomainCheckResult = SubdomainCheckState & {
  /** Checks the current value again now (after a submit was refused as taken, for example). */
  recheck(): void;
};

/**
 * Validates and checks the availability of a subdomain as it is typed. Syntax errors show at once,
 * without a request; the server is asked after `debounceMs` of quiet, and a newer value aborts the
 * request for an older one, so a slow answer never overwrites a newer one.
 *
 * @example
 * ```tsx
 * const [value, setValue] = useState('');
 * const check = useSubdomainCheck(value, { workspaceId: 'ws-1' });
 * // check.status: 'idle' | 'invalid' | 'checking' | 'available' | 'unavailable' | 'error'
 * ```
 */
export function useSubdomainCheck(value: string, options: UseSubdomainCheckOptions = {}): SubdomainCheckResult {
  const store = usePublishGateStore('useSubdomainCheck');
  const debounceMs = options.debounceMs ?? 300;
  const current = useOwned(store, () => createSubdomainChecker(store.client, { debounceMs }), debounceMs);
  useEffect(() => {
    current.check(value, options.workspaceId);
  }, [current, value, options.workspaceId]);
  useEffect(() => () => current.dispose(), [current]);
  const state = useObservable(current);
  // Between a keystroke and the effect that checks it, the snapshot describes the previous value.
  const shown: SubdomainCheckState = state.value === value ? state : provisional(value);
  return { ...shown, recheck: () => current.check(value, options.workspaceId, { force: true }) };
}

function provisional(value: string): SubdomainCheckState {
  if (value === '') return { status: 'idle', value };
  const quick = quickCheckSubdomain(value);
  return quick.ok ? { status: 'checking', value } : { status: 'invalid', value, message: quick.message };
}
