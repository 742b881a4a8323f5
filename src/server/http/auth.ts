import type { FastifyRequest } from 'fastify';
import type { Queryable } from '../db/client.js';
import { findWorkspaceByKey, type Workspace } from '../workspaces/workspaces.repo.js';
import { HttpError } from './errors.js';

const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

/** Resolves keys to workspaces, remembering answers (including misses) for 30 s. */
export class KeyResolver {
  private readonly cache = new Map<string, { ws: Workspace | null; until: number }>();

  constructor(private readonly db: Queryable) {}

  async resolve(kind: 'write' | 'admin', key: string): Promise<Workspace | null> {
    const k = `${kind}:${key}`;
    const hit = this.cache.get(k);
    const now = Date.now();
    if (hit && hit.until > now) return hit.ws;
    const ws = await findWorkspaceByKey(this.db, kind, key);
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(k, { ws, until: now + TTL_MS });
    return ws;
  }

  /** Forget cached answers (after keys change). */
  clear(): void {
    this.cache.clear();
  }
}

/** Segment style: HTTP Basic with the write key as user name, else `writeKey` in the body. */
export async function authenticateWrite(keys: KeyResolver, req: FastifyRequest): Promise<Workspace> {
  const header = req.headers.authorization;
  let key: string | undefined;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    key = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
  } else if (header?.startsWith('Bearer ')) {
    key = header.slice(7).trim();
  }
  if (!key) {
    const body = req.body as { writeKey?: unknown; batch?: Array<{ writeKey?: unknown }> } | undefined;
    const fromBody = body?.writeKey ?? body?.batch?.[0]?.writeKey;
    if (typeof fromBody === 'string') key = fromBody;
  }
  if (!key) throw new HttpError(401, 'unauthorized', 'missing write key: send it as the HTTP Basic user name (as Segment SDKs do) or as `writeKey` in the body');
  const ws = await keys.resolve('write', key);
  if (!ws) throw new HttpError(401, 'unauthorized', 'unknown write key');
  return ws;
}

/** Admin API: `Authorization: Bearer <admin key>`. A write key gets 403: it is valid, but only for ingestion. */
export async function authenticateAdmin(keys: KeyResolver, req: FastifyRequest): Promise<Workspace> {
  const header = req.headers.authorization;
  const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  if (!key) throw new HttpError(401, 'unauthorized', 'missing admin key: send `Authorization: Bearer <admin key>`');
  const ws = await keys.resolve('admin', key);
  if (ws) return ws;
  if (await keys.resolve('write', key)) throw new HttpError(403, 'forbidden', 'this is a write key, which can only send events; the admin API needs the admin key');
  throw new HttpError(401, 'unauthorized', 'unknown admin key');
}
