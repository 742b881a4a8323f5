import type { Db, Queryable } from '../db/client.js';
import { recordAudit } from '../audit/audit.repo.js';
import { fail, ok, type Result } from '../lib/result.js';
import { addMembership, membershipsOf, type Membership } from '../team/users.repo.js';
import { createWorkspace, findWorkspaceBySlug } from './workspaces.repo.js';

/** How long a deleted workspace can be restored before its data is purged. */
export const DELETION_GRACE_DAYS = 7;

/** A slug from a name: lower-case letters, digits and dashes, at most 40 characters. */
export function slugOf(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return s.length >= 2 ? s : `workspace${s ? `-${s}` : ''}`;
}

/** Create a workspace for a user, who becomes its owner. A slug given and taken is a conflict; one derived from the name gets a number. */
export async function createWorkspaceFor(
  db: Db,
  userId: number,
  input: { name: string; slug?: string },
): Promise<Result<{ workspace: Membership; writeKey: string }, { code: 'conflict'; message: string }>> {
  let slug = input.slug ?? slugOf(input.name);
  if (input.slug !== undefined) {
    if (await findWorkspaceBySlug(db, slug)) return fail('conflict', `the slug "${slug}" is taken: choose another`);
  } else {
    const base = slug;
    for (let n = 2; await findWorkspaceBySlug(db, slug); n++) slug = `${base}-${n}`;
  }
  const created = await db.transaction(async (tx) => {
    const c = await createWorkspace(tx, { slug, name: input.name });
    await addMembership(tx, c.workspace.id, userId, 'owner');
    return c;
  });
  const workspace = (await membershipsOf(db, userId)).find((m) => m.id === created.workspace.id)!;
  return ok({ workspace, writeKey: created.writeKey });
}

/** Start the grace period before a workspace is purged; the purge time (unchanged when already deleting). */
export async function scheduleDeletion(db: Queryable, workspaceId: number, requestedBy: number | null, now = new Date()): Promise<Date> {
  const purgeAfter = new Date(now.getTime() + DELETION_GRACE_DAYS * 86_400_000);
  await db.query(`INSERT INTO workspace_deletions (workspace_id, requested_by, requested_at, purge_after) VALUES ($1, $2, $3, $4) ON CONFLICT (workspace_id) DO NOTHING`, [
    workspaceId,
    requestedBy,
    now,
    purgeAfter,
  ]);
  const { rows } = await db.query<{ purgeAfter: Date }>(`SELECT purge_after AS "purgeAfter" FROM workspace_deletions WHERE workspace_id = $1`, [workspaceId]);
  return rows[0]!.purgeAfter;
}

/** Cancel a deletion in its grace period; false when none was scheduled. */
export async function cancelDeletion(db: Queryable, workspaceId: number): Promise<boolean> {
  const { rows } = await db.query(`DELETE FROM workspace_deletions WHERE workspace_id = $1 RETURNING 1`, [workspaceId]);
  return rows.length > 0;
}

/** When a workspace will be purged, or null when it is not being deleted. */
export async function deletionOf(db: Queryable, workspaceId: number): Promise<Date | null> {
  const { rows } = await db.query<{ purgeAfter: Date }>(`SELECT purge_after AS "purgeAfter" FROM workspace_deletions WHERE workspace_id = $1`, [workspaceId]);
  return rows[0]?.purgeAfter ?? null;
}

/** Tables whose rows belong to a workspace through a parent row rather than a workspace_id column. */
const CHILDREN: Array<{ table: string; sql: string }> = [
  { table: 'import_rejections', sql: `DELETE FROM import_rejections WHERE import_id IN (SELECT id FROM imports WHERE workspace_id = $1)` },
  { table: 'journey_signals', sql: `DELETE FROM journey_signals WHERE run_id IN (SELECT id FROM journey_runs WHERE workspace_id = $1)` },
  { table: 'task_notifications', sql: `DELETE FROM task_notifications WHERE task_id IN (SELECT id FROM tasks WHERE workspace_id = $1)` },
];
/** Kept when a workspace is purged: the audit trail outlives what it describes. */
const KEPT = new Set(['audit_log']);

/**
 * Remove everything a workspace holds, table by table (every table with a workspace_id
 * column, found in the catalogue so a new table is never forgotten), then the workspace.
 * The audit log is kept. Returns rows removed per table.
 */
export async function purgeWorkspace(db: Queryable, workspaceId: number): Promise<Record<string, number>> {
  const removed: Record<string, number> = {};
  for (const c of CHILDREN) {
    const n = await countDeleted(db, c.sql, workspaceId);
    if (n) removed[c.table] = n;
  }
  const { rows: tables } = await db.query<{ t: string }>(
    `SELECT c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'workspace_id' AND NOT a.attisdropped)
      ORDER BY 1`,
  );
  for (const { t } of tables) {
    if (KEPT.has(t)) continue;
    const n = await countDeleted(db, `DELETE FROM "${t}" WHERE workspace_id = $1`, workspaceId);
    if (n) removed[t] = n;
  }
  await db.query(`DELETE FROM workspaces WHERE id = $1`, [workspaceId]);
  return removed;
}

/** Run a DELETE and count its rows without sending them back. */
async function countDeleted(db: Queryable, del: string, workspaceId: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`WITH d AS (${del} RETURNING 1) SELECT count(*)::int AS n FROM d`, [workspaceId]);
  return rows[0]!.n;
}

/**
 * Purge one workspace whose grace period has ended, if any: claimed with SKIP LOCKED so two
 * processes never purge the same one, all in one transaction. The workspace purged and the
 * rows removed, or null when none is due.
 */
export async function purgeNextDue(db: Db, now = new Date()): Promise<{ workspaceId: number; slug: string; removed: Record<string, number> } | null> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: number; slug: string }>(
      `SELECT d.workspace_id AS id, w.slug FROM workspace_deletions d JOIN workspaces w ON w.id = d.workspace_id
        WHERE d.purge_after <= $1 ORDER BY d.purge_after LIMIT 1 FOR UPDATE OF d SKIP LOCKED`,
      [now],
    );
    const due = rows[0];
    if (!due) return null;
    const removed = await purgeWorkspace(tx, due.id);
    // The audit log outlives the workspace: its last entry says when it went and how much with it.
    await recordAudit(tx, {
      workspaceId: due.id,
      actor: { kind: 'system', id: null, label: 'Tenure' },
      action: 'workspace.purge',
      objectType: 'workspace',
      objectId: String(due.id),
      before: { slug: due.slug },
      after: { removed },
    });
    return { workspaceId: due.id, slug: due.slug, removed };
  });
}
