import { sql } from 'drizzle-orm';
import { boolean, doublePrecision, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** A tenant. All other rows carry a workspace_id; keys are stored as SHA-256 hashes. */
export const workspaces = pgTable(
  'workspaces',
  {
    id: serial('id').primaryKey(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    writeKeyHash: text('write_key_hash').notNull(),
    adminKeyHash: text('admin_key_hash').notNull(),
    /**
     * The write key itself: it is public by design (browsers send it with every event), so it is
     * kept to be shown in snippets (GET /api/sources). Null for keys set before it was kept.
     */
    writeKey: text('write_key'),
    /** Origins whose pages may send events from a browser (CORS); `{*}`: any origin. */
    allowedOrigins: text('allowed_origins')
      .array()
      .notNull()
      .default(sql`'{*}'::text[]`),
    timezone: text('timezone').notNull().default('UTC'),
    /** ISO 4217 code that money (order revenue, CLV, spend) is shown in. */
    currency: text('currency').notNull().default('USD'),
    /**
     * Gross margin as a fraction (0.3 = 30 %): what CLV and CLV:CAC are multiplied by unless a
     * request says otherwise. Null: not set, so value metrics are revenue (and say so).
     */
    grossMargin: doublePrecision('gross_margin'),
    /**
     * What counts as a customer's activity beyond their own calls (src/server/rules/activity.ts):
     * `{ opens, clicks }`; null or a missing key: the default (clicks count, opens do not).
     */
    activity: jsonb('activity'),
    /** Secret the customer's own backend signs userIds with for the in-app inbox (HMAC-SHA256); made on first use. */
    inboxSecret: text('inbox_secret'),
    /**
     * Whether the in-app inbox requires that signature. On for workspaces created from this
     * version on; off for older ones until switched on (see docs).
     */
    inboxVerification: boolean('inbox_verification').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('workspaces_slug_uq').on(t.slug), uniqueIndex('workspaces_write_key_uq').on(t.writeKeyHash), uniqueIndex('workspaces_admin_key_uq').on(t.adminKeyHash)],
);
