import type { Queryable } from '../db/client.js';

/**
 * Follow a profile merge (called inside it, identity/customers.repo.ts applyMerge): the
 * merged-away profile's codes and its referrals as advocate move to the survivor; its referral
 * as a friend moves too, unless the survivor has one — then the earlier attribution is kept
 * (first touch wins) and the later one deleted. A friend merged into their own advocate keeps
 * the referral, now with friend = advocate: the fraud guard blocks it (same_customer).
 */
export async function moveReferrals(tx: Queryable, workspaceId: number, fromCustomerId: number, intoCustomerId: number): Promise<void> {
  const p = [workspaceId, fromCustomerId, intoCustomerId];
  await tx.query(`UPDATE referral_codes SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2`, p);
  await tx.query(`UPDATE referrals SET advocate_id = $3, updated_at = now() WHERE workspace_id = $1 AND advocate_id = $2`, p);
  await tx.query(
    `DELETE FROM referrals d USING referrals a, referrals b
      WHERE a.workspace_id = $1 AND a.friend_id = $2 AND b.workspace_id = $1 AND b.friend_id = $3
        AND d.id = CASE WHEN (a.attributed_at, a.id) < (b.attributed_at, b.id) THEN b.id ELSE a.id END`,
    p,
  );
  await tx.query(`UPDATE referrals SET friend_id = $3, updated_at = now() WHERE workspace_id = $1 AND friend_id = $2`, p);
}
