import { Component, Suspense, useEffect, useState, type ErrorInfo, type ReactNode } from 'react';
import { signOut, switchWorkspace, useSession } from './api/session.js';
import { ErrorNote, Loading } from './components/states.js';
import { SignInPage } from './features/auth/SignInPage.js';
import { useMe } from './features/privacy/useCan.js';
import { Link, match, useLocation } from './router.js';
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
  const { workspaces, active } = useSession();
  return (
    <div className="workspace-switcher">
      <label className="sr-only" htmlFor="workspace-select">
        Workspace
      </label>
      <select
        id="workspace-select"
        value={String(active)}
        onChange={(e) => {
          if (e.target.value === 'add') onAdd();
          else switchWorkspace(Number(e.target.value));
        }}
      >
        {workspaces.map((w, i) => (
          <option key={w.id} value={String(i)}>
            {w.name}
          </option>
        ))}
        <option value="add">+ Add a workspace…</option>
      </select>
      <button type="button" className="btn btn-ghost btn-small" onClick={() => signOut()} title="Forget this workspace's admin key in this tab">
        Sign out
      </button>
    </div>
  );
}

/** The signed-in shell: sidebar, top bar with the workspace switcher, and the page for the URL. */
export function App() {
  const { workspace } = useSession();
  const { path } = useLocation();
  const [adding, setAdding] = useState(false);
  const [menuOpen, setMenuOpen] = useState(false);
  const { can } = useMe();
  useEffect(() => setMenuOpen(false), [path]);

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

  if (!workspace) return <SignInPage />;
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
          {NAV.filter((n) => !n.needs || can(n.needs)).map((n) => (
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
            <SignInPage adding onDone={() => setAdding(false)} />
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
