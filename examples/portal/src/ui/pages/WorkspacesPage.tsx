import { useEffect, useState } from 'react';
import { Page } from '../Page.js';
import { type PortalWorkspace, portalApi } from '../portalApi.js';
import { usePortal } from '../portalContext.js';
import { navigate, onLinkClick } from '../router.js';

/** The workspaces the user may see: a builder's own (opened directly when there is one), every workspace for admins. */
export function WorkspacesPage() {
  const { user } = usePortal();
  const [workspaces, setWorkspaces] = useState<PortalWorkspace[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    portalApi.workspaces().then(
      ({ workspaces: list }) => {
        const own = list.filter((workspace) => workspace.ownerId === user.id);
        if (own.length === 1 && list.length === 1 && own[0]) navigate(`/workspaces/${encodeURIComponent(own[0].id)}`, { replace: true });
        else setWorkspaces(list);
      },
      (caught: Error) => setError(caught.message),
    );
  }, [user.id]);
  return (
    <Page title="Workspaces">
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {workspaces === null && !error ? <p>Loading…</p> : null}
      {workspaces?.length === 0 ? <p>You have no workspaces.</p> : null}
      {workspaces && workspaces.length > 0 ? (
        <ul className="card-list">
          {workspaces.map((workspace) => (
            <li key={workspace.id}>
              <a href={`/workspaces/${encodeURIComponent(workspace.id)}`} onClick={onLinkClick}>
                {workspace.name}
              </a>{' '}
              <span className="muted">owned by {workspace.ownerEmail}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </Page>
  );
}
