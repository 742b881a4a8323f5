import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { roleMay, scopeMay, type Permission } from '../../contracts/team.js';
import type { Queryable } from '../db/client.js';
import { findSession } from '../team/sessions.repo.js';
import { membershipOf, membershipsOf } from '../team/users.repo.js';
import { findWorkspaceById } from '../workspaces/workspaces.repo.js';
import type { KeyResolver } from './auth.js';
import { HttpError } from './errors.js';
import { setPrincipal, type Principal } from './principal.js';
import { readCookie, SESSION_COOKIE } from './session-cookie.js';

/** The signed-in user of a session request, set even when they belong to no workspace yet. */
export interface SessionUser {
  userId: number;
  email: string;
  name: string;
  csrf: string;
  token: string;
}
const sessionUsers = new WeakMap<FastifyRequest, SessionUser>();

/** The session's user, when the request came with a live session cookie. */
export function sessionUserOf(req: FastifyRequest): SessionUser | undefined {
  return sessionUsers.get(req);
}

/** What the workspace header names: a workspace id. */
function chosenWorkspace(req: FastifyRequest): number | undefined {
  const raw = req.headers['x-tenure-workspace'];
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new HttpError('bad_parameter', `the x-tenure-workspace header must be a workspace id (a number), not "${String(v).slice(0, 40)}"`, { field: 'x-tenure-workspace' });
  return n;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function describe(p: Permission): string {
  const words: Record<Permission, string> = {
    public: 'anyone',
    session: 'a signed-in user',
    ingest: 'sending events',
    read: 'reading',
    'customers.write': 'changing customers, tasks and loyalty balances',
    'surveys.write': 'changing surveys',
    'marketing.write': 'changing segments, journeys, templates and programmes',
    'data.write': 'importing data',
    'model.write': 'changing the lifecycle model, scores and predictions',
    'settings.write': 'changing workspace settings',
    'keys.manage': 'managing keys and secrets',
    'members.manage': 'managing members',
    'audit.read': 'reading the audit log',
    'privacy.manage': 'privacy requests (export, erase, suppress, purge)',
    'workspace.delete': 'deleting the workspace',
  };
  return words[p];
}

/**
 * Authenticate an admin API request (a session cookie, or an API key as `Authorization:
 * Bearer`), then authorize it against the permission its route needs (policy.ts). A session
 * request that changes something must carry its CSRF token in `x-csrf-token`. Sets the
 * principal (principal.ts) for the handler.
 */
export async function authenticateAndAuthorize(db: Queryable, keys: KeyResolver, req: FastifyRequest, permission: Permission): Promise<Principal | undefined> {
  const header = req.headers.authorization;
  const cookie = header ? undefined : readCookie(req, SESSION_COOKIE);
  if (cookie !== undefined) return authorizeSession(db, req, cookie, permission);
  const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  if (!key) throw new HttpError('unauthorized', 'sign in, or send an API key as `Authorization: Bearer <key>`');
  const k = await keys.resolveKey(key);
  if (!k) throw new HttpError('unauthorized', 'unknown or revoked API key');
  if (!scopeMay(k.scope, permission)) {
    const what = k.scope === 'ingest' ? 'it can only send events (the admin API needs a read or admin key)' : `its scope (${k.scope}) does not allow ${describe(permission)}`;
    throw new HttpError('forbidden', `the key "${k.name}" cannot do this: ${what}`);
  }
  const p: Principal = { kind: 'key', ws: k.ws, keyId: k.keyId, name: k.name, scope: k.scope };
  setPrincipal(req, p);
  return p;
}

async function authorizeSession(db: Queryable, req: FastifyRequest, token: string, permission: Permission): Promise<Principal | undefined> {
  const s = await findSession(db, token);
  if (!s) throw new HttpError('unauthorized', 'your session has ended: sign in again');
  if (!SAFE.has(req.method)) {
    const sent = req.headers['x-csrf-token'];
    const value = Array.isArray(sent) ? sent[0] : sent;
    if (!value || !sameToken(value, s.csrf)) throw new HttpError('forbidden', 'missing or wrong x-csrf-token header: a signed-in browser must send the token GET /api/auth/me gives with every change');
  }
  sessionUsers.set(req, { userId: s.userId, email: s.email, name: s.name, csrf: s.csrf, token });
  const wanted = chosenWorkspace(req);
  let wsId: number | undefined;
  let role;
  if (wanted !== undefined) {
    role = await membershipOf(db, wanted, s.userId);
    if (!role) throw new HttpError('forbidden', `you are not a member of workspace ${wanted}`);
    wsId = wanted;
  } else {
    const first = (await membershipsOf(db, s.userId))[0];
    if (first) {
      wsId = first.id;
      role = first.role;
    }
  }
  const ws = wsId === undefined ? null : await findWorkspaceById(db, wsId);
  if (!ws || !role) {
    // Only what needs no workspace: who am I, my workspaces, make one.
    if (permission === 'session') return undefined;
    throw new HttpError('forbidden', 'you belong to no workspace yet: create one, or ask an admin to invite you');
  }
  if (!roleMay(role, permission)) throw new HttpError('forbidden', `your role in ${ws.name} (${role}) does not allow ${describe(permission)}`);
  const p: Principal = { kind: 'user', ws, userId: s.userId, email: s.email, name: s.name, role, csrf: s.csrf };
  setPrincipal(req, p);
  return p;
}
