import { useEffect, useState } from 'react';
import { DateTime } from '../DateTime.js';
import { Page } from '../Page.js';
import { PortalApiError, portalApi, type RemoteBranch } from '../portalApi.js';
import { usePortal } from '../portalContext.js';

/** Which blueprint's bare remote holds the branch (a repository per blueprint), once it is loaded. */
function repositoryOf(config: ReturnType<typeof usePortal>['config'], branch: RemoteBranch | null | undefined) {
  if (config.remote.kind !== 'local' || !branch?.blueprintId) return null;
  const repository = config.remote.repositories.find((candidate) => candidate.blueprintId === branch.blueprintId);
  const blueprint = config.blueprints.find((candidate) => candidate.id === branch.blueprintId);
  return repository ? (
    <>
      {' '}
      of the “{blueprint?.name ?? branch.blueprintId}” blueprint, <code>{repository.path.split('/').slice(-2).join('/')}</code>
    </>
  ) : null;
}

const STATUS: Record<string, string> = { A: 'added', M: 'modified', D: 'deleted', T: 'type changed' };

/** A branch of the local bare remote (the stand-in for GitHub's branch page): its head commit and changed files. */
export function BranchPage({ name }: { name: string }) {
  const { config } = usePortal();
  const [branch, setBranch] = useState<RemoteBranch | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    portalApi.branch(name).then(setBranch, (caught: Error) => {
      if (caught instanceof PortalApiError && caught.status === 404) setBranch(null);
      else setError(caught.message);
    });
  }, [name]);

  return (
    <Page title={`Branch ${name}`} lead={<p>On the demo's bare remote{repositoryOf(config, branch)}.</p>}>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {branch === undefined && !error ? <p>Loading…</p> : null}
      {branch === null ? <p>The remote has no branch with this name.</p> : null}
      {branch ? (
        <>
          <dl className="facts">
            <dt>Head commit</dt>
            <dd>
              <code data-testid="branch-sha">{branch.sha}</code>
            </dd>
            <dt>Message</dt>
            <dd>{branch.subject}</dd>
            <dt>Author</dt>
            <dd>{branch.author}</dd>
            <dt>Date</dt>
            <dd>
              <DateTime iso={branch.date} />
            </dd>
          </dl>
          <h2>Changed against main</h2>
          <ul className="link-list">
            {branch.files.map((file) => (
              <li key={file.path}>
                <code>{file.path}</code> <span className="muted">{STATUS[file.status] ?? file.status}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </Page>
  );
}
