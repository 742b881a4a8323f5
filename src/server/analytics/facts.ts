import { ORDER_EVENT, REFUND_EVENT, orderValueSql, refundValueSql } from './order-value.js';
import { activitySettings, isActivity, workspaceActivitySql, type ActivitySettings } from '../rules/activity.js';
import type { Db, Queryable } from '../db/client.js';
import { Poller } from '../jobs/poller.js';
import type { BackgroundGate } from '../lib/priority-gate.js';
import type { Logger } from '../log.js';

import { advanceCursor, cursorMoved, GAP_GIVE_UP_MS, lockCursorRow, nextIdsClause, saveCursorRow, inSpanSql, timeSpan } from '../jobs/event-cursor.js';
import { EV } from '../../contracts/events.js';
import type { Col, RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/**
 * Keeps the KPI facts (analytics_orders, analytics_days and analytics_months, analytics_customers) in step with
 * the events. Each pass reads the next events in id order (the cursor, with gaps re-read
 * until they appear), so an event is folded in once whenever it arrives, whatever its
 * timestamp: a late order lands in the month it happened. Facts are recomputed, not added
 * to: a customer-day touched by new events is worked out again from that day's events, and
 * a customer with a new order gets their first and second order again, so a pass repeated
 * after a crash changes nothing. Merges (written to analytics_merges by the merge itself)
 * move the merged-away customer's facts and recompute the survivor's in full.
 *
 * Customer-days, months and first seen count the customer's activity only (rules/activity.ts:
 * not a CRM's identify, nor messages sent to them and their fate), so active customers,
 * cohort retention and the engagement KPIs ask the same question as "last seen" and the
 * stage engine's inactivity.
 */

const CURSOR = 1;
export { ORDER_EVENT, REFUND_EVENT };
export const SIGNUP_EVENT = EV.signedUp;

/** How a definition is recorded in analytics_timezones.activity. */
const activityKey = (s: ActivitySettings): string => `opens=${s.opens},clicks=${s.clicks}`;

export interface SyncResult {
  events: number;
  passes: number;
  /** Stopped at maxPasses with more events waiting. */
  more: boolean;
}

type Row = RowPick<typeof schema.events, 'id' | 'workspace_id' | 'customer_id' | 'event' | 'type' | 'timestamp'>;

/** Value of an order (0 when it states none) or refund (null: the whole order) event: the one order value (order-value.ts). */
const ORDER_VALUE = `CASE WHEN e.event = '${ORDER_EVENT}' THEN coalesce(${orderValueSql('e')}, 0) ELSE ${refundValueSql('e')} END`;

/** Columns of an analytics_orders row from an event `e`. */
const ORDER_ROW = `e.id, e.workspace_id, e.customer_id, e.timestamp, CASE WHEN e.event = '${ORDER_EVENT}' THEN 'order' ELSE 'refund' END, e.properties->>'order_id', ${ORDER_VALUE}`;

/**
 * Bring the facts up to date with every event stored so far. One pass at a time across
 * processes (the cursor row's lock); a caller arriving during another's pass waits for it,
 * then finds little left. `onProgress` gets the events read so far (for a progress bar).
 */
export async function syncFacts(db: Db, opts: { batch?: number; maxPasses?: number; now?: Date; onProgress?: (events: number) => void } = {}): Promise<SyncResult> {
  const batch = opts.batch ?? 20_000;
  const result: SyncResult = { events: 0, passes: 0, more: false };
  for (let i = 0; i < (opts.maxPasses ?? Number.MAX_SAFE_INTEGER); i++) {
    const r = await syncPass(db, batch, (opts.now ?? new Date()).getTime());
    result.passes++;
    result.events += r.read;
    opts.onProgress?.(result.events);
    result.more = r.more;
    if (!r.more) break;
  }
  return result;
}

async function syncPass(db: Db, batch: number, now: number): Promise<{ read: number; more: boolean }> {
  return db.transaction(async (tx) => {
    const cursor = (await lockCursorRow(tx, 'analytics_cursor', CURSOR, { skipLocked: false, startAtEnd: false }))!;
    const where = nextIdsClause(cursor, 2);
    const { rows } = await tx.query<Row>(`SELECT id, workspace_id, customer_id, event, type, timestamp FROM events WHERE ${where.sql} ORDER BY id LIMIT $1`, [batch, ...where.args]);
    const next = advanceCursor(
      cursor,
      rows.map((r) => Number(r.id)),
      now,
      GAP_GIVE_UP_MS,
      batch,
    );
    const activity = await followDefinitions(tx);
    if (rows.length > 0) await fold(tx, rows, activity);
    await foldMerges(tx);
    if (cursorMoved(cursor, next)) await saveCursorRow(tx, 'analytics_cursor', CURSOR, next);
    return { read: rows.length, more: rows.filter((r) => Number(r.id) > cursor.highWater).length >= batch };
  });
}

/** Fold a batch of new events into the facts: orders, and the days and first seen of the activity among them. */
async function fold(tx: Queryable, rows: Row[], activity: ReadonlyMap<number, ActivitySettings>): Promise<void> {
  const orders = rows.filter((r) => r.event === ORDER_EVENT || r.event === REFUND_EVENT);
  const own = rows.filter((r) => isActivity(r, activity.get(Number(r.workspace_id))));
  // Each lookup by id also names the batch's time span ($2, $3; jobs/event-cursor.ts timeSpan).
  if (orders.length > 0) {
    await tx.query(
      `INSERT INTO analytics_orders (event_id, workspace_id, customer_id, at, kind, order_id, amount)
       SELECT ${ORDER_ROW} FROM events e WHERE e.id = ANY($1::bigint[]) AND ${IN_SPAN}
       ON CONFLICT (event_id) DO UPDATE SET customer_id = excluded.customer_id`,
      [orders.map((r) => r.id), ...timeSpan(orders)],
    );
  }
  if (own.length > 0) {
    const args = [own.map((r) => r.id), ...timeSpan(own)];
    await recomputeDays(
      tx,
      `SELECT DISTINCT e.workspace_id, e.customer_id, (e.timestamp AT TIME ZONE w.timezone)::date AS day, w.timezone AS tz
                               FROM events e JOIN workspaces w ON w.id = e.workspace_id WHERE e.id = ANY($1::bigint[]) AND ${IN_SPAN}`,
      args,
    );
    await updateCustomers(
      tx,
      `SELECT e.customer_id AS id, e.workspace_id, min(e.timestamp) AS first_seen, min(e.timestamp) FILTER (WHERE e.event = '${SIGNUP_EVENT}') AS signed_up
         FROM events e WHERE e.id = ANY($1::bigint[]) AND ${IN_SPAN} GROUP BY 1, 2`,
      args,
      'least',
    );
  }
}

const IN_SPAN = inSpanSql('e');

/**
 * Work out again the customer-days listed by `daysSql` (columns workspace_id, customer_id,
 * day, tz) from their activity: events, sessions (cut at gaps over 30 minutes; a day is
 * one window, so midnight ends a session) and the sessions' summed length (the day's span
 * minus the long gaps). A day left with no activity loses its row.
 */
async function recomputeDays(tx: Queryable, daysSql: string, args: unknown[]): Promise<void> {
  await replaceActivity(
    tx,
    'analytics_days',
    'day',
    daysSql,
    `SELECT t.workspace_id, t.day, t.customer_id, count(g.ts)::int AS events, (1 + count(*) FILTER (WHERE g.gap > 1800))::int AS sessions,
            coalesce(extract(epoch FROM max(g.ts) - min(g.ts)), 0) - coalesce(sum(g.gap) FILTER (WHERE g.gap > 1800), 0) AS seconds
       FROM t
       LEFT JOIN LATERAL (SELECT x.timestamp AS ts, extract(epoch FROM x.timestamp - lag(x.timestamp) OVER (ORDER BY x.timestamp)) AS gap
                       FROM events x
                      WHERE x.customer_id = t.customer_id AND ${workspaceActivitySql('x', 't.workspace_id')}
                        AND x.timestamp >= (t.day::timestamp AT TIME ZONE t.tz) AND x.timestamp < ((t.day + 1)::timestamp AT TIME ZONE t.tz)) g ON true
      GROUP BY t.workspace_id, t.day, t.customer_id`,
    args,
  );
  // The months those days are in: summed again from their days.
  await replaceActivity(
    tx,
    'analytics_months',
    'month',
    `SELECT DISTINCT workspace_id, customer_id, date_trunc('month', day)::date AS month FROM (${daysSql}) d`,
    // Per customer, through the customer index (customer ids are unique across workspaces): a
    // join on (workspace, day range) was seen to read a whole month of every customer's days
    // per key when the table's statistics were stale (42 s a pass for 20,000 events).
    `SELECT t.workspace_id, t.month, t.customer_id, s.events, s.sessions, s.seconds
       FROM t CROSS JOIN LATERAL (SELECT coalesce(sum(d.events), 0)::int AS events, sum(d.sessions)::int AS sessions, sum(d.session_seconds) AS seconds
                                    FROM analytics_days d WHERE d.customer_id = t.customer_id AND date_trunc('month', d.day)::date = t.month) s`,
    args,
  );
}

/**
 * Replace the activity rows (`table`, one per workspace, `period` and customer) listed by
 * `keysSql` (as `t`) with those `aggSql` works out for them (workspace_id, period,
 * customer_id, events, sessions, seconds: one row per listed key, with 0 events for a key
 * left with no activity, whose row is deleted).
 *
 * The keys to delete are read from `agg` itself, never by an anti-join of the keys against
 * `agg`: a CTE has no index and no statistics, and the planner, estimating one row, chose a
 * nested loop that compared every key with every aggregate (58 million comparisons, 12 s, for
 * a pass of 20,000 events; quadratic in the batch).
 */
async function replaceActivity(tx: Queryable, table: 'analytics_days' | 'analytics_months', period: 'day' | 'month', keysSql: string, aggSql: string, args: unknown[]): Promise<void> {
  await tx.query(
    `WITH t AS (${keysSql}),
     agg AS MATERIALIZED (${aggSql}),
     gone AS (
       DELETE FROM ${table} r USING agg
        WHERE agg.events = 0 AND r.workspace_id = agg.workspace_id AND r.${period} = agg.${period} AND r.customer_id = agg.customer_id
     )
     INSERT INTO ${table} (workspace_id, ${period}, customer_id, events, sessions, session_seconds)
     SELECT workspace_id, ${period}, customer_id, events, sessions, seconds FROM agg WHERE events > 0
     ON CONFLICT (workspace_id, ${period}, customer_id) DO UPDATE SET events = excluded.events, sessions = excluded.sessions, session_seconds = excluded.session_seconds`,
    args,
  );
}

/**
 * Per-customer moments. `momentsSql` gives (id, workspace_id, first_seen, signed_up) per
 * customer; `least` keeps the earlier of those and the stored ones (new events), `replace`
 * stores them as they are (a customer worked out in full). First and second orders are
 * always read again from analytics_orders.
 */
async function updateCustomers(tx: Queryable, momentsSql: string, args: unknown[], mode: 'least' | 'replace'): Promise<void> {
  const keep = (col: string) => (mode === 'least' ? `least(analytics_customers.${col}, excluded.${col})` : `excluded.${col}`);
  await tx.query(
    `WITH m AS (${momentsSql})
     INSERT INTO analytics_customers (customer_id, workspace_id, first_seen_at, signed_up_at, first_order_at, second_order_at)
     SELECT m.id, m.workspace_id, m.first_seen, m.signed_up, o.first, o.second
       FROM m LEFT JOIN LATERAL (SELECT min(at) AS first, (array_agg(at ORDER BY at))[2] AS second
                                   FROM (SELECT at FROM analytics_orders WHERE customer_id = m.id AND kind = 'order' ORDER BY at LIMIT 2) two) o ON true
     ON CONFLICT (customer_id) DO UPDATE SET first_seen_at = ${keep('first_seen_at')}, signed_up_at = ${keep('signed_up_at')},
       first_order_at = excluded.first_order_at, second_order_at = excluded.second_order_at`,
    args,
  );
}

/**
 * Customer-days are days in the workspace's timezone, of its activity: when a workspace's
 * timezone or the activity definition is not the one its days were cut with (the timezone was
 * changed; the days were cut before the facts counted activity only, or with other settings),
 * its days are cut again from all its events, and its customers' first seen read again.
 * Returns every workspace's activity setting, for the fold of the same pass.
 */
async function followDefinitions(tx: Queryable): Promise<Map<number, ActivitySettings>> {
  const { rows: all } = await tx.query<RowPick<typeof schema.workspaces, 'id' | 'timezone' | 'activity'> & { known_activity: Col<typeof schema.analyticsTimezones, 'activity'>; known: string | null }>(
    `SELECT w.id, w.timezone, w.activity, a.timezone AS known, a.activity AS known_activity FROM workspaces w LEFT JOIN analytics_timezones a ON a.workspace_id = w.id`,
  );
  // Each workspace's activity setting (workspaces.activity): returned for the fold of this pass.
  const settings = new Map(all.map((w) => [Number(w.id), activitySettings(w.activity)]));
  const rows = all.map((w) => ({ ...w, key: activityKey(settings.get(Number(w.id))!) })).filter((w) => w.known !== w.timezone || w.known_activity !== w.key);
  for (const w of rows) {
    const key = w.key;
    if (w.known !== null) {
      await tx.query(`DELETE FROM analytics_days WHERE workspace_id = $1`, [w.id]);
      await tx.query(`DELETE FROM analytics_months WHERE workspace_id = $1`, [w.id]);
      await recomputeDays(
        tx,
        `SELECT DISTINCT e.workspace_id, e.customer_id, (e.timestamp AT TIME ZONE $2)::date AS day, $2::text AS tz FROM events e WHERE e.workspace_id = $1 AND ${workspaceActivitySql('e', '$1')}`,
        [w.id, w.timezone],
      );
      if (w.known_activity !== key) {
        await tx.query(
          `UPDATE analytics_customers a SET first_seen_at = (SELECT min(e.timestamp) FROM events e WHERE e.customer_id = a.customer_id AND ${workspaceActivitySql('e', '$1')}) WHERE a.workspace_id = $1`,
          [w.id],
        );
      }
    }
    await tx.query(
      `INSERT INTO analytics_timezones (workspace_id, timezone, activity) VALUES ($1, $2, $3) ON CONFLICT (workspace_id) DO UPDATE SET timezone = excluded.timezone, activity = excluded.activity`,
      [w.id, w.timezone, key],
    );
  }
  return settings;
}

/** Fold in the merges recorded since the last pass, in the order they happened. */
async function foldMerges(tx: Queryable): Promise<void> {
  const { rows } = await tx.query<RowPick<typeof schema.analyticsMerges, 'id' | 'from_customer_id' | 'into_customer_id'>>(
    `SELECT id, from_customer_id, into_customer_id FROM analytics_merges ORDER BY id LIMIT 1000`,
  );
  if (rows.length === 0) return;
  for (const m of rows) {
    const p = [m.from_customer_id, m.into_customer_id];
    await tx.query(`UPDATE analytics_orders SET customer_id = $2 WHERE customer_id = $1`, p);
    await tx.query(`DELETE FROM analytics_days WHERE customer_id = $1`, [m.from_customer_id]);
    await tx.query(`DELETE FROM analytics_months WHERE customer_id = $1`, [m.from_customer_id]);
    await tx.query(`DELETE FROM analytics_customers WHERE customer_id = $1`, [m.from_customer_id]);
  }
  const into = [...new Set(rows.map((m) => Number(m.into_customer_id)))];
  // An order folded in while the merge committed may still name the merged-away customer: take the survivor's again from the events.
  await tx.query(
    `INSERT INTO analytics_orders (event_id, workspace_id, customer_id, at, kind, order_id, amount)
     SELECT ${ORDER_ROW} FROM events e WHERE e.customer_id = ANY($1::bigint[]) AND e.event IN ('${ORDER_EVENT}', '${REFUND_EVENT}')
     ON CONFLICT (event_id) DO UPDATE SET customer_id = excluded.customer_id`,
    [into],
  );
  await tx.query(`DELETE FROM analytics_days WHERE customer_id = ANY($1::bigint[])`, [into]);
  await tx.query(`DELETE FROM analytics_months WHERE customer_id = ANY($1::bigint[])`, [into]);
  await recomputeDays(
    tx,
    `SELECT DISTINCT e.workspace_id, e.customer_id, (e.timestamp AT TIME ZONE w.timezone)::date AS day, w.timezone AS tz
       FROM events e JOIN workspaces w ON w.id = e.workspace_id WHERE e.customer_id = ANY($1::bigint[]) AND ${workspaceActivitySql('e')}`,
    [into],
  );
  await updateCustomers(
    tx,
    `SELECT c.id, c.workspace_id,
            (SELECT min(e.timestamp) FROM events e WHERE e.customer_id = c.id AND ${workspaceActivitySql('e', 'c.workspace_id')}) AS first_seen,
            (SELECT min(e.timestamp) FROM events e WHERE e.customer_id = c.id AND e.event = '${SIGNUP_EVENT}') AS signed_up
       FROM customers c WHERE c.id = ANY($1::bigint[])`,
    [into],
    'replace',
  );
  await tx.query(`DELETE FROM analytics_customers WHERE customer_id = ANY($1::bigint[]) AND customer_id NOT IN (SELECT id FROM customers WHERE id = ANY($1::bigint[]))`, [into]);
  await tx.query(`DELETE FROM analytics_merges WHERE id = ANY($1::bigint[])`, [rows.map((m) => m.id)]);
}

/**
 * Keeps the facts current in the background (every `pollMs`). It yields to ingestion: with a
 * `gate` (the process's priority gate, lib/priority-gate.ts) each pass waits while the
 * ingestion writers are near saturation, so a burst of events is folded in behind the burst
 * rather than beside it; and with a backlog it rests three times as long as each pass took
 * (at most 2 s), taking about a quarter of the database's time: the facts are not urgent
 * (a metric request syncs in full first), stage, segment and journey work is.
 * A metric request syncs in full first, so what it shows is never behind. `paused`: skip
 * passes while it says so (the next poll after it stops saying so catches up).
 */
export function analyticsSyncer(db: Db, opts: { pollMs: number; log?: Logger; paused?: () => boolean; gate?: BackgroundGate }): Poller {
  const batch = db.kind === 'pglite' ? 5_000 : 20_000;
  return new Poller(
    'analytics sync',
    async () => {
      // Held back while a bulk load (the demo) writes: the load syncs in full when it is done.
      if (opts.paused?.()) return false;
      const t0 = performance.now();
      // Released by the gate's longest hold while ingestion is still saturated: a small pass, so the burst keeps the database.
      const { more } = await syncFacts(db, { batch: opts.gate?.saturated() ? batch / 10 : batch, maxPasses: 1 });
      if (more) await new Promise((r) => setTimeout(r, Math.min(2_000, 3 * (performance.now() - t0))));
      return more;
    },
    opts,
  );
}
