import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Workspace } from '../workspaces/workspaces.repo.js';
import { HttpError } from './errors.js';

/**
 * Paths a web page calls from another origin: ingestion (Segment's /v1/*, short paths
 * included; RudderStack's /beacon/v1/batch), the SDKs' settings (/v1/projects/…/settings,
 * /sourceConfig) and the analytics.js bundle.
 */
export const BROWSER_PATH = /^\/(?:v1\/|beacon\/|sourceConfig(?:[/?]|$)|analytics\.js\/|analytics-next\/)/;

/** Request headers the SDKs send (analytics.js 2.0, RudderStack JS v3); a preflight also gets back what it asked for. */
const ALLOWED_HEADERS = [
  'content-type',
  'authorization',
  'content-encoding',
  'x-retry-count',
  'anonymousid',
  'sentat',
  'rsa-recovered',
  'rsa-retry-attempt',
  'rsa-since-last-attempt',
  'rsa-since-first-attempt',
  'rsa-retry-reason',
];
/** A preflight's Access-Control-Request-Headers is echoed only when it is a short list of header names. */
const REQUEST_HEADERS = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(?:\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+){0,40}$/;
/** How long a browser may remember a preflight (Chromium caps it at 2 hours). */
const MAX_AGE_SECONDS = 86_400;

/** The longest Origin header taken into account (an origin is scheme://host:port). */
const MAX_ORIGIN_LENGTH = 300;

/**
 * CORS for the browser paths. A preflight (OPTIONS) carries no key, so it is answered
 * generously for any origin: 204 with the methods and headers the SDKs use. The actual
 * request gets Access-Control-Allow-Origin for its origin on every answer (errors included,
 * so the page can read why it was refused); whether the origin may send is decided once the
 * write key says which workspace it is (see `checkOrigin`). Register before the edge guards,
 * so that their 429s carry the headers too.
 */
export function registerCors(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!BROWSER_PATH.test(req.url)) return;
    const origin = originOf(req);
    if (origin !== null) {
      void reply.header('access-control-allow-origin', origin);
      void reply.header('access-control-allow-credentials', 'true');
      void reply.header('access-control-expose-headers', 'Retry-After');
    }
    void reply.header('vary', 'Origin');
    if (req.method === 'OPTIONS') return preflight(req, reply, origin);
  });
}

function preflight(req: FastifyRequest, reply: FastifyReply, origin: string | null): FastifyReply {
  if (origin === null) void reply.header('access-control-allow-origin', '*');
  const asked = req.headers['access-control-request-headers'];
  const extra = typeof asked === 'string' && asked.length <= 2_000 && REQUEST_HEADERS.test(asked.trim()) ? asked.split(',').map((h) => h.trim().toLowerCase()) : [];
  const headers = [...new Set([...ALLOWED_HEADERS, ...extra])];
  return reply
    .status(204)
    .header('access-control-allow-methods', 'POST, GET, HEAD, OPTIONS')
    .header('access-control-allow-headers', headers.join(', '))
    .header('access-control-max-age', String(MAX_AGE_SECONDS))
    .header('cache-control', `public, max-age=${MAX_AGE_SECONDS}`)
    .send();
}

/** The request's Origin header when it is usable (present, short, printable); `null` is a real origin (sandboxed pages, file://). */
function originOf(req: FastifyRequest): string | null {
  const o = req.headers.origin;
  if (typeof o !== 'string' || o === '' || o.length > MAX_ORIGIN_LENGTH || !/^[\x21-\x7e]+$/.test(o)) return null;
  return o;
}

/** `scheme://host[:port]` lower-cased, without the scheme's default port, so equal origins compare equal. */
export function normalizeOrigin(origin: string): string {
  const o = origin.trim().toLowerCase().replace(/\/+$/, '');
  return o.replace(/^(http:\/\/[^/]+):80$/, '$1').replace(/^(https:\/\/[^/]+):443$/, '$1');
}

/** Whether pages on `origin` may send events to the workspace (`*` in its list: any origin). */
export function originAllowed(allowed: readonly string[], origin: string): boolean {
  if (allowed.includes('*')) return true;
  const o = normalizeOrigin(origin);
  return allowed.some((a) => normalizeOrigin(a) === o);
}

/**
 * Refuse a browser request (it has an Origin header) from a page the workspace does not
 * allow: 403 `origin_not_allowed`. Requests without an Origin (servers, mobile SDKs) pass.
 */
export function checkOrigin(req: FastifyRequest, ws: Workspace): void {
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === '') return;
  if (originAllowed(ws.allowedOrigins, origin)) return;
  const shown = origin.length > 100 ? `${origin.slice(0, 99)}…` : origin;
  throw new HttpError(
    'origin_not_allowed',
    `pages on ${JSON.stringify(shown)} may not send events to this workspace: the origin is not in its allowed origins (add it on the dashboard's sources page, or with PATCH /api/sources)`,
  );
}
