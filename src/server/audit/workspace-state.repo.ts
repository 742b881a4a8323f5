import type { Queryable } from '../db/client.js';

/** The workspace's settings as the audit log shows them (no keys or secrets): name, timezone, currency, gross margin, activity, allowed origins. */
export async function workspaceState(db: Queryable, workspaceId: number): Promise<Record<string, unknown> | null> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT slug, name, timezone, currency, gross_margin AS "grossMargin", activity, allowed_origins AS "allowedOrigins" FROM workspaces WHERE id = $1`,
    [workspaceId],
  );
  return rows[0] ?? null;
}
