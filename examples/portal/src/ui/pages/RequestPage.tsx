import type { PublishRequest } from '@publishgate/core/client';
import { PublishStatus, RequestReview, usePublishGateClient } from '@publishgate/react';
import { useEffect, useState } from 'react';
import { Page } from '../Page.js';
import { usePortal } from '../portalContext.js';
import { navigate, onLinkClick } from '../router.js';

/**
 * Where `requestUrl` links point (pull request bodies, notifications): the review for admins, the
 * workspace's publish status for its builder.
 */
export function RequestPage({ requestId }: { requestId: string }) {
  const { user } = usePortal();
  const client = usePublishGateClient();
  const [request, setRequest] = useState<PublishRequest | null | undefined>(undefined);
  useEffect(() => {
    const controller = new AbortController();
    client.getRequest(requestId, { signal: controller.signal }).then(setRequest, () => {
      if (!controller.signal.aborted) setRequest(null);
    });
    return () => controller.abort();
  }, [client, requestId]);

  if (request === undefined) return <p>Loading…</p>;
  if (request === null) {
    return (
      <Page title="Request not found">
        <p>This publish request does not exist, or you may not see it.</p>
      </Page>
    );
  }
  if (user.roles.includes('admin')) {
    return (
      <Page title={`Publish request: ${request.workspace.name}`}>
        <RequestReview request={request} headingLevel={2} onClose={() => navigate('/admin/approvals')} className="panel" />
      </Page>
    );
  }
  return (
    <Page title={`Publish request: ${request.workspace.name}`}>
      <p>
        <a href={`/workspaces/${encodeURIComponent(request.workspace.id)}`} onClick={onLinkClick}>
          Open the workspace
        </a>
      </p>
      <PublishStatus workspaceId={request.workspace.id} headingLevel={2} className="panel" />
    </Page>
  );
}
