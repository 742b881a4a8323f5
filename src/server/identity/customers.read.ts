import { workspaceActivitySql } from '../rules/activity.js';
import type { z } from 'zod';
import type { AccountDetail, CustomerDetail, CustomerSummary } from '../../contracts/admin.js';
import type { Queryable } from '../db/client.js';
import { CHURN_SCORE } from '../../contracts/predictions.js';
import type { Touch } from './attribution.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

type Summary = z.infer<typeof CustomerSummary>;
type Detail = z.infer<typeof CustomerDetail>;

/** Resolve a userId (or alias) or anonymousId to the internal customer id. */
export async function findCustomerId(db: Queryable, workspaceId: number, id: string): Promise<number | null> {
  const { rows } = await db.query<RowPick<typeof schema.identities, 'customer_id'>>(`SELECT customer_id FROM identities WHERE workspace_id = $1 AND value = $2 ORDER BY (kind = 'user') DESC LIMIT 1`, [
    workspaceId,
    id,
  ]);
  return rows[0]?.customer_id ?? null;
}

// First/last seen come from the events index (one probe each), never from a stored copy.
// Only the customer's activity counts (../rules/activity.ts): not Tenure's own events, profile
// updates or messages sent to them.
const ACTIVITY = workspaceActivitySql('e', 'c.workspace_id');
const SUMMARY_SQL = `c.id, c.user_id, c.created_at, c.traits, c.first_touch,
  (SELECT min(e.timestamp) FROM events e WHERE e.customer_id = c.id AND ${ACTIVITY}) AS first_seen_at,
  (SELECT max(e.timestamp) FROM events e WHERE e.customer_id = c.id AND ${ACTIVITY}) AS last_seen_at,
  st.stage, st.since AS stage_since, cr.risk AS churn_risk,
  COALESCE((SELECT array_agg(i.value ORDER BY i.created_at) FROM identities i
             WHERE i.workspace_id = c.workspace_id AND i.customer_id = c.id AND i.kind = 'anonymous'), '{}') AS anonymous_ids`;

/** Customers with their current stage (alias `st`) and churn risk (alias `cr`, a number or null). */
const SUMMARY_FROM = `customers c LEFT JOIN stage_states st ON st.workspace_id = c.workspace_id AND st.scope = 'customer' AND st.subject_id = c.id
  LEFT JOIN LATERAL (SELECT (s.value)::text::float8 AS risk FROM customer_scores s
                      WHERE s.customer_id = c.id AND s.name = '${CHURN_SCORE}' AND jsonb_typeof(s.value) = 'number') cr ON true`;

type SummaryRow = RowPick<typeof schema.customers, 'id' | 'user_id' | 'traits' | 'first_touch' | 'created_at', { traits: Record<string, unknown>; first_touch: Touch | null }> & {
  first_seen_at: Date | null;
  last_seen_at: Date | null;
  anonymous_ids: string[];
  stage: string | null;
  stage_since: Date | null;
  churn_risk: number | null;
};

function toSummary(r: SummaryRow): Summary {
  return {
    userId: r.user_id,
    anonymousIds: r.anonymous_ids,
    traits: r.traits,
    firstSeenAt: (r.first_seen_at ?? r.created_at).toISOString(),
    lastSeenAt: (r.last_seen_at ?? r.created_at).toISOString(),
    acquisitionChannel: r.first_touch?.channel ?? 'direct',
    stage: r.stage,
    stageSince: r.stage_since?.toISOString() ?? null,
    churnRisk: r.churn_risk === null ? null : Math.round(r.churn_risk * 10) / 10,
  };
}

/** Page through customers, newest first; `cursor` is the last customer id of the previous page. */
export async function listCustomers(
  db: Queryable,
  workspaceId: number,
  opts: { limit: number; cursor?: number; q?: string; stage?: string; segment?: string; riskAtLeast?: number; riskBelow?: number },
) {
  const q = opts.q?.trim() ? `%${opts.q.trim().replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
  const { rows } = await db.query<SummaryRow>(
    `SELECT ${SUMMARY_SQL} FROM ${SUMMARY_FROM}
      WHERE c.workspace_id = $1 AND ($2::bigint IS NULL OR c.id < $2) AND ($5::text IS NULL OR st.stage = $5)
        AND ($7::float8 IS NULL OR cr.risk >= $7) AND ($8::float8 IS NULL OR cr.risk < $8)
        AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM segment_members m WHERE m.workspace_id = c.workspace_id AND m.segment_id = $6 AND m.customer_id = c.id))
        AND ($3::text IS NULL OR c.user_id ILIKE $3 OR c.traits->>'email' ILIKE $3 OR c.traits->>'name' ILIKE $3
             OR EXISTS (SELECT 1 FROM identities i WHERE i.workspace_id = c.workspace_id AND i.customer_id = c.id AND i.value ILIKE $3))
      ORDER BY c.id DESC LIMIT $4`,
    [workspaceId, opts.cursor ?? null, q, opts.limit + 1, opts.stage ?? null, opts.segment ?? null, opts.riskAtLeast ?? null, opts.riskBelow ?? null],
  );
  const page = rows.slice(0, opts.limit);
  return { customers: page.map(toSummary), nextCursor: rows.length > opts.limit ? String(page[page.length - 1]!.id) : null };
}

/** The full profile of one customer. */
export async function getCustomer(db: Queryable, workspaceId: number, customerId: number): Promise<Detail | null> {
  const { rows } = await db.query<SummaryRow & { trait_times: Detail['traitTimes']; last_touch: Touch | null; account_ids: string[]; aliases: string[]; scores: Record<string, number> }>(
    `SELECT ${SUMMARY_SQL}, c.trait_times, c.last_touch,
       COALESCE((SELECT array_agg(a.group_id ORDER BY a.group_id) FROM account_members m JOIN accounts a ON a.id = m.account_id
                  WHERE m.customer_id = c.id), '{}') AS account_ids,
       COALESCE((SELECT array_agg(i.value ORDER BY i.created_at) FROM identities i
                  WHERE i.workspace_id = c.workspace_id AND i.customer_id = c.id AND i.kind = 'user'
                    AND i.value IS DISTINCT FROM c.user_id), '{}') AS aliases,
       -- Scores are numbers, or objects whose score is one.
       COALESCE((SELECT jsonb_object_agg(x.name, x.v) FROM (SELECT s.name, CASE jsonb_typeof(s.value) WHEN 'object' THEN s.value->'score' ELSE s.value END AS v
                   FROM customer_scores s WHERE s.customer_id = c.id) x WHERE jsonb_typeof(x.v) = 'number'), '{}') AS scores
     FROM ${SUMMARY_FROM} WHERE c.workspace_id = $1 AND c.id = $2`,
    [workspaceId, customerId],
  );
  const r = rows[0];
  if (!r) return null;
  return { ...toSummary(r), customerId: r.id, traitTimes: r.trait_times, accountIds: r.account_ids, aliases: r.aliases, firstTouch: r.first_touch, lastTouch: r.last_touch, scores: r.scores };
}

/** The internal id of the account with this groupId (null when there is none). */
export async function findAccountId(db: Queryable, workspaceId: number, groupId: string): Promise<number | null> {
  const { rows } = await db.query<{ id: number }>(`SELECT id FROM accounts WHERE workspace_id = $1 AND group_id = $2`, [workspaceId, groupId]);
  return rows[0]?.id ?? null;
}

/** An account with its members' userIds (first 1,000) and member count. */
export async function getAccount(db: Queryable, workspaceId: number, groupId: string): Promise<z.infer<typeof AccountDetail> | null> {
  const { rows } = await db.query<
    RowPick<
      typeof schema.accounts,
      'id' | 'group_id' | 'traits' | 'trait_times' | 'first_seen_at' | 'last_seen_at',
      { traits: Record<string, unknown>; trait_times: Record<string, [string, string]> }
    > & { member_ids: string[] | null; member_count: number }
  >(
    `SELECT a.id, a.group_id, a.traits, a.trait_times, a.first_seen_at, a.last_seen_at,
       (SELECT array_agg(x.uid ORDER BY x.uid) FROM (SELECT COALESCE(c.user_id, '') AS uid FROM account_members m JOIN customers c ON c.id = m.customer_id
          WHERE m.account_id = a.id AND c.user_id IS NOT NULL ORDER BY c.user_id LIMIT 1000) x) AS member_ids,
       (SELECT count(*)::int FROM account_members m WHERE m.account_id = a.id) AS member_count
     FROM accounts a WHERE a.workspace_id = $1 AND a.group_id = $2`,
    [workspaceId, groupId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    groupId: r.group_id,
    traits: r.traits,
    traitTimes: r.trait_times,
    memberUserIds: r.member_ids ?? [],
    memberCount: r.member_count,
    firstSeenAt: r.first_seen_at.toISOString(),
    lastSeenAt: r.last_seen_at.toISOString(),
  };
}
