import type { PreviewResult, PublishGateClient } from '@publishgate/core/client';

/** Never settles: a query that stays loading. */
export const forever = <T>(): Promise<T> => new Promise<T>(() => {});

/**
 * A PublishGateClient from the given methods, for rendering exact states (loading, error, crafted
 * data) without a server. Methods not given reject, so a test notices an unexpected call; the
 * event stream is a no-op (use `storeOptions: { live: false }` or let it be).
 */
export function stubClient(methods: Partial<PublishGateClient>): PublishGateClient {
  const missing = (name: string) => () => Promise.reject(new Error(`stub client: ${name} was not expected`));
  return {
    preview: missing('preview'),
    checkSubdomain: missing('checkSubdomain'),
    requestPublish: missing('requestPublish'),
    requestRollback: missing('requestRollback'),
    previewRollback: missing('previewRollback'),
    listRequests: missing('listRequests'),
    getRequest: missing('getRequest'),
    approve: missing('approve'),
    reject: missing('reject'),
    withdraw: missing('withdraw'),
    retry: missing('retry'),
    listTrust: missing('listTrust'),
    setTrust: missing('setTrust'),
    listApprovalRules: missing('listApprovalRules'),
    decideMany: missing('decideMany'),
    setApprovalRule: missing('setApprovalRule'),
    listDeadLetters: missing('listDeadLetters'),
    redeliver: missing('redeliver'),
    history: missing('history'),
    exportHistory: missing('exportHistory'),
    subscribe: () => () => {},
    ...methods,
  };
}

/**
 * The preview of a workspace never published and with nothing in flight: diffed against its
 * blueprint and publishable, with `fields` (at least the diff) on top.
 */
export function firstPublishPreview(fields: Pick<PreviewResult, 'diff'> & Partial<PreviewResult>): PreviewResult {
  return {
    baseline: { kind: 'blueprint' },
    findings: [],
    suggestedSubdomain: 'shop',
    publishable: true,
    publication: null,
    inFlight: null,
    ...fields,
  };
}

/** A `checkSubdomain` for which every name is free. */
export const everySubdomainFree: PublishGateClient['checkSubdomain'] = async ({ subdomain }) => ({
  available: true,
  normalized: subdomain,
});
