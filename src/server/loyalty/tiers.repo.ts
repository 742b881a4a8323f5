/**
 * Members' tiers in the database (the decisions are tiers.ts's, the measure
 * tier-measure.repo.ts's). A tier is a read model of the ledger or the orders and the tier
 * settings, kept on loyalty_members (tier, tier_since, term_start, reviewed_at); every move is
 * a row of loyalty_tier_changes, a `Tier Changed` event on the member's timeline (with the
 * stage and segment work of its commit) and the `loyalty_tier` score
 * ({"score": rank, "tier": key}, rank 0 = the lowest tier) the rule language reads.
 *
 * - `checkUpgrade` (the event processor, after each earn or order): up at once when the
 *   current term's measure reaches a higher entry. A member without a tier gets the one their
 *   measure reaches — at least the lowest — with a `Tier Changed` from null (journeys can
 *   greet new members in their tier).
 * - `reviewTiers` (a periodic job): members whose term ended are reviewed once per term.
 *
 * Both lock the member's loyalty_members row (checkUpgrade waits for it, the review skips rows
 * another worker holds), so two workers never decide about one member at once.
 * Holdout members and customers outside the programme are left alone.
 */
import type { MemberView, ProgrammeSettings, Tier, TierSettings } from '../../contracts/loyalty.js';
import { TENURE_EV, type TierChangedProps } from '../../contracts/events.js';
import type { Db, Queryable } from '../db/client.js';
import { zoneOf } from '../lib/local-time.js';
import { writeTimeline } from '../timeline/timeline-writer.js';
import { measureOf } from './tier-measure.repo.js';
import { anniversaryBoundaries, multiplierOf, rankOf, reviewDecision, reviewWindows, termBounds, upgradeDecision, upgradeWindow, type TierDecision } from './tiers.js';

/** The score name of a member's tier in customer_scores. */
export const LOYALTY_TIER_SCORE = 'loyalty_tier';

interface MemberRow {
  customer_id: number;
  status: 'member' | 'holdout';
  joined_at: Date;
  tier: string | null;
  term_start: Date | null;
  /** The review: the term boundary that made the member due. */
  boundary?: Date;
}

/** One tier move to record. */
interface Move {
  customerId: number;
  decision: TierDecision;
  at: Date;
  value: number;
  reason: string;
}

async function zoneOfWorkspace(tx: Queryable, workspaceId: number): Promise<string> {
  const { rows } = await tx.query<{ timezone: string }>(`SELECT timezone FROM workspaces WHERE id = $1`, [workspaceId]);
  return zoneOf(rows[0]?.timezone);
}

/** Record tier moves: the members' rows, the history, the timeline events and the scores. */
async function recordMoves(tx: Queryable, workspaceId: number, tiers: TierSettings, moves: readonly Move[]): Promise<void> {
  if (moves.length === 0) return;
  const ids = moves.map((m) => m.customerId);
  const at = moves.map((m) => m.at.toISOString());
  const to = moves.map((m) => m.decision.to);
  await tx.query(
    `UPDATE loyalty_members m SET tier = x.tier, tier_since = x.at
       FROM unnest($2::bigint[], $3::text[], $4::timestamptz[]) AS x(c, tier, at)
      WHERE m.workspace_id = $1 AND m.customer_id = x.c`,
    [workspaceId, ids, to, at],
  );
  await tx.query(
    `INSERT INTO loyalty_tier_changes (workspace_id, customer_id, from_tier, to_tier, at, reason, value)
     SELECT $1, x.c, x.f, x.t, x.at, x.r, x.v FROM unnest($2::bigint[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::numeric[]) AS x(c, f, t, at, r, v)`,
    [workspaceId, ids, moves.map((m) => m.decision.from), to, at, moves.map((m) => m.reason), moves.map((m) => m.value)],
  );
  await writeTimeline(
    tx,
    moves.map((m) => ({
      workspaceId,
      customerId: m.customerId,
      event: TENURE_EV.tierChanged,
      at: m.at,
      key: { kind: 'tier' as const, customer: m.customerId, ms: m.at.getTime(), to: m.decision.to },
      properties: {
        from: m.decision.from,
        to: m.decision.to,
        direction: m.decision.direction === 'down' ? 'down' : 'up',
        measure: tiers.measure,
        value: m.value,
        reason: m.reason,
      } satisfies TierChangedProps,
    })),
    { derivedWork: ['stage', 'segment'] },
  );
  await tx.query(
    `INSERT INTO customer_scores (workspace_id, customer_id, name, value, computed_at)
     SELECT $1, x.c, $2, jsonb_build_object('score', x.rank, 'tier', x.tier), x.at FROM unnest($3::bigint[], $4::int[], $5::text[], $6::timestamptz[]) AS x(c, rank, tier, at)
     ON CONFLICT (customer_id, name) DO UPDATE SET value = EXCLUDED.value, computed_at = EXCLUDED.computed_at`,
    [workspaceId, LOYALTY_TIER_SCORE, ids, to.map((k) => rankOf(k, tiers.tiers)), to, at],
  );
}

/**
 * Move a member up at once when the measure of their current term (up to and including `at`)
 * reaches a higher tier's entry; give a member without a tier the tier they reach (at least the
 * lowest). Nothing for holdout members, non-members, or a programme without tiers.
 */
export async function checkUpgrade(tx: Queryable, ws: number, customerId: number, settings: ProgrammeSettings, at: Date): Promise<void> {
  const tiers = settings.tiers;
  if (!tiers) return;
  const { rows } = await tx.query<MemberRow>(`SELECT customer_id, status, joined_at, tier, term_start FROM loyalty_members WHERE workspace_id = $1 AND customer_id = $2 FOR UPDATE`, [ws, customerId]);
  const member = rows[0];
  if (!member || member.status !== 'member') return;
  const zone = await zoneOfWorkspace(tx, ws);
  const joinedAt = new Date(member.joined_at);
  const value = (await measureOf(tx, ws, tiers.measure, [{ customerId, ...upgradeWindow(tiers.term, at, zone, joinedAt) }])).get(customerId) ?? 0;
  const decision = upgradeDecision(member.tier, value, tiers.tiers);
  if (!decision) return;
  if (member.term_start === null) {
    // The first tier: the member's current term is recorded (the review is due at its end).
    const start = tiers.term === 'lifetime' ? joinedAt : termBounds(tiers.term, at, zone, joinedAt).start;
    await tx.query(`UPDATE loyalty_members SET term_start = $3 WHERE workspace_id = $1 AND customer_id = $2`, [ws, customerId, start.toISOString()]);
  }
  await recordMoves(tx, ws, tiers, [{ customerId, decision, at, value, reason: decision.reason }]);
}

/** SQL: the moment a member was last reviewed (or their term began, or they joined). */
const LAST_REVIEWED = `coalesce(m.reviewed_at, m.term_start, m.joined_at)`;

/**
 * Review up to `limit` members whose term ended (their last review before the start of the
 * term `now` is in): with the measure of the term that ended they keep their tier, go down
 * (settings' `downgrade`) or up; an upgrade by the new term so far also applies (a late review
 * never undoes it). Every reviewed member gets `reviewed_at = now` and `term_start` = the new
 * term's start (rolling 12 months: today's local midnight). Returns how many were reviewed;
 * call until 0. `lifetime` terms are never reviewed.
 */
export async function reviewTiers(tx: Queryable, ws: number, settings: ProgrammeSettings, now: Date, limit: number): Promise<number> {
  const tiers = settings.tiers;
  if (!tiers || tiers.term === 'lifetime') return 0;
  const term = tiers.term;
  const zone = await zoneOfWorkspace(tx, ws);
  let due: MemberRow[];
  if (term === 'anniversary') {
    const table = anniversaryBoundaries(now, zone);
    due = (
      await tx.query<MemberRow>(
        `SELECT m.customer_id, m.status, m.joined_at, m.tier, m.term_start, b.boundary
           FROM loyalty_members m
           JOIN unnest($3::int[], $4::int[], $5::timestamptz[]) AS b(mo, dy, boundary)
             ON b.mo = extract(month FROM m.joined_at AT TIME ZONE $6)::int AND b.dy = extract(day FROM m.joined_at AT TIME ZONE $6)::int
          WHERE m.workspace_id = $1 AND m.status = 'member' AND ${LAST_REVIEWED} < b.boundary
          ORDER BY m.customer_id LIMIT $2 FOR UPDATE OF m SKIP LOCKED`,
        [ws, limit, table.map((b) => b.month), table.map((b) => b.day), table.map((b) => b.boundary.toISOString()), zone],
      )
    ).rows;
  } else {
    const boundary = termBounds(term, now, zone, now).start;
    due = (
      await tx.query<MemberRow>(
        `SELECT m.customer_id, m.status, m.joined_at, m.tier, m.term_start, $3::timestamptz AS boundary
           FROM loyalty_members m
          WHERE m.workspace_id = $1 AND m.status = 'member' AND ${LAST_REVIEWED} < $3
          ORDER BY m.customer_id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [ws, limit, boundary.toISOString()],
      )
    ).rows;
  }
  if (due.length === 0) return 0;

  const windows = due.map((m) => ({ customerId: Number(m.customer_id), ...reviewWindows(term, new Date(m.boundary!), now, zone, new Date(m.joined_at)) }));
  const ended = await measureOf(
    tx,
    ws,
    tiers.measure,
    windows.map((w) => ({ customerId: w.customerId, ...w.ended })),
  );
  const current =
    term === 'rolling_12m'
      ? ended
      : await measureOf(
          tx,
          ws,
          tiers.measure,
          windows.map((w) => ({ customerId: w.customerId, ...w.current })),
        );

  const moves: Move[] = [];
  for (const m of due) {
    const id = Number(m.customer_id);
    const endedValue = ended.get(id) ?? 0;
    const currentValue = current.get(id) ?? 0;
    const review = reviewDecision(m.tier, endedValue, tiers.tiers, tiers.downgrade);
    // The new term so far may already reach higher than the review leaves the member.
    const up = upgradeDecision(review.to, currentValue, tiers.tiers);
    const to = up ? up.to : review.to;
    if (to === m.tier) continue;
    const direction = rankOf(to, tiers.tiers) > rankOf(m.tier, tiers.tiers) ? 'up' : 'down';
    const byNewTerm = up !== null && direction === 'up';
    moves.push({
      customerId: id,
      decision: { from: m.tier, to, direction, reason: byNewTerm ? 'entry' : review.reason },
      at: now,
      value: byNewTerm ? currentValue : endedValue,
      reason: byNewTerm ? 'entry' : `review:${review.reason}`,
    });
  }
  await tx.query(
    `UPDATE loyalty_members m SET reviewed_at = $2, term_start = x.boundary
       FROM unnest($3::bigint[], $4::timestamptz[]) AS x(c, boundary)
      WHERE m.workspace_id = $1 AND m.customer_id = x.c`,
    [ws, now.toISOString(), due.map((m) => Number(m.customer_id)), due.map((m) => new Date(m.boundary!).toISOString())],
  );
  await recordMoves(tx, ws, tiers, moves);
  return due.length;
}

/** The multiplier of a member's tier for earn rules with `tierMultiplier` (1 without tiers, or for a member without a tier). */
export function tierMultiplierOf(settings: ProgrammeSettings, tierKey: string | null): number {
  return multiplierOf(settings.tiers, tierKey);
}

/** What templates and the member page show of a tier: key, name, benefits, rank and multiplier; null for no (or an unknown) tier. */
export function tierView(settings: ProgrammeSettings, tierKey: string | null): { key: string; name: string; rank: number; multiplier: number; benefits: Tier['benefits'] } | null {
  const tiers = settings.tiers?.tiers ?? [];
  const rank = rankOf(tierKey, tiers);
  if (rank < 0) return null;
  const t = tiers[rank]!;
  return { key: t.key, name: t.name, rank, multiplier: t.multiplier, benefits: t.benefits };
}

/**
 * Review every member due at `now`, `batch` members per transaction, until none is left (the
 * periodic job's body; several workers may run it at once). Returns how many were reviewed.
 */
export async function reviewAllTiers(db: Db, ws: number, settings: ProgrammeSettings, now: Date, batch = 500): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await db.transaction((tx) => reviewTiers(tx, ws, settings, now, batch));
    if (n === 0) return total;
    total += n;
  }
}

/**
 * A member's way to the next tier (MemberView `progress`): the measure of the current term up
 * to `now`, the next tier above theirs (null at the top), and when the term ends (null for
 * rolling 12 months and lifetime, which have no end to count down to). Null for a programme
 * without tiers or a customer who is not a member.
 */
export async function tierProgress(tx: Queryable, ws: number, settings: ProgrammeSettings, customerId: number, now: Date): Promise<MemberView['progress']> {
  const tiers = settings.tiers;
  if (!tiers) return null;
  const { rows } = await tx.query<MemberRow>(`SELECT customer_id, status, joined_at, tier, term_start FROM loyalty_members WHERE workspace_id = $1 AND customer_id = $2`, [ws, customerId]);
  const member = rows[0];
  if (!member || member.status !== 'member') return null;
  const zone = await zoneOfWorkspace(tx, ws);
  const joinedAt = new Date(member.joined_at);
  const value = (await measureOf(tx, ws, tiers.measure, [{ customerId, ...upgradeWindow(tiers.term, now, zone, joinedAt) }])).get(customerId) ?? 0;
  const next = tiers.tiers[rankOf(member.tier, tiers.tiers) + 1] ?? null;
  const end = tiers.term === 'calendar_year' || tiers.term === 'anniversary' ? termBounds(tiers.term, now, zone, joinedAt).end : null;
  return { measure: tiers.measure, value, next: next && { key: next.key, name: next.name, entry: next.entry }, termEndsAt: end?.toISOString() ?? null };
}
