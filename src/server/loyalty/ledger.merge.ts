/**
 * A profile merge moves the merged-away member's loyalty onto the survivor: entries (and the
 * other side of transfers), postings, lots, redemptions and tier history follow; the
 * membership row is the survivor's when both have one; the `loyalty_points` score is worked
 * out again. A negative balance of one side is paid off from the other's lots (a `settle` entry).
 */
import type { Queryable } from '../db/client.js';
import { lockMembers, lotStates, memberSums, saveScore } from './ledger.repo.js';
import { isDb, settle } from './ledger.write.js';

/** Follow a profile merge: the merged-away member's lots, postings and entries become the survivor's (called inside the merge). */
export async function moveLoyalty(tx: Queryable, workspaceId: number, fromCustomerId: number, intoCustomerId: number): Promise<void> {
  if (isDb(tx)) return tx.transaction((t) => moveLoyalty(t, workspaceId, fromCustomerId, intoCustomerId));
  if (fromCustomerId === intoCustomerId) return;
  await lockMembers(tx, [fromCustomerId, intoCustomerId]);
  const p = [workspaceId, fromCustomerId, intoCustomerId];
  const { rows } = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM loyalty_entries WHERE workspace_id = $1 AND (customer_id = $2 OR counterparty_id = $2)`, p.slice(0, 2));
  await tx.query(`UPDATE loyalty_entries SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2`, p);
  await tx.query(`UPDATE loyalty_entries SET counterparty_id = $3 WHERE workspace_id = $1 AND counterparty_id = $2`, p);
  await tx.query(`UPDATE loyalty_postings SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2`, p);
  await tx.query(`UPDATE loyalty_lots SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2`, p);
  await tx.query(
    `INSERT INTO loyalty_members (workspace_id, customer_id, status, joined_at, tier, tier_since, term_start, reviewed_at)
     SELECT workspace_id, $3, status, joined_at, tier, tier_since, term_start, reviewed_at FROM loyalty_members WHERE workspace_id = $1 AND customer_id = $2
     ON CONFLICT DO NOTHING`,
    p,
  );
  await tx.query(`DELETE FROM loyalty_members WHERE workspace_id = $1 AND customer_id = $2`, p.slice(0, 2));
  await tx.query(`UPDATE loyalty_redemptions SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2`, p);
  await tx.query(`UPDATE loyalty_tier_changes SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2`, p);
  await tx.query(`DELETE FROM customer_scores WHERE workspace_id = $1 AND customer_id = $2 AND name = 'loyalty_points'`, p.slice(0, 2));
  if (rows[0]!.n === 0) return;
  const at = new Date((await tx.query<{ now: Date }>(`SELECT now() AS now`)).rows[0]!.now);
  const lots = await lotStates(tx, workspaceId, intoCustomerId);
  await settle(
    tx,
    workspaceId,
    intoCustomerId,
    lots.filter((l) => l.available > 0).map((l) => l.id),
    `merge:${fromCustomerId}`,
    at,
  );
  await saveScore(tx, workspaceId, intoCustomerId, (await memberSums(tx, workspaceId, intoCustomerId)).available, at);
}
