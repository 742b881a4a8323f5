import { useQueryClient } from '@tanstack/react-query';
import { Component, Suspense, useEffect, useState, type ErrorInfo, type ReactNode } from 'react';
import { api } from './api/client.js';
import { refreshMe } from './api/me.js';
import { signOut, switchWorkspace, useSession } from './api/session.js';
import { ErrorNote, Loading } from './components/states.js';
import { AddWorkspace } from './features/auth/AddWorkspace.js';
import { InvitePage } from './features/auth/InvitePage.js';
import { ResetPage } from './features/auth/ResetPage.js';
import { SignInPage } from './features/auth/SignInPage.js';
import { Link, match, navigate, useLocation } from './router.js';
import { NAV, ROUTES } from './routes.js';

/** A page that throws shows the error in words, with the rest of the app still working. */
class PageBoundary extends Component<{ children: ReactNode; resetKey: string }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override componentDidUpdate(prev: { resetKey: string }) {
    if (prev.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }
  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.warn('page error', error, info.componentStack);
  }
  override render() {
    if (this.state.error) {
      const chunk = /dynamically imported module|Failed to fetch/i.test(this.state.error.message);
      return <ErrorNote error={{ message: chunk ? 'This page could not be loaded (the dashboard may have been updated). Reload the page.' : `This page failed: ${this.state.error.message}` }} />;
    }
    return this.props.children;
  }
}

function NotFound({ path }: { path: string }) {
  return (
    <div className="state state-empty">
      <strong>No page at {path}</strong>
      <Link to="/">Go to the overview</Link>
    </div>
  );
}

function WorkspaceSwitcher({ onAdd }: { onAdd: () => void }) {
  const { workspaces, active, mode, user } = useSession();
  const qc = useQueryClient();
  async function leave() {
    if (mode === 'user') {
      try {
        await api.post('/api/auth/signout');
      } catch {
        /* signed out here either way: the session cookie ends at its expiry */
      }
      qc.clear();
      signOut(true);
    } else signOut();
  }
  return (
    <div className="workspace-switcher">
      <label className="sr-only" htmlFor="workspace-select">
        Workspace
      </label>
      <select
        id="workspace-select"
        value={String(active)}
        onChange={(e) => {
          if (e.target.value === 'add') return onAdd();
          switchWorkspace(Number(e.target.value));
          if (mode === 'user') void refreshMe();
        }}
      >
        {workspaces.map((w, i) => (
          <option key={w.id} value={String(i)}>
            {w.name}
            {w.deleting ? ' (being deleted)' : ''}
          </option>
        ))}
        <option value="add">+ Add a workspace…</option>
      </select>
      {user ? (
        <span className="muted topbar-user" title={user.email}>
          {user.name || user.email}
        </span>
      ) : null}
      <button type="button" className="btn btn-ghost btn-small" onClick={() => void leave()} title={mode === 'user' ? 'End this session' : "Forget this workspace's admin key in this tab"}>
        Sign out
      </button>
    </div>
  );
}

/** Pages outside the signed-in shell: the links in invitation and password-reset emails. */
function publicPage(path: string): ReactNode | null {
  const invite = match('/invite/:token', path);
  if (invite) return <InvitePage token={invite.token!} />;
  const reset = match('/reset/:token', path) ?? match('/reset-password/:token', path);
  if (reset) return <ResetPage token={reset.token!} />;
  return null;
}

/** While the server says whether this browser's session still holds. */
function Checking() {
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    refreshMe().catch(setError);
  }, []);
  return error ? <ErrorNote error={error} retry={() => location.reload()} /> : <Loading label="Signing in…" />;
}

/** A signed-in person who belongs to no workspace (yet, or any more): create one, or sign out. */
function NoWorkspace() {
  const qc = useQueryClient();
  return (
    <div className="signin">
      <div className="stack">
        <AddWorkspace onDone={() => undefined} intro="You belong to no workspace yet. Create one (you will be its owner), or ask a colleague to invite you." />
        <button
          type="button"
          className="btn btn-ghost"
          onClick={() => {
            void api.post('/api/auth/signout').finally(() => {
              qc.clear();
              signOut(true);
            });
          }}
        >
          Sign out
        </button>
      </div>
    </div>
  );
}

/** The signed-in shell: sidebar, top bar with the workspace switcher, and the page for the URL. */
export function App() {
  const { workspace, mode, permissions } = useSession();
  const { path } = useLocation();
  const [adding, setAdding] = useState(false);
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  // Single sign-on sends a failed sign-in to /signin?error=…; signed in, that page is the overview.
  useEffect(() => {
    if (workspace && path === '/signin') navigate('/', { replace: true });
  }, [workspace, path]);

  let found: { page: (typeof ROUTES)[number]; params: Record<string, string> } | null = null;
  for (const r of ROUTES) {
    const params = match(r.pattern, path);
    if (params) {
      found = { page: r, params };
      break;
    }
  }
  useEffect(() => {
    document.title = `${found?.page.title ?? 'Not found'} · Tenure`;
  }, [found?.page.title]);

  const outside = publicPage(path);
  if (outside) return outside;
  if (mode === 'checking') return <Checking />;
  if (mode === 'user' && !workspace) return <NoWorkspace />;
  if (!workspace) return <SignInPage />;
  if (path === '/signin') return null;
  const Page = found?.page.page;
  const section = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`));

  return (
    <div className={menuOpen ? 'shell menu-open' : 'shell'}>
      <aside className="sidebar">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            T
          </span>
          <span>Tenure</span>
          <button type="button" className="btn btn-ghost menu-toggle" aria-label="Menu" aria-expanded={menuOpen} onClick={() => setMenuOpen((o) => !o)}>
            ☰
          </button>
        </div>
        <nav aria-label="Main">
          {NAV.filter((n) => !n.needs || permissions.includes(n.needs)).map((n) => (
            <div key={n.to}>
              {n.section ? <div className="nav-section">{n.section}</div> : null}
              <Link to={n.to} className={section(n.to) ? 'nav-link active' : 'nav-link'} aria-current={section(n.to) ? 'page' : undefined}>
                <span className="nav-icon" aria-hidden="true">
                  {n.icon}
                </span>
                {n.label}
              </Link>
            </div>
          ))}
        </nav>
      </aside>
      <div className="main">
        <header className="topbar">
          <div className="topbar-title">{found?.page.title ?? ''}</div>
          <WorkspaceSwitcher onAdd={() => setAdding(true)} />
        </header>
        {adding ? (
          <div className="modal-backdrop" role="dialog" aria-modal="true" aria-label="Add a workspace">
            {mode === 'user' ? <AddWorkspace onDone={() => setAdding(false)} /> : <SignInPage adding onDone={() => setAdding(false)} />}
          </div>
        ) : null}
        <main className="content" key={workspace.id}>
          <PageBoundary resetKey={path}>
            <Suspense fallback={<Loading label="Loading page…" />}>{Page && found ? <Page params={found.params} /> : <NotFound path={path} />}</Suspense>
          </PageBoundary>
        </main>
      </div>
    </div>
  );
}
