import type { Queryable } from '../db/client.js';
import { findLinkSecret, getMessagingSettings } from '../channels/settings.repo.js';
import type { CustomerLoyaltyView } from '../../contracts/loyalty.js';
import * as ledger from './ledger.js';
import { makeLoyaltyToken, peekLoyaltyToken, verifyLoyaltyToken } from './loyalty-tokens.js';
import { programmeSettings, tierRank } from './rewards-programme.js';
import { listRewards } from './rewards.repo.js';

/**
 * The customer's own side of the programme, behind their signed link (`/l/<token>`): what
 * they have, what they can take, what they took. Reads only.
 */

/** Lots expiring within this many days are shown as "expiring soon". */
export const EXPIRING_SOON_DAYS = 30;
/** Past redemptions shown. */
const REDEMPTIONS_SHOWN = 50;

/** Who a loyalty link is about. */
export interface LinkedCustomer {
  workspaceId: number;
  customerId: number;
}

/**
 * Verify a loyalty link's token: null when malformed, forged (another secret, another kind of
 * token), expired, or the customer is gone or held out of the programme.
 */
export async function resolveLoyaltyLink(db: Queryable, token: string, now: Date): Promise<LinkedCustomer | null> {
  const peek = peekLoyaltyToken(token);
  if (!peek) return null;
  const secret = await findLinkSecret(db, peek.w);
  if (!secret) return null;
  const claims = verifyLoyaltyToken(secret, token, Math.floor(now.getTime() / 1000));
  if (!claims) return null;
  const { rows } = await db.query<{ holdout: boolean | null }>(
    `SELECT (SELECT m.status = 'holdout' FROM loyalty_members m WHERE m.workspace_id = c.workspace_id AND m.customer_id = c.id) AS holdout
       FROM customers c WHERE c.workspace_id = $1 AND c.id = $2`,
    [claims.w, claims.c],
  );
  if (!rows[0] || rows[0].holdout === true) return null;
  return { workspaceId: claims.w, customerId: claims.c };
}

/** The customer's signed link to their loyalty page (works 180 days from `now`). */
export async function loyaltyLinkUrl(db: Queryable, workspaceId: number, customerId: number, publicUrl: string, now: Date): Promise<{ url: string; expiresAt: string }> {
  const { secret } = await getMessagingSettings(db, workspaceId);
  const token = makeLoyaltyToken(secret, { w: workspaceId, c: customerId }, Math.floor(now.getTime() / 1000));
  const exp = peekLoyaltyToken(token)!.e;
  return { url: `${publicUrl}/l/${token}`, expiresAt: new Date(exp * 1000).toISOString() };
}

/** What the customer sees: balance, tier, points expiring soon, rewards they can take, their redemptions, their referral code. */
export async function customerLoyaltyView(db: Queryable, who: LinkedCustomer, publicUrl: string, now: Date): Promise<CustomerLoyaltyView> {
  const { workspaceId, customerId } = who;
  const settings = await programmeSettings(db, workspaceId);
  const bal = await ledger.balances(db, workspaceId, customerId);
  const { rows: member } = await db.query<{ tier: string | null }>(`SELECT tier FROM loyalty_members WHERE workspace_id = $1 AND customer_id = $2`, [workspaceId, customerId]);
  const tierKey = member[0]?.tier ?? null;
  const tier = tierKey ? (settings.tiers?.tiers.find((t) => t.key === tierKey) ?? null) : null;
  const rank = tierRank(settings, tierKey);

  // Points of spendable lots (their `available` postings) expiring within the next EXPIRING_SOON_DAYS, and the first such expiry.
  const { rows: exp } = await db.query<{ points: number | null; at: Date | null }>(
    `SELECT sum(r.left_) AS points, min(l.expires_at) AS at
       FROM loyalty_lots l
       JOIN (SELECT lot_id, sum(amount) AS left_ FROM loyalty_postings WHERE workspace_id = $1 AND customer_id = $2 AND account = 'available' AND lot_id IS NOT NULL GROUP BY lot_id) r ON r.lot_id = l.id
      WHERE l.workspace_id = $1 AND l.customer_id = $2 AND r.left_ > 0 AND l.expires_at > $3 AND l.expires_at <= $3::timestamptz + make_interval(days => $4::int)`,
    [workspaceId, customerId, now, EXPIRING_SOON_DAYS],
  );
  const soon = exp[0] && Number(exp[0].points ?? 0) > 0 && exp[0].at ? { points: Number(exp[0].points), at: exp[0].at.toISOString() } : null;

  const { rows: taken } = await db.query<{ reward_id: string; n: number }>(
    `SELECT reward_id, count(*) AS n FROM loyalty_redemptions WHERE workspace_id = $1 AND customer_id = $2 AND status IN ('issued', 'used') GROUP BY reward_id`,
    [workspaceId, customerId],
  );
  const takenOf = new Map(taken.map((t) => [t.reward_id, Number(t.n)]));
  const rewards = (await listRewards(db, workspaceId))
    .filter((r) => r.active && (!r.minTier || (tierRank(settings, r.minTier) >= 0 && rank >= tierRank(settings, r.minTier))))
    .map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      cost: r.cost,
      affordable: bal.available >= r.cost && r.codesLeft !== 0 && (r.perMemberLimit === undefined || (takenOf.get(r.id) ?? 0) < r.perMemberLimit),
    }));

  const { rows: red } = await db.query<{ name: string | null; reward_id: string; code: string | null; created_at: Date; status: string }>(
    `SELECT w.definition->>'name' AS name, d.reward_id, d.code, d.created_at, d.status
       FROM loyalty_redemptions d LEFT JOIN loyalty_rewards w ON w.workspace_id = d.workspace_id AND w.id = d.reward_id
      WHERE d.workspace_id = $1 AND d.customer_id = $2 ORDER BY d.created_at DESC, d.id DESC LIMIT ${REDEMPTIONS_SHOWN}`,
    [workspaceId, customerId],
  );

  const { rows: codes } = await db.query<{ code: string; slug: string }>(
    `SELECT k.code, w.slug FROM referral_codes k JOIN workspaces w ON w.id = k.workspace_id
      WHERE k.workspace_id = $1 AND k.customer_id = $2 AND k.disabled_at IS NULL ORDER BY k.vanity DESC, k.created_at DESC LIMIT 1`,
    [workspaceId, customerId],
  );
  const ref = codes[0];

  return {
    programme: settings.name,
    pointsName: settings.pointsName,
    available: bal.available,
    pending: bal.pending,
    tier: tier ? { name: tier.name, benefits: tier.benefits } : null,
    expiringSoon: soon,
    rewards,
    redemptions: red.map((r) => ({ rewardName: r.name ?? r.reward_id, code: r.code, at: r.created_at.toISOString(), status: r.status })),
    referral: ref ? { code: ref.code, link: `${publicUrl}/r/${encodeURIComponent(ref.slug)}/${encodeURIComponent(ref.code)}` } : null,
  };
}

/** The customer's place in the programme: `member`, `holdout`, or null (not enrolled). */
export async function memberStatus(db: Queryable, workspaceId: number, customerId: number): Promise<'member' | 'holdout' | null> {
  const { rows } = await db.query<{ status: 'member' | 'holdout' }>(`SELECT status FROM loyalty_members WHERE workspace_id = $1 AND customer_id = $2`, [workspaceId, customerId]);
  return rows[0]?.status ?? null;
}

/** The workspace's name (the page's brand line). */
export async function workspaceName(db: Queryable, workspaceId: number): Promise<string> {
  return (await db.query<{ name: string }>(`SELECT name FROM workspaces WHERE id = $1`, [workspaceId])).rows[0]?.name ?? '';
}
