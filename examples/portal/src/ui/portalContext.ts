import { createContext, useContext } from 'react';
import type { PortalConfig, PortalUser } from './portalApi.js';

/** The signed-in user and the demo's configuration, for every page. */
export type PortalContextValue = { user: PortalUser; config: PortalConfig };

/** Provided by `App` once someone is signed in. */
export const PortalContext = createContext<PortalContextValue | null>(null);

/** The signed-in user and the configuration; only valid under `App`'s signed-in shell. */
export function usePortal(): PortalContextValue {
  const value = useContext(PortalContext);
  if (!value) throw new Error('usePortal() is only available once someone is signed in.');
  return value;
}
