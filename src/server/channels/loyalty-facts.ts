import type { Tier } from '../../contracts/loyalty.js';
import type { Queryable } from '../db/client.js';

/** What templates read of a customer's loyalty (`{{ loyalty.points }}`, `{{ loyalty.tier.benefits.free_shipping }}`, `{{ loyalty.referral_code }}`). */
export interface LoyaltyFacts {
  points: number;
  pending: number;
  tier: { key: string; name: string; benefits: Record<string, unknown> } | null;
  referral_code: string | null;
}

/**
 * The loyalty facts of customers for templates, in one query: balances (sums of their
 * postings), tier (the member's, named and with its benefits from the programme's settings)
 * and referral code (the first generated one still active, else any active one).
 */
export async function loadLoyaltyFacts(tx: Queryable, ws: number, ids: readonly number[]): Promise<Map<number, LoyaltyFacts>> {
  const out = new Map<number, LoyaltyFacts>();
  if (ids.length === 0) return out;
  const { rows } = await tx.query<{ id: number; available: number | null; pending: number | null; tier: string | null; tiers: Tier[] | null; code: string | null }>(
    `SELECT x.id,
            (SELECT sum(p.amount) FROM loyalty_postings p WHERE p.workspace_id = $1 AND p.customer_id = x.id AND p.account = 'available') AS available,
            (SELECT sum(p.amount) FROM loyalty_postings p WHERE p.workspace_id = $1 AND p.customer_id = x.id AND p.account = 'pending') AS pending,
            m.tier, lp.settings->'tiers'->'tiers' AS tiers,
            (SELECT r.code FROM referral_codes r WHERE r.workspace_id = $1 AND r.customer_id = x.id AND r.disabled_at IS NULL ORDER BY r.vanity, r.created_at LIMIT 1) AS code
       FROM unnest($2::bigint[]) AS x(id)
       LEFT JOIN loyalty_members m ON m.workspace_id = $1 AND m.customer_id = x.id AND m.status = 'member'
       LEFT JOIN loyalty_programmes lp ON lp.workspace_id = $1`,
    [ws, [...ids]],
  );
  for (const r of rows) {
    const t = r.tier && r.tiers ? r.tiers.find((x) => x.key === r.tier) : undefined;
    out.set(Number(r.id), {
      points: Number(r.available ?? 0),
      pending: Number(r.pending ?? 0),
      tier: t ? { key: t.key, name: t.name, benefits: t.benefits ?? {} } : null,
      referral_code: r.code,
    });
  }
  return out;
}
