import type { FastifyRequest } from 'fastify';
import type { Queryable } from '../db/client.js';
import { findKey, touchApiKey, type ResolvedKey } from '../workspaces/api-keys.repo.js';
import type { Workspace } from '../workspaces/workspaces.repo.js';
import { HttpError } from './errors.js';
import { principalOf, setPrincipal } from './principal.js';

const TTL_MS = 30_000;
/** Valid keys remembered (there are few: a handful per workspace); past this the oldest is forgotten. */
const MAX_HITS = 10_000;
/** Unknown keys remembered, apart from the valid ones so that a flood of made-up keys never pushes a valid key out. */
const MAX_MISSES = 1_000;
/** A named key's last-used time is written at most this often. */
const TOUCH_EVERY_MS = 60_000;

/**
 * Resolves keys to their workspace and scope, remembering answers (valid keys and misses
 * apart) for 30 s: a revoked or rotated key stops at once in this process (routes call
 * clear()) and within 30 s in others.
 */
export class KeyResolver {
  private readonly hits = new Map<string, { key: ResolvedKey; until: number }>();
  private readonly misses = new Map<string, number>();
  private readonly touched = new Map<number, number>();

  constructor(private readonly db: Queryable) {}

  /** The key's workspace and scope, or null for an unknown (or revoked) key. */
  async resolveKey(key: string): Promise<ResolvedKey | null> {
    const now = Date.now();
    const hit = this.hits.get(key);
    if (hit && hit.until > now) {
      await this.touch(hit.key, now);
      return hit.key;
    }
    const missUntil = this.misses.get(key);
    if (missUntil !== undefined && missUntil > now) return null;
    const found = await findKey(this.db, key);
    if (found) {
      this.hits.delete(key);
      if (this.hits.size >= MAX_HITS) this.hits.delete(this.hits.keys().next().value as string);
      this.hits.set(key, { key: found, until: now + TTL_MS });
      this.misses.delete(key);
      await this.touch(found, now);
    } else {
      this.misses.delete(key);
      if (this.misses.size >= MAX_MISSES) this.misses.delete(this.misses.keys().next().value as string);
      this.misses.set(key, now + TTL_MS);
    }
    return found;
  }

  /** The workspace a key opens for ingestion (`write`: ingest or admin scope) or the admin API (`admin`: admin scope); null otherwise. */
  async resolve(kind: 'write' | 'admin', key: string): Promise<Workspace | null> {
    const k = await this.resolveKey(key);
    if (!k) return null;
    if (kind === 'write') return k.scope === 'read' ? null : k.ws;
    return k.scope === 'admin' ? k.ws : null;
  }

  private async touch(k: ResolvedKey, now: number): Promise<void> {
    if (k.keyId === null) return;
    const last = this.touched.get(k.keyId) ?? 0;
    if (now - last < TOUCH_EVERY_MS) return;
    this.touched.set(k.keyId, now);
    if (this.touched.size > MAX_HITS) this.touched.delete(this.touched.keys().next().value as number);
    await touchApiKey(this.db, k.keyId).catch(() => undefined);
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

/** The key a Segment-style request carries: HTTP Basic with the key as user name (or Bearer), else `writeKey` in the body, the query string or the path. */
export function writeKeyOf(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    return (decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded) || undefined;
  }
  if (header?.startsWith('Bearer ')) return header.slice(7).trim() || undefined;
  // Browsers' sendBeacon cannot set headers: the key is in the body (analytics.js), the
  // query string (RudderStack's /beacon/v1/batch?writeKey=…) or the path (SDK settings).
  const body = req.body as { writeKey?: unknown; batch?: Array<{ writeKey?: unknown }> } | undefined;
  const fromBody = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body.writeKey ?? (Array.isArray(body.batch) ? body.batch[0]?.writeKey : undefined)) : undefined;
  const fromUrl = (req.query as { writeKey?: unknown } | undefined)?.writeKey ?? (req.params as { writeKey?: unknown } | undefined)?.writeKey;
  if (typeof fromBody === 'string' && fromBody !== '') return fromBody;
  if (typeof fromUrl === 'string' && fromUrl !== '') return fromUrl;
  return undefined;
}

/** Ingestion: the workspace of a key with the ingest (or admin) scope. */
export async function authenticateWrite(keys: KeyResolver, req: FastifyRequest): Promise<Workspace> {
  const known = principalOf(req);
  if (known?.kind === 'key' && known.scope !== 'read') return known.ws;
  const key = writeKeyOf(req);
  if (!key) throw new HttpError('unauthorized', 'missing write key: send it as the HTTP Basic user name (as Segment SDKs do), as `writeKey` in the body, or as the `writeKey` query parameter');
  const k = await keys.resolveKey(key);
  if (!k) throw new HttpError('unauthorized', 'unknown write key');
  if (k.scope === 'read') throw new HttpError('forbidden', `the key "${k.name}" cannot do this: its scope (read) does not allow sending events (use the write key or an ingest key)`);
  if (k.deleting) throw new HttpError('forbidden', `the workspace "${k.ws.slug}" is being deleted: it takes no more events (restore it in Settings to resume)`);
  setPrincipal(req, { kind: 'key', ws: k.ws, keyId: k.keyId, name: k.name, scope: k.scope });
  return k.ws;
}

/**
 * The admin API's workspace. The edge guard (edge.ts) has authenticated and authorized the
 * request against the policy table already, so this only reads who it found; a request that
 * reached a handler without it (a route outside /api) is refused.
 */
export async function authenticateAdmin(_keys: KeyResolver, req: FastifyRequest): Promise<Workspace> {
  const p = principalOf(req);
  if (p) return p.ws;
  throw new HttpError('unauthorized', 'sign in, or send an API key as `Authorization: Bearer <key>`');
}
