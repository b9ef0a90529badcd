'use client';
import type { PublishGateClient } from '@publishgate/core/client';
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { mergeLabels, type PublishGateLabelOverrides, type PublishGateLabels } from './labels.js';
import { createPublishGateStore, type PublishGateStore, type PublishGateStoreOptions } from './store/publishGateStore.js';

const StoreContext = createContext<PublishGateStore | null>(null);
const LabelsContext = createContext<PublishGateLabelOverrides | undefined>(undefined);

/** Props of {@link PublishGateProvider}: a client (the provider makes the store) or a store you made. */
export type PublishGateProviderProps = {
  children?: ReactNode;
  /** Label overrides for every component below (a component's own `labels` prop wins). */
  labels?: PublishGateLabelOverrides;
} & (
  | {
      /** The client from `createPublishGateClient`, created outside React so it survives re-renders. */
      client: PublishGateClient;
      store?: never;
      /** Options of the store the provider creates (ignored with `store`). */
      storeOptions?: PublishGateStoreOptions;
    }
  | {
      /** A store from `createPublishGateStore(client)`, e.g. prefetched or shared between React roots. */
      store: PublishGateStore;
      client?: never;
      storeOptions?: never;
    }
);

/**
 * Makes a publishgate client available to every hook and component below it. The provider holds
 * the cache and the one live event stream they share; the stream opens while something below is
 * showing server data, and closes when nothing is.
 *
 * @example
 * ```tsx
 * import { createPublishGateClient } from '@publishgate/core/client';
 * import { PublishGateProvider } from '@publishgate/react';
 * import '@publishgate/react/styles.css';
 *
 * const client = createPublishGateClient({ baseUrl: '/api/publishgate' });
 *
 * export function App() {
 *   return (
 *     <PublishGateProvider client={client}>
 *       <Portal />
 *     </PublishGateProvider>
 *   );
 * }
 * ```
 */
export function PublishGateProvider(props: PublishGateProviderProps) {
  const { client, store: given, storeOptions, labels, children } = props;
  // A new client means a new cache; options are read once per client, like QueryClient's defaults.
  const [optionsAtMount] = useState(storeOptions);
  const owned = useMemo(
    () => (given ? undefined : createPublishGateStore(client as PublishGateClient, optionsAtMount)),
    [given, client, optionsAtMount],
  );
  useEffect(() => () => owned?.dispose(), [owned]);
  const store = given ?? (owned as PublishGateStore);
  return (
    <StoreContext.Provider value={store}>
      <LabelsContext.Provider value={labels}>{children}</LabelsContext.Provider>
    </StoreContext.Provider>
  );
}

/** The message hooks throw when no {@link PublishGateProvider} is above them. */
export function missingProviderMessage(hook: string): string {
  return (
    `${hook}() was called outside <PublishGateProvider>. ` +
    'Create the client once, outside React, with createPublishGateClient({ baseUrl }) from @publishgate/core/client, ' +
    'and wrap the components that use publishgate in <PublishGateProvider client={client}>.'
  );
}

/**
 * The store of the nearest {@link PublishGateProvider}, for building your own hooks on it.
 * Throws {@link missingProviderMessage} when there is none.
 */
export function usePublishGateStore(hook = 'usePublishGateStore'): PublishGateStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error(missingProviderMessage(hook));
  return store;
}

/** The client of the nearest {@link PublishGateProvider}. */
export function usePublishGateClient(): PublishGateClient {
  return usePublishGateStore('usePublishGateClient').client;
}

/** The labels in effect: defaults, then the provider's overrides, then `own` (a component's prop). */
export function useLabels(own?: PublishGateLabelOverrides): PublishGateLabels {
  const fromProvider = useContext(LabelsContext);
  return useMemo(() => mergeLabels(fromProvider, own), [fromProvider, own]);
}
