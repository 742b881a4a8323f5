import type { Queryable } from '../db/client.js';
import { recommendationsFor } from '../predict/recommend.js';
import { loadLoyaltyFacts } from './loyalty-facts.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/** What templates can read of each customer besides traits: userId, stage, segment flags, recommended products, loyalty (points, pending, tier, referral code). */
export async function loadRenderFacts(tx: Queryable, ws: number, ids: number[]): Promise<Map<number, Record<string, unknown>>> {
  const { rows } = await tx.query<RowPick<typeof schema.customers, 'id' | 'user_id' | 'traits', { traits: Record<string, unknown> }> & { stage: string | null; segments: string[] | null }>(
    `SELECT c.id, c.user_id, c.traits, s.stage,
            (SELECT array_agg(m.segment_id) FROM segment_members m WHERE m.workspace_id = c.workspace_id AND m.customer_id = c.id) AS segments
       FROM customers c LEFT JOIN stage_states s ON s.workspace_id = c.workspace_id AND s.scope = 'customer' AND s.subject_id = c.id
      WHERE c.workspace_id = $1 AND c.id = ANY($2::bigint[])`,
    [ws, ids],
  );
  const recommended = await recommendationsFor(
    tx,
    ws,
    rows.map((r) => Number(r.id)),
  );
  const loyalty = await loadLoyaltyFacts(
    tx,
    ws,
    rows.map((r) => Number(r.id)),
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        customer: {
          ...r.traits,
          id: r.id,
          userId: r.user_id,
          traits: r.traits,
          recommendations: (recommended.get(Number(r.id)) ?? []).map(({ productId, name, category, price }) => ({ id: productId, name, category, price })),
        },
        traits: r.traits,
        stage: r.stage,
        segments: Object.fromEntries((r.segments ?? []).map((s) => [s, true])),
        loyalty: loyalty.get(Number(r.id)) ?? { points: 0, pending: 0, tier: null, referral_code: null },
      },
    ]),
  );
}
