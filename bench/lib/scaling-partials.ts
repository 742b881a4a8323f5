/**
 * Mergeable partial aggregates across cells, for the scaling simulation: each cell
 * computes per-day partials from its KPI fact tables (`analytics_days`,
 * `analytics_orders`), as an `hll` of active customers and a `tdigest` of order values
 * (plus the additive counts and sums); a coordinator database merges them and compares
 * with exact values worked out over all cells' rows copied into it.
 */
import type { Db } from '../../src/server/db/client.js';

export const PARTIALS_DDL = `
CREATE EXTENSION IF NOT EXISTS hll;
CREATE EXTENSION IF NOT EXISTS tdigest;
CREATE TABLE partial_days (cell int NOT NULL, day date NOT NULL, active hll NOT NULL, PRIMARY KEY (cell, day));
CREATE TABLE partial_orders (cell int NOT NULL, day date NOT NULL, amounts tdigest NOT NULL, orders int NOT NULL, revenue numeric NOT NULL, PRIMARY KEY (cell, day));
CREATE TABLE raw_days (cell int NOT NULL, customer_id bigint NOT NULL, day date NOT NULL);
CREATE TABLE raw_orders (cell int NOT NULL, day date NOT NULL, amount float8 NOT NULL);
`;

export interface PartialSizes {
  partialBytes: number;
  rawBytes: number;
  partialRows: number;
  rawRows: number;
}

/**
 * Compute one cell's partials for a workspace and ship them to the coordinator, with the
 * raw rows for the exact comparison. A customer is hashed with its cell (customer ids are
 * per cell). Returns the bytes of the partials and of the fact rows they summarise.
 */
export async function shipPartials(cell: number, cellDb: Db, coordinator: Db, ws: number): Promise<{ days: PartialSizes; orders: PartialSizes }> {
  const days = await cellDb.query<{ day: string; active: string; bytes: number }>(
    `SELECT day::text AS day, a::text AS active, pg_column_size(a) AS bytes
       FROM (SELECT day, hll_add_agg(hll_hash_text($2::text || ':' || customer_id::text)) AS a FROM analytics_days WHERE workspace_id = $1 GROUP BY day) s`,
    [ws, cell],
  );
  const orders = await cellDb.query<{ day: string; amounts: string; bytes: number; orders: number; revenue: string }>(
    `SELECT day::text AS day, d::text AS amounts, pg_column_size(d) AS bytes, n AS orders, revenue::text AS revenue
       FROM (SELECT (at AT TIME ZONE 'UTC')::date AS day, tdigest(amount::float8, 100) AS d, count(*)::int AS n, sum(amount) AS revenue
               FROM analytics_orders WHERE workspace_id = $1 AND kind = 'order' AND amount IS NOT NULL GROUP BY 1) s`,
    [ws],
  );
  for (const r of days.rows) await coordinator.query(`INSERT INTO partial_days VALUES ($1, $2, $3::hll)`, [cell, r.day, r.active]);
  for (const r of orders.rows) await coordinator.query(`INSERT INTO partial_orders VALUES ($1, $2, $3::tdigest, $4, $5::numeric)`, [cell, r.day, r.amounts, r.orders, r.revenue]);

  const rawDays = await cellDb.query<{ customer_id: number; day: string }>(`SELECT customer_id, day::text AS day FROM analytics_days WHERE workspace_id = $1`, [ws]);
  await coordinator.copyFrom('raw_days (cell, customer_id, day)', rawDays.rows.map((r) => `${cell}\t${r.customer_id}\t${r.day}\n`).join(''));
  const rawOrders = await cellDb.query<{ day: string; amount: number }>(
    `SELECT (at AT TIME ZONE 'UTC')::date::text AS day, amount::float8 AS amount FROM analytics_orders WHERE workspace_id = $1 AND kind = 'order' AND amount IS NOT NULL`,
    [ws],
  );
  await coordinator.copyFrom('raw_orders (cell, day, amount)', rawOrders.rows.map((r) => `${cell}\t${r.day}\t${r.amount}\n`).join(''));

  const size = async (table: string, where: string) =>
    (await cellDb.query<{ n: number; bytes: number }>(`SELECT count(*)::int AS n, coalesce(sum(pg_column_size(t.*)), 0)::bigint AS bytes FROM ${table} t WHERE ${where}`, [ws])).rows[0]!;
  const rd = await size('analytics_days', 'workspace_id = $1');
  const ro = await size('analytics_orders', `workspace_id = $1 AND kind = 'order'`);
  return {
    days: { partialBytes: days.rows.reduce((s, r) => s + r.bytes, 0), rawBytes: rd.bytes, partialRows: days.rows.length, rawRows: rd.n },
    orders: { partialBytes: orders.rows.reduce((s, r) => s + r.bytes, 0), rawBytes: ro.bytes, partialRows: orders.rows.length, rawRows: ro.n },
  };
}

export interface MergedFigures {
  /** Per day: merged HLL estimate vs exact distinct customers over all cells' rows. */
  dailyActive: { day: string; estimate: number; exact: number }[];
  /** The whole range: merged HLL (union of every day and cell) vs exact, and the sum of daily exact counts (what adding would give). */
  rangeActive: { estimate: number; exact: number; sumOfDaily: number };
  /** Order value percentiles: merged t-digests vs exact (percentile_cont over all rows). */
  percentiles: { q: number; estimate: number; exact: number }[];
  /** Additive figures: merged by summing the partials vs counted over the rows. */
  orders: { merged: number; exact: number };
  revenue: { merged: number; exact: number };
}

/** The coordinator's merge, and the exact figures over all cells' rows. */
export async function mergePartials(coordinator: Db): Promise<MergedFigures> {
  const daily = await coordinator.query<{ day: string; estimate: number; exact: number }>(
    `SELECT p.day::text AS day, p.estimate, e.exact
       FROM (SELECT day, hll_cardinality(hll_union_agg(active)) AS estimate FROM partial_days GROUP BY day) p
       JOIN (SELECT day, count(DISTINCT (cell, customer_id))::int AS exact FROM raw_days GROUP BY day) e USING (day)
      ORDER BY p.day`,
  );
  const range = await coordinator.query<{ estimate: number; exact: number; sum_of_daily: number }>(
    `SELECT (SELECT hll_cardinality(hll_union_agg(active)) FROM partial_days) AS estimate,
            (SELECT count(DISTINCT (cell, customer_id))::int FROM raw_days) AS exact,
            (SELECT count(*)::int FROM raw_days) AS sum_of_daily`,
  );
  const qs = [0.5, 0.9, 0.99];
  const pct = await coordinator.query<{ estimate: number[]; exact: number[] }>(
    `SELECT (SELECT tdigest_percentile(amounts, $1::float8[]) FROM partial_orders) AS estimate,
            (SELECT percentile_cont($1::float8[]) WITHIN GROUP (ORDER BY amount) FROM raw_orders) AS exact`,
    [qs],
  );
  const add = await coordinator.query<{ merged_orders: number; exact_orders: number; merged_revenue: number; exact_revenue: number }>(
    `SELECT (SELECT sum(orders)::int FROM partial_orders) AS merged_orders, (SELECT count(*)::int FROM raw_orders) AS exact_orders,
            (SELECT sum(revenue)::float8 FROM partial_orders) AS merged_revenue, (SELECT sum(amount::numeric)::float8 FROM raw_orders) AS exact_revenue`,
  );
  const r = range.rows[0]!;
  const a = add.rows[0]!;
  return {
    dailyActive: daily.rows,
    rangeActive: { estimate: r.estimate, exact: r.exact, sumOfDaily: r.sum_of_daily },
    percentiles: qs.map((q, i) => ({ q, estimate: pct.rows[0]!.estimate[i]!, exact: pct.rows[0]!.exact[i]! })),
    orders: { merged: a.merged_orders, exact: a.exact_orders },
    revenue: { merged: a.merged_revenue, exact: a.exact_revenue },
  };
}
