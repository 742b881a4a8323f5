import { bigint, doublePrecision, integer, numeric, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** Products as the order history knows them (from `Order Completed` `products`), rebuilt with the recommendations. */
export const products = pgTable(
  'products',
  {
    workspaceId: integer('workspace_id').notNull(),
    productId: text('product_id').notNull(),
    name: text('name'),
    category: text('category'),
    price: numeric('price'),
    orders: integer('orders').notNull(),
    buyers: integer('buyers').notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.productId] })],
);

/** "Bought together": for each product, the products most often in the same order. */
export const productAffinities = pgTable(
  'product_affinities',
  {
    workspaceId: integer('workspace_id').notNull(),
    productId: text('product_id').notNull(),
    otherId: text('other_id').notNull(),
    /** Orders holding both. */
    together: integer('together').notNull(),
    /** together ÷ √(orders of one × orders of the other). */
    score: doublePrecision('score').notNull(),
    rank: integer('rank').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.productId, t.otherId] })],
);

/** "Next best product" per customer: products they have not bought, ranked. */
export const customerRecommendations = pgTable(
  'customer_recommendations',
  {
    workspaceId: integer('workspace_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    rank: integer('rank').notNull(),
    productId: text('product_id').notNull(),
    score: doublePrecision('score').notNull(),
    /** similar: from what they bought; popular: the best sellers, for customers with nothing to go on. */
    reason: text('reason').notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.rank] })],
);
