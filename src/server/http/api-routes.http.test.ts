/**
 * The dashboard's route map (src/contracts/api-routes.ts) against the server: every route in
 * it is registered with that method and path, and takes and answers what the map says, so a
 * renamed route or a changed schema on either side fails here rather than in a browser.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type HTTPMethods } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { API_ROUTES, type RouteSpec } from '../../contracts/api-routes.js';
import type { Db } from '../db/client.js';
import { dbTargets, startServer } from '../../test-support/harness.js';

interface Operation {
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: unknown;
  responses?: Record<string, unknown>;
}
type OpenApi = { paths: Record<string, Record<string, Operation>> };

const ROUTES = Object.entries(API_ROUTES as Record<string, RouteSpec>).map(([key, spec]) => {
  const [method, path] = key.split(' ') as [HTTPMethods, string];
  return { key, method, path, spec };
});

/** The OpenAPI path of a Fastify pattern: `/api/segments/:id` is `/api/segments/{id}`. */
const openApiPath = (p: string) => p.replace(/:(\w+)/g, '{$1}');

/** A schema without its prose (`description` words differ between a route and its copy in the map). */
function withoutProse(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutProse);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k, x]) => !(k === 'description' && typeof x === 'string'))
        .map(([k, x]) => [k, withoutProse(x)]),
    );
  return v;
}

/** What a route takes and answers, as the OpenAPI document says it: query parameters, JSON body, success answer. */
function shape(op: Operation | undefined, code: string) {
  const query = (op?.parameters ?? []).filter((p) => p.in === 'query').sort((a, b) => a.name.localeCompare(b.name));
  return withoutProse({ query, body: op?.requestBody ?? null, answer: op?.responses?.[code] ?? null });
}

/** The map's schemas through the server's own pipeline (zod, then JSON Schema, then OpenAPI), answering with the server's success codes. */
async function mapDocument(successCode: (key: string) => string | undefined): Promise<OpenApi> {
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(swagger, { openapi: { info: { title: 'route map', version: '0' } }, transform: jsonSchemaTransform });
  for (const { key, method, path, spec } of ROUTES) {
    const code = successCode(key);
    const response = typeof spec.response === 'string' || !code ? {} : { response: { [code]: spec.response } };
    app.route({ method, url: path, schema: { ...(spec.query ? { querystring: spec.query } : {}), ...(spec.body ? { body: spec.body } : {}), ...response }, handler: async () => null });
  }
  await app.ready();
  const doc = app.swagger() as unknown as OpenApi;
  await app.close();
  return doc;
}

const target = dbTargets()[0]!;

describe(`the dashboard's route map against the server (${target.name})`, () => {
  let db: Db;
  let server: { app: FastifyInstance; close(): Promise<void> };
  let doc: OpenApi;

  before(async () => {
    db = await target.open();
    server = await startServer(db, { stages: null, segments: null });
    doc = server.app.swagger() as unknown as OpenApi;
  });
  after(async () => {
    await server.close();
    await db.close();
  });

  it('names only routes the server registers, with their method and path', () => {
    assert.ok(ROUTES.length > 50, `the map has ${ROUTES.length} routes`);
    // The check can fail: a path or method the server does not have is not found.
    assert.equal(server.app.hasRoute({ method: 'GET', url: '/api/segmentz/:id' }), false);
    assert.equal(server.app.hasRoute({ method: 'PATCH', url: '/api/segments/:id' }), false);
    const missing = ROUTES.filter((r) => !server.app.hasRoute({ method: r.method, url: r.path })).map((r) => r.key);
    assert.deepEqual(missing, [], `routes in src/contracts/api-routes.ts that the server does not register: ${missing.join(', ')}`);
  });

  it('takes and answers what the server validates: query, body and success answer', async () => {
    const op = (key: string) => {
      const [method, path] = key.split(' ') as [string, string];
      return doc.paths[openApiPath(path)]?.[method.toLowerCase()];
    };
    const successCode = (key: string) => Object.keys(op(key)?.responses ?? {}).find((c) => c.startsWith('2'));
    const mine = await mapDocument(successCode);
    const differing: string[] = [];
    for (const { key, method, path, spec } of ROUTES) {
      const code = successCode(key);
      if (typeof spec.response !== 'string') assert.ok(code, `${key}: the server declares no success answer`);
      const server = shape(op(key), code ?? '');
      const map = shape(mine.paths[openApiPath(path)]?.[method.toLowerCase()], code ?? '');
      // Uploads and streams carry no JSON body or answer in the map; their query still counts.
      const compared = typeof spec.response === 'string' || spec.upload ? ['query'] : ['query', 'body', 'answer'];
      for (const part of compared) {
        try {
          assert.deepEqual((map as Record<string, unknown>)[part], (server as Record<string, unknown>)[part]);
        } catch (err) {
          differing.push(`${key} ${part}: ${(err as Error).message}`);
        }
      }
    }
    assert.equal(differing.length, 0, `the map differs from the server:\n${differing.join('\n\n')}`);
  });
});
