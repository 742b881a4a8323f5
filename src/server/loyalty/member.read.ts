import type { MemberView, ProgrammeSettings } from '../../contracts/loyalty.js';
import type { Queryable } from '../db/client.js';
import * as ledger from './ledger.js';
import { tierProgress, tierView } from './tiers.repo.js';

/**
 * What the admin API shows of members: one member's place, balances, tier and progress,
 * points expiring soon and lots (MemberView); the member list.
 * Balances and lots come from the ledger's reads, tier and progress from the tiers' (tiers.repo.ts).
 */

const DAY_MS = 86_400_000;
const SOON_DAYS = 30;

interface MemberRow {
  status: 'member' | 'holdout';
  joined_at: Date;
  tier: string | null;
  tier_since: Date | null;
}

/** One customer's MemberView (not enrolled customers too: their status says so). */
export async function memberView(db: Queryable, ws: number, customerId: number, settings: ProgrammeSettings | null, now: Date): Promise<MemberView> {
  const { rows } = await db.query<MemberRow & { user_id: string | null }>(
    `SELECT c.user_id, m.status, m.joined_at, m.tier, m.tier_since
       FROM customers c LEFT JOIN loyalty_members m ON m.workspace_id = c.workspace_id AND m.customer_id = c.id
      WHERE c.workspace_id = $1 AND c.id = $2`,
    [ws, customerId],
  );
  const m = rows[0];
  const bal = await ledger.balances(db, ws, customerId);
  const lots = await ledger.memberLots(db, ws, customerId);
  const soonEnd = now.getTime() + SOON_DAYS * DAY_MS;
  const soon = lots.filter((l) => !l.pending && l.remaining > 0 && l.expiresAt !== null && Date.parse(l.expiresAt) > now.getTime() && Date.parse(l.expiresAt) <= soonEnd);
  const expiringSoon = soon.length > 0 ? { points: soon.reduce((a, l) => a + l.remaining, 0), at: soon.map((l) => l.expiresAt!).sort((a, b) => Date.parse(a) - Date.parse(b))[0]! } : null;

  const tier = settings && m?.status === 'member' ? tierView(settings, m.tier) : null;
  const progress = settings ? await tierProgress(db, ws, settings, customerId, now) : null;
  return {
    customerId,
    userId: m?.user_id ?? null,
    status: m?.status ?? 'not_enrolled',
    joinedAt: m?.joined_at?.toISOString() ?? null,
    available: bal.available,
    pending: bal.pending,
    tier: tier ? { key: tier.key, name: tier.name, since: (m!.tier_since ?? m!.joined_at).toISOString(), benefits: tier.benefits } : null,
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
