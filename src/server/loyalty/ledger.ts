/**
 * The points ledger (docs/loyalty.md): append-only and double-entry. Every move is one row of
 * loyalty_entries with postings that sum to zero; a member's balances and a lot's remaining
 * points are sums of postings, never stored and never edited. Every function here:
 * - takes the transaction it runs in (`tx`) and the time (`at`), never reads the clock;
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
import type { Queryable } from '../db/client.js';
import type { Result } from '../lib/result.js';

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

interface Base {
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

export declare function earn(tx: Queryable, input: EarnInput): Promise<Result<EntryResult, LedgerFailure>>;

/** Spend points (a reward): fails with `insufficient_points` when the available balance is short. */
export interface RedeemInput extends Base {
  points: number;
  redemptionId?: number | null;
  rewardId?: string | null;
  detail?: Record<string, unknown>;
}
export declare function redeem(tx: Queryable, input: RedeemInput): Promise<Result<EntryResult, LedgerFailure>>;

/** An admin's correction, positive (a new lot) or negative (consumed like a redemption; never below zero). */
export interface AdjustInput extends Base {
  points: number;
  actor: string;
  reason: string;
  /** For a positive adjustment; default: the programme's default expiry from `at`. */
  expiresAt?: Date | null;
}
export declare function adjust(tx: Queryable, input: AdjustInput): Promise<Result<EntryResult, LedgerFailure>>;

/** Move available points to another member; the received lots keep the expiry of the lots they came from. */
export interface TransferInput extends Omit<Base, 'customerId'> {
  fromCustomerId: number;
  toCustomerId: number;
  points: number;
  actor?: string | null;
  reason?: string | null;
}
export declare function transfer(tx: Queryable, input: TransferInput): Promise<Result<EntryResult, LedgerFailure>>;

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
export declare function reverseOrder(tx: Queryable, input: ReverseOrderInput): Promise<Result<EntryResult[], LedgerFailure>>;

/** Reverse one earn entry in full (what is left of it): a referral reward clawed back. */
export interface ReverseEntryInput extends Base {
  entryId: number;
  reason: string;
  policy: 'negative' | 'clawback';
}
export declare function reverseEntry(tx: Queryable, input: ReverseEntryInput): Promise<Result<EntryResult, LedgerFailure>>;

/** Release pending lots whose time has come (pending_until ≤ now), any member: one `release` entry per lot. Returns how many. */
export declare function releaseDue(tx: Queryable, workspaceId: number, now: Date, limit?: number): Promise<number>;

/** Release the member's lots pending on `event` for `orderId` (or any of theirs pending on it, when the lot has no order). */
export declare function releaseOnEvent(tx: Queryable, input: { workspaceId: number; customerId: number; event: string; orderId: string | null; at: Date; sourceEvent: string }): Promise<number>;

/** Expire what is left of lots whose expiry has passed (expires_at ≤ now): one `expire` entry per lot. Returns how many. */
export declare function expireDue(tx: Queryable, workspaceId: number, now: Date, limit?: number): Promise<number>;

/** Cancel a redemption: its points come back as a new lot (expiring as the earliest lot it consumed did, or the programme default). */
export declare function cancelRedemption(tx: Queryable, input: Base & { redemptionId: number; reason: string }): Promise<Result<EntryResult, LedgerFailure>>;

export interface Balances {
  available: number;
  pending: number;
  /** Points earned (net of reversals) in [since, at]. */
}
export declare function balances(tx: Queryable, workspaceId: number, customerId: number): Promise<Balances>;

/** Follow a profile merge: the merged-away member's lots, postings and entries become the survivor's (called inside the merge). */
export declare function moveLoyalty(tx: Queryable, workspaceId: number, fromCustomerId: number, intoCustomerId: number): Promise<void>;
