import { PublishDialog, PublishHistory, PublishStatus, useWorkspacePublishStatus } from '@publishgate/react';
import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { hostLabels } from '../hostLabels.js';
import { Page } from '../Page.js';
import { type PortalWorkspace, portalApi } from '../portalApi.js';
import { usePortal } from '../portalContext.js';
import { BranchLink, PullRequestAnchor } from './BranchLink.js';

type Files = Array<{ path: string; size: number }>;
type Editor = { path: string; original: string; content: string; binary: boolean };
/** What the editor is waiting for: while a file opens, typing would be lost when it arrives. */
type Busy = { kind: 'opening' | 'saving'; path: string } | null;

/**
 * A builder's workspace: its files with an editor (the same folder can be edited from a terminal),
 * the Publish button opening publishgate's `PublishDialog`, the `PublishStatus` of its requests, the
 * `PublishHistory` with "Roll back to this version", and links to the branches and pull requests of
 * approved publishes.
 */
export function WorkspacePage({ workspaceId }: { workspaceId: string }) {
  const { user, config } = usePortal();
  const [workspace, setWorkspace] = useState<PortalWorkspace | null | undefined>(undefined);
  const [files, setFiles] = useState<Files>([]);
  const [editor, setEditor] = useState<Editor | null>(null);
  const [message, setMessage] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [publishing, setPublishing] = useState(false);
  const [busy, setBusy] = useState<Busy>(null);
  const ids = useId();
  const newFileInput = useRef<HTMLInputElement>(null);

  const loadFiles = useCallback(async () => {
    const { files: list } = await portalApi.files(workspaceId);
    setFiles(list);
    return list;
  }, [workspaceId]);

  const openFile = useCallback(
    async (path: string) => {
      setError(null);
      setMessage('');
      setBusy({ kind: 'opening', path });
      try {
        const file = await portalApi.readFile(workspaceId, path);
        setEditor({ path: file.path, original: file.content, content: file.content, binary: file.binary });
      } catch (caught) {
        setError(caught instanceof Error ? caught.message : String(caught));
      } finally {
        setBusy(null);
      }
    },
    [workspaceId],
  );

  useEffect(() => {
    let live = true;
    portalApi.workspaces().then(
      async ({ workspaces }) => {
        const found = workspaces.find((candidate) => candidate.id === workspaceId) ?? null;
        if (!live) return;
        setWorkspace(found);
        if (!found) return;
        const list = await loadFiles();
        const first = list.find((file) => file.path === 'index.html') ?? list[0];
        if (live && first) await openFile(first.path);
      },
      (caught: Error) => live && setError(caught.message),
    );
    return () => {
      live = false;
    };
  }, [workspaceId, loadFiles, openFile]);

  const canEdit = workspace?.ownerId === user.id;
  const dirty = editor !== null && editor.content !== editor.original;

  // Leaving the page (reload, closing the tab) with unsaved typing asks first too.
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  /** Whether unsaved typing may be dropped for `next`: asks when there is some. */
  const mayDiscard = (next: string): boolean =>
    !dirty || !editor || window.confirm(`You have unsaved changes to ${editor.path}. Discard them and open ${next}?`);

  // A click on the open file keeps what is typed; on another file it asks before replacing it.
  const pickFile = (path: string) => {
    if (busy) return;
    if (editor && path === editor.path && dirty) return;
    if (!mayDiscard(path)) return;
    void openFile(path);
  };

  const save = async (): Promise<boolean> => {
    if (!editor || !canEdit) return true;
    setError(null);
    setBusy({ kind: 'saving', path: editor.path });
    try {
      await portalApi.writeFile(workspaceId, editor.path, editor.content);
      // Typing that happened while saving stays unsaved (dirty), not silently marked saved.
      setEditor((current) => (current && current.path === editor.path ? { ...current, original: editor.content } : current));
      setMessage(`Saved ${editor.path}.`);
      await loadFiles();
      return true;
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
      return false;
    } finally {
      setBusy(null);
    }
  };

  const createFile = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const path = newFileInput.current?.value.trim() ?? '';
    if (!path || !mayDiscard(path)) return;
    setError(null);
    try {
      await portalApi.writeFile(workspaceId, path, '');
      if (newFileInput.current) newFileInput.current.value = '';
      await loadFiles();
      await openFile(path);
      setMessage(`Created ${path}.`);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    }
  };

  const deleteFile = async () => {
    if (!editor || !window.confirm(`Delete ${editor.path}?`)) return;
    setError(null);
    try {
      await portalApi.deleteFile(workspaceId, editor.path);
      setMessage(`Deleted ${editor.path}.`);
      setEditor(null);
      await loadFiles();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    }
  };

  // The dialog diffs what is on disk, so unsaved edits are saved first.
  const openPublish = async () => {
    if (dirty && !(await save())) return;
    setPublishing(true);
  };

  const blueprint = workspace ? config.blueprints.find((candidate) => candidate.id === workspace.blueprintId) : undefined;
  if (workspace === undefined) return <p>Loading…</p>;
  if (workspace === null) {
    return (
      <Page title="Workspace not found">
        <p>This workspace does not exist, or it is not yours.</p>
      </Page>
    );
  }

  return (
    <Page
      title={workspace.name}
      lead={
        <>
          <p>
            Blueprint <strong>{blueprint?.name ?? workspace.blueprintId}</strong> · owned by {workspace.ownerEmail}
            {blueprint?.host === 'gitlab' ? ' · publishes open merge requests on GitLab' : null}
          </p>
          <p className="muted">
            The workspace is a git working copy: edit it here, or from a terminal in <code>{workspace.dir}</code>.
          </p>
        </>
      }
    >
      {canEdit ? (
        <div className="toolbar">
          <button type="button" className="primary" onClick={openPublish}>
            Publish…
          </button>
          {dirty ? <span className="muted">Unsaved changes are saved before publishing.</span> : null}
        </div>
      ) : (
        <p className="note">You are viewing someone else's workspace: files are read-only, and only its owner can publish it.</p>
      )}

      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}

      <div className="workspace-grid">
        <section aria-labelledby={`${ids}-files`} className="panel">
          <h2 id={`${ids}-files`}>Files</h2>
          <ul className="file-list">
            {files.map((file) => (
              <li key={file.path}>
                <button
                  type="button"
                  className="file-button"
                  aria-current={editor?.path === file.path ? 'true' : undefined}
                  aria-disabled={busy ? 'true' : undefined}
                  onClick={() => pickFile(file.path)}
                >
                  {file.path} <span className="muted">({file.size} B)</span>
                </button>
              </li>
            ))}
          </ul>
          <button type="button" className="link-button" onClick={() => loadFiles()}>
            Reload file list
          </button>
          {canEdit ? (
            <form className="new-file" onSubmit={createFile}>
              <label htmlFor={`${ids}-new`}>New file path</label>
              <div className="row">
                <input id={`${ids}-new`} ref={newFileInput} name="path" placeholder="about.html" autoComplete="off" />
                <button type="submit">Create</button>
              </div>
            </form>
          ) : null}
        </section>

        <section aria-labelledby={`${ids}-editor`} className="panel editor" aria-busy={busy !== null}>
          <h2 id={`${ids}-editor`}>{editor ? `Editing ${editor.path}` : 'Editor'}</h2>
          {editor === null && !busy ? <p className="muted">Pick a file to edit.</p> : null}
          {editor?.binary ? <p>This is a binary file; edit it from a terminal.</p> : null}
          {editor && !editor.binary ? (
            <form
              onSubmit={(event) => {
                event.preventDefault();
                void save();
              }}
            >
              <label htmlFor={`${ids}-content`}>Contents of {editor.path}</label>
              <textarea
                id={`${ids}-content`}
                value={editor.content}
                readOnly={!canEdit || busy?.kind === 'opening'}
                spellCheck={false}
                rows={18}
                onChange={(event) => {
                  setEditor({ ...editor, content: event.target.value });
                  setMessage('');
                }}
              />
              {canEdit ? (
                <div className="row">
                  <button type="submit" className="primary" disabled={!dirty || busy !== null}>
                    {busy?.kind === 'saving' ? 'Saving…' : 'Save'}
                  </button>
                  <button type="button" disabled={!dirty} onClick={() => setEditor({ ...editor, content: editor.original })}>
                    Revert
                  </button>
                  <button type="button" className="danger" onClick={deleteFile}>
                    Delete file
                  </button>
                </div>
              ) : null}
            </form>
          ) : null}
          <p role="status" className="status-line">
            {busy?.kind === 'opening' ? `Opening ${busy.path}…` : message}
          </p>
        </section>
      </div>

      <PublishStatus workspaceId={workspace.id} headingLevel={2} className="panel" labels={hostLabels(blueprint?.host)} />
      {/* Earlier merged or live versions can be brought back (owner or admin), as a request reviewed like any other. */}
      <PublishHistory workspaceId={workspace.id} headingLevel={2} className="panel" labels={hostLabels(blueprint?.host)} />
      <PublishedLinks workspaceId={workspace.id} host={blueprint?.host ?? 'github'} />

      {canEdit ? (
        <PublishDialog
          workspaceId={workspace.id}
          open={publishing}
          title={`Publish ${workspace.name}`}
          labels={hostLabels(blueprint?.host)}
          onClose={() => setPublishing(false)}
        />
      ) : null}
    </Page>
  );
}

/** Every approved publish of the workspace with its pushed branch and deployment pull (or merge) request. */
function PublishedLinks({ workspaceId, host }: { workspaceId: string; host: 'github' | 'gitlab' }) {
  const status = useWorkspacePublishStatus(workspaceId);
  const ids = useId();
  const all = status.data ? [status.data.current, ...status.data.history].filter((request) => request !== null) : [];
  const published = all.filter((request) => request.branch !== undefined);
  return (
    <section aria-labelledby={`${ids}-links`} className="panel">
      <h2 id={`${ids}-links`}>{host === 'gitlab' ? 'Branches and merge requests' : 'Branches and pull requests'}</h2>
      {published.length === 0 ? (
        <p className="muted">
          Once a request is approved, its branch and deployment {host === 'gitlab' ? 'merge' : 'pull'} request are linked here.
        </p>
      ) : (
        <ul className="link-list">
          {published.map((request) => (
            <li key={request.id} data-request-id={request.id}>
              <strong>{request.subdomain}</strong> · commit <code>{request.sha.slice(0, 7)}</code> · branch{' '}
              <BranchLink branch={request.branch as string} />
              {request.pullRequest ? (
                <>
                  {' '}
                  · <PullRequestAnchor url={request.pullRequest.url} number={request.pullRequest.number} host={host} />
                </>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
