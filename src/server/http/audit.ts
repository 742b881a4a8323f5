import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../db/client.js';
import { findCustomerId } from '../identity/customers.read.js';
import { recordAudit, type AuditActor } from '../audit/audit.repo.js';
import { sessionUserOf } from './authorize.js';
import { auditedRoute, pathOf, type AuditedRoute } from './audited-routes.js';
import { actorOf, principalOf } from './principal.js';

interface Pending {
  route: AuditedRoute;
  workspaceId: number | null;
  objectId: string | null;
  before: unknown;
}

const pending = new WeakMap<FastifyRequest, Pending>();

/** Who acted: the principal the edge guard set, else the signed-in user (routes that need no workspace, such as creating one). */
function actorFor(req: FastifyRequest): AuditActor {
  const p = principalOf(req);
  if (p) return actorOf(p);
  const u = sessionUserOf(req);
  return u ? { kind: 'user', id: u.userId, label: u.email } : actorOf(undefined);
}

const plain = (v: unknown): unknown => (v !== null && typeof v === 'object' && !Buffer.isBuffer(v) && typeof (v as { pipe?: unknown }).pipe !== 'function' ? v : undefined);

function jsonOf(payload: unknown, contentType: unknown): unknown {
  if (typeof payload !== 'string' || payload.length > 1_000_000 || !String(contentType ?? '').includes('json')) return undefined;
  try {
    return JSON.parse(payload);
  } catch {
    return undefined;
  }
}

/**
 * The audit log's hooks, applied to every route of the table (audited-routes.ts): before the
 * handler, the object is read as it is (preHandler, after authentication and validation); when
 * the answer is a success (2xx), the object is read again and the entry recorded before the
 * answer leaves (onSend), so a client that saw the answer finds the entry. Failed requests
 * record nothing. A failure to record is logged, never turned into an error for a change that
 * has already happened.
 */
export function registerAudit(app: FastifyInstance, deps: { db: Db }): void {
  app.addHook('preHandler', async (req) => {
    const route = auditedRoute(req.method, req.routeOptions.url);
    if (!route) return;
    const workspaceId = principalOf(req)?.ws.id ?? null;
    const params = (req.params ?? {}) as Record<string, string>;
    let objectId: string | null = null;
    const id = route.id;
    if (id && 'param' in id) objectId = params[id.param] === undefined ? null : String(params[id.param]);
    else if (id && 'workspace' in id) objectId = workspaceId === null ? null : String(workspaceId);
    else if (id && 'fixed' in id) objectId = id.fixed;
    else if (id && 'customer' in id && workspaceId !== null && params[id.customer]) {
      const c = await findCustomerId(deps.db, workspaceId, params[id.customer]!);
      objectId = c === null ? null : String(c);
    }
    let before: unknown = undefined;
    if (route.read && workspaceId !== null) {
      const creates = id !== undefined && 'response' in id;
      try {
        before = creates ? null : await route.read(deps.db, workspaceId, objectId);
      } catch (err) {
        req.log.error({ err, action: route.action }, 'audit: reading the object before the change failed');
      }
    }
    pending.set(req, { route, workspaceId, objectId, before });
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const p = pending.get(req);
    if (!p || reply.statusCode < 200 || reply.statusCode >= 300) return payload;
    pending.delete(req);
    const { route } = p;
    try {
      const response = jsonOf(payload, reply.getHeader('content-type'));
      const workspaceId = route.workspaceFrom ? Number(pathOf(response, route.workspaceFrom)) : p.workspaceId;
      if (workspaceId === null || !Number.isInteger(workspaceId)) return payload;
      let objectId = p.objectId;
      if (route.id && 'response' in route.id) {
        const v = pathOf(response, route.id.response);
        objectId = v === undefined || v === null ? null : String(v);
      }
      const body = plain(req.body);
      let after: unknown;
      if (route.read) after = await route.read(deps.db, workspaceId, objectId);
      else if (route.summary) after = route.summary({ body, response, params: (req.params ?? {}) as Record<string, string>, query: (req.query ?? {}) as Record<string, unknown> });
      else if (body !== undefined || response !== undefined) after = { ...(body !== undefined ? { request: body } : {}), ...(response !== undefined ? { response } : {}) };
      await recordAudit(deps.db, { workspaceId, actor: actorFor(req), action: route.action, objectType: route.objectType, objectId, before: p.before, after, ip: req.ip });
    } catch (err) {
      req.log.error({ err, action: route.action }, 'audit: recording the change failed');
    }
    return payload;
  });
}
