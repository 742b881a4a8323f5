/**
 * The points ledger (docs/loyalty.md): append-only and double-entry. Every move is one row of
 * loyalty_entries with postings that sum to zero; a member's balances and a lot's remaining
 * points are sums of postings, never stored and never edited. Every function here:
 * - takes the transaction it runs in (`tx`; given the database itself, it opens one of its own)
 *   and the time (`at`), never reads the clock;
 * - is idempotent by `key` (unique per workspace): a replay returns the stored entry with
 *   `replayed: true` and changes nothing;
 * - holds the member's lock (LOCK.loyaltyCustomer; a transfer both members', lower id first);
 * - writes the move on the member's timeline (`Points Earned`, `Points Redeemed`, …, with the
 *   balances after it) with the stage and segment work of its commit, and keeps the
 *   `loyalty_points` score (customer_scores) equal to the available balance.
 *
 * Lots are consumed by the one that expires first (lots without expiry last, then oldest).
 * A negative balance (a refund of points already spent) is a posting on `available` without a
 * lot; the next points the member gets pay it off first (a `settle` entry).
 */
import { TENURE_EV } from '../../contracts/events.js';
import type { Queryable } from '../db/client.js';
import { fail, ok, type Result } from '../lib/result.js';
import { customerLabel, defaultExpiryDays, lockMembers, lotStates, memberSums } from './ledger.repo.js';
import { addDays, checkPoints, consume, isDb, once } from './ledger.write.js';

export { reverseOrder, reverseEntry, cancelRedemption } from './ledger.reverse.js';
export { releaseDue, releaseOnEvent, expireDue } from './ledger.batch.js';
export { moveLoyalty } from './ledger.merge.js';
export { memberLots, ledgerPage } from './ledger.read.js';

/** What every move returns: the entry, and the member's balances after it. */
export interface EntryResult {
  entryId: number;
  /** The key was used before: nothing was written. */
  replayed: boolean;
  /** Change of the member's available and pending points by this entry. */
  available: number;
  pending: number;
  /** The member's balances after it (a transfer: the sender's). */
  balance: number;
  pendingBalance: number;
}

export type LedgerFailure =
  | { code: 'insufficient_points'; message: string; balance: number }
  | { code: 'validation_failed'; message: string; field?: string }
  | { code: 'not_found'; message: string }
  /** The key was used before for a different move (another member, kind or amount). */
  | { code: 'conflict'; message: string };

/** What every move names: the member, its time and its idempotency key. */
export interface Base {
  workspaceId: number;
  customerId: number;
  at: Date;
  key: string;
}

/** The rule an earn came from, copied onto the entry (a refund reverses with it). */
export interface EarnRuleSnapshot {
  id: string;
  name: string;
  programmeVersion: number;
  kind: string;
  pointsPerUnit?: number;
  points?: number;
  multiplier: number;
  tierMultiplier: number;
  /** The order value earned on (order rules). */
  orderValue?: number;
}

export interface EarnInput extends Base {
  points: number;
  /** null: never expires. */
  expiresAt: Date | null;
  /** Pending until a time and/or an event (about `orderId`); both null/absent: available at once. */
  pending?: { until: Date | null; event: string | null };
  orderId?: string | null;
  sourceEvent?: string | null;
  rule?: EarnRuleSnapshot | null;
  referralId?: number | null;
  reason?: string | null;
  detail?: Record<string, unknown>;
}

/**
 * Earn points: a new lot, spendable at once or pending (until a time and/or an event). Points
 * that are spendable at once pay off a negative balance first (a `settle` entry).
 */
export async function earn(tx: Queryable, input: EarnInput): Promise<Result<EntryResult, LedgerFailure>> {
  if (isDb(tx)) return tx.transaction((t) => earn(t, input));
  const valid = checkPoints(input.points);
  if (!valid.ok) return valid;
  const { workspaceId, customerId, points, at } = input;
  const pendingUntil = input.pending?.until ?? null;
  const pendingEvent = input.pending?.event ?? null;
  const isPending = pendingUntil !== null || pendingEvent !== null;
  await lockMembers(tx, [customerId]);
  return once(tx, input, { customerId, kind: 'earn', points }, async () =>
    ok({
      spec: {
        workspaceId,
        key: input.key,
        kind: 'earn',
        customerId,
        points,
        at,
        orderId: input.orderId ?? null,
        sourceEvent: input.sourceEvent ?? null,
        rule: input.rule ?? null,
        referralId: input.referralId ?? null,
        reason: input.reason ?? null,
        detail: input.detail ?? {},
        lots: [{ customerId, points, earnedAt: at, expiresAt: input.expiresAt, pendingUntil, pendingEvent, orderId: input.orderId ?? null }],
        postings: [
          { account: isPending ? 'pending' : 'available', customerId, newLot: 0, amount: points },
          { account: 'issued', customerId: null, amount: -points },
        ],
      },
      touched: [
        {
          customerId,
          event: TENURE_EV.pointsEarned,
          props: { rule_id: input.rule?.id, rule_name: input.rule?.name, order_id: input.orderId ?? undefined, referral_id: input.referralId ?? undefined, reason: input.reason ?? undefined },
          fresh: isPending ? undefined : { newLots: [0] },
        },
      ],
    }),
  );
}

/** Spend points (a reward): fails with `insufficient_points` when the available balance is short. */
export interface RedeemInput extends Base {
  points: number;
  redemptionId?: number | null;
  rewardId?: string | null;
  detail?: Record<string, unknown>;
}
export async function redeem(tx: Queryable, input: RedeemInput): Promise<Result<EntryResult, LedgerFailure>> {
  if (isDb(tx)) return tx.transaction((t) => redeem(t, input));
  const valid = checkPoints(input.points);
  if (!valid.ok) return valid;
  const { workspaceId, customerId, points, at } = input;
  await lockMembers(tx, [customerId]);
  return once(tx, input, { customerId, kind: 'redeem', points }, async () => {
    const takes = await consume(tx, workspaceId, customerId, points);
    if (!takes.ok) return takes;
    return ok({
      spec: {
        workspaceId,
        key: input.key,
        kind: 'redeem',
        customerId,
        points,
        at,
        redemptionId: input.redemptionId ?? null,
        detail: { ...(input.detail ?? {}), ...(input.rewardId ? { rewardId: input.rewardId } : {}) },
        postings: [...takes.value.map((t) => ({ account: 'available' as const, customerId, lotId: t.lotId, amount: -t.amount })), { account: 'redeemed', customerId: null, amount: points }],
      },
      touched: [{ customerId, event: TENURE_EV.pointsRedeemed, props: { reward_id: input.rewardId ?? undefined, redemption_id: input.redemptionId ?? undefined } }],
    });
  });
}

/** An admin's correction, positive (a new lot) or negative (consumed like a redemption; never below zero). */
export interface AdjustInput extends Base {
  points: number;
  actor: string;
  reason: string;
  /** For a positive adjustment; default: the programme's default expiry from `at`. */
  expiresAt?: Date | null;
}
export async function adjust(tx: Queryable, input: AdjustInput): Promise<Result<EntryResult, LedgerFailure>> {
  if (isDb(tx)) return tx.transaction((t) => adjust(t, input));
  const valid = checkPoints(Math.abs(input.points));
  if (!valid.ok) return valid;
  const { workspaceId, customerId, at } = input;
  const size = Math.abs(input.points);
  await lockMembers(tx, [customerId]);
  const base = { workspaceId, key: input.key, kind: 'adjust' as const, customerId, points: size, at, actor: input.actor, reason: input.reason, detail: { delta: input.points } };
  const touched = { customerId, event: TENURE_EV.pointsAdjusted, props: { reason: input.reason } };
  return once(tx, input, { customerId, kind: 'adjust', points: size, check: (e) => e.detail.delta === input.points }, async () => {
    if (input.points > 0) {
      const expiresAt = input.expiresAt !== undefined ? input.expiresAt : addDays(at, await defaultExpiryDays(tx, workspaceId));
      return ok({
        spec: {
          ...base,
          lots: [{ customerId, points: size, earnedAt: at, expiresAt }],
          postings: [
            { account: 'available', customerId, newLot: 0, amount: size },
            { account: 'adjusted', customerId: null, amount: -size },
          ],
        },
        touched: [{ ...touched, fresh: { newLots: [0] } }],
      });
    }
    const takes = await consume(tx, workspaceId, customerId, size);
    if (!takes.ok) return takes;
    return ok({
      spec: {
        ...base,
        postings: [...takes.value.map((t) => ({ account: 'available' as const, customerId, lotId: t.lotId, amount: -t.amount })), { account: 'adjusted', customerId: null, amount: size }],
      },
      touched: [touched],
    });
  });
}

/** Move available points to another member; the received lots keep the expiry of the lots they came from. */
export interface TransferInput extends Omit<Base, 'customerId'> {
  fromCustomerId: number;
  toCustomerId: number;
  points: number;
  actor?: string | null;
  reason?: string | null;
}
export async function transfer(tx: Queryable, input: TransferInput): Promise<Result<EntryResult, LedgerFailure>> {
  if (isDb(tx)) return tx.transaction((t) => transfer(t, input));
  const valid = checkPoints(input.points);
  if (!valid.ok) return valid;
  const { workspaceId, fromCustomerId: from, toCustomerId: to, points, at } = input;
  if (from === to) return fail('validation_failed', 'A transfer needs two different members.', { field: 'to' });
  await lockMembers(tx, [from, to]);
  return once(tx, input, { customerId: from, kind: 'transfer', points, counterpartyId: to }, async () => {
    const takes = await consume(tx, workspaceId, from, points);
    if (!takes.ok) return takes;
    const source = new Map((await lotStates(tx, workspaceId, from)).map((l) => [l.id, l]));
    return ok({
      spec: {
        workspaceId,
        key: input.key,
        kind: 'transfer',
        customerId: from,
        counterpartyId: to,
        points,
        at,
        actor: input.actor ?? null,
        reason: input.reason ?? null,
        // One received lot per lot taken, with its expiry.
        lots: takes.value.map((t) => ({ customerId: to, points: t.amount, earnedAt: at, expiresAt: source.get(t.lotId)!.expiresAt })),
        postings: takes.value.flatMap((t, i) => [
          { account: 'available' as const, customerId: from, lotId: t.lotId, amount: -t.amount },
          { account: 'available' as const, customerId: to, newLot: i, amount: t.amount },
        ]),
      },
      touched: [
        { customerId: from, event: TENURE_EV.pointsTransferred, props: { counterparty: await customerLabel(tx, to), reason: input.reason ?? undefined } },
        {
          customerId: to,
          event: TENURE_EV.pointsTransferred,
          props: { counterparty: await customerLabel(tx, from), reason: input.reason ?? undefined },
          fresh: { newLots: takes.value.map((_, i) => i) },
        },
      ],
    });
  });
}

/**
 * A refund of `orderId`: reverse what the order earned, pro rata to the refunded amount, with the
 * rule stored on each earn entry (its `orderValue`): reversed = floor(earned × min(1, refunded so
 * far ÷ order value)) − reversed before, so several partial refunds never reverse more than the
 * order earned and a full refund reverses all of it. `refunded` null: the whole order. Pending
 * points of the order go first; spent ones follow `policy` (`negative`: the balance goes below
 * zero; `clawback`: first cancel the member's unused redemptions, newest first). One entry per
 * earn entry reversed; returns them (empty when the order earned nothing).
 */
export interface ReverseOrderInput extends Base {
  orderId: string;
  /** This refund's amount (not cumulative); null: the whole order. */
  refunded: number | null;
  policy: 'negative' | 'clawback';
  sourceEvent?: string | null;
}

/** Reverse one earn entry in full (what is left of it): a referral reward clawed back. */
export interface ReverseEntryInput extends Base {
  entryId: number;
  reason: string;
  policy: 'negative' | 'clawback';
}

/** Cancel a redemption bought with points (cancelRedemption). */
export interface CancelRedemptionInput extends Base {
  redemptionId: number;
  reason: string;
}

export interface Balances {
  available: number;
  pending: number;
}

/** The member's balances: Σ of their `available` postings (negative after a refund of spent points) and `pending` ones. */
export async function balances(tx: Queryable, workspaceId: number, customerId: number): Promise<Balances> {
  const s = await memberSums(tx, workspaceId, customerId);
  return { available: s.available, pending: s.pending };
}
