/**
 * Churn features per customer as of a moment `at`, worked out from the workspace's own
 * history (nothing after `at` is read, so a past snapshot sees what was known then):
 *
 * | column | from |
 * |---|---|
 * | days_since_last_seen | the customer's last activity (rules/activity.ts, as the `lastSeen` rule leaf counts it) |
 * | days_since_last_order | the last `Order Completed` (blank: never ordered) |
 * | tenure_days | the first activity |
 * | orders, avg_order_value | `Order Completed` count and mean value (the one order value; blank: never ordered) |
 * | active_events_30d, activity_trend | activities in the last 30 days; ln((last 30 + 1) / (previous 30 + 1)) |
 * | support_tickets, support_tickets_90d | `Support Ticket Created` (sent by the customer's tools) or `Ticket Created` (a connected helpdesk) |
 * | ticket_first_response_hours_90d, ticket_resolution_hours_90d, ticket_reopen_rate_90d, ticket_csat_90d | the helpdesk tickets opened in the 90 days before `at` (support/measures.ts; blank: none) |
 * | nps, csat | the latest `Survey Responded` of that type's `score` (blank: never answered) |
 * | email_opens_90d, email_clicks_90d | `Email Opened`, `Email Link Clicked` |
 * | trait.KEY | traits as identify calls had set them by `at`: numbers and booleans numeric, strings categorical |
 *
 * The customers are the known ones (with a userId) with some activity by `at` and not in the
 * churned stage then: those who can still churn. The stage is not a feature: it is a rule on
 * the same inactivity the label measures, so it would only restate the answer.
 */
import { orderValueSql } from '../../analytics/order-value.js';
import type { Queryable } from '../../db/client.js';
import { workspaceActivitySql } from '../../rules/activity.js';
import type { FeatureColumn, FeatureTable } from './features.js';
import { EV } from '../../../contracts/events.js';
import { supportMeasuresOf } from '../../support/measures.js';

/** The helpdesk measures that are churn features (as `ticket_<metric>_90d`). */
const SUPPORT_FEATURES = ['first_response_hours', 'resolution_hours', 'reopen_rate', 'csat'] as const;

export interface Snapshot {
  at: Date;
  customerIds: number[];
  table: FeatureTable;
  /** The trait keys that became columns (pass them to later snapshots so they line up). */
  traitKeys: string[];
}

export interface SnapshotOptions {
  churnedStage: string;
  /** Trait columns to read; default: chosen from this snapshot (see chooseTraitKeys). */
  traitKeys?: string[];
}

/** Traits that identify a person rather than describe them: never features. */
const IDENTITY_TRAITS = new Set([
  'email',
  'name',
  'first_name',
  'firstname',
  'firstName',
  'last_name',
  'lastname',
  'lastName',
  'phone',
  'username',
  'avatar',
  'address',
  'id',
  'user_id',
  'userId',
  'created_at',
  'createdAt',
  'birthday',
  'title',
  'website',
  'description',
  'referred_by',
]);

const ACTIVE = workspaceActivitySql('e', '$1');

const BEHAVIOUR_SQL = `
WITH st AS (
  SELECT DISTINCT ON (t.subject_id) t.subject_id AS id, t.to_stage AS stage
    FROM stage_transitions t
   WHERE t.workspace_id = $1 AND t.scope = 'customer' AND t.at <= $2
   ORDER BY t.subject_id, t.at DESC, t.id DESC
)
SELECT c.id::float8 AS id,
       extract(epoch FROM ($2 - max(e.timestamp) FILTER (WHERE ${ACTIVE}))) / 86400 AS days_since_last_seen,
       extract(epoch FROM ($2 - max(e.timestamp) FILTER (WHERE e.event = '${EV.orderCompleted}'))) / 86400 AS days_since_last_order,
       extract(epoch FROM ($2 - min(e.timestamp) FILTER (WHERE ${ACTIVE}))) / 86400 AS tenure_days,
       count(*) FILTER (WHERE e.event = '${EV.orderCompleted}')::float8 AS orders,
       (avg(${orderValueSql('e')}) FILTER (WHERE e.event = '${EV.orderCompleted}'))::float8 AS avg_order_value,
       count(*) FILTER (WHERE e.timestamp > $2 - interval '30 days' AND ${ACTIVE})::float8 AS active_30d,
       count(*) FILTER (WHERE e.timestamp > $2 - interval '60 days' AND e.timestamp <= $2 - interval '30 days' AND ${ACTIVE})::float8 AS active_prev_30d,
       count(*) FILTER (WHERE e.event IN ('${EV.supportTicketCreated}', '${EV.ticketCreated}'))::float8 AS support_tickets,
       count(*) FILTER (WHERE e.event IN ('${EV.supportTicketCreated}', '${EV.ticketCreated}') AND e.timestamp > $2 - interval '90 days')::float8 AS support_tickets_90d,
       (array_agg(e.properties->'score' ORDER BY e.timestamp DESC) FILTER (WHERE e.event = '${EV.surveyResponded}' AND e.properties->>'type' = 'nps'))[1] AS nps,
       (array_agg(e.properties->'score' ORDER BY e.timestamp DESC) FILTER (WHERE e.event = '${EV.surveyResponded}' AND e.properties->>'type' = 'csat'))[1] AS csat,
       count(*) FILTER (WHERE e.event = '${EV.emailOpened}' AND e.timestamp > $2 - interval '90 days')::float8 AS email_opens_90d,
       count(*) FILTER (WHERE e.event = '${EV.emailLinkClicked}' AND e.timestamp > $2 - interval '90 days')::float8 AS email_clicks_90d
  FROM customers c
  JOIN events e ON e.workspace_id = $1 AND e.customer_id = c.id AND e.timestamp <= $2 AND e.type <> 'tenure'
  LEFT JOIN st ON st.id = c.id
 WHERE c.workspace_id = $1 AND c.user_id IS NOT NULL AND (st.stage IS NULL OR st.stage <> $3)
 GROUP BY c.id
HAVING bool_or(${ACTIVE})
 ORDER BY c.id`;

interface BehaviourRow {
  id: number;
  days_since_last_seen: number;
  days_since_last_order: number | null;
  tenure_days: number;
  orders: number;
  avg_order_value: number | null;
  active_30d: number;
  active_prev_30d: number;
  support_tickets: number;
  support_tickets_90d: number;
  nps: unknown;
  csat: unknown;
  email_opens_90d: number;
  email_clicks_90d: number;
}

const NUMERIC: Array<keyof BehaviourRow> = [
  'days_since_last_seen',
  'days_since_last_order',
  'tenure_days',
  'orders',
  'avg_order_value',
  'support_tickets',
  'support_tickets_90d',
  'email_opens_90d',
  'email_clicks_90d',
];

const asNumber = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The feature table of the workspace's customers who can churn, as of `at`. */
export async function churnSnapshot(db: Queryable, workspaceId: number, at: Date, opts: SnapshotOptions): Promise<Snapshot> {
  const { rows } = await db.query<BehaviourRow>(BEHAVIOUR_SQL, [workspaceId, at.toISOString(), opts.churnedStage]);
  const customerIds = rows.map((r) => Number(r.id));
  const columns: FeatureColumn[] = [
    ...NUMERIC.map((name): FeatureColumn => ({ name, kind: 'numeric', values: rows.map((r) => (r[name] === null ? null : Number(r[name]))) })),
    { name: 'active_events_30d', kind: 'numeric', values: rows.map((r) => Number(r.active_30d)) },
    { name: 'activity_trend', kind: 'numeric', values: rows.map((r) => Math.log((Number(r.active_30d) + 1) / (Number(r.active_prev_30d) + 1))) },
    { name: 'nps', kind: 'numeric', values: rows.map((r) => asNumber(r.nps)) },
    { name: 'csat', kind: 'numeric', values: rows.map((r) => asNumber(r.csat)) },
  ];
  const support = await supportMeasuresOf(db, workspaceId, customerIds, at, 90);
  for (const m of SUPPORT_FEATURES) columns.push({ name: `ticket_${m}_90d`, kind: 'numeric', values: customerIds.map((id) => support.get(id)?.[m] ?? null) });
  const traits = await traitsAt(db, workspaceId, at, customerIds);
  const traitKeys = opts.traitKeys ?? chooseTraitKeys(traits, customerIds.length);
  for (const key of traitKeys) columns.push(traitColumn(key, customerIds, traits));
  return { at, customerIds, table: { rows: customerIds.length, columns }, traitKeys };
}

/**
 * 1 for each customer with no activity (rules/activity.ts) in (at, at + horizon], else 0: churn
 * as a marketer means it, read from what the customer did rather than from the stage engine
 * (whose churned stage is itself a rule on inactivity, and may lag or lead it).
 */
export async function churnLabels(db: Queryable, workspaceId: number, customerIds: number[], at: Date, horizonDays: number): Promise<Uint8Array> {
  const end = new Date(at.getTime() + horizonDays * 86_400_000);
  const { rows } = await db.query<{ id: number }>(
    `SELECT DISTINCT e.customer_id::float8 AS id FROM events e
      WHERE e.workspace_id = $1 AND e.timestamp > $2 AND e.timestamp <= $3 AND e.customer_id = ANY($4::bigint[]) AND ${ACTIVE}`,
    [workspaceId, at.toISOString(), end.toISOString(), customerIds],
  );
  const active = new Set(rows.map((r) => Number(r.id)));
  return Uint8Array.from(customerIds, (id) => (active.has(id) ? 0 : 1));
}

type TraitsByCustomer = Map<string, Map<number, unknown>>;

/** Each trait's value per customer as the identify calls up to `at` left it. */
async function traitsAt(db: Queryable, workspaceId: number, at: Date, customerIds: number[]): Promise<TraitsByCustomer> {
  const { rows } = await db.query<{ id: number; key: string; value: unknown }>(
    `SELECT DISTINCT ON (e.customer_id, k.key) e.customer_id::float8 AS id, k.key, k.value
       FROM events e CROSS JOIN LATERAL jsonb_each(e.traits) k
      WHERE e.workspace_id = $1 AND e.type = 'identify' AND e.traits IS NOT NULL AND jsonb_typeof(e.traits) = 'object'
        AND e.timestamp <= $2 AND e.customer_id = ANY($3::bigint[])
      ORDER BY e.customer_id, k.key, e.timestamp DESC, e.id DESC`,
    [workspaceId, at.toISOString(), customerIds],
  );
  const out: TraitsByCustomer = new Map();
  for (const r of rows) {
    if (IDENTITY_TRAITS.has(r.key)) continue;
    let byCustomer = out.get(r.key);
    if (!byCustomer) out.set(r.key, (byCustomer = new Map()));
    byCustomer.set(Number(r.id), r.value);
  }
  return out;
}

/** Trait keys set on at least 5% of the customers with a number, boolean or short string, the 20 most common. */
export function chooseTraitKeys(traits: TraitsByCustomer, customers: number): string[] {
  return [...traits.entries()]
    .filter(
      ([, values]) => values.size >= Math.max(1, 0.05 * customers) && [...values.values()].every((v) => typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 100)),
    )
    .sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1))
    .slice(0, 20)
    .map(([key]) => key)
    .sort();
}

function traitColumn(key: string, customerIds: number[], traits: TraitsByCustomer): FeatureColumn {
  const values = traits.get(key) ?? new Map<number, unknown>();
  const name = `trait.${key}`;
  const sample = [...values.values()];
  if (sample.length > 0 && sample.every((v) => typeof v === 'number' || typeof v === 'boolean')) {
    return { name, kind: 'numeric', values: customerIds.map((id) => toNumber(values.get(id))) };
  }
  return { name, kind: 'categorical', values: customerIds.map((id) => (values.has(id) && values.get(id) !== null ? String(values.get(id)) : null)) };
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'boolean') return v ? 1 : 0;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
