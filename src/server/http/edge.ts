import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Queryable } from '../db/client.js';
import { authenticateWrite, type KeyResolver } from './auth.js';
import { authenticateAndAuthorize } from './authorize.js';
import { checkOrigin } from './cors.js';
import { HttpError } from './errors.js';
import { routePermission } from './policy.js';
import { TokenBuckets } from './rate-limit.js';

/** Rate limits at the HTTP edge; 0 turns one off. */
export interface RateLimits {
  /** Ingestion (/v1/*) requests per second per write key; bursts up to twice that. */
  ingestPerSecond: number;
  /** Ingestion (/v1/*) requests per second per client IP; bursts up to twice that. */
  ingestIpPerSecond: number;
  /** Wrong admin keys per minute per client IP (/api/*); past it every /api request from that IP gets 429 until the bucket refills. */
  authFailuresPerMinute: number;
}

/** Generous enough for honest heavy use (the ingestion benchmark sends ~250 batches/s), tight on key guessing. Same as config.ts. */
export const DEFAULT_RATE_LIMITS: RateLimits = { ingestPerSecond: 5_000, ingestIpPerSecond: 1_000, authFailuresPerMinute: 10 };

/** Which key a route wants, from its URL pattern: the admin API, ingestion, or none (health, spec, dashboard, tracking links). */
function family(req: FastifyRequest): 'admin' | 'write' | null {
  const url = req.routeOptions.url;
  if (url === undefined) return null;
  if (url.startsWith('/api/')) return 'admin';
  if (url.startsWith('/v1/') || url.startsWith('/beacon/') || url.startsWith('/sourceConfig')) return 'write';
  return null;
}

function perSecond(n: number): TokenBuckets | null {
  return n > 0 ? new TokenBuckets({ perSecond: n, capacity: 2 * n }) : null;
}

/**
 * What every request meets before its route: a URL with a NUL character is refused (PostgreSQL
 * cannot store or compare it); ingestion is rate limited per IP and per write key; the admin
 * API locks out an IP that keeps presenting wrong keys; and every route is authorized against
 * the policy table before its body or query is validated: ingestion by its key (a browser's
 * origin is checked against the workspace's allowed origins then), the admin API by session
 * or key, with the role or scope checked (authorize.ts). Who the request is stays on it
 * (principal.ts), so the handler's own authenticate call looks nothing up.
 */
export function registerEdgeGuards(app: FastifyInstance, deps: { db: Queryable; keys: KeyResolver; limits?: Partial<RateLimits> }): void {
  const limits = { ...DEFAULT_RATE_LIMITS, ...deps.limits };
  const ingestByIp = perSecond(limits.ingestIpPerSecond);
  const ingestByKey = perSecond(limits.ingestPerSecond);
  const n = limits.authFailuresPerMinute;
  const authFailures = n > 0 ? new TokenBuckets({ perSecond: n / 60, capacity: n }) : null;

  app.addHook('onRequest', async (req) => {
    // Raw NUL bytes never get past Node's parser; %00 decodes to one in a path or query parameter.
    if (req.url.includes('%00')) throw new HttpError('validation_failed', 'the URL contains a NUL character (%00), which no Tenure identifier or parameter can hold');
    const kind = family(req);
    if (kind === 'write' && ingestByIp) {
      const wait = ingestByIp.take(req.ip, Date.now());
      if (wait > 0) throw new HttpError('rate_limited', `too many ingestion requests from ${req.ip} (limit ${limits.ingestIpPerSecond} per second); retry in ${wait} s`, { retryAfter: wait });
    } else if (kind === 'admin' && authFailures) {
      const wait = authFailures.peek(req.ip, Date.now());
      if (wait > 0) throw new HttpError('rate_limited', `too many wrong admin keys from ${req.ip}; try again in ${wait} s`, { retryAfter: wait });
    }
  });

  // After the body is parsed (a write key may be in it), before the route's schema validates it:
  // every route is authorized against THE policy table (policy.ts).
  app.addHook('preValidation', async (req) => {
    const url = req.routeOptions.url;
    if (url === undefined) return; // no route: the 404 handler answers
    const permission = routePermission(req.method === 'HEAD' ? 'GET' : req.method, url, req.routeOptions.config);
    if (permission === undefined) throw new HttpError('forbidden', `${req.method} ${url} has no entry in the policy table, so nobody may call it`);
    if (permission === 'public') return;
    if (permission === 'ingest') {
      const ws = await authenticateWrite(deps.keys, req);
      // A browser on a page the workspace does not allow (CORS): refused before anything is read.
      checkOrigin(req, ws);
      const wait = ingestByKey?.take(String(ws.id), Date.now()) ?? 0;
      if (wait > 0) throw new HttpError('rate_limited', `too many ingestion requests for this write key (limit ${limits.ingestPerSecond} per second); retry in ${wait} s`, { retryAfter: wait });
      return;
    }
    try {
      await authenticateAndAuthorize(deps.db, deps.keys, req, permission);
    } catch (err) {
      // A key was presented and is wrong: a guess. (No key, or a key without the scope, guesses nothing.)
      if (authFailures && err instanceof HttpError && err.status === 401 && /^Bearer\s+\S/.test(req.headers.authorization ?? '')) authFailures.take(req.ip, Date.now());
      throw err;
    }
  });
}
