import type { ProgrammeSettings } from '../../contracts/loyalty.js';
import type { Queryable } from '../db/client.js';

/** The score name the rule language reads a member's tier by (`{"score": <rank 0..n>, "tier": "<key>"}`). */
export const TIER_SCORE = 'loyalty_tier';

/**
 * Keep the `loyalty_tier` score (customer_scores) equal to the members' tiers in
 * loyalty_members: the tier's rank in the programme's list (0: the lowest) and its key, so
 * conditions can say "tier at least gold" as `score loyalty_tier gte 2`. Members without a
 * tier (or whose tier the settings no longer list) lose the score. `customerIds` null: every
 * member of the workspace (after a tier review). Rows already right are not rewritten.
 */
export async function syncTierScores(tx: Queryable, workspaceId: number, settings: ProgrammeSettings, customerIds: readonly number[] | null, at: Date): Promise<void> {
  if (customerIds !== null && customerIds.length === 0) return;
  const keys = settings.tiers?.tiers.map((t) => t.key) ?? [];
  const ids = customerIds === null ? null : [...customerIds];
  await tx.query(
    `INSERT INTO customer_scores (workspace_id, customer_id, name, value, computed_at)
     SELECT m.workspace_id, m.customer_id, '${TIER_SCORE}', jsonb_build_object('score', t.rank - 1, 'tier', m.tier), $4
       FROM loyalty_members m JOIN unnest($2::text[]) WITH ORDINALITY AS t(key, rank) ON t.key = m.tier
      WHERE m.workspace_id = $1 AND m.status = 'member' AND ($3::bigint[] IS NULL OR m.customer_id = ANY($3::bigint[]))
     ON CONFLICT (customer_id, name) DO UPDATE SET value = EXCLUDED.value, computed_at = EXCLUDED.computed_at, workspace_id = EXCLUDED.workspace_id
      WHERE customer_scores.value IS DISTINCT FROM EXCLUDED.value`,
    [workspaceId, keys, ids, at.toISOString()],
  );
  await tx.query(
    `DELETE FROM customer_scores s WHERE s.workspace_id = $1 AND s.name = '${TIER_SCORE}' AND ($3::bigint[] IS NULL OR s.customer_id = ANY($3::bigint[]))
        AND NOT EXISTS (SELECT 1 FROM loyalty_members m WHERE m.workspace_id = s.workspace_id AND m.customer_id = s.customer_id AND m.status = 'member' AND m.tier = ANY($2::text[]))`,
    [workspaceId, keys, ids],
  );
}
