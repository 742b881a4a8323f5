import { useSyncExternalStore } from 'react';

/** A workspace the person has signed in to: its admin key lives in sessionStorage only (never in a URL). */
export interface SignedInWorkspace {
  key: string;
  id: number;
  slug: string;
  name: string;
}

interface Session {
  workspaces: SignedInWorkspace[];
  active: number;
}

const STORAGE = 'tenure.session';
const listeners = new Set<() => void>();
let current: Session = load();

function load(): Session {
  try {
    const raw = sessionStorage.getItem(STORAGE);
    if (raw) {
      const s = JSON.parse(raw) as Session;
      if (Array.isArray(s.workspaces)) return { workspaces: s.workspaces, active: Math.min(Math.max(0, s.active | 0), Math.max(0, s.workspaces.length - 1)) };
    }
  } catch {
    /* unreadable storage: start signed out */
  }
  return { workspaces: [], active: 0 };
}

function save(next: Session): void {
  current = next;
  try {
    sessionStorage.setItem(STORAGE, JSON.stringify(next));
  } catch {
    /* storage full or disabled: the session lasts as long as the page */
  }
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The session, re-rendering on sign-in, switch and sign-out. */
export function useSession(): Session & { workspace: SignedInWorkspace | undefined } {
  const s = useSyncExternalStore(subscribe, () => current);
  return { ...s, workspace: s.workspaces[s.active] };
}

/** The admin key requests use now. */
export function activeKey(): string | undefined {
  return current.workspaces[current.active]?.key;
}

/** Keep a checked key, making its workspace the active one (replacing an older key for the same workspace). */
export function signIn(ws: SignedInWorkspace): void {
  const others = current.workspaces.filter((w) => w.id !== ws.id);
  save({ workspaces: [...others, ws], active: others.length });
}

export function switchWorkspace(index: number): void {
  if (index >= 0 && index < current.workspaces.length) save({ ...current, active: index });
}

/** Forget the active workspace's key (or every key). */
export function signOut(all = false): void {
  if (all) return save({ workspaces: [], active: 0 });
  const rest = current.workspaces.filter((_, i) => i !== current.active);
  save({ workspaces: rest, active: 0 });
}

/** A 401 means the key was revoked or rotated: drop it so the sign-in page shows. */
export function signOutOnUnauthorized(): void {
  if (current.workspaces.length) signOut();
}
