import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/client.js';
import type { KeyScope } from '../../contracts/team.js';
import { hashKey } from './keys.js';
import type { Workspace } from './workspaces.repo.js';

/** What a key opens: its workspace, its scope, and (for named keys) its id and name. */
export interface ResolvedKey {
  ws: Workspace;
  scope: KeyScope;
  /** api_keys.id; null for the workspace's own write and admin keys. */
  keyId: number | null;
  name: string;
  /** The workspace is in its deletion grace period. */
  deleting: boolean;
}

const WS = `w.id, w.slug, w.name, w.timezone, w.currency, w.gross_margin AS "grossMargin", w.allowed_origins AS "allowedOrigins"`;

/** The key's workspace and scope: the workspace's write key (ingest), its admin key (admin) or a named API key not revoked. */
export async function findKey(db: Queryable, key: string): Promise<ResolvedKey | null> {
  const { rows } = await db.query<Workspace & { scope: KeyScope; keyId: number | null; keyName: string; deleting: boolean }>(
    `SELECT ${WS}, k.scope, k.key_id AS "keyId", k.key_name AS "keyName", EXISTS (SELECT 1 FROM workspace_deletions d WHERE d.workspace_id = w.id) AS deleting
       FROM (SELECT id AS workspace_id, 'ingest' AS scope, NULL::int AS key_id, 'write key' AS key_name FROM workspaces WHERE write_key_hash = $1
             UNION ALL SELECT id, 'admin', NULL::int, 'workspace admin key' FROM workspaces WHERE admin_key_hash = $1
             UNION ALL SELECT workspace_id, scope, id, name FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL) k
       JOIN workspaces w ON w.id = k.workspace_id
      LIMIT 1`,
    [hashKey(key)],
  );
  const r = rows[0];
  if (!r) return null;
  const { scope, keyId, keyName, deleting, ...ws } = r;
  return { ws, scope, keyId, name: keyName, deleting };
}

/** A named key as listed (never the key itself). */
export interface ApiKeyRow {
  id: number;
  name: string;
  scope: KeyScope;
  prefix: string;
  createdBy: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const PREFIX: Record<KeyScope, string> = { ingest: 'tw', read: 'tr', admin: 'ta' };

/** Make a named key; the plain key is returned once (only its hash is kept). */
export async function createApiKey(db: Queryable, workspaceId: number, input: { name: string; scope: KeyScope; createdBy: number | null }): Promise<{ key: ApiKeyRow; secret: string }> {
  const secret = `${PREFIX[input.scope]}_${randomBytes(24).toString('base64url')}`;
  const { rows } = await db.query<{ id: number }>(`INSERT INTO api_keys (workspace_id, name, scope, key_hash, prefix, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, [
    workspaceId,
    input.name,
    input.scope,
    hashKey(secret),
    `${secret.slice(0, 8)}…`,
    input.createdBy,
  ]);
  const key = (await listApiKeys(db, workspaceId)).find((k) => k.id === rows[0]!.id)!;
  return { key, secret };
}

/** A workspace's named keys, newest first, revoked ones included (they say when). */
export async function listApiKeys(db: Queryable, workspaceId: number): Promise<ApiKeyRow[]> {
  const { rows } = await db.query<ApiKeyRow>(
    `SELECT k.id, k.name, k.scope, k.prefix, u.email AS "createdBy", k.created_at AS "createdAt", k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt"
       FROM api_keys k LEFT JOIN users u ON u.id = k.created_by
      WHERE k.workspace_id = $1 ORDER BY k.id DESC`,
    [workspaceId],
  );
  return rows;
}

/** Revoke a key; the key after, or null when the workspace has no such key. Revoking twice keeps the first time. */
export async function revokeApiKey(db: Queryable, workspaceId: number, id: number): Promise<ApiKeyRow | null> {
  const { rows } = await db.query(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE workspace_id = $1 AND id = $2 RETURNING id`, [workspaceId, id]);
  if (rows.length === 0) return null;
  return (await listApiKeys(db, workspaceId)).find((k) => k.id === id) ?? null;
}

/** Note that a key was used now. */
export async function touchApiKey(db: Queryable, id: number, at = new Date()): Promise<void> {
  await db.query(`UPDATE api_keys SET last_used_at = $2 WHERE id = $1`, [id, at]);
}
