import type { PublishRequest } from '@publishgate/core/client';
import { PublishStatus, RequestReview, usePublishGateClient, usePublishRequest } from '@publishgate/react';
import { useEffect, useState } from 'react';
import { hostLabels } from '../hostLabels.js';
import { Page } from '../Page.js';
import { portalApi } from '../portalApi.js';
import { usePortal } from '../portalContext.js';
import { navigate, onLinkClick } from '../router.js';

/**
 * Where `requestUrl` links point (pull request bodies, notifications): the review for admins, the
 * workspace's publish status for its builder.
 */
export function RequestPage({ requestId }: { requestId: string }) {
  const { user, config } = usePortal();
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
  const host = config.blueprints.find((blueprint) => blueprint.id === request.workspace.blueprintId)?.host;
  if (user.roles.includes('admin')) {
    return (
      <Page title={`Publish request: ${request.workspace.name}`}>
        <RequestReview
          request={request}
          headingLevel={2}
          onClose={() => navigate('/admin/approvals')}
          className="panel"
          labels={hostLabels(host)}
        />
        {config.devControls.simulateDeploy ? <SimulateDeploy requestId={request.id} gitLab={host === 'gitlab'} /> : null}
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
      <PublishStatus workspaceId={request.workspace.id} headingLevel={2} className="panel" labels={hostLabels(host)} />
    </Page>
  );
}

type SimulateState =
  | { status: 'idle' }
  | { status: 'running' }
  | { status: 'done'; url: string | undefined }
  | { status: 'merged'; mergeSha: string; pollsEveryMs: number }
  | { status: 'failed'; message: string };

/**
 * DEV-ONLY (local mode): plays the code host's part after an approval. GitHub: the emulator merges
 * the pull request and reports a successful deployment; both reach the gate as signed webhooks, so
 * the builder's page turns to "Live at …" exactly as it would with a real repository's webhook.
 * GitLab: the emulator merges the merge request and the gate's delivery polling picks it up.
 */
function SimulateDeploy({ requestId, gitLab }: { requestId: string; gitLab: boolean }) {
  const live = usePublishRequest(requestId);
  const [state, setState] = useState<SimulateState>({ status: 'idle' });
  const request = live.data;
  const ready = request?.status === 'approved' && request.delivery?.state === 'pull-request-open';
  const run = async () => {
    setState({ status: 'running' });
    try {
      const { request: deployed, mergeSha, pollsEveryMs } = await portalApi.simulateDeploy(requestId);
      setState(
        mergeSha
          ? { status: 'merged', mergeSha, pollsEveryMs: pollsEveryMs ?? 0 }
          : { status: 'done', url: deployed.delivery?.deploymentUrl },
      );
    } catch (error) {
      setState({ status: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  };
  return (
    <section className="panel dev-controls" aria-labelledby="dev-controls-title">
      <h2 id="dev-controls-title">Demo controls (dev-only)</h2>
      {gitLab ? (
        <p className="muted">
          Stands in for what happens on GitLab after an approval: a maintainer merges the merge request on the GitLab emulator. GitLab sends
          no webhook here: the gate polls the merge request and records the merge on its next sweep. There is no deployment on GitLab, so
          the request ends at “merged”.
        </p>
      ) : (
        <p className="muted">
          Stands in for what happens on GitHub after an approval: someone merges the pull request and the deployment goes live. The emulator
          sends both as signed webhooks to <code>/api/publishgate/hooks/github</code>.
        </p>
      )}
      <button type="button" className="primary" disabled={!ready || state.status === 'running'} onClick={() => void run()}>
        {state.status === 'running' ? 'Deploying…' : 'Simulate deploy'}
      </button>
      {ready || state.status !== 'idle' ? null : (
        <p className="muted">Available once the request is approved and its {gitLab ? 'merge request' : 'pull request'} is open.</p>
      )}
      <div role="status">
        {state.status === 'done' ? <p>Merged and deployed{state.url ? `: live at ${state.url}` : ''}.</p> : null}
        {state.status === 'merged' ? (
          <p>
            Merged on GitLab as <code>{state.mergeSha.slice(0, 12)}</code>.{' '}
            {request?.delivery?.state === 'merged'
              ? 'The gate has recorded the merge.'
              : `The gate records it at its next poll (every ${Math.round(state.pollsEveryMs / 1000)} s).`}
          </p>
        ) : null}
        {state.status === 'failed' ? <p className="error">Could not simulate the deploy: {state.message}</p> : null}
      </div>
    </section>
  );
}
