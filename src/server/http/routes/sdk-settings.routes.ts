import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { authenticateWrite, type KeyResolver } from '../auth.js';
import { HttpError } from '../errors.js';
import { serverUrlOf } from '../request.js';

/** analytics.js 2.0's browser bundles (dist/umd of @segment/analytics-next): the standalone script and the chunks it loads. */
const AJS_DIR = join(dirname(createRequire(import.meta.url).resolve('@segment/analytics-next/package.json')), 'dist', 'umd');
/** A bundle file name: no path, a .js (or .js.map) file. */
const BUNDLE_FILE = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.js(?:\.map)?$/;

const writeKeyParam = z.string().min(1).max(200);

/** Files read once: `null` when absent (so a probe for a missing name never touches the disk twice). */
const files = new Map<string, { plain: Buffer; gzip: Buffer | null } | null>();
/** At most this many distinct names are remembered (the package has a few dozen files). */
const MAX_FILES = 200;

async function bundleFile(name: string): Promise<{ plain: Buffer; gzip: Buffer | null } | null> {
  if (files.has(name)) return files.get(name)!;
  const path = join(AJS_DIR, name);
  const plain = await readFile(path).catch(() => null);
  const entry = plain ? { plain, gzip: await readFile(`${path}.gz`).catch(() => null) } : null;
  if (files.size < MAX_FILES) files.set(name, entry);
  return entry;
}

/** Send a bundle file, precompressed when the browser takes gzip. */
async function sendBundle(req: FastifyRequest, reply: FastifyReply, name: string, cacheControl: string): Promise<FastifyReply> {
  const file = BUNDLE_FILE.test(name) ? await bundleFile(name) : null;
  if (!file) throw new HttpError('not_found', `no analytics.js bundle file "${name.slice(0, 100)}"`);
  void reply
    .header('cache-control', cacheControl)
    .header('vary', 'Accept-Encoding, Origin')
    .type(name.endsWith('.map') ? 'application/json' : 'application/javascript; charset=utf-8');
  if (file.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(file.gzip);
  return reply.send(file.plain);
}

/**
 * What analytics.js and RudderStack's JS SDK load before sending anything, served by Tenure
 * so that a page needs no third-party request:
 * - GET /analytics.js/v1/<writeKey>/analytics.min.js: the analytics.js 2.0 standalone bundle
 *   (the path Segment's snippet loads), and /analytics-next/bundles/<file>, the chunks it loads;
 * - GET /v1/projects/<writeKey>/settings: the settings it reads, sending to this server;
 * - GET /sourceConfig?writeKey=…: RudderStack's source configuration (no destinations).
 * `publicUrl` (TENURE_PUBLIC_URL) is where browsers reach this server; unset, the request's host.
 */
export function sdkRoutes(app: FastifyInstance, deps: { keys: KeyResolver; publicUrl?: string }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/analytics.js/v1/:writeKey/analytics.min.js', {
    schema: { tags: ['sdk'], summary: 'The analytics.js 2.0 bundle (the standard Segment snippet, with its host changed to this server, loads it)', params: z.object({ writeKey: writeKeyParam }) },
    // The same file for every key; an hour, so an upgrade of Tenure reaches pages soon.
    handler: async (req, reply) => sendBundle(req, reply, 'standalone.js', 'public, max-age=3600'),
  });

  r.get('/analytics-next/bundles/:file', {
    schema: { tags: ['sdk'], summary: 'A chunk of the analytics.js 2.0 bundle (content-hashed names)', params: z.object({ file: z.string().min(1).max(200) }) },
    handler: async (req, reply) => sendBundle(req, reply, req.params.file, /\.[0-9a-f]{16,}\.js/.test(req.params.file) ? 'public, max-age=31536000, immutable' : 'public, max-age=3600'),
  });

  r.get('/v1/projects/:writeKey/settings', {
    schema: {
      tags: ['sdk'],
      summary: 'analytics.js settings for this write key: send everything to this server, nothing else',
      params: z.object({ writeKey: writeKeyParam }),
      response: { 200: z.record(z.string(), z.unknown()), 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
    },
    handler: async (req, reply) => {
      await authenticateWrite(deps.keys, req);
      const base = new URL(serverUrlOf(req, deps.publicUrl));
      void reply.header('cache-control', 'public, max-age=60');
      return analyticsJsSettings(req.params.writeKey, base);
    },
  });

  for (const path of ['/sourceConfig', '/sourceConfig/']) {
    r.get(path, {
      schema: {
        tags: ['sdk'],
        summary: "RudderStack JS SDK source configuration (load option configUrl: this server's URL)",
        querystring: z.object({ writeKey: writeKeyParam.optional() }).passthrough(),
        response: { 200: z.record(z.string(), z.unknown()), 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
      },
      handler: async (req, reply) => {
        const ws = await authenticateWrite(deps.keys, req);
        void reply.header('cache-control', 'private, max-age=60');
        return rudderSourceConfig(ws.id, ws.name);
      },
    });
  }
}

/**
 * The settings analytics.js 2.0 reads from its CDN: only the Segment.io destination, pointed
 * at this server (`apiHost` is host[:port]/v1, as `${protocol}://${apiHost}/t`), no device-mode
 * destinations, remote plugins, routing rules or edge functions, and no metrics sent to
 * Segment (sampleRate 0).
 */
export function analyticsJsSettings(writeKey: string, base: URL): Record<string, unknown> {
  const path = base.pathname.replace(/\/+$/, '');
  return {
    integrations: {
      'Segment.io': {
        apiKey: writeKey,
        apiHost: `${base.host}${path}/v1`,
        protocol: base.protocol === 'https:' ? 'https' : 'http',
        unbundledIntegrations: [],
        addBundledMetadata: true,
        maybeBundledConfigIds: {},
        versionSettings: { version: '4.4.7', componentTypes: ['browser'] },
      },
    },
    plan: { track: { __default: { enabled: true, integrations: {} } }, identify: { __default: { enabled: true } }, group: { __default: { enabled: true } } },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    metrics: { sampleRate: 0, host: `${base.host}${path}/v1` },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  };
}

/** RudderStack's /sourceConfig answer: an enabled source with no device-mode destinations and no error or metrics reporting. */
export function rudderSourceConfig(workspaceId: number, name: string): Record<string, unknown> {
  return {
    isHosted: false,
    source: {
      id: `tenure-${workspaceId}`,
      name,
      workspaceId: String(workspaceId),
      enabled: true,
      config: { statsCollection: { errors: { enabled: false }, metrics: { enabled: false } } },
      destinations: [],
    },
  };
}
