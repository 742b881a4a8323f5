import { randomBytes } from 'node:crypto';
import type { ChannelStatus } from '../contracts/messaging.js';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { openDb, type Db } from '../server/db/client.js';
import { migrate } from '../server/db/migrate.js';
import { buildServer } from '../server/roles/server.js';
import type { Wiring } from '../server/roles/wiring.js';
import { createLogger } from '../server/log.js';
import { createWorkspace } from '../server/workspaces/workspaces.repo.js';

/** A database to run a suite against: PGlite always, PostgreSQL too when TEST_DATABASE_URL is set. */
export interface DbTarget {
  name: 'pglite' | 'postgres';
  /** A fresh, migrated, empty database. */
  open(): Promise<Db>;
}

/** Create a throwaway database on the TEST_DATABASE_URL server; returns its URL. */
export async function createScratchDatabase(baseUrl: string): Promise<string> {
  const name = `tenure_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drop a scratch database made by createScratchDatabase. */
export async function dropScratchDatabase(baseUrl: string, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!name.startsWith('tenure_test_')) return;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export function dbTargets(): DbTarget[] {
  const targets: DbTarget[] = [
    {
      name: 'pglite',
      open: async () => {
        const db = await openDb({ dataDir: 'memory://' });
        await migrate(db);
        return db;
      },
    },
  ];
  const base = process.env.TEST_DATABASE_URL;
  if (base) {
    targets.push({
      name: 'postgres',
      open: async () => {
        const url = await createScratchDatabase(base);
        const db = await openDb({ databaseUrl: url, poolSize: 8 });
        await migrate(db);
        const close = db.close.bind(db);
        return Object.assign(db, {
          close: async () => {
            await close();
            await dropScratchDatabase(base, url);
          },
        });
      },
    });
  }
  return targets;
}

/** A workspace with known keys. */
export async function makeWorkspace(db: Db, slug = 'default') {
  const writeKey = `tw_test_${slug}_${randomBytes(6).toString('hex')}`;
  const adminKey = `ta_test_${slug}_${randomBytes(6).toString('hex')}`;
  const { workspace } = await createWorkspace(db, { slug, name: slug, writeKey, adminKey });
  return { workspace, writeKey, adminKey };
}

/** The real HTTP server on an ephemeral loopback port. */
export async function startServer(
  db: Db,
  opts: { stages?: null; segments?: null; dashboardDir?: string; channels?: ChannelStatus[] } = {},
): Promise<{ url: string; app: FastifyInstance & { wiring: Wiring }; close(): Promise<void> }> {
  const app = await buildServer({ db, log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), ...opts });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, app, close: () => app.close() };
}

/** Authorization header for the Segment API (Basic, write key as user name). */
export function basic(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}

/** JSON request helper over real HTTP. */
export async function http(
  url: string,
  init: { method?: string; auth?: string; body?: unknown; rawBody?: Buffer | string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.auth) headers.authorization = init.auth;
  let body: Buffer | string | undefined = init.rawBody;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed };
}

/** Poll `fn` every 25 ms until it returns something other than undefined; fail after `ms`. */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
