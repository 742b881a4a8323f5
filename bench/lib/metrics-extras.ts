/**
 * What bench/metrics.ts adds to the stages bench's workspace (bench/stages-recompute.ts) so
 * that every KPI of the catalogue has real rows to work on. Deterministic (a multiplicative
 * hash of the row id decides, never random()), idempotent (one transaction; the marketing
 * spend it writes last is the marker), and all derived from the customers and events already
 * there:
 *
 * - customers: a first-touch `channel` (paid_search 25%, paid_social 20%, email 10%,
 *   referral 10%, organic 20%, none = direct 15%);
 * - `Order Refunded` for 6% of orders, 1–10 days later (half a 30% partial refund with an
 *   `amount`, half naming only the order: a whole refund);
 * - `Checkout Started` 5–29 minutes before every order, and after 6% of product views (the
 *   abandoned carts);
 * - the `Email Link Clicked` fillers become an email stream: 72% `Email Delivered`, 18%
 *   `Email Opened`, 10% stay clicks, each with a `messageId` (relabelled, not added);
 * - subscriptions get an `mrr` (9, 19 or 49 per customer) on Started/Cancelled, and 30% of
 *   them a `Subscription Updated` (up- or downgrade) 20–109 days in, unless cancelled by then;
 * - `Lead Created` for 6% of customers when they arrived, `Lead Contacted` for 5 in 6 of
 *   those 10 minutes to 2 days later;
 * - `Feature Used` (one of six features) 30 s after 2% of page views;
 * - `Survey Responded` csat (1–5) 2 days after 8% of orders, ces (1–7) after 5%;
 * - `marketing_spend`: one row a day for 548 days for paid_search, paid_social, email,
 *   referral and display (spend with no customers of its own).
 *
 * Nothing is added after the workspace's `now`.
 */
import type { Db, Queryable } from '../../src/server/db/client.js';

const H = (expr: string, salt: number) => `((${expr}) * 2654435761 + ${salt}) % 1000003`;

const COLS = `workspace_id, customer_id, message_id, type, event, user_id, timestamp, received_at, properties, context`;

/** INSERT the rows of `select` (columns c, u, mid, name, t, props) that lie before the workspace's now ($2). */
const insertEvents = (select: string) =>
  `INSERT INTO events (${COLS})
   SELECT $1, x.c, x.mid, 'track', x.name, x.u, x.t, x.t + interval '1500 ms', x.props, '{}'::jsonb FROM (${select}) x(c, u, mid, name, t, props)
    WHERE x.t < $2::timestamptz ORDER BY x.t`;

/** Labelled statements, run in order with ($1 = workspace id, $2 = now). */
const STEPS: Array<[string, string]> = [
  [
    'customers: first-touch channel',
    `UPDATE customers SET first_touch = coalesce(first_touch, '{}'::jsonb) || jsonb_build_object('channel', x.ch)
       FROM (SELECT id, CASE WHEN h < 25 THEN 'paid_search' WHEN h < 45 THEN 'paid_social' WHEN h < 55 THEN 'email' WHEN h < 65 THEN 'referral' WHEN h < 85 THEN 'organic' END AS ch
               FROM (SELECT id, ${H('id', 11)} % 100 AS h FROM customers WHERE workspace_id = $1) y) x
      WHERE customers.id = x.id AND x.ch IS NOT NULL AND $2::timestamptz IS NOT NULL`,
  ],
  [
    'Order Refunded',
    insertEvents(`SELECT e.customer_id AS c, e.user_id AS u, 'x-refund-' || e.id AS mid, 'Order Refunded' AS name,
                         e.timestamp + (1 + (e.h / 100) % 10) * interval '1 day' + interval '3 hours' AS t,
                         CASE WHEN e.h % 2 = 0 THEN jsonb_build_object('order_id', e.properties->>'order_id', 'amount', round((e.properties->>'revenue')::numeric * 0.3, 2))
                              ELSE jsonb_build_object('order_id', e.properties->>'order_id') END AS props
                    FROM (SELECT e.*, ${H('e.id', 21)} AS h FROM events e WHERE e.workspace_id = $1 AND e.event = 'Order Completed') e WHERE e.h % 100 < 6`),
  ],
  [
    'Checkout Started before each order',
    insertEvents(`SELECT e.customer_id, e.user_id, 'x-checkout-' || e.id, 'Checkout Started',
                         e.timestamp - (5 + ${H('e.id', 22)} % 25) * interval '1 minute',
                         jsonb_build_object('order_id', e.properties->>'order_id', 'revenue', e.properties->'revenue')
                    FROM events e WHERE e.workspace_id = $1 AND e.event = 'Order Completed'`),
  ],
  [
    'Checkout Started after 6% of product views (abandoned carts)',
    insertEvents(`SELECT e.customer_id, e.user_id, 'x-cart-' || e.id, 'Checkout Started', e.timestamp + (1 + (e.h / 100) % 10) * interval '1 minute', jsonb_build_object('product_id', e.properties->>'product_id')
                    FROM (SELECT e.*, ${H('e.id', 23)} AS h FROM events e WHERE e.workspace_id = $1 AND e.event = 'Product Viewed') e WHERE e.h % 100 < 6`),
  ],
  [
    'Email Link Clicked → Delivered / Opened / Clicked (relabelled)',
    `UPDATE events e SET event = CASE WHEN ${H('e.id', 31)} % 100 < 72 THEN 'Email Delivered' WHEN ${H('e.id', 31)} % 100 < 90 THEN 'Email Opened' ELSE 'Email Link Clicked' END,
            properties = e.properties || jsonb_build_object('messageId', 'em-' || e.id)
      WHERE e.workspace_id = $1 AND e.event = 'Email Link Clicked' AND NOT e.properties ? 'messageId' AND $2::timestamptz IS NOT NULL`,
  ],
  [
    'subscriptions: mrr on Started/Cancelled',
    `UPDATE events e SET properties = e.properties || jsonb_build_object('mrr', (ARRAY[9, 19, 49])[(1 + ${H('e.customer_id', 41)} % 3)::int])
      WHERE e.workspace_id = $1 AND e.event IN ('Subscription Started', 'Subscription Cancelled') AND $2::timestamptz IS NOT NULL`,
  ],
  [
    'Subscription Updated (30% of subscriptions)',
    insertEvents(`SELECT s.customer_id, s.user_id, 'x-subup-' || s.id, 'Subscription Updated', s.t,
                         jsonb_build_object('plan', 'monthly', 'mrr', CASE (s.properties->>'mrr')::int WHEN 9 THEN 19 WHEN 49 THEN 19 ELSE CASE WHEN s.h % 2 = 0 THEN 49 ELSE 9 END END)
                    FROM (SELECT e.*, ${H('e.id', 42)} AS h, e.timestamp + (20 + (${H('e.id', 42)} / 100) % 90) * interval '1 day' AS t
                            FROM events e WHERE e.workspace_id = $1 AND e.event = 'Subscription Started') s
                   WHERE s.h % 100 < 30
                     AND NOT EXISTS (SELECT 1 FROM events x WHERE x.customer_id = s.customer_id AND x.event = 'Subscription Cancelled' AND x.timestamp <= s.t)`),
  ],
  [
    'Lead Created (6% of customers)',
    insertEvents(`SELECT c.id, c.user_id, 'x-lead-' || c.id, 'Lead Created', c.created_at + interval '1 minute', '{"source":"form"}'::jsonb
                    FROM customers c WHERE c.workspace_id = $1 AND ${H('c.id', 51)} % 100 < 6`),
  ],
  [
    'Lead Contacted (5 in 6 leads)',
    insertEvents(`SELECT c.id, c.user_id, 'x-contact-' || c.id, 'Lead Contacted', c.created_at + interval '1 minute' + (10 + (${H('c.id', 51)} / 100) % 2870) * interval '1 minute', '{"by":"sales"}'::jsonb
                    FROM customers c WHERE c.workspace_id = $1 AND ${H('c.id', 51)} % 100 < 5`),
  ],
  [
    'Feature Used (after 2% of page views)',
    insertEvents(`SELECT e.customer_id, e.user_id, 'x-feature-' || e.id, 'Feature Used', e.timestamp + interval '30 seconds',
                         jsonb_build_object('feature', (ARRAY['reports', 'exports', 'integrations', 'dashboards', 'alerts', 'api'])[(1 + (e.h / 100) % 6)::int])
                    FROM (SELECT e.*, ${H('e.id', 61)} AS h FROM events e WHERE e.workspace_id = $1 AND e.event = 'Page Viewed') e WHERE e.h % 100 < 2`),
  ],
  [
    'Survey Responded csat (8% of orders)',
    insertEvents(`SELECT e.customer_id, e.user_id, 'x-csat-' || e.id, 'Survey Responded', e.timestamp + interval '2 days',
                         jsonb_build_object('type', 'csat', 'score', (ARRAY[5, 5, 5, 5, 4, 4, 4, 3, 2, 1])[(1 + (e.h / 100) % 10)::int])
                    FROM (SELECT e.*, ${H('e.id', 71)} AS h FROM events e WHERE e.workspace_id = $1 AND e.event = 'Order Completed') e WHERE e.h % 100 < 8`),
  ],
  [
    'Survey Responded ces (5% of orders)',
    insertEvents(`SELECT e.customer_id, e.user_id, 'x-ces-' || e.id, 'Survey Responded', e.timestamp + interval '3 days', jsonb_build_object('type', 'ces', 'score', 1 + (e.h / 100) % 7)
                    FROM (SELECT e.*, ${H('e.id', 72)} AS h FROM events e WHERE e.workspace_id = $1 AND e.event = 'Order Completed') e WHERE e.h % 100 < 5`),
  ],
  [
    'marketing_spend: 548 days × 5 channels',
    `INSERT INTO marketing_spend (workspace_id, day, channel, campaign, amount)
     SELECT $1, d::date, ch.name, '', round(ch.base * (0.7 + (${H("(d::date - date '2000-01-01') * 7 + ch.k", 81)} % 60) / 100.0), 2)
       FROM generate_series(($2::timestamptz - interval '548 days')::date, ($2::timestamptz)::date, interval '1 day') d,
            (VALUES (1, 'paid_search', 900), (2, 'paid_social', 650), (3, 'email', 60), (4, 'referral', 120), (5, 'display', 200)) ch(k, name, base)
     ON CONFLICT DO NOTHING`,
  ],
];

export interface ExtrasResult {
  added: boolean;
  ms: number;
  steps: Array<{ label: string; rows: number; ms: number }>;
}

/** Add the extras unless they are there already (marker: marketing spend in the workspace); then VACUUM ANALYZE. */
export async function ensureExtras(db: Db, workspaceId: number, now: Date, log: (s: string) => void): Promise<ExtrasResult> {
  const { rows } = await db.query(`SELECT 1 FROM marketing_spend WHERE workspace_id = $1 LIMIT 1`, [workspaceId]);
  if (rows.length > 0) return { added: false, ms: 0, steps: [] };
  const t0 = performance.now();
  const steps: ExtrasResult['steps'] = [];
  await db.transaction(async (tx: Queryable) => {
    for (const [label, sql] of STEPS) {
      const t1 = performance.now();
      const r = await tx.query(sql, [workspaceId, now.toISOString()]);
      steps.push({ label, rows: r.rowCount, ms: performance.now() - t1 });
      log(`  extras: ${label}: ${r.rowCount.toLocaleString('en-US')} rows in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    }
  });
  const t2 = performance.now();
  await db.query('VACUUM (ANALYZE) events');
  await db.query('VACUUM (ANALYZE) customers');
  await db.query('ANALYZE marketing_spend');
  log(`  extras: VACUUM ANALYZE events, customers in ${((performance.now() - t2) / 1000).toFixed(1)} s`);
  return { added: true, ms: performance.now() - t0, steps };
}

/** Own (non-Tenure) events per name in the workspace: what the KPIs have to chew on. */
export async function eventCounts(db: Queryable, workspaceId: number): Promise<Array<{ event: string; type: string; n: number }>> {
  const { rows } = await db.query<{ event: string; type: string; n: number }>(
    `SELECT coalesce(event, '(' || type || ')') AS event, type, count(*)::int AS n FROM events WHERE workspace_id = $1 GROUP BY 1, 2 ORDER BY n DESC`,
    [workspaceId],
  );
  return rows;
}
