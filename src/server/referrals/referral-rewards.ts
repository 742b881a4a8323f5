/**
 * The reward side of referrals, in one place: points through the ledger (ledger.earn, key
 * `referral:<id>:friend|advocate`, expiring as the loyalty programme's default, else after
 * 365 days; points go to the ledger even without a live programme) or a catalogue reward
 * (rewards.service grantReward, channel `referral`); a clawback reverses the earn entry
 * (ledger.reverseEntry, the programme's spentReversal policy, default `negative`) or claws
 * back the redemption (clawBackRedemption).
 */
import type { ReferralReward } from '../../contracts/referrals.js';
import type { Queryable } from '../db/client.js';
import * as ledger from '../loyalty/ledger.js';
import { fail, ok, type Result } from '../lib/result.js';

export type Side = 'friend' | 'advocate';

/** What was paid. */
export interface Paid {
  points: number | null;
  rewardId: string | null;
}

/** Pays and claws back referral rewards (the ledger and the rewards service; tests may pass another). */
export interface ReferralRewarder {
  pay(tx: Queryable, input: { workspaceId: number; referralId: number; side: Side; customerId: number; reward: ReferralReward; at: Date }): Promise<Result<Paid>>;
  /** Undo what `pay` gave this side (nothing paid: ok with `clawedBack: false`). */
  clawBack(tx: Queryable, input: { workspaceId: number; referralId: number; side: Side; at: Date; reason: string }): Promise<Result<{ clawedBack: boolean }>>;
}

/** The idempotency key of a side's reward. */
export function rewardKey(referralId: number, side: Side): string {
  return `referral:${referralId}:${side}`;
}

const DAY = 86_400_000;

/** The programme's default expiry in days (settings.expiresAfterDays), else 365; its spent-points policy, else `negative`. */
async function programmeDefaults(tx: Queryable, workspaceId: number): Promise<{ expiresAfterDays: number; policy: 'negative' | 'clawback' }> {
  const { rows } = await tx.query<{ days: string | null; policy: string | null }>(
    `SELECT settings ->> 'expiresAfterDays' AS days, settings ->> 'spentReversal' AS policy FROM loyalty_programmes WHERE workspace_id = $1`,
    [workspaceId],
  );
  const days = rows[0]?.days != null ? Number(rows[0].days) : NaN;
  return { expiresAfterDays: Number.isFinite(days) && days > 0 ? days : 365, policy: rows[0]?.policy === 'clawback' ? 'clawback' : 'negative' };
}

/** The rewards service's calls this module uses (src/server/loyalty/rewards.service.ts, loaded when first needed). */
interface RewardsService {
  grantReward(
    tx: Queryable,
    input: { workspaceId: number; customerId: number; rewardId: string; key: string; at: Date; channel: 'referral' | 'admin'; referralId?: number | null },
  ): Promise<Result<{ redemptionId: number; code: string | null; replayed: boolean }>>;
  clawBackRedemption(tx: Queryable, input: { workspaceId: number; redemptionId: number; at: Date; reason: string }): Promise<Result<{ status: 'clawed_back' | 'used' }>>;
}

const REWARDS_SERVICE = '../loyalty/rewards.service.js';
async function rewardsService(): Promise<RewardsService> {
  return (await import(REWARDS_SERVICE)) as RewardsService;
}

/** The rewarder over Tenure's ledger and rewards catalogue. */
export const ledgerRewarder: ReferralRewarder = {
  async pay(tx, input) {
    const key = rewardKey(input.referralId, input.side);
    if ('points' in input.reward) {
      const { expiresAfterDays } = await programmeDefaults(tx, input.workspaceId);
      const r = await ledger.earn(tx, {
        workspaceId: input.workspaceId,
        customerId: input.customerId,
        at: input.at,
        key,
        points: input.reward.points,
        expiresAt: new Date(input.at.getTime() + expiresAfterDays * DAY),
        referralId: input.referralId,
        reason: `referral reward (${input.side})`,
      });
      if (!r.ok) return fail(r.code, r.message);
      return ok({ points: input.reward.points, rewardId: null });
    }
    const g = await (
      await rewardsService()
    ).grantReward(tx, { workspaceId: input.workspaceId, customerId: input.customerId, rewardId: input.reward.rewardId, key, at: input.at, channel: 'referral', referralId: input.referralId });
    if (!g.ok) return fail(g.code, g.message);
    return ok({ points: null, rewardId: input.reward.rewardId });
  },

  async clawBack(tx, input) {
    const key = rewardKey(input.referralId, input.side);
    const { rows: entries } = await tx.query<{ id: number | string; customer_id: number | string }>(
      `SELECT id, customer_id FROM loyalty_entries WHERE workspace_id = $1 AND idempotency_key = $2 AND kind = 'earn'`,
      [input.workspaceId, key],
    );
    let clawedBack = false;
    if (entries[0]) {
      const { policy } = await programmeDefaults(tx, input.workspaceId);
      const r = await ledger.reverseEntry(tx, {
        workspaceId: input.workspaceId,
        customerId: Number(entries[0].customer_id),
        at: input.at,
        key: `${key}:clawback`,
        entryId: Number(entries[0].id),
        reason: input.reason,
        policy,
      });
      if (!r.ok) return fail(r.code, r.message);
      clawedBack = true;
    }
    const { rows: redemptions } = await tx.query<{ id: number | string }>(`SELECT id FROM loyalty_redemptions WHERE workspace_id = $1 AND idempotency_key = $2 AND status = 'issued'`, [
      input.workspaceId,
      key,
    ]);
    if (redemptions[0]) {
      const r = await (await rewardsService()).clawBackRedemption(tx, { workspaceId: input.workspaceId, redemptionId: Number(redemptions[0].id), at: input.at, reason: input.reason });
      if (!r.ok) return fail(r.code, r.message);
      clawedBack = r.value.status === 'clawed_back';
    }
    return ok({ clawedBack });
  },
};
