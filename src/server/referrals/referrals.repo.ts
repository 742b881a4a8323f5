/** Reads of referrals for the admin API: one referral with its reasons, the list / review queue, the leaderboard. */
import type { DecisionReason, LeaderboardRow, ReferralStatus, ReferralView } from '../../contracts/referrals.js';
import type { Queryable } from '../db/client.js';

const VIEW_SQL = `SELECT r.id, r.code, r.advocate_id, a.user_id AS a_user, a.traits ->> 'email' AS a_email, r.friend_id, f.user_id AS f_user, f.traits ->> 'email' AS f_email,
       r.via, r.status, r.decision, r.reasons, r.attributed_at, r.order_id, r.order_value, r.order_at, r.advocate_due_at, r.override
  FROM referrals r LEFT JOIN customers a ON a.id = r.advocate_id LEFT JOIN customers f ON f.id = r.friend_id`;

type Raw = {
  id: number | string;
  code: string;
  advocate_id: number | string;
  a_user: string | null;
  a_email: string | null;
  friend_id: number | string;
  f_user: string | null;
  f_email: string | null;
  via: 'link' | 'code';
  status: ReferralStatus;
  decision: 'allow' | 'hold' | 'block' | null;
  reasons: DecisionReason[];
  attributed_at: Date;
  order_id: string | null;
  order_value: number | string | null;
  order_at: Date | null;
  advocate_due_at: Date | null;
  override: ReferralView['override'];
};

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function toView(r: Raw): ReferralView {
  return {
    id: Number(r.id),
    code: r.code,
    advocate: { customerId: Number(r.advocate_id), userId: r.a_user, email: r.a_email },
    friend: { customerId: Number(r.friend_id), userId: r.f_user, email: r.f_email },
    via: r.via,
    status: r.status,
    decision: r.decision,
    reasons: r.reasons ?? [],
    attributedAt: new Date(r.attributed_at).toISOString(),
    orderId: r.order_id,
    orderValue: r.order_value === null ? null : Number(r.order_value),
    orderAt: iso(r.order_at),
    advocateDueAt: iso(r.advocate_due_at),
    override: r.override ?? null,
  };
}

/** One referral, or null. */
export async function getReferral(db: Queryable, workspaceId: number, id: number): Promise<ReferralView | null> {
  const { rows } = await db.query<Raw>(`${VIEW_SQL} WHERE r.workspace_id = $1 AND r.id = $2`, [workspaceId, id]);
  return rows[0] ? toView(rows[0]) : null;
}

/** Referrals newest first (`status=held`: the review queue), `cursor` the last id of the previous page. */
export async function listReferrals(
  db: Queryable,
  workspaceId: number,
  q: { status?: ReferralStatus; limit: number; cursor?: number },
): Promise<{ referrals: ReferralView[]; nextCursor: string | null }> {
  const { rows } = await db.query<Raw>(`${VIEW_SQL} WHERE r.workspace_id = $1 AND ($2::text IS NULL OR r.status = $2) AND ($3::bigint IS NULL OR r.id < $3) ORDER BY r.id DESC LIMIT $4`, [
    workspaceId,
    q.status ?? null,
    q.cursor ?? null,
    q.limit + 1,
  ]);
  const page = rows.slice(0, q.limit).map(toView);
  return { referrals: page, nextCursor: rows.length > q.limit ? String(page[page.length - 1]!.id) : null };
}

/**
 * The advocates by rewarded referrals (then attributed): per advocate, their first code, the
 * clicks on all their codes, referrals by status, and revenue = the value of their friends'
 * qualifying orders of referrals that stand (pending or rewarded).
 */
export async function leaderboard(db: Queryable, workspaceId: number, limit: number): Promise<LeaderboardRow[]> {
  const { rows } = await db.query<{
    customer_id: number | string;
    user_id: string | null;
    email: string | null;
    code: string;
    clicks: number;
    attributed: number;
    rewarded: number;
    pending: number;
    held: number;
    blocked: number;
    revenue: number | string;
  }>(
    `WITH adv AS (SELECT customer_id, min(code) FILTER (WHERE NOT vanity) AS generated, min(code) AS any_code FROM referral_codes WHERE workspace_id = $1 GROUP BY customer_id),
          clicks AS (SELECT c.customer_id, count(k.id)::int AS n FROM referral_codes c JOIN referral_clicks k ON k.workspace_id = c.workspace_id AND k.code = c.code WHERE c.workspace_id = $1 GROUP BY c.customer_id),
          refs AS (SELECT advocate_id, count(*)::int AS attributed,
                          count(*) FILTER (WHERE status = 'rewarded')::int AS rewarded, count(*) FILTER (WHERE status = 'pending')::int AS pending,
                          count(*) FILTER (WHERE status = 'held')::int AS held, count(*) FILTER (WHERE status = 'blocked')::int AS blocked,
                          coalesce(sum(order_value) FILTER (WHERE status IN ('pending', 'rewarded')), 0) AS revenue
                     FROM referrals WHERE workspace_id = $1 GROUP BY advocate_id)
     SELECT adv.customer_id, cu.user_id, cu.traits ->> 'email' AS email, coalesce(adv.generated, adv.any_code) AS code, coalesce(clicks.n, 0) AS clicks,
            coalesce(refs.attributed, 0) AS attributed, coalesce(refs.rewarded, 0) AS rewarded, coalesce(refs.pending, 0) AS pending,
            coalesce(refs.held, 0) AS held, coalesce(refs.blocked, 0) AS blocked, coalesce(refs.revenue, 0) AS revenue
       FROM adv JOIN customers cu ON cu.id = adv.customer_id LEFT JOIN clicks ON clicks.customer_id = adv.customer_id LEFT JOIN refs ON refs.advocate_id = adv.customer_id
      ORDER BY coalesce(refs.rewarded, 0) DESC, coalesce(refs.attributed, 0) DESC, coalesce(clicks.n, 0) DESC, adv.customer_id LIMIT $2`,
    [workspaceId, limit],
  );
  return rows.map((r) => ({
    customerId: Number(r.customer_id),
    userId: r.user_id,
    email: r.email,
    code: r.code,
    clicks: r.clicks,
    attributed: r.attributed,
    rewarded: r.rewarded,
    pending: r.pending,
    held: r.held,
    blocked: r.blocked,
    revenue: Number(r.revenue),
  }));
}

/** Record a follow of a referral link. */
export async function recordClick(db: Queryable, workspaceId: number, code: string, at: Date, ip: string | null, userAgent: string | null): Promise<void> {
  await db.query(`INSERT INTO referral_clicks (workspace_id, code, at, ip, user_agent) VALUES ($1, $2, $3, $4, $5)`, [workspaceId, code, at.toISOString(), ip, userAgent?.slice(0, 1000) ?? null]);
}

/** The landing URL with `param=code` set (replacing one already there, keeping the rest of the query and the fragment). */
export function landingWithCode(landingUrl: string, param: string, code: string | null): string {
  const u = new URL(landingUrl);
  if (code !== null) u.searchParams.set(param, code);
  return u.toString();
}
