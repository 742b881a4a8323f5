/** The ledger's reads of redemptions: what a clawback may cancel, whether one was cancelled, what expiry its points come back with. */
import type { Queryable } from '../db/client.js';

/** A redemption as the ledger needs it. */
export interface RedemptionRow {
  id: number;
  customerId: number;
  rewardId: string;
  entryId: number | null;
  points: number;
  status: string;
}

export async function redemptionById(tx: Queryable, workspaceId: number, id: number): Promise<RedemptionRow | null> {
  const { rows } = await tx.query<RedemptionRow>(
    `SELECT id, customer_id AS "customerId", reward_id AS "rewardId", entry_id AS "entryId", points, status FROM loyalty_redemptions WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, id],
  );
  const r = rows[0];
  return r ? { ...r, id: Number(r.id), customerId: Number(r.customerId), entryId: r.entryId === null ? null : Number(r.entryId), points: Number(r.points) } : null;
}

/** The member's unused rewards bought with points and not cancelled yet, newest first (what a clawback takes back). */
export async function clawableRedemptions(tx: Queryable, workspaceId: number, customerId: number): Promise<RedemptionRow[]> {
  const { rows } = await tx.query<RedemptionRow>(
    `SELECT r.id, r.customer_id AS "customerId", r.reward_id AS "rewardId", r.entry_id AS "entryId", r.points, r.status
       FROM loyalty_redemptions r
      WHERE r.workspace_id = $1 AND r.customer_id = $2 AND r.status = 'issued' AND r.entry_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM loyalty_entries e WHERE e.workspace_id = r.workspace_id AND e.kind = 'cancel' AND e.redemption_id = r.id)
      ORDER BY r.created_at DESC, r.id DESC`,
    [workspaceId, customerId],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), customerId: Number(r.customerId), entryId: Number(r.entryId), points: Number(r.points) }));
}

/** The cancel entry of a redemption, if it was cancelled. */
export async function cancelOf(tx: Queryable, workspaceId: number, redemptionId: number): Promise<number | null> {
  const { rows } = await tx.query<{ id: number }>(`SELECT id FROM loyalty_entries WHERE workspace_id = $1 AND kind = 'cancel' AND redemption_id = $2`, [workspaceId, redemptionId]);
  return rows[0] ? Number(rows[0].id) : null;
}

/** The earliest expiry of the lots an entry took points from (`undefined`: it took from none; null: none of them expires). */
export async function earliestExpiryTaken(tx: Queryable, entryId: number): Promise<Date | null | undefined> {
  const { rows } = await tx.query<{ n: number; e: Date | null; nulls: number }>(
    `SELECT count(*)::int AS n, min(l.expires_at) AS e FROM loyalty_postings p JOIN loyalty_lots l ON l.id = p.lot_id WHERE p.entry_id = $1 AND p.amount < 0`,
    [entryId],
  );
  if (!rows[0] || rows[0].n === 0) return undefined;
  return rows[0].e ? new Date(rows[0].e) : null;
}
