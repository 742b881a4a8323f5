import type { Queryable } from '../db/client.js';
import { NET_VALUE } from '../analytics/query.js';
import type { LiabilityReport, LiftReport } from '../../contracts/loyalty.js';
import { readProgramme, programmeSettings } from './rewards-programme.js';
import { matchOneToOne, meanDiff, proportionDiff, type Candidate } from './lift-stats.js';

/**
 * The programme's two reports.
 *
 * Liability: what the programme owes. Members' available balances (Σ of their `available`
 * postings; a negative one is points the member owes, counted apart) and pending points,
 * valued at `settings.pointValue` in the workspace's currency; and the outstanding points by
 * the month their lot expires (a lot's remaining points are the Σ of its postings, pending or
 * available; the month in the workspace's timezone; null: never expires).
 *
 * Lift: does the programme change what customers do? Members against a comparison group
 * over a window of `windowDays` after each one's start:
 * - the holdout (loyalty_members status `holdout`, kept out at random) when there is one —
 *   a randomised comparison; start = the date each was enrolled or held out;
 * - else non-members matched 1:1 to members on (lifecycle stage at the start, spend band
 *   before it; lift-stats.ts matchOneToOne), where a member's start is their joining date
 *   and a non-member's is the programme's `liveSince`; non-members count only if they had
 *   an event on or before it. Matching removes only what it matches on: members chose to
 *   join, so the difference is an upper bound of the effect, not a measure of it.
 * Only customers whose whole window has passed (start + window ≤ now) count. Retention: the
 * share with an order (`Order Completed`) in the window; CLV: the mean per customer of their
 * order value in the window net of refunds (analytics_orders, the KPIs' one order value).
 * Differences come with a 95% interval (normal approximation: unpooled for proportions,
 * Welch's standard error for means); `tooFew` when either group has fewer than 30.
 */

/** Fewer than this in either group: the report says the groups are too few. */
export const LIFT_MIN_GROUP = 30;

/** A value in money without float noise (0.1 + 0.2 → 0.3). */
const money = (x: number) => Math.round(x * 1e6) / 1e6;

/** The liability report of a workspace. */
export async function liabilityReport(db: Queryable, workspaceId: number): Promise<LiabilityReport> {
  const settings = await programmeSettings(db, workspaceId);
  const pv = settings.pointValue;
  const { rows: ws } = await db.query<{ currency: string; timezone: string }>(`SELECT currency, timezone FROM workspaces WHERE id = $1`, [workspaceId]);
  const { currency, timezone } = ws[0] ?? { currency: 'USD', timezone: 'UTC' };
  const { rows: totals } = await db.query<{ available: number | null; pending: number | null; owed: number | null; owing: number; members: number }>(
    `WITH b AS (
       SELECT customer_id, coalesce(sum(amount) FILTER (WHERE account = 'available'), 0) AS a, coalesce(sum(amount) FILTER (WHERE account = 'pending'), 0) AS p
         FROM loyalty_postings WHERE workspace_id = $1 AND customer_id IS NOT NULL GROUP BY customer_id)
     SELECT sum(greatest(a, 0)) AS available, sum(p) AS pending, -sum(least(a, 0)) AS owed, count(*) FILTER (WHERE a < 0) AS owing,
       (SELECT count(*) FROM loyalty_members m WHERE m.workspace_id = $1 AND m.status = 'member') AS members
     FROM b`,
    [workspaceId],
  );
  const t = totals[0]!;
  const { rows: months } = await db.query<{ month: string | null; points: number }>(
    `SELECT to_char(l.expires_at AT TIME ZONE $2, 'YYYY-MM') AS month, sum(r.remaining) AS points
       FROM loyalty_lots l
       JOIN (SELECT lot_id, sum(amount) AS remaining FROM loyalty_postings WHERE workspace_id = $1 AND lot_id IS NOT NULL GROUP BY lot_id) r ON r.lot_id = l.id
      WHERE l.workspace_id = $1 AND r.remaining > 0
      GROUP BY 1 ORDER BY 1 NULLS LAST`,
    [workspaceId, timezone],
  );
  const available = Number(t.available ?? 0);
  const pending = Number(t.pending ?? 0);
  return {
    currency,
    pointValue: pv,
    available: { points: available, value: money(available * pv) },
    pending: { points: pending, value: money(pending * pv) },
    owed: { points: Number(t.owed ?? 0), members: Number(t.owing) },
    byExpiryMonth: months.map((m) => ({ month: m.month, points: Number(m.points), value: money(Number(m.points) * pv) })),
    members: Number(t.members),
  };
}

interface Outcome {
  ordered: boolean;
  value: number;
}

/** Each customer's orders and net order value in (start, start + windowDays]. */
async function outcomes(db: Queryable, workspaceId: number, group: { id: number; start: Date }[], windowDays: number): Promise<Outcome[]> {
  if (group.length === 0) return [];
  const { rows } = await db.query<{ id: number; orders: number; value: number | null }>(
    `SELECT g.id, count(o.event_id) FILTER (WHERE o.kind = 'order') AS orders, sum(${NET_VALUE}) FILTER (WHERE o.event_id IS NOT NULL) AS value
       FROM unnest($2::bigint[], $3::timestamptz[]) AS g(id, start)
       LEFT JOIN analytics_orders o ON o.workspace_id = $1 AND o.customer_id = g.id AND o.at > g.start AND o.at <= g.start + make_interval(days => $4::int)
      GROUP BY g.id`,
    [workspaceId, group.map((g) => g.id), group.map((g) => g.start.toISOString()), windowDays],
  );
  return rows.map((r) => ({ ordered: Number(r.orders) > 0, value: Number(r.value ?? 0) }));
}

/** Stage at `start` and net spend up to it, per customer (the matching's keys). */
async function matchKeys(db: Queryable, workspaceId: number, group: { id: number; start: Date }[]): Promise<Candidate[]> {
  if (group.length === 0) return [];
  const { rows } = await db.query<{ id: number; stage: string | null; spend: number | null }>(
    `SELECT g.id,
       (SELECT t.to_stage FROM stage_transitions t WHERE t.workspace_id = $1 AND t.scope = 'customer' AND t.subject_id = g.id AND t.at <= g.start ORDER BY t.at DESC, t.id DESC LIMIT 1) AS stage,
       (SELECT sum(${NET_VALUE}) FROM analytics_orders o WHERE o.workspace_id = $1 AND o.customer_id = g.id AND o.at <= g.start) AS spend
       FROM unnest($2::bigint[], $3::timestamptz[]) AS g(id, start)`,
    [workspaceId, group.map((g) => g.id), group.map((g) => g.start.toISOString())],
  );
  return rows.map((r) => ({ id: Number(r.id), stage: r.stage, spend: Number(r.spend ?? 0) }));
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

/** The lift report over `windowDays` as of `now`. */
export async function liftReport(db: Queryable, workspaceId: number, windowDays: number, now: Date): Promise<LiftReport> {
  const cutoff = new Date(now.getTime() - windowDays * 86_400_000);
  const { rows: people } = await db.query<{ customer_id: number; status: 'member' | 'holdout'; joined_at: Date }>(
    `SELECT customer_id, status, joined_at FROM loyalty_members WHERE workspace_id = $1 AND joined_at <= $2`,
    [workspaceId, cutoff],
  );
  const { rows: anyHoldout } = await db.query(`SELECT 1 FROM loyalty_members WHERE workspace_id = $1 AND status = 'holdout' LIMIT 1`, [workspaceId]);
  const members = people.filter((p) => p.status === 'member').map((p) => ({ id: Number(p.customer_id), start: p.joined_at }));
  let others: { id: number; start: Date }[];
  let comparison: LiftReport['comparison'];
  let how: string;
  if (anyHoldout.length > 0) {
    comparison = 'holdout';
    others = people.filter((p) => p.status === 'holdout').map((p) => ({ id: Number(p.customer_id), start: p.joined_at }));
    how = 'Members against the holdout (customers kept out of the programme at random), each from the day they were enrolled or held out.';
  } else {
    comparison = 'matched';
    const live = (await readProgramme(db, workspaceId))?.liveSince ?? null;
    let pool: { id: number; start: Date }[] = [];
    if (live && live <= cutoff) {
      const { rows } = await db.query<{ id: number }>(
        `SELECT c.id FROM customers c
          WHERE c.workspace_id = $1
            AND NOT EXISTS (SELECT 1 FROM loyalty_members m WHERE m.workspace_id = $1 AND m.customer_id = c.id)
            AND EXISTS (SELECT 1 FROM events e WHERE e.customer_id = c.id AND e.timestamp <= $2)`,
        [workspaceId, live],
      );
      pool = rows.map((r) => ({ id: Number(r.id), start: live }));
    }
    const matched = matchOneToOne(await matchKeys(db, workspaceId, members), await matchKeys(db, workspaceId, pool));
    const byId = new Map(members.map((m) => [m.id, m]));
    const total = members.length;
    others = matched.others.map((id) => ({ id, start: live! }));
    const kept = matched.members.map((id) => byId.get(id)!);
    how =
      `No holdout: members against non-members matched 1:1 on lifecycle stage and spend band (none, <100, 100–500, 500–2000, 2000+) at the start — ` +
      `the member's joining date, the programme's launch for non-members; ${kept.length} of ${total} members found a match. ` +
      'Members chose to join, so read the difference as an upper bound of the effect.';
    if (!live) how += ' The programme has not gone live yet, so there is no one to compare with.';
    members.length = 0;
    members.push(...kept);
  }
  const [mo, oo] = await Promise.all([outcomes(db, workspaceId, members, windowDays), outcomes(db, workspaceId, others, windowDays)]);
  const group = (os: Outcome[]) => {
    const n = os.length;
    return {
      n,
      retention: n === 0 ? null : os.filter((o) => o.ordered).length / n,
      clv: n === 0 ? null : money(os.reduce((s, o) => s + o.value, 0) / n),
    };
  };
  const m = group(mo);
  const o = group(oo);
  const retentionLift = proportionDiff(mo.filter((x) => x.ordered).length, mo.length, oo.filter((x) => x.ordered).length, oo.length);
  const clvLift = meanDiff(
    mo.map((x) => x.value),
    oo.map((x) => x.value),
  );
  const tooFew = m.n < LIFT_MIN_GROUP || o.n < LIFT_MIN_GROUP;
  let note = `${how} Over ${windowDays} days: retention ${pct(m.retention)} for members against ${pct(o.retention)}`;
  if (retentionLift.diff !== null)
    note += ` (${((retentionLift.diff ?? 0) * 100).toFixed(1)} points, 95% interval ${(retentionLift.low! * 100).toFixed(1)} to ${(retentionLift.high! * 100).toFixed(1)})`;
  note += '.';
  if (tooFew) note += ` Too few customers to tell a difference from chance (members ${m.n}, comparison ${o.n}; each needs ${LIFT_MIN_GROUP}).`;
  else if (retentionLift.low !== null && retentionLift.low > 0) note += ' Members kept buying more than the comparison group, beyond chance.';
  else if (retentionLift.high !== null && retentionLift.high < 0) note += ' Members kept buying less than the comparison group, beyond chance.';
  else note += ' The retention difference is within what chance would give.';
  return { comparison, windowDays, members: m, others: o, retentionLift, clvLift, tooFew, note };
}
