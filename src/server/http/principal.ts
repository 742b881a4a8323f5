import type { FastifyRequest } from 'fastify';
import type { KeyScope, Role } from '../../contracts/team.js';
import type { Workspace } from '../workspaces/workspaces.repo.js';

/**
 * Who a request is, once the edge guard authenticated it (edge.ts): a signed-in user with their
 * role in the workspace they chose, or an API key with its scope. The workspace's own admin key
 * and write key are keys too (id null, scope admin / ingest).
 */
export type Principal =
  { kind: 'user'; ws: Workspace; userId: number; email: string; name: string; role: Role; csrf: string } | { kind: 'key'; ws: Workspace; keyId: number | null; name: string; scope: KeyScope };

const principals = new WeakMap<FastifyRequest, Principal>();

/** Remember who the request is (the edge guard does, once). */
export function setPrincipal(req: FastifyRequest, p: Principal): void {
  principals.set(req, p);
}

/** Who the request is, or undefined before authentication (public routes never have one). */
export function principalOf(req: FastifyRequest): Principal | undefined {
  return principals.get(req);
}

/** How the audit log and privacy receipts name who acted: the user's email or the key's name. */
export function actorOf(p: Principal | undefined): { kind: 'user' | 'key' | 'system'; id: number | null; label: string } {
  if (!p) return { kind: 'system', id: null, label: 'Tenure' };
  return p.kind === 'user' ? { kind: 'user', id: p.userId, label: p.email } : { kind: 'key', id: p.keyId, label: p.name };
}
