/**
 * A referral's life after attribution (contracts/referrals.ts ReferralStatus):
 * - the friend's first `Order Completed` after the attribution worth at least minOrderValue,
 *   within attributionDays, is the qualifying order: the fraud guard decides (block → `blocked`,
 *   hold → `held`, allow → the friend is rewarded now and the advocate's reward is due
 *   refundWindowDays after the order: `pending`); an order after attributionDays → `expired`;
 * - a refund of the qualifying order (what is left of it below minOrderValue, or nothing left)
 *   before the advocate is rewarded → `void`; after → `clawed_back`. Either way the friend's
 *   reward is clawed back too (it was given for that order), and the advocate gets nothing or
 *   loses theirs;
 * - `rewardDue` pays advocates whose time has come, up to maxRewardsPerAdvocate (over that cap
 *   the referral is `void`, evidence.voidReason = 'cap'), under LOCK.referralAdvocate.
 * Every step is written on the timeline (referral-timeline.ts).
 */
import type { ReferralReward, ReferralSettings } from '../../contracts/referrals.js';
import { EV } from '../../contracts/events.js';
import type { Queryable } from '../db/client.js';
import { LOCK } from '../db/locks.js';
import { decideReferral } from './fraud-guard.js';
import { gatherFraudFacts } from './fraud-signals.js';
import type { ReferralRewarder, Side } from './referral-rewards.js';
import { writeReferralEvents, type ReferralEvent } from './referral-timeline.js';

const DAY = 86_400_000;

/** A referral row as the flow reads it. */
export interface ReferralRow {
  id: number;
  workspaceId: number;
  code: string;
  advocateId: number;
  friendId: number;
  via: 'link' | 'code';
  attributedAt: Date;
  status: string;
  orderId: string | null;
  orderValue: number | null;
  orderAt: Date | null;
  evidence: Record<string, unknown>;
}

const COLUMNS = `id, workspace_id, code, advocate_id, friend_id, via, attributed_at, status, order_id, order_value, order_at, evidence`;
type Raw = {
  id: number | string;
  workspace_id: number;
  code: string;
  advocate_id: number | string;
  friend_id: number | string;
  via: 'link' | 'code';
  attributed_at: Date;
  status: string;
  order_id: string | null;
  order_value: number | string | null;
  order_at: Date | null;
  evidence: Record<string, unknown>;
};
function toRow(r: Raw): ReferralRow {
  return {
    id: Number(r.id),
    workspaceId: r.workspace_id,
    code: r.code,
    advocateId: Number(r.advocate_id),
    friendId: Number(r.friend_id),
    via: r.via,
    attributedAt: new Date(r.attributed_at),
    status: r.status,
    orderId: r.order_id,
    orderValue: r.order_value === null ? null : Number(r.order_value),
    orderAt: r.order_at ? new Date(r.order_at) : null,
    evidence: r.evidence ?? {},
  };
}

/** The referral a friend has (locked for update), or null. */
export async function referralOfFriend(tx: Queryable, workspaceId: number, friendId: number): Promise<ReferralRow | null> {
  const { rows } = await tx.query<Raw>(`SELECT ${COLUMNS} FROM referrals WHERE workspace_id = $1 AND friend_id = $2 FOR UPDATE`, [workspaceId, friendId]);
  return rows[0] ? toRow(rows[0]) : null;
}

/** One referral (locked for update), or null. */
export async function referralById(tx: Queryable, workspaceId: number, id: number): Promise<ReferralRow | null> {
  const { rows } = await tx.query<Raw>(`SELECT ${COLUMNS} FROM referrals WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, [workspaceId, id]);
  return rows[0] ? toRow(rows[0]) : null;
}

async function lockAdvocate(tx: Queryable, advocateId: number): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock($1, ($2::bigint % 2147483647)::int)`, [LOCK.referralAdvocate, advocateId]);
}

function ev(r: ReferralRow, customerId: number, role: Side, event: ReferralEvent['event'], what: string, at: Date, extra: Partial<ReferralEvent['props']> = {}): ReferralEvent {
  return { workspaceId: r.workspaceId, customerId, event, at, what, props: { referral_id: r.id, code: r.code, role, via: r.via, ...extra } };
}

function rewardProps(reward: ReferralReward): { points?: number; reward_id?: string } {
  return 'points' in reward ? { points: reward.points } : { reward_id: reward.rewardId };
}

/** A qualifying-order candidate: an `Order Completed` of the friend. */
export interface OrderFacts {
  orderId: string;
  value: number | null;
  at: Date;
  ip: string | null;
  messageId: string;
}

/**
 * The friend ordered: if their referral waits for its qualifying order and this is it, decide.
 * Returns what happened (`none` when the order does not qualify or there is no referral).
 */
export async function qualifyOrder(
  tx: Queryable,
  settings: ReferralSettings,
  rewarder: ReferralRewarder,
  workspaceId: number,
  friendId: number,
  order: OrderFacts,
): Promise<'none' | 'expired' | 'allow' | 'hold' | 'block'> {
  const r = await referralOfFriend(tx, workspaceId, friendId);
  if (!r || r.status !== 'attributed' || order.at.getTime() < r.attributedAt.getTime()) return 'none';
  if (order.at.getTime() > r.attributedAt.getTime() + settings.attributionDays * DAY) {
    await tx.query(`UPDATE referrals SET status = 'expired', updated_at = now() WHERE id = $1`, [r.id]);
    return 'expired';
  }
  if (order.value === null || order.value < settings.minOrderValue) return 'none';
  await lockAdvocate(tx, r.advocateId);
  const facts = await gatherFraudFacts(tx, { ...r, orderAt: order.at, orderIp: order.ip }, settings.paymentProperty);
  const { decision, reasons } = decideReferral(facts, settings);
  const status = decision === 'block' ? 'blocked' : decision === 'hold' ? 'held' : 'pending';
  const evidence = { ...r.evidence, orderIp: order.ip, orderMessageId: order.messageId };
  await tx.query(
    `UPDATE referrals SET status = $2, decision = $3, reasons = $4, decided_at = $5, order_id = $6, order_value = $7, order_at = $5, evidence = $8,
            advocate_due_at = CASE WHEN $3 = 'allow' THEN $9::timestamptz END, updated_at = now()
      WHERE id = $1`,
    [
      r.id,
      status,
      decision,
      JSON.stringify(reasons),
      order.at.toISOString(),
      order.orderId,
      order.value,
      JSON.stringify(evidence),
      new Date(order.at.getTime() + settings.refundWindowDays * DAY).toISOString(),
    ],
  );
  const row = { ...r, status, orderId: order.orderId, orderValue: order.value, orderAt: order.at, evidence };
  if (decision === 'allow') await payFriend(tx, settings, rewarder, row, order.at);
  else {
    const name = decision === 'block' ? EV.referralBlocked : EV.referralHeld;
    await writeReferralEvents(tx, [
      ev(row, r.friendId, 'friend', name, decision === 'block' ? 'blocked' : 'held', order.at, { decision, reasons: reasons.map((x) => x.signal), order_id: order.orderId }),
    ]);
  }
  return decision;
}

/** Reward the friend of an allowed referral (now `pending` the advocate's time). */
async function payFriend(tx: Queryable, settings: ReferralSettings, rewarder: ReferralRewarder, r: ReferralRow, at: Date): Promise<void> {
  const paid = await rewarder.pay(tx, { workspaceId: r.workspaceId, referralId: r.id, side: 'friend', customerId: r.friendId, reward: settings.friendReward, at });
  if (!paid.ok) {
    await noteEvidence(tx, r.id, { friendRewardError: `${paid.code}: ${paid.message}` });
    return;
  }
  await writeReferralEvents(tx, [ev(r, r.friendId, 'friend', EV.referralRewarded, 'friend', at, { decision: 'allow', order_id: r.orderId ?? undefined, ...rewardProps(settings.friendReward) })]);
}

async function noteEvidence(tx: Queryable, id: number, extra: Record<string, unknown>): Promise<void> {
  await tx.query(`UPDATE referrals SET evidence = evidence || $2::jsonb, updated_at = now() WHERE id = $1`, [id, JSON.stringify(extra)]);
}

/** A refund of one of the friend's orders. */
export interface RefundFacts {
  orderId: string;
  /** This refund's amount; null: the whole order. */
  value: number | null;
  at: Date;
  messageId: string;
}

/** The friend's order was refunded: if it was their referral's qualifying order and too little is left of it, void or claw back. */
export async function refundOrder(
  tx: Queryable,
  settings: ReferralSettings,
  rewarder: ReferralRewarder,
  workspaceId: number,
  friendId: number,
  refund: RefundFacts,
): Promise<'none' | 'void' | 'clawed_back'> {
  const r = await referralOfFriend(tx, workspaceId, friendId);
  if (!r || r.orderId !== refund.orderId || r.orderValue === null) return 'none';
  const seen = Array.isArray(r.evidence.refunds) ? (r.evidence.refunds as string[]) : [];
  if (seen.includes(refund.messageId)) return 'none';
  const refunded = Number(r.evidence.refunded ?? 0) + (refund.value ?? r.orderValue);
  await noteEvidence(tx, r.id, { refunds: [...seen, refund.messageId], refunded });
  const left = r.orderValue - refunded;
  if (left > 0 && left >= settings.minOrderValue) return 'none';
  if (r.status !== 'pending' && r.status !== 'held' && r.status !== 'rewarded') return 'none';
  await lockAdvocate(tx, r.advocateId);
  const wasPaid = r.status === 'pending' || r.status === 'rewarded';
  const status = r.status === 'rewarded' ? 'clawed_back' : 'void';
  await tx.query(`UPDATE referrals SET status = $2, updated_at = now() WHERE id = $1`, [r.id, status]);
  const reason = `the qualifying order ${r.orderId} was refunded`;
  const events: ReferralEvent[] = [];
  if (wasPaid) {
    const f = await rewarder.clawBack(tx, { workspaceId, referralId: r.id, side: 'friend', at: refund.at, reason });
    if (f.ok && f.value.clawedBack) events.push(ev(r, r.friendId, 'friend', EV.referralClawedBack, 'clawback:friend', refund.at, { order_id: r.orderId }));
  }
  if (r.status === 'rewarded') {
    const a = await rewarder.clawBack(tx, { workspaceId, referralId: r.id, side: 'advocate', at: refund.at, reason });
    if (a.ok && a.value.clawedBack) events.push(ev(r, r.advocateId, 'advocate', EV.referralClawedBack, 'clawback:advocate', refund.at, { order_id: r.orderId }));
  }
  await writeReferralEvents(tx, events);
  return status;
}

/**
 * Pay the advocates whose referral's refund window has ended (advocate_due_at ≤ now, still
 * `pending`, no refund of the order waiting to be read), up to `limit`. Returns how many
 * referrals were settled (rewarded or voided by the cap).
 */
export async function rewardDue(tx: Queryable, workspaceId: number, settings: ReferralSettings, rewarder: ReferralRewarder, now: Date, limit = 200): Promise<number> {
  const { rows } = await tx.query<Raw>(
    `SELECT ${COLUMNS} FROM referrals r
      WHERE r.workspace_id = $1 AND r.status = 'pending' AND r.advocate_due_at <= $2
        AND NOT EXISTS (SELECT 1 FROM events e WHERE e.customer_id = r.friend_id AND e.workspace_id = $1 AND e.event = '${EV.orderRefunded}'
                          AND e.properties ->> 'order_id' = r.order_id AND NOT coalesce(r.evidence -> 'refunds', '[]'::jsonb) ? e.message_id)
      ORDER BY r.advocate_due_at, r.id LIMIT $3 FOR UPDATE OF r SKIP LOCKED`,
    [workspaceId, now.toISOString(), limit],
  );
  let settled = 0;
  for (const raw of rows) {
    const r = toRow(raw);
    await lockAdvocate(tx, r.advocateId);
    if (settings.maxRewardsPerAdvocate !== undefined) {
      const { rows: n } = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM referrals WHERE workspace_id = $1 AND advocate_id = $2 AND status IN ('rewarded', 'clawed_back')`, [
        workspaceId,
        r.advocateId,
      ]);
      if (n[0]!.n >= settings.maxRewardsPerAdvocate) {
        await tx.query(`UPDATE referrals SET status = 'void', evidence = evidence || '{"voidReason":"cap"}'::jsonb, updated_at = now() WHERE id = $1`, [r.id]);
        settled++;
        continue;
      }
    }
    const paid = await rewarder.pay(tx, { workspaceId, referralId: r.id, side: 'advocate', customerId: r.advocateId, reward: settings.advocateReward, at: now });
    if (!paid.ok) {
      await noteEvidence(tx, r.id, { advocateRewardError: `${paid.code}: ${paid.message}` });
      continue;
    }
    await tx.query(`UPDATE referrals SET status = 'rewarded', updated_at = now() WHERE id = $1`, [r.id]);
    await writeReferralEvents(tx, [
      ev(r, r.advocateId, 'advocate', EV.referralRewarded, 'advocate', now, { decision: 'allow', order_id: r.orderId ?? undefined, ...rewardProps(settings.advocateReward) }),
    ]);
    settled++;
  }
  return settled;
}

/** Attributions that waited longer than attributionDays for an order: `expired`. Returns how many. */
export async function expireStale(tx: Queryable, workspaceId: number, settings: ReferralSettings, now: Date): Promise<number> {
  const { rowCount } = await tx.query(`UPDATE referrals SET status = 'expired', updated_at = now() WHERE workspace_id = $1 AND status = 'attributed' AND attributed_at < $2`, [
    workspaceId,
    new Date(now.getTime() - settings.attributionDays * DAY).toISOString(),
  ]);
  return rowCount;
}

/** An admin's decision on a held (or blocked) referral. */
export interface Override {
  by: string;
  decision: 'allow' | 'block';
  note: string;
  at: Date;
}

/**
 * Override the guard: `allow` on a held or blocked referral rewards the friend now and the
 * advocate after the refund window (from the order), as if the guard had allowed; `block` on a
 * held one blocks it. Kept on the row (override) and written on the timeline.
 */
export async function overrideReferral(
  tx: Queryable,
  settings: ReferralSettings,
  rewarder: ReferralRewarder,
  workspaceId: number,
  id: number,
  o: Override,
): Promise<{ ok: true; status: string } | { ok: false; code: 'not_found' | 'conflict'; message: string }> {
  const r = await referralById(tx, workspaceId, id);
  if (!r) return { ok: false, code: 'not_found', message: `no referral ${id}` };
  const allowedFrom = o.decision === 'allow' ? ['held', 'blocked'] : ['held'];
  if (!allowedFrom.includes(r.status))
    return { ok: false, code: 'conflict', message: `referral ${id} is ${r.status}; only a ${allowedFrom.join(' or ')} referral can be ${o.decision === 'allow' ? 'allowed' : 'blocked'}` };
  await lockAdvocate(tx, r.advocateId);
  const override = JSON.stringify({ by: o.by, decision: o.decision, note: o.note, at: o.at.toISOString() });
  if (o.decision === 'block') {
    await tx.query(`UPDATE referrals SET status = 'blocked', override = $2, updated_at = now() WHERE id = $1`, [id, override]);
    await writeReferralEvents(tx, [ev(r, r.friendId, 'friend', EV.referralBlocked, 'blocked', o.at, { decision: 'block', reasons: ['override'], order_id: r.orderId ?? undefined })]);
    return { ok: true, status: 'blocked' };
  }
  const due = new Date((r.orderAt ?? o.at).getTime() + settings.refundWindowDays * DAY);
  await tx.query(`UPDATE referrals SET status = 'pending', override = $2, advocate_due_at = $3, updated_at = now() WHERE id = $1`, [id, override, due.toISOString()]);
  await payFriend(tx, settings, rewarder, { ...r, status: 'pending' }, o.at);
  return { ok: true, status: 'pending' };
}
