/**
 * The qualifying measure of tiers (contracts/loyalty.ts TierSettingsSchema `measure`), for
 * members over windows [from, to):
 *
 * - `points`: points earned, before redemptions — Σ `earn` entries − Σ `reverse` entries of
 *   earns (a refund's pro-rata reversal, a clawed-back referral reward), each counted at its
 *   own time (a January refund of a December order lowers January's term). Adjustments,
 *   transfers, releases and cancelled redemptions are not earning and do not count: an
 *   admin's correction of a balance must not buy a tier.
 * - `spend`: Σ `Order Completed` value − Σ `Order Refunded` value, by event timestamp, with the
 *   one order value (analytics/order-value.ts); a refund stating no value refunds its order's
 *   whole value (the first `Order Completed` of the customer with that `order_id`), as the
 *   revenue KPIs count it. Orders count whether or not the customer was a member yet when
 *   they were placed: a customer who joins is recognised for this term's spend.
 *
 * Either can be negative in a window (refunds of earlier orders): below every entry, so the lowest tier.
 */
import type { TierSettings } from '../../contracts/loyalty.js';
import { ORDER_EVENT, REFUND_EVENT, orderValueSql, refundValueSql } from '../analytics/order-value.js';
import type { Queryable } from '../db/client.js';
import type { Window } from './tiers.js';

/** A member and the window to measure them over. */
export interface MeasureWindow extends Window {
  customerId: number;
}

const POINTS_SQL = `
  SELECT w.c AS customer_id, sum(CASE WHEN e.kind = 'earn' THEN e.points ELSE -e.points END) AS v
    FROM unnest($2::bigint[], $3::timestamptz[], $4::timestamptz[]) AS w(c, f, t)
    JOIN loyalty_entries e ON e.workspace_id = $1 AND e.customer_id = w.c AND e.at >= w.f AND e.at < w.t
   WHERE e.kind = 'earn'
      OR (e.kind = 'reverse' AND EXISTS (SELECT 1 FROM loyalty_entries o WHERE o.id = e.reverses AND o.kind = 'earn'))
   GROUP BY w.c`;

const SPEND_SQL = `
  SELECT w.c AS customer_id,
         sum(CASE WHEN e.event = $5 THEN coalesce(${orderValueSql('e')}, 0)
                  ELSE -coalesce(${refundValueSql('e')},
                                 (SELECT ${orderValueSql('o')} FROM events o
                                   WHERE o.workspace_id = e.workspace_id AND o.customer_id = e.customer_id AND o.event = $5
                                     AND o.properties->>'order_id' = e.properties->>'order_id'
                                   ORDER BY o.timestamp LIMIT 1), 0) END) AS v
    FROM unnest($2::bigint[], $3::timestamptz[], $4::timestamptz[]) AS w(c, f, t)
    JOIN events e ON e.workspace_id = $1 AND e.customer_id = w.c AND e.event IN ($5, $6) AND e.timestamp >= w.f AND e.timestamp < w.t
   GROUP BY w.c`;

/**
 * The measure of each member over their window (one statement for all); members with nothing
 * in their window get 0. A member listed twice gets the sum of both windows, so list each once.
 */
export async function measureOf(tx: Queryable, workspaceId: number, measure: TierSettings['measure'], windows: readonly MeasureWindow[]): Promise<Map<number, number>> {
  const out = new Map<number, number>(windows.map((w) => [w.customerId, 0]));
  if (windows.length === 0) return out;
  const params: unknown[] = [workspaceId, windows.map((w) => w.customerId), windows.map((w) => w.from.toISOString()), windows.map((w) => w.to.toISOString())];
  const sql = measure === 'points' ? POINTS_SQL : SPEND_SQL;
  if (measure === 'spend') params.push(ORDER_EVENT, REFUND_EVENT);
  const { rows } = await tx.query<{ customer_id: number; v: string | number | null }>(sql, params);
  for (const r of rows) out.set(Number(r.customer_id), Number(r.v ?? 0));
  return out;
}
