import { useSyncExternalStore } from 'react';
import { SCOPE_PERMISSIONS, type MeView, type Permission, type Role, type UserView, type WorkspaceMembership } from '../../contracts/team.js';

/**
 * A workspace the dashboard can show. Signed in with a person's email and password, the
 * session is an HTTP-only cookie the browser sends itself and `key` is absent; signed in
 * with an API key, the key lives in sessionStorage only (never in a URL or a cookie).
 */
export interface SignedInWorkspace {
  key?: string;
  id: number;
  slug: string;
  name: string;
  role?: Role | null;
  deleting?: boolean;
  /** What the key may do (key mode; from /api/auth/me when the key was checked). */
  permissions?: readonly Permission[];
}

/** `user`: email and password (or single sign-on), cookie session. `key`: an admin key per workspace. `checking`: asking the server whether a cookie session exists. */
export type SessionMode = 'none' | 'checking' | 'user' | 'key';

export interface Session {
  mode: SessionMode;
  workspaces: SignedInWorkspace[];
  active: number;
  /** The signed-in person (user mode). */
  user: UserView | null;
  /** What the caller may do in the active workspace. */
  permissions: readonly Permission[];
  /** Sent back as `x-csrf-token` on every request that changes something (user mode). */
  csrf: string | null;
}

const KEYS = 'tenure.session';
/** Set while this browser holds a cookie session (the cookie itself is HTTP-only): the dashboard asks /api/auth/me at start only then. */
const MARK = 'tenure.signedIn';
/** The workspace chosen last (user mode), by id. */
const CHOSEN = 'tenure.workspace';

const membership = (w: WorkspaceMembership): SignedInWorkspace => ({ id: w.id, slug: w.slug, name: w.name, role: w.role, deleting: w.deleting });

const listeners = new Set<() => void>();
let current: Session = load();

function load(): Session {
  const empty: Session = { mode: 'none', workspaces: [], active: 0, user: null, permissions: [], csrf: null };
  try {
    const raw = sessionStorage.getItem(KEYS);
    if (raw) {
      const s = JSON.parse(raw) as { workspaces?: SignedInWorkspace[]; active?: number };
      if (Array.isArray(s.workspaces) && s.workspaces.length) {
        const active = Math.min(Math.max(0, (s.active ?? 0) | 0), s.workspaces.length - 1);
        return { ...empty, mode: 'key', workspaces: s.workspaces, active, permissions: s.workspaces[active]!.permissions ?? SCOPE_PERMISSIONS.admin };
      }
    }
    if (localStorage.getItem(MARK)) return { ...empty, mode: 'checking' };
  } catch {
    /* unreadable storage: start signed out */
  }
  return empty;
}

function store(fn: () => void): void {
  try {
    fn();
  } catch {
    /* storage full or disabled: the session lasts as long as the page */
  }
}

function set(next: Session): void {
  current = next;
  if (next.mode === 'key') store(() => sessionStorage.setItem(KEYS, JSON.stringify({ workspaces: next.workspaces, active: next.active })));
  else store(() => sessionStorage.removeItem(KEYS));
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The session, re-rendering on sign-in, switch and sign-out. */
export function useSession(): Session & { workspace: SignedInWorkspace | undefined } {
  const s = useSyncExternalStore(subscribe, () => current);
  return { ...s, workspace: s.mode === 'key' || s.mode === 'user' ? s.workspaces[s.active] : undefined };
}

/** The session now, outside React. */
export function sessionNow(): Session {
  return current;
}

/** True when the caller may do `p` in the active workspace (the server decides anyway: this only keeps dead buttons off the page). */
export function useCan(p: Permission): boolean {
  const s = useSyncExternalStore(subscribe, () => current);
  return p === 'public' || s.permissions.includes(p);
}

/** The admin key requests use now (key mode). */
export function activeKey(): string | undefined {
  return current.mode === 'key' ? current.workspaces[current.active]?.key : undefined;
}

/**
 * The headers that say who is calling: the admin key (key mode), or the chosen workspace and,
 * on a request that changes something, the CSRF token (user mode; the cookie goes by itself).
 */
export function authHeaders(method: string): Record<string, string> {
  if (current.mode === 'key') {
    const key = activeKey();
    return key ? { authorization: `Bearer ${key}` } : {};
  }
  const h: Record<string, string> = {};
  const ws = current.mode === 'user' ? current.workspaces[current.active]?.id : current.mode === 'checking' ? chosenWorkspace() : undefined;
  if (ws) h['x-tenure-workspace'] = String(ws);
  if (method !== 'GET' && method !== 'HEAD' && current.csrf) h['x-csrf-token'] = current.csrf;
  return h;
}

/** Keep a checked key, making its workspace the active one (replacing an older key for the same workspace). */
export function signIn(ws: SignedInWorkspace): void {
  const base = current.mode === 'key' ? current.workspaces : [];
  const others = base.filter((w) => w.id !== ws.id);
  set({ mode: 'key', workspaces: [...others, ws], active: others.length, user: null, permissions: ws.permissions ?? SCOPE_PERMISSIONS.admin, csrf: null });
}

/** What /api/auth/me said (user mode): the person, their workspaces, what they may do in the active one. */
export function applyMe(me: MeView): void {
  if (!me.user) return;
  store(() => localStorage.setItem(MARK, '1'));
  const workspaces = me.workspaces.map(membership);
  const active = Math.max(
    0,
    workspaces.findIndex((w) => w.id === me.workspace?.id),
  );
  if (me.workspace) store(() => localStorage.setItem(CHOSEN, String(me.workspace!.id)));
  set({ mode: 'user', workspaces, active, user: me.user, permissions: me.permissions, csrf: me.csrfToken });
}

/** After a sign-in: the browser holds a session cookie; who and what come from /api/auth/me next. */
export function markSignedIn(csrf: string): void {
  store(() => localStorage.setItem(MARK, '1'));
  set({ mode: 'checking', workspaces: [], active: 0, user: null, permissions: [], csrf });
}

/**
 * Make `id` the workspace the next /api/auth/me answers for (the one an invitation joined, one
 * just created: `ws` adds it to the switcher until /api/auth/me lists it).
 */
export function chooseWorkspace(id: number, ws?: WorkspaceMembership): void {
  store(() => localStorage.setItem(CHOSEN, String(id)));
  if (current.mode !== 'user') return;
  const known = current.workspaces.findIndex((w) => w.id === id);
  const workspaces = known >= 0 || !ws ? current.workspaces : [...current.workspaces, membership(ws)];
  const active = known >= 0 ? known : ws ? workspaces.length - 1 : current.active;
  set({ ...current, workspaces, active, permissions: ['session'] });
}

/** Forget the workspace chosen last (it is gone, or the person left it). */
export function forgetChosenWorkspace(): void {
  store(() => localStorage.removeItem(CHOSEN));
}

/** The workspace id this browser chose last (user mode), if any. */
export function chosenWorkspace(): number | undefined {
  try {
    const v = Number(localStorage.getItem(CHOSEN));
    return Number.isInteger(v) && v > 0 ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Switch to another workspace; in user mode, call `refreshMe` afterwards for its permissions. */
export function switchWorkspace(index: number): void {
  if (index < 0 || index >= current.workspaces.length) return;
  if (current.mode === 'user') {
    store(() => localStorage.setItem(CHOSEN, String(current.workspaces[index]!.id)));
    // Nothing is allowed until the server says what the role there may do.
    set({ ...current, active: index, permissions: ['session'] });
  } else set({ ...current, active: index, permissions: current.workspaces[index]!.permissions ?? SCOPE_PERMISSIONS.admin });
}

/** Rename (or mark deleting) a workspace in the switcher after the server changed it. */
export function updateWorkspace(id: number, patch: Partial<Omit<SignedInWorkspace, 'id'>>): void {
  set({ ...current, workspaces: current.workspaces.map((w) => (w.id === id ? { ...w, ...patch } : w)) });
}

/** Forget the session: every key (key mode, or `all`), or the active workspace's key only. */
export function signOut(all = false): void {
  if (current.mode !== 'key' || all || current.workspaces.length <= 1) {
    store(() => localStorage.removeItem(MARK));
    return set({ mode: 'none', workspaces: [], active: 0, user: null, permissions: [], csrf: null });
  }
  const rest = current.workspaces.filter((_, i) => i !== current.active);
  set({ ...current, workspaces: rest, active: 0 });
}

/** A 401 means the session ended or the key was revoked or rotated: back to the sign-in page. */
export function signOutOnUnauthorized(): void {
  if (current.mode !== 'none') signOut();
}
