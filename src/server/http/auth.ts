import type { FastifyRequest } from 'fastify';
import type { Queryable } from '../db/client.js';
import { findWorkspaceByKey, type Workspace } from '../workspaces/workspaces.repo.js';
import { HttpError } from './errors.js';

const TTL_MS = 30_000;
/** Valid keys remembered (there are few: two per workspace); past this the oldest is forgotten. */
const MAX_HITS = 10_000;
/** Unknown keys remembered, apart from the valid ones so that a flood of made-up keys never pushes a valid key out. */
const MAX_MISSES = 1_000;

/** Resolves keys to workspaces, remembering answers (valid keys and misses apart) for 30 s. */
export class KeyResolver {
  private readonly hits = new Map<string, { ws: Workspace; until: number }>();
  private readonly misses = new Map<string, number>();

  constructor(private readonly db: Queryable) {}

  async resolve(kind: 'write' | 'admin', key: string): Promise<Workspace | null> {
    const k = `${kind}:${key}`;
    const now = Date.now();
    const hit = this.hits.get(k);
    if (hit && hit.until > now) return hit.ws;
    const missUntil = this.misses.get(k);
    if (missUntil !== undefined && missUntil > now) return null;
    const ws = await findWorkspaceByKey(this.db, kind, key);
    if (ws) {
      this.hits.delete(k);
      if (this.hits.size >= MAX_HITS) this.hits.delete(this.hits.keys().next().value as string);
      this.hits.set(k, { ws, until: now + TTL_MS });
      this.misses.delete(k);
    } else {
      this.misses.delete(k);
      if (this.misses.size >= MAX_MISSES) this.misses.delete(this.misses.keys().next().value as string);
      this.misses.set(k, now + TTL_MS);
    }
    return ws;
  }

  /** How many valid keys and misses are remembered (for tests). */
  get cached(): { hits: number; misses: number } {
    return { hits: this.hits.size, misses: this.misses.size };
  }

  /** Forget cached answers (after keys change). */
  clear(): void {
    this.hits.clear();
    this.misses.clear();
  }
}

/** The workspace a request authenticated as, so a second authenticate call (hook, then handler) looks nothing up. */
const authenticated = new WeakMap<FastifyRequest, { kind: 'write' | 'admin'; ws: Workspace }>();

/** Segment style: HTTP Basic with the write key as user name (or Bearer), else `writeKey` in the body, else in the query string or path. */
export async function authenticateWrite(keys: KeyResolver, req: FastifyRequest): Promise<Workspace> {
  const known = authenticated.get(req);
  if (known?.kind === 'write') return known.ws;
  const header = req.headers.authorization;
  let key: string | undefined;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    key = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
  } else if (header?.startsWith('Bearer ')) {
    key = header.slice(7).trim();
  }
  if (!key) {
    // Browsers' sendBeacon cannot set headers: the key is in the body (analytics.js), the
    // query string (RudderStack's /beacon/v1/batch?writeKey=…) or the path (SDK settings).
    const body = req.body as { writeKey?: unknown; batch?: Array<{ writeKey?: unknown }> } | undefined;
    const fromBody = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body.writeKey ?? (Array.isArray(body.batch) ? body.batch[0]?.writeKey : undefined)) : undefined;
    const fromUrl = (req.query as { writeKey?: unknown } | undefined)?.writeKey ?? (req.params as { writeKey?: unknown } | undefined)?.writeKey;
    if (typeof fromBody === 'string' && fromBody !== '') key = fromBody;
    else if (typeof fromUrl === 'string' && fromUrl !== '') key = fromUrl;
  }
  if (!key) throw new HttpError('unauthorized', 'missing write key: send it as the HTTP Basic user name (as Segment SDKs do), as `writeKey` in the body, or as the `writeKey` query parameter');
  const ws = await keys.resolve('write', key);
  if (!ws) throw new HttpError('unauthorized', 'unknown write key');
  authenticated.set(req, { kind: 'write', ws });
  return ws;
}

/** Admin API: `Authorization: Bearer <admin key>`. A write key gets 403: it is valid, but only for ingestion. */
export async function authenticateAdmin(keys: KeyResolver, req: FastifyRequest): Promise<Workspace> {
  const known = authenticated.get(req);
  if (known?.kind === 'admin') return known.ws;
  const header = req.headers.authorization;
  const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  if (!key) throw new HttpError('unauthorized', 'missing admin key: send `Authorization: Bearer <admin key>`');
  const ws = await keys.resolve('admin', key);
  if (ws) {
    authenticated.set(req, { kind: 'admin', ws });
    return ws;
  }
  if (await keys.resolve('write', key)) throw new HttpError('forbidden', 'this is a write key, which can only send events; the admin API needs the admin key');
  throw new HttpError('unauthorized', 'unknown admin key');
}
