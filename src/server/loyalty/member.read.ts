import type { MemberView, ProgrammeSettings, TierSettings } from '../../contracts/loyalty.js';
import type { Queryable } from '../db/client.js';
import { orderValueSql, refundValueSql } from '../analytics/order-value.js';
import { EV } from '../../contracts/events.js';
import { instantOf, localParts, zoneOf } from '../lib/local-time.js';
import * as ledger from './ledger.js';

/**
 * What the admin API shows of members: one member's place, balances, tier and progress,
 * points expiring soon and lots (MemberView); the member list.
 * Balances, lots and entry pages come from the ledger's reads (ledger.ts, ledger.read.ts).
 */

const DAY_MS = 86_400_000;
const SOON_DAYS = 30;

interface MemberRow {
  status: 'member' | 'holdout';
  joined_at: Date;
  tier: string | null;
  tier_since: Date | null;
  term_start: Date | null;
}

/** The start and end of the member's current tier term at `now` (null: unbounded). */
export function termOf(t: TierSettings, member: { joinedAt: Date; termStart: Date | null }, now: Date, zone: string): { from: Date | null; to: Date | null } {
  if (t.term === 'lifetime') return { from: null, to: null };
  if (t.term === 'rolling_12m') return { from: new Date(now.getTime() - 365 * DAY_MS), to: null };
  if (t.term === 'calendar_year') {
    const y = localParts(now, zone).year;
    return { from: instantOf(zone, y, 1, 1, 0, 0), to: instantOf(zone, y + 1, 1, 1, 0, 0) };
  }
  // anniversary: yearly from the joining date
  let from = member.termStart ?? member.joinedAt;
  const plusYear = (d: Date) => new Date(Date.UTC(d.getUTCFullYear() + 1, d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()));
  while (plusYear(from).getTime() <= now.getTime()) from = plusYear(from);
  return { from, to: plusYear(from) };
}

/** The qualifying measure over [from, now]: points earned net of reversals, or spend net of stated refunds. */
export async function measureOf(db: Queryable, ws: number, customerId: number, measure: 'points' | 'spend', from: Date | null, now: Date): Promise<number> {
  if (measure === 'points') {
    const { rows } = await db.query<{ v: number }>(
      `SELECT coalesce(sum(CASE WHEN kind = 'earn' THEN points ELSE -points END), 0) AS v FROM loyalty_entries
        WHERE workspace_id = $1 AND customer_id = $2 AND kind IN ('earn', 'reverse') AND ($3::timestamptz IS NULL OR at >= $3) AND at <= $4`,
      [ws, customerId, from?.toISOString() ?? null, now.toISOString()],
    );
    return Number(rows[0]?.v ?? 0);
  }
  const { rows } = await db.query<{ v: number }>(
    `SELECT coalesce(sum(CASE WHEN e.event = $5 THEN ${orderValueSql('e')} ELSE -${refundValueSql('e')} END), 0) AS v FROM events e
      WHERE e.workspace_id = $1 AND e.customer_id = $2 AND e.event IN ($5, $6) AND ($3::timestamptz IS NULL OR e.timestamp >= $3) AND e.timestamp <= $4`,
    [ws, customerId, from?.toISOString() ?? null, now.toISOString(), EV.orderCompleted, EV.orderRefunded],
  );
  return Number(rows[0]?.v ?? 0);
}

/** One customer's MemberView (not enrolled customers too: their status says so). */
export async function memberView(db: Queryable, ws: number, customerId: number, settings: ProgrammeSettings | null, now: Date): Promise<MemberView> {
  const { rows } = await db.query<MemberRow & { user_id: string | null; timezone: string }>(
    `SELECT c.user_id, w.timezone, m.status, m.joined_at, m.tier, m.tier_since, m.term_start
       FROM customers c JOIN workspaces w ON w.id = c.workspace_id
       LEFT JOIN loyalty_members m ON m.workspace_id = c.workspace_id AND m.customer_id = c.id
      WHERE c.workspace_id = $1 AND c.id = $2`,
    [ws, customerId],
  );
  const m = rows[0];
  const bal = await ledger.balances(db, ws, customerId);
  const lots = await ledger.memberLots(db, ws, customerId);
  const soonEnd = now.getTime() + SOON_DAYS * DAY_MS;
  const soon = lots.filter((l) => !l.pending && l.remaining > 0 && l.expiresAt !== null && Date.parse(l.expiresAt) > now.getTime() && Date.parse(l.expiresAt) <= soonEnd);
  const expiringSoon = soon.length > 0 ? { points: soon.reduce((a, l) => a + l.remaining, 0), at: soon.map((l) => l.expiresAt!).sort((a, b) => Date.parse(a) - Date.parse(b))[0]! } : null;

  const tiers = settings?.tiers;
  const tierDef = tiers && m?.tier ? tiers.tiers.find((t) => t.key === m.tier) : undefined;
  let progress: MemberView['progress'] = null;
  if (tiers && m?.status === 'member') {
    const term = termOf(tiers, { joinedAt: m.joined_at, termStart: m.term_start }, now, zoneOf(m.timezone));
    const value = await measureOf(db, ws, customerId, tiers.measure, term.from, now);
    // Without a tier yet (the tiers have not placed the member), count from the tier the value reaches.
    const reached = tiers.tiers.filter((t) => t.entry <= value).length - 1;
    const rank = tierDef ? tiers.tiers.indexOf(tierDef) : reached;
    const next = tiers.tiers[rank + 1];
    progress = { measure: tiers.measure, value, next: next ? { key: next.key, name: next.name, entry: next.entry } : null, termEndsAt: term.to?.toISOString() ?? null };
  }
  return {
    customerId,
    userId: m?.user_id ?? null,
    status: m?.status ?? 'not_enrolled',
    joinedAt: m?.joined_at?.toISOString() ?? null,
    available: bal.available,
    pending: bal.pending,
    tier: tierDef ? { key: tierDef.key, name: tierDef.name, since: (m!.tier_since ?? m!.joined_at).toISOString(), benefits: tierDef.benefits } : null,
    progress,
    expiringSoon,
    lots,
  };
}

export interface MemberSummary {
  customerId: number;
  userId: string | null;
  status: 'member' | 'holdout';
  tier: string | null;
  joinedAt: string;
  available: number;
  pending: number;
}

/** Members (and the holdout), newest first by customer id; `tier` keeps one tier, `q` matches userId or email. */
export async function listMembers(db: Queryable, ws: number, opts: { tier?: string; q?: string; limit: number; cursor?: number }): Promise<{ members: MemberSummary[]; nextCursor: string | null }> {
  const { rows } = await db.query<{ customer_id: number; user_id: string | null; status: 'member' | 'holdout'; tier: string | null; joined_at: Date; available: number; pending: number }>(
    `SELECT m.customer_id, c.user_id, m.status, m.tier, m.joined_at,
            coalesce(b.available, 0) AS available, coalesce(b.pending, 0) AS pending
       FROM loyalty_members m JOIN customers c ON c.id = m.customer_id AND c.workspace_id = m.workspace_id
       LEFT JOIN LATERAL (SELECT sum(p.amount) FILTER (WHERE p.account = 'available') AS available, sum(p.amount) FILTER (WHERE p.account = 'pending') AS pending
                            FROM loyalty_postings p WHERE p.workspace_id = m.workspace_id AND p.customer_id = m.customer_id) b ON true
      WHERE m.workspace_id = $1 AND ($2::text IS NULL OR m.tier = $2) AND ($3::bigint IS NULL OR m.customer_id < $3)
        AND ($4::text IS NULL OR c.user_id ILIKE '%' || $4 || '%' OR c.traits->>'email' ILIKE '%' || $4 || '%')
      ORDER BY m.customer_id DESC LIMIT $5`,
    [ws, opts.tier ?? null, opts.cursor ?? null, opts.q ?? null, opts.limit + 1],
  );
  const members = rows.slice(0, opts.limit).map((r) => ({
    customerId: Number(r.customer_id),
    userId: r.user_id,
    status: r.status,
    tier: r.tier,
    joinedAt: r.joined_at.toISOString(),
    available: Number(r.available),
    pending: Number(r.pending),
  }));
  return { members, nextCursor: rows.length > opts.limit ? String(members[members.length - 1]!.customerId) : null };
}
