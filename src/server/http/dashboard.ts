import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_OF } from './errors.js';

/** Where `vite build` writes the dashboard: <package>/dist/dashboard, from src/server/http (tsx) and dist/server/http (built) alike. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../dist/dashboard/', import.meta.url));

/** Paths that are never the dashboard's: the APIs, tracking links and the spec. */
const NOT_DASHBOARD = /^\/(api|v1|t|u|preferences|health|openapi\.json|beacon|sourceConfig|analytics\.js|analytics-next)(\/|$)/;

/**
 * Serve the built dashboard at `/`: hashed assets cached for a year, index.html never
 * cached, and index.html for any other GET that wants HTML, so client-side routes
 * (`/customers/42` opened in a new tab) work. Other unknown paths keep the JSON 404.
 */
export async function registerDashboard(app: FastifyInstance, dirOrDefault?: string): Promise<void> {
  const dir = (dirOrDefault ?? DASHBOARD_DIR).replace(/\/?$/, '/');
  const built = existsSync(`${dir}index.html`);
  if (built) {
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      wildcard: false,
      index: false,
      // Our own Cache-Control below (the plugin's would override it with max-age=0).
      cacheControl: false,
      setHeaders: (res, path) => {
        res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  let index: string | null = null;
  const sendIndex = async (_req: FastifyRequest, reply: FastifyReply) => {
    if (!built) {
      return reply
        .status(STATUS_OF.unavailable)
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><title>Tenure</title><p>The dashboard is not built. Run <code>npm run build</code> (or <code>npm start</code>), then reload. The API is up: <a href="/openapi.json">/openapi.json</a>.</p>',
        );
    }
    index ??= await readFile(`${dir}index.html`, 'utf8');
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index);
  };
  app.get('/', { schema: { hide: true } }, sendIndex);
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    const wantsHtml = (req.headers.accept ?? '').includes('text/html');
    if (req.method === 'GET' && wantsHtml && !NOT_DASHBOARD.test(path) && !/\.[a-z0-9]{1,8}$/i.test(path)) return sendIndex(req, reply);
    return reply.status(STATUS_OF.not_found).send({ error: { code: 'not_found', message: `no route ${req.method} ${path}` } });
  });
}
