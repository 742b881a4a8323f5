import { randomInt } from 'node:crypto';
import type { Queryable } from '../db/client.js';
import { LOCK } from '../db/locks.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import { CODE_ALPHABET } from '../../contracts/referrals.js';
import type { RewardInput } from '../../contracts/loyalty.js';
import * as ledger from './ledger.js';
import { programmeSettings, tierRank } from './rewards-programme.js';
import { assignPoolCode, codeTaken, countMemberRedemptions, findRedemptionByKey, getRedemption, getReward, setRedemptionStatus, takePoolCode, type RedemptionRow } from './rewards.repo.js';

/**
 * Redemption: a member spends points on a reward from the catalogue, through the API, their
 * signed link or the in-app inbox. Each redemption is one row of loyalty_redemptions, unique
 * by its idempotency key: a replay returns the same redemption and code — never a second
 * code, never a second debit (the ledger entry's key is derived from it). The member's lock
 * (LOCK.loyaltyCustomer, the ledger's) is held from the replay check to the insert, so two
 * requests with one key never both pass it. Pool codes are taken with FOR UPDATE SKIP
 * LOCKED: two members redeeming the last code at once get it once, the other hears the pool
 * is empty. Rewards given without points (a referral's, an admin's) go through grantReward.
 */

export type Channel = RedemptionRow['channel'];

/** Why a redemption was refused. Codes outside contracts ErrorCode are answered 409 by the routes. */
export type RedeemFailure =
  | Failure<'not_found'>
  | Failure<'inactive'>
  | Failure<'not_member'>
  | Failure<'tier_too_low'>
  | Failure<'limit_reached'>
  | Failure<'pool_exhausted'>
  | (Failure<'insufficient_points'> & { balance: number })
  | Failure<'conflict'>
  | (Failure<'validation_failed'> & { field?: string });

export interface Redeemed {
  redemption: RedemptionRow;
  /** The key was used before: the first redemption, nothing written. */
  replayed: boolean;
}

export interface RedeemRequest {
  workspaceId: number;
  customerId: number;
  rewardId: string;
  key: string;
  at: Date;
  channel: 'api' | 'link' | 'inbox' | 'admin';
}

/** Length of the random part of a generated code. */
export const GENERATED_CODE_LENGTH = 8;

/** A fresh code: the reward's prefix and 8 characters of CODE_ALPHABET (no 0/O, 1/I/L …), from a CSPRNG. */
export function generateCode(prefix: string): string {
  let s = prefix;
  for (let i = 0; i < GENERATED_CODE_LENGTH; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s;
}

async function lockMember(tx: Queryable, customerId: number): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(${LOCK.loyaltyCustomer}, ($1::bigint % 2147483647)::int)`, [customerId]);
}

/** The code a new redemption of `reward` hands out: a pool code (taken, not yet assigned), a generated one, or none. */
async function codeFor(tx: Queryable, workspaceId: number, reward: RewardInput): Promise<Result<{ code: string | null; pool: boolean }, Failure<'pool_exhausted'>>> {
  if (reward.kind !== 'discount_code' || !reward.codes) return ok({ code: null, pool: false });
  if (reward.codes.source === 'pool') {
    const code = await takePoolCode(tx, workspaceId, reward.id);
    if (code === null) return fail('pool_exhausted', `no codes left for "${reward.name}": upload more to its pool`);
    return ok({ code, pool: true });
  }
  // 25^8 ≈ 1.5·10^11 codes: a collision is rare; checked against every code handed out before.
  for (let i = 0; i < 8; i++) {
    const code = generateCode(reward.codes.prefix);
    if (!(await codeTaken(tx, workspaceId, code))) return ok({ code, pool: false });
  }
  throw new Error(`could not generate a free code with prefix "${reward.codes.prefix}" in 8 tries`);
}

/** A replay of `key`: the same redemption when it is about the same customer and reward, else a conflict. */
function replayOf(prev: RedemptionRow, customerId: number, rewardId: string, key: string): Result<Redeemed, Failure<'conflict'>> {
  if (prev.customer_id !== customerId || prev.reward_id !== rewardId) return fail('conflict', `the key "${key}" was used for another redemption (another customer or reward): use a new key`);
  return ok({ redemption: prev, replayed: true });
}

async function insertRedemption(
  tx: Queryable,
  r: {
    id: number;
    workspaceId: number;
    customerId: number;
    rewardId: string;
    key: string;
    entryId: number | null;
    points: number;
    code: string | null;
    channel: Channel;
    referralId: number | null;
    at: Date;
  },
): Promise<RedemptionRow> {
  const { rows } = await tx.query<RedemptionRow>(
    `INSERT INTO loyalty_redemptions (id, workspace_id, customer_id, reward_id, idempotency_key, entry_id, points, code, status, channel, referral_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'issued', $9, $10, $11, $11)
     RETURNING id, workspace_id, customer_id, reward_id, idempotency_key, entry_id, points, code, status, channel, referral_id, created_at, updated_at`,
    [r.id, r.workspaceId, r.customerId, r.rewardId, r.key, r.entryId, r.points, r.code, r.channel, r.referralId, r.at],
  );
  return rows[0]!;
}

/** A redemption locked for a change, after its member's lock (the ledger's order: member first, then the row). */
async function lockRedemption(tx: Queryable, workspaceId: number, id: number): Promise<RedemptionRow | null> {
  const seen = await getRedemption(tx, workspaceId, id);
  if (!seen) return null;
  await lockMember(tx, seen.customer_id);
  return getRedemption(tx, workspaceId, id, true);
}

async function nextRedemptionId(tx: Queryable): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('loyalty_redemptions', 'id')) AS id`);
  return Number(rows[0]!.id);
}

/**
 * Redeem a reward for points: the reward must exist and be active, the customer not be in
 * the holdout, their tier reach the reward's `minTier`, their redemptions of it stay under
 * `perMemberLimit`, a code be available (pool) and their available balance cover the cost
 * (else `insufficient_points` with the balance). Run it in a transaction (`tx`): on a failure
 * nothing is written.
 */
export async function redeemReward(tx: Queryable, req: RedeemRequest): Promise<Result<Redeemed, RedeemFailure>> {
  const { workspaceId, customerId, rewardId, key, at } = req;
  const reward = await getReward(tx, workspaceId, rewardId);
  if (!reward) return fail('not_found', `no reward "${rewardId}"`);
  await lockMember(tx, customerId);
  const prev = await findRedemptionByKey(tx, workspaceId, key);
  if (prev) return replayOf(prev, customerId, rewardId, key);
  if (!reward.active) return fail('inactive', `the reward "${reward.name}" is not offered any more`);

  const { rows: members } = await tx.query<{ status: string; tier: string | null }>(`SELECT status, tier FROM loyalty_members WHERE workspace_id = $1 AND customer_id = $2`, [workspaceId, customerId]);
  if (members[0]?.status === 'holdout') return fail('not_member', 'this customer is in the programme’s holdout group and cannot redeem rewards');
  if (reward.minTier) {
    const settings = await programmeSettings(tx, workspaceId);
    const need = tierRank(settings, reward.minTier);
    const have = tierRank(settings, members[0]?.tier ?? null);
    const name = settings.tiers?.tiers.find((t) => t.key === reward.minTier)?.name ?? reward.minTier;
    if (need < 0 || have < need) return fail('tier_too_low', `"${reward.name}" is for members of the ${name} tier and above`);
  }
  if (reward.perMemberLimit !== undefined) {
    const had = await countMemberRedemptions(tx, workspaceId, customerId, rewardId);
    if (had >= reward.perMemberLimit) return fail('limit_reached', `"${reward.name}" can be redeemed at most ${reward.perMemberLimit} time(s) per member; this member has ${had}`);
  }
  const code = await codeFor(tx, workspaceId, reward);
  if (!code.ok) return code;

  const id = await nextRedemptionId(tx);
  const debit = await ledger.redeem(tx, {
    workspaceId,
    customerId,
    at,
    key: `redemption:${key}`,
    points: reward.cost,
    redemptionId: id,
    rewardId,
    detail: { rewardName: reward.name, channel: req.channel },
  });
  if (!debit.ok) {
    if (debit.code === 'insufficient_points') return fail('insufficient_points', `"${reward.name}" costs ${reward.cost} points; the balance is ${debit.balance}`, { balance: debit.balance });
    return debit;
  }
  const redemption = await insertRedemption(tx, {
    id,
    workspaceId,
    customerId,
    rewardId,
    key,
    entryId: debit.value.entryId,
    points: reward.cost,
    code: code.value.code,
    channel: req.channel,
    referralId: null,
    at,
  });
  if (code.value.pool && code.value.code !== null) await assignPoolCode(tx, workspaceId, rewardId, code.value.code, id);
  return ok({ redemption, replayed: false });
}

/**
 * A reward given without points (a referral's, an admin's gift): a redemption with no ledger
 * entry and 0 points, its code from the pool or generated. Neither tier nor per-member limit
 * applies (the programme gives it); the reward must exist and be active. Idempotent by `key`.
 */
export async function grantReward(
  tx: Queryable,
  input: { workspaceId: number; customerId: number; rewardId: string; key: string; at: Date; channel: 'referral' | 'admin'; referralId?: number | null },
): Promise<Result<{ redemptionId: number; code: string | null; replayed: boolean }, Failure<'not_found'> | Failure<'inactive'> | Failure<'pool_exhausted'> | Failure<'conflict'>>> {
  const { workspaceId, customerId, rewardId, key, at } = input;
  const reward = await getReward(tx, workspaceId, rewardId);
  if (!reward) return fail('not_found', `no reward "${rewardId}"`);
  await lockMember(tx, customerId);
  const prev = await findRedemptionByKey(tx, workspaceId, key);
  if (prev) {
    const r = replayOf(prev, customerId, rewardId, key);
    return r.ok ? ok({ redemptionId: prev.id, code: prev.code, replayed: true }) : r;
  }
  if (!reward.active) return fail('inactive', `the reward "${reward.name}" is not offered any more`);
  const code = await codeFor(tx, workspaceId, reward);
  if (!code.ok) return code;
  const id = await nextRedemptionId(tx);
  await insertRedemption(tx, { id, workspaceId, customerId, rewardId, key, entryId: null, points: 0, code: code.value.code, channel: input.channel, referralId: input.referralId ?? null, at });
  if (code.value.pool && code.value.code !== null) await assignPoolCode(tx, workspaceId, rewardId, code.value.code, id);
  return ok({ redemptionId: id, code: code.value.code, replayed: false });
}

/**
 * Take back a reward (a referral found fraudulent, refunded): an `issued` redemption becomes
 * `clawed_back`; a `used` one cannot be (answers `used`: too late). Its code is not returned to
 * the pool and no points move. Repeating it answers `clawed_back` again; a redemption already
 * cancelled has nothing left to take back and answers `clawed_back` too (its status stays).
 */
export async function clawBackRedemption(
  tx: Queryable,
  input: { workspaceId: number; redemptionId: number; at: Date; reason: string },
): Promise<Result<{ status: 'clawed_back' | 'used' }, Failure<'not_found'>>> {
  const r = await lockRedemption(tx, input.workspaceId, input.redemptionId);
  if (!r) return fail('not_found', `no redemption ${input.redemptionId}`);
  if (r.status === 'used') return ok({ status: 'used' });
  if (r.status === 'issued') await setRedemptionStatus(tx, input.workspaceId, r.id, 'clawed_back', input.at);
  return ok({ status: 'clawed_back' });
}

/**
 * Cancel an unused redemption: its points come back (ledger.cancelRedemption, a new lot) and
 * it becomes `cancelled`. The code is not returned to the pool (the customer has seen it).
 * Cancelling again answers the same; a used or clawed-back redemption cannot be cancelled.
 */
export async function cancelRedemption(
  tx: Queryable,
  input: { workspaceId: number; redemptionId: number; at: Date; reason: string },
): Promise<Result<{ redemption: RedemptionRow; pointsReturned: number }, Failure<'not_found'> | Failure<'conflict'> | Failure<'validation_failed'>>> {
  const r = await lockRedemption(tx, input.workspaceId, input.redemptionId);
  if (!r) return fail('not_found', `no redemption ${input.redemptionId}`);
  if (r.status === 'cancelled') return ok({ redemption: r, pointsReturned: 0 });
  if (r.status !== 'issued') return fail('conflict', `redemption ${r.id} is ${r.status === 'used' ? 'used' : 'clawed back'} and cannot be cancelled`);
  let returned = 0;
  if (r.entry_id !== null) {
    const back = await ledger.cancelRedemption(tx, {
      workspaceId: input.workspaceId,
      customerId: r.customer_id,
      at: input.at,
      key: `redemption-cancel:${r.id}`,
      redemptionId: r.id,
      reason: input.reason,
    });
    if (!back.ok) return fail(back.code === 'not_found' ? 'not_found' : back.code === 'validation_failed' ? 'validation_failed' : 'conflict', back.message);
    returned = back.value.available;
  }
  await setRedemptionStatus(tx, input.workspaceId, r.id, 'cancelled', input.at);
  return ok({ redemption: { ...r, status: 'cancelled', updated_at: input.at }, pointsReturned: returned });
}

/** Record that a redemption's code was used (at checkout, in store). Repeating it changes nothing; a cancelled or clawed-back one cannot be. */
export async function markUsed(tx: Queryable, input: { workspaceId: number; redemptionId: number; at: Date }): Promise<Result<RedemptionRow, Failure<'not_found'> | Failure<'conflict'>>> {
  const r = await lockRedemption(tx, input.workspaceId, input.redemptionId);
  if (!r) return fail('not_found', `no redemption ${input.redemptionId}`);
  if (r.status === 'used') return ok(r);
  if (r.status !== 'issued') return fail('conflict', `redemption ${r.id} was ${r.status === 'cancelled' ? 'cancelled' : 'clawed back'}: it cannot be used`);
  await setRedemptionStatus(tx, input.workspaceId, r.id, 'used', input.at);
  return ok({ ...r, status: 'used', updated_at: input.at });
}
