import type { Db, Queryable } from '../db/client.js';
import { numJson } from '../analytics/query.js';
import { EV } from '../../contracts/events.js';
import type { Col, RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/**
 * Recommendations from the order history (the `products` array of `Order Completed`, each
 * item's `product_id`, else `sku`, else `name`):
 * - bought together: per product, the products most often in the same order, scored by
 *   cosine, together ÷ √(orders with one × orders with the other), at least `minTogether` orders;
 * - next best product: per customer, item-to-item collaborative filtering — each product the
 *   customer has not bought scores the sum of its similarity to the products they have
 *   (similarity: customers who bought both ÷ √(buyers of one × buyers of the other)); customers
 *   with nothing to go on get the best sellers they have not bought.
 * Everything is rebuilt in one transaction.
 */
export interface RecommendOptions {
  now: Date;
  /** Products kept per product and per customer (default 5 and 3). */
  perProduct?: number;
  perCustomer?: number;
  minTogether?: number;
}

export interface RecommendResult {
  products: number;
  pairs: number;
  customers: number;
}

const ITEMS = (ws: string) => `
  SELECT e.id AS order_id, e.customer_id, coalesce(p->>'product_id', p->>'sku', p->>'name') AS product, p->>'name' AS name, p->>'category' AS category, ${numJson("p->'price'")} AS price
    FROM events e CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(e.properties->'products') = 'array' THEN e.properties->'products' ELSE '[]'::jsonb END) p
   WHERE e.workspace_id = ${ws} AND e.event = '${EV.orderCompleted}' AND jsonb_typeof(p) = 'object' AND coalesce(p->>'product_id', p->>'sku', p->>'name') IS NOT NULL`;

/** Rebuild a workspace's products, bought-together pairs and per-customer recommendations. */
export async function computeRecommendations(db: Db, workspaceId: number, opts: RecommendOptions): Promise<RecommendResult> {
  const perProduct = opts.perProduct ?? 5;
  const perCustomer = opts.perCustomer ?? 3;
  const minTogether = opts.minTogether ?? 2;
  return db.transaction(async (tx) => {
    await tx.query(`CREATE TEMP TABLE rec_items ON COMMIT DROP AS ${ITEMS('$1')}`, [workspaceId]);
    await tx.query(`DELETE FROM products WHERE workspace_id = $1`, [workspaceId]);
    const products = await tx.query(
      `INSERT INTO products (workspace_id, product_id, name, category, price, orders, buyers, computed_at)
       SELECT $1, product, mode() WITHIN GROUP (ORDER BY name), mode() WITHIN GROUP (ORDER BY category), round(avg(price), 2), count(DISTINCT order_id), count(DISTINCT customer_id), $2
         FROM rec_items GROUP BY product`,
      [workspaceId, opts.now.toISOString()],
    );
    await tx.query(`DELETE FROM product_affinities WHERE workspace_id = $1`, [workspaceId]);
    const pairs = await tx.query(
      `WITH o AS (SELECT DISTINCT order_id, product FROM rec_items),
       t AS (SELECT a.product AS a, b.product AS b, count(*) AS together FROM o a JOIN o b ON a.order_id = b.order_id AND a.product <> b.product GROUP BY 1, 2 HAVING count(*) >= $2),
       s AS (SELECT t.a, t.b, t.together, t.together / sqrt(pa.orders::float8 * pb.orders) AS score
               FROM t JOIN products pa ON pa.workspace_id = $1 AND pa.product_id = t.a JOIN products pb ON pb.workspace_id = $1 AND pb.product_id = t.b),
       r AS (SELECT *, row_number() OVER (PARTITION BY a ORDER BY score DESC, together DESC, b) AS rank FROM s)
       INSERT INTO product_affinities (workspace_id, product_id, other_id, together, score, rank)
       SELECT $1, a, b, together, score, rank FROM r WHERE rank <= $3`,
      [workspaceId, minTogether, perProduct],
    );
    await tx.query(`DELETE FROM customer_recommendations WHERE workspace_id = $1`, [workspaceId]);
    const customers = await tx.query(
      `WITH cp AS MATERIALIZED (SELECT DISTINCT customer_id AS c, product AS p FROM rec_items),
       co AS (SELECT x.p AS a, y.p AS b, count(*) AS n FROM cp x JOIN cp y ON x.c = y.c AND x.p <> y.p GROUP BY 1, 2),
       sim AS (SELECT co.a, co.b, co.n / sqrt(pa.buyers::float8 * pb.buyers) AS s
                 FROM co JOIN products pa ON pa.workspace_id = $1 AND pa.product_id = co.a JOIN products pb ON pb.workspace_id = $1 AND pb.product_id = co.b),
       alike AS (
         SELECT cp.c, sim.b AS p, sum(sim.s) AS score FROM cp JOIN sim ON sim.a = cp.p
          WHERE NOT EXISTS (SELECT 1 FROM cp mine WHERE mine.c = cp.c AND mine.p = sim.b)
          GROUP BY cp.c, sim.b
       ),
       popular AS (
         SELECT c.c, pr.product_id AS p, pr.buyers::float8 / (SELECT max(buyers) FROM products WHERE workspace_id = $1) AS score
           FROM (SELECT DISTINCT c FROM cp) c CROSS JOIN (SELECT product_id, buyers FROM products WHERE workspace_id = $1 ORDER BY buyers DESC, product_id LIMIT $2 * 3) pr
          WHERE NOT EXISTS (SELECT 1 FROM alike s WHERE s.c = c.c)
            AND NOT EXISTS (SELECT 1 FROM cp mine WHERE mine.c = c.c AND mine.p = pr.product_id)
       ),
       ranked AS (
         SELECT c, p, score, reason, row_number() OVER (PARTITION BY c ORDER BY score DESC, p) AS rank
           FROM (SELECT c, p, score, 'similar' AS reason FROM alike UNION ALL SELECT c, p, score, 'popular' FROM popular) x
       )
       INSERT INTO customer_recommendations (workspace_id, customer_id, rank, product_id, score, reason)
       SELECT $1, c, rank, p, score, reason FROM ranked WHERE rank <= $2`,
      [workspaceId, perCustomer],
    );
    return { products: products.rowCount ?? 0, pairs: pairs.rowCount ?? 0, customers: customers.rowCount ?? 0 };
  });
}

export interface RecommendedProduct {
  productId: string;
  name: string | null;
  category: string | null;
  price: number | null;
  score: number;
}

/** A product as the order history knows it, from the last rebuild. */
export interface ProductRow {
  product_id: string;
  name: string | null;
  category: string | null;
  price: string | null;
  orders: number;
  buyers: number;
  computed_at: Date;
}

/** The workspace's products, best sellers first. */
export async function listProducts(db: Queryable, workspaceId: number): Promise<ProductRow[]> {
  const { rows } = await db.query<ProductRow>(`SELECT product_id, name, category, price, orders, buyers, computed_at FROM products WHERE workspace_id = $1 ORDER BY buyers DESC, product_id`, [
    workspaceId,
  ]);
  return rows;
}

/** Products bought together with one product, best first. */
export async function boughtTogether(db: Queryable, workspaceId: number, productId: string): Promise<Array<RecommendedProduct & { together: number }> | null> {
  const known = await db.query(`SELECT 1 FROM products WHERE workspace_id = $1 AND product_id = $2`, [workspaceId, productId]);
  if (known.rows.length === 0) return null;
  const { rows } = await db.query<
    RowPick<typeof schema.products, 'name' | 'category' | 'price'> & RowPick<typeof schema.productAffinities, 'score' | 'together'> & { product_id: Col<typeof schema.productAffinities, 'other_id'> }
  >(
    `SELECT a.other_id AS product_id, p.name, p.category, p.price, a.score, a.together FROM product_affinities a
       JOIN products p ON p.workspace_id = a.workspace_id AND p.product_id = a.other_id
      WHERE a.workspace_id = $1 AND a.product_id = $2 ORDER BY a.rank`,
    [workspaceId, productId],
  );
  return rows.map((r) => ({ productId: r.product_id, name: r.name, category: r.category, price: r.price === null ? null : Number(r.price), score: r.score, together: r.together }));
}

/** Each customer's recommended products, best first (for templates and the API). */
export async function recommendationsFor(db: Queryable, workspaceId: number, customerIds: number[]): Promise<Map<number, Array<RecommendedProduct & { reason: string }>>> {
  const { rows } = await db.query<RowPick<typeof schema.customerRecommendations, 'customer_id' | 'product_id' | 'score' | 'reason'> & RowPick<typeof schema.products, 'name' | 'category' | 'price'>>(
    `SELECT r.customer_id, r.product_id, p.name, p.category, p.price, r.score, r.reason FROM customer_recommendations r
       LEFT JOIN products p ON p.workspace_id = r.workspace_id AND p.product_id = r.product_id
      WHERE r.workspace_id = $1 AND r.customer_id = ANY($2::bigint[]) ORDER BY r.customer_id, r.rank`,
    [workspaceId, customerIds],
  );
  const out = new Map<number, Array<RecommendedProduct & { reason: string }>>();
  for (const r of rows) {
    const list = out.get(Number(r.customer_id)) ?? [];
    list.push({ productId: r.product_id, name: r.name, category: r.category, price: r.price === null ? null : Number(r.price), score: r.score, reason: r.reason });
    out.set(Number(r.customer_id), list);
  }
  // Customers who never ordered: the best sellers.
  const missing = customerIds.filter((id) => !out.has(id));
  if (missing.length > 0) {
    const { rows: best } = await db.query<RowPick<typeof schema.products, 'product_id' | 'name' | 'category' | 'price' | 'buyers'> & { top: number }>(
      `SELECT product_id, name, category, price, buyers, max(buyers) OVER () AS top FROM products WHERE workspace_id = $1 ORDER BY buyers DESC, product_id LIMIT 3`,
      [workspaceId],
    );
    const list = best.map((r) => ({
      productId: r.product_id,
      name: r.name,
      category: r.category,
      price: r.price === null ? null : Number(r.price),
      score: r.buyers / Math.max(1, r.top),
      reason: 'popular',
    }));
    if (list.length > 0) for (const id of missing) out.set(id, list);
  }
  return out;
}
