import { createPublishGateClient } from '@publishgate/core/client';
import { PublishGateProvider } from '@publishgate/react';
import { useEffect, useState } from 'react';
import { ApprovalsPage } from './pages/ApprovalsPage.js';
import { BranchPage } from './pages/BranchPage.js';
import { InboxPage } from './pages/InboxPage.js';
import { NotFoundPage } from './pages/NotFoundPage.js';
import { RequestPage } from './pages/RequestPage.js';
import { SignInPage } from './pages/SignInPage.js';
import { WebhooksPage } from './pages/WebhooksPage.js';
import { WorkspacePage } from './pages/WorkspacePage.js';
import { WorkspacesPage } from './pages/WorkspacesPage.js';
import { type PortalConfig, type PortalUser, portalApi } from './portalApi.js';
import { PortalContext } from './portalContext.js';
import { navigate, onLinkClick, useLocation } from './router.js';

// One client (and so one cache and one event stream) per page load; signing in or out reloads
// the page, so a cache never outlives the user it was filled for.
const client = createPublishGateClient({ baseUrl: '/api/publishgate' });

type Session =
  | { status: 'loading' }
  | { status: 'failed'; message: string }
  | { status: 'ready'; user: PortalUser | null; users: PortalUser[] };

/** The portal: the dev-only sign-in until someone is signed in, then the workspace and admin pages. */
export function App() {
  const [session, setSession] = useState<Session>({ status: 'loading' });
  const [config, setConfig] = useState<PortalConfig | null>(null);

  useEffect(() => {
    portalApi.session().then(
      ({ user, users }) => setSession({ status: 'ready', user, users }),
      (error: Error) => setSession({ status: 'failed', message: error.message }),
    );
  }, []);
  const user = session.status === 'ready' ? session.user : null;
  useEffect(() => {
    if (user) portalApi.config().then(setConfig, () => setConfig(null));
  }, [user]);

  if (session.status === 'loading') return <p className="loading">Loading…</p>;
  if (session.status === 'failed') {
    return (
      <main id="main" className="page">
        <h1>The portal server is not answering</h1>
        <p>{session.message}</p>
      </main>
    );
  }
  if (!session.user) return <SignInPage users={session.users} />;
  if (!config) return <p className="loading">Loading…</p>;
  return (
    <PortalContext.Provider value={{ user: session.user, config }}>
      <PublishGateProvider client={client}>
        <Shell user={session.user} />
      </PublishGateProvider>
    </PortalContext.Provider>
  );
}

function Shell({ user }: { user: PortalUser }) {
  const location = useLocation();
  const isAdmin = user.roles.includes('admin');
  const signOut = async () => {
    await portalApi.signOut();
    window.location.assign('/');
  };
  const path = location.pathname;
  const current = (prefix: string) => (path === prefix || path.startsWith(`${prefix}/`) ? 'page' : undefined);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <div className="top-row">
          <a className="brand" href="/" onClick={onLinkClick}>
            publishgate <span>portal demo</span>
          </a>
          <nav aria-label="Main">
            <ul>
              <li>
                <a href="/workspaces" onClick={onLinkClick} aria-current={current('/workspaces')}>
                  {isAdmin ? 'Workspaces' : 'My workspace'}
                </a>
              </li>
              {isAdmin ? (
                <li>
                  <a href="/admin/approvals" onClick={onLinkClick} aria-current={current('/admin/approvals')}>
                    Admin › Approvals
                  </a>
                </li>
              ) : null}
              {isAdmin ? (
                <li>
                  <a href="/admin/webhooks" onClick={onLinkClick} aria-current={current('/admin/webhooks')}>
                    Admin › Webhooks
                  </a>
                </li>
              ) : null}
              <li>
                <a href="/inbox" onClick={onLinkClick} aria-current={current('/inbox')}>
                  Inbox
                </a>
              </li>
            </ul>
          </nav>
          <div className="who">
            <span>
              Signed in as <strong>{user.name}</strong> ({user.title.toLowerCase()}, {user.email})
            </span>
            <button type="button" className="link-button" onClick={signOut}>
              Sign out
            </button>
          </div>
        </div>
        <p className="dev-banner">
          <strong>Dev-only sign-in.</strong> This demo lets anyone act as any demo user: it stands in for your portal's real authentication.
        </p>
      </header>
      <main id="main" className="page">
        <Route path={path} search={location.searchParams} user={user} />
      </main>
    </>
  );
}

function Route({ path, search, user }: { path: string; search: URLSearchParams; user: PortalUser }) {
  const isAdmin = user.roles.includes('admin');
  useEffect(() => {
    if (path !== '/') return;
    if (isAdmin) navigate('/admin/approvals', { replace: true });
    else navigate('/workspaces', { replace: true });
  }, [path, isAdmin]);

  if (path === '/') return null;
  if (path === '/workspaces') return <WorkspacesPage />;
  const workspace = /^\/workspaces\/([^/]+)$/.exec(path);
  if (workspace) return <WorkspacePage key={workspace[1]} workspaceId={decodeURIComponent(workspace[1] as string)} />;
  if (path === '/admin/approvals') return <ApprovalsPage />;
  if (path === '/admin/webhooks') return <WebhooksPage />;
  const request = /^\/requests\/([^/]+)$/.exec(path);
  if (request) return <RequestPage key={request[1]} requestId={decodeURIComponent(request[1] as string)} />;
  if (path === '/remote/branch') return <BranchPage name={search.get('name') ?? ''} />;
  if (path === '/inbox') return <InboxPage />;
  return <NotFoundPage />;
}
