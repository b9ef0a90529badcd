import { useEffect, useState } from 'react';
import { type PortalUser, portalApi } from '../portalApi.js';

/**
 * DEV-ONLY: pick a demo user. A real portal signs people in with its own authentication and tells
 * publishgate who they are on the server (`authenticate` in `createFetchHandler`).
 */
export function SignInPage({ users }: { users: PortalUser[] }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = 'Sign in · publishgate portal demo';
  }, []);
  const signIn = async (user: PortalUser) => {
    setBusy(true);
    setError(null);
    try {
      await portalApi.signIn(user.id);
      // A full load, so that nothing cached for a previous user survives.
      window.location.assign(window.location.pathname === '/' ? '/' : window.location.pathname + window.location.search);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
      setBusy(false);
    }
  };
  return (
    <>
      <header className="top">
        <div className="top-row">
          <span className="brand">
            publishgate <span>portal demo</span>
          </span>
        </div>
        <p className="dev-banner">
          <strong>Dev-only sign-in.</strong> Anyone who can open this page can act as any demo user. It stands in for your portal's real
          authentication; never deploy it.
        </p>
      </header>
      <main id="main" className="page sign-in">
        <h1>Sign in as a demo user</h1>
        <p>
          Builders edit a workspace and ask to publish it; the admin reviews requests and manages trust. Use a second browser window (or
          sign out) to play both sides.
        </p>
        <ul className="user-list">
          {users.map((user) => (
            <li key={user.id}>
              <button type="button" className="user-card" disabled={busy} onClick={() => signIn(user)}>
                <span className="user-name">Sign in as {user.name}</span>
                <span className="user-meta">
                  {user.title} · {user.email}
                </span>
              </button>
            </li>
          ))}
        </ul>
        {error ? (
          <p role="alert" className="error">
            {error}
          </p>
        ) : null}
      </main>
    </>
  );
}
