import type { Queryable } from '../db/client.js';
import { newInboxSecret } from './inbox-verification.js';
import { generateKey, hashKey } from './keys.js';
import type { Col, RowPick, RowPickCamel } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

export interface Workspace {
  id: number;
  slug: string;
  name: string;
  timezone: string;
  /** ISO 4217 code money is shown in (default USD). */
  currency: string;
  /** Gross margin as a fraction (0.3 = 30 %), or null when not set (value metrics are then revenue). */
  grossMargin: number | null;
  /** Origins whose pages may send events from a browser (CORS); `["*"]`: any origin. */
  allowedOrigins: string[];
}

const COLS = 'id, slug, name, timezone, currency, gross_margin AS "grossMargin", allowed_origins AS "allowedOrigins"';
/** The row COLS selects. */
type WorkspaceRow = RowPickCamel<typeof schema.workspaces, 'id' | 'slug' | 'name' | 'timezone' | 'currency' | 'gross_margin' | 'allowed_origins'>;

export async function findWorkspaceById(db: Queryable, id: number): Promise<Workspace | null> {
  const { rows } = await db.query<WorkspaceRow>(`SELECT ${COLS} FROM workspaces WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

export async function findWorkspaceBySlug(db: Queryable, slug: string): Promise<Workspace | null> {
  const { rows } = await db.query<WorkspaceRow>(`SELECT ${COLS} FROM workspaces WHERE slug = $1`, [slug]);
  return rows[0] ?? null;
}

/**
 * Create a workspace with the given keys (generated when absent). Returns the plain keys once.
 * New workspaces require identity verification on the in-app inbox (a signed userId, see
 * inbox-verification.ts) and get their inbox secret now; `inboxVerification: false` leaves it off.
 */
export async function createWorkspace(
  db: Queryable,
  input: { slug: string; name: string; writeKey?: string; adminKey?: string; inboxVerification?: boolean },
): Promise<{ workspace: Workspace; writeKey: string; adminKey: string }> {
  const writeKey = input.writeKey ?? generateKey('write');
  const adminKey = input.adminKey ?? generateKey('admin');
  const { rows } = await db.query<WorkspaceRow>(
    `INSERT INTO workspaces (slug, name, write_key_hash, write_key, admin_key_hash, inbox_secret, inbox_verification) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLS}`,
    [input.slug, input.name, hashKey(writeKey), writeKey, hashKey(adminKey), newInboxSecret(), input.inboxVerification ?? true],
  );
  return { workspace: rows[0]!, writeKey, adminKey };
}

/** Replace a workspace's keys (used to pin the default workspace's keys from the environment). */
export async function setWorkspaceKeys(db: Queryable, id: number, keys: { writeKey?: string; adminKey?: string }): Promise<void> {
  if (keys.writeKey) await db.query(`UPDATE workspaces SET write_key_hash = $2, write_key = $3 WHERE id = $1`, [id, hashKey(keys.writeKey), keys.writeKey]);
  if (keys.adminKey) await db.query(`UPDATE workspaces SET admin_key_hash = $2 WHERE id = $1`, [id, hashKey(keys.adminKey)]);
}

/** A workspace's gross margin (a fraction), or null when not set. */
export async function workspaceGrossMargin(db: Queryable, id: number): Promise<number | null> {
  const { rows } = await db.query<{ m: Col<typeof schema.workspaces, 'gross_margin'> }>(`SELECT gross_margin AS m FROM workspaces WHERE id = $1`, [id]);
  return rows[0]?.m ?? null;
}

/** A workspace's timezone (periods, days and local dates are cut in it); UTC when unknown. */
export async function workspaceTimezone(db: Queryable, id: number): Promise<string> {
  const { rows } = await db.query<RowPick<typeof schema.workspaces, 'timezone'>>(`SELECT timezone FROM workspaces WHERE id = $1`, [id]);
  return rows[0]?.timezone ?? 'UTC';
}

export const DEFAULT_WORKSPACE = 'default';

/**
 * Make sure the default workspace exists. Keys from the environment, when given, are
 * (re)applied; otherwise keys are generated on first start and returned once so they
 * can be printed. Returns `created` keys only when they were generated now.
 */
export async function ensureDefaultWorkspace(db: Queryable, env: { writeKey?: string; adminKey?: string }): Promise<{ workspace: Workspace; generated: { writeKey?: string; adminKey?: string } }> {
  const existing = await findWorkspaceBySlug(db, DEFAULT_WORKSPACE);
  if (existing) {
    await setWorkspaceKeys(db, existing.id, env);
    return { workspace: existing, generated: {} };
  }
  const created = await createWorkspace(db, { slug: DEFAULT_WORKSPACE, name: 'Default workspace', ...env });
  return {
    workspace: created.workspace,
    generated: { writeKey: env.writeKey ? undefined : created.writeKey, adminKey: env.adminKey ? undefined : created.adminKey },
  };
}

/** Change a workspace's name, timezone or currency (absent fields keep theirs); the workspace after, or null when unknown. */
export async function updateWorkspace(db: Queryable, id: number, patch: { name?: string; timezone?: string; currency?: string; grossMargin?: number | null }): Promise<Workspace | null> {
  const { rows } = await db.query<WorkspaceRow>(
    `UPDATE workspaces SET name = coalesce($2, name), timezone = coalesce($3, timezone), currency = coalesce($4, currency),
            gross_margin = CASE WHEN $5 THEN $6::float8 ELSE gross_margin END
      WHERE id = $1 RETURNING ${COLS}`,
    [id, patch.name ?? null, patch.timezone ?? null, patch.currency ?? null, patch.grossMargin !== undefined, patch.grossMargin ?? null],
  );
  return rows[0] ?? null;
}

/** What the sources page shows: the plain write key (null when it was set before Tenure kept it) and the allowed origins. */
export async function workspaceSources(db: Queryable, id: number): Promise<{ writeKey: string | null; allowedOrigins: string[] } | null> {
  const { rows } = await db.query<RowPickCamel<typeof schema.workspaces, 'write_key' | 'allowed_origins'>>(
    `SELECT write_key AS "writeKey", allowed_origins AS "allowedOrigins" FROM workspaces WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

/** Replace the origins whose pages may send events (CORS); false when the workspace is gone. */
export async function setAllowedOrigins(db: Queryable, id: number, origins: string[]): Promise<boolean> {
  const { rows } = await db.query(`UPDATE workspaces SET allowed_origins = $2::text[] WHERE id = $1 RETURNING id`, [id, origins]);
  return rows.length > 0;
}
