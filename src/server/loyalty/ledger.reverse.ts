/**
 * Reversals (a refund of an order, a referral reward clawed back) and cancelled redemptions.
 * A reversal takes the earn's own lot first (pending points, then spendable), then the order's
 * other lots, then the member's other lots in the consumption order; what is left follows the
 * policy: `negative` leaves a lot-less `available` posting (a negative balance the next points
 * pay off), `clawback` first cancels the member's unused rewards bought with points (newest
 * first: status `clawed_back`, a `cancel` entry returning the points as a lot), then goes
 * negative for the rest.
 */
import { TENURE_EV } from '../../contracts/events.js';
import type { Queryable } from '../db/client.js';
import { fail, ok, type Result } from '../lib/result.js';
import { planConsumption, reversalDue } from './ledger-core.js';
import type { CancelRedemptionInput, EntryResult, LedgerFailure, ReverseEntryInput, ReverseOrderInput } from './ledger.js';
import { cancelOf, clawableRedemptions, earliestExpiryTaken, redemptionById, type RedemptionRow } from './ledger-redemptions.repo.js';
import { defaultExpiryDays, earnsOfOrder, entriesReversing, entryById, lockMembers, lotOfEntry, lotStates, type PostingSpec, type StoredEntry } from './ledger.repo.js';
import { addDays, isDb, replayOf, resultOf, writeMove } from './ledger.write.js';

/**
 * A refund of `orderId`: reverse what the order earned, pro rata to the refunded amount (see
 * ReverseOrderInput and ledger-core.ts reversalDue). One entry per earn entry of the order, keyed
 * `<key>:<earn entry id>`, carrying this refund (`detail.refunded`) and the order's refunds so
 * far (`detail.refundedTotal`); a refund too small to reverse a whole point is recorded with 0
 * points so the next refund counts it. An earn without an order value is reversed only by a
 * full refund (`refunded` null).
 */
export async function reverseOrder(tx: Queryable, input: ReverseOrderInput): Promise<Result<EntryResult[], LedgerFailure>> {
  if (isDb(tx)) return tx.transaction((t) => reverseOrder(t, input));
  if (input.refunded !== null && (!Number.isFinite(input.refunded) || input.refunded <= 0)) {
    return fail('validation_failed', `refunded must be a positive amount or null (got ${input.refunded}).`, { field: 'refunded' });
  }
  const { workspaceId, customerId } = input;
  await lockMembers(tx, [customerId]);
  const out: EntryResult[] = [];
  for (const earn of await earnsOfOrder(tx, workspaceId, customerId, input.orderId)) {
    const key = `${input.key}:${earn.id}`;
    const replay = await replayOf(tx, workspaceId, key, { customerId, kind: 'reverse', check: (e) => e.reverses === earn.id && (e.detail.refunded ?? null) === input.refunded });
    if (replay) {
      if (!replay.ok) return replay;
      out.push(replay.value);
      continue;
    }
    const before = await entriesReversing(tx, workspaceId, earn.id, 'reverse');
    const reversedBefore = before.reduce((s, e) => s + e.points, 0);
    const wasFull = before.some((e) => e.detail.refundedTotal === null);
    const refundedBefore = before.reduce((s, e) => s + (typeof e.detail.refunded === 'number' ? e.detail.refunded : 0), 0);
    const refundedTotal = input.refunded === null || wasFull ? null : refundedBefore + input.refunded;
    const orderValue = typeof earn.rule?.orderValue === 'number' ? earn.rule.orderValue : null;
    const due = reversalDue({ earned: earn.points, orderValue, refundedTotal, reversedBefore });
    const r = await reverseEarn(tx, input, earn, due, key, input.policy, { refunded: input.refunded, refundedTotal, orderValue, policy: input.policy }, null);
    out.push(r);
  }
  return ok(out);
}

/** Reverse what is left of one earn entry (a referral reward clawed back). */
export async function reverseEntry(tx: Queryable, input: ReverseEntryInput): Promise<Result<EntryResult, LedgerFailure>> {
  if (isDb(tx)) return tx.transaction((t) => reverseEntry(t, input));
  const { workspaceId, customerId } = input;
  await lockMembers(tx, [customerId]);
  const replay = await replayOf(tx, workspaceId, input.key, { customerId, kind: 'reverse', check: (e) => e.reverses === input.entryId });
  if (replay) return replay;
  const earn = await entryById(tx, workspaceId, input.entryId);
  if (!earn || earn.kind !== 'earn' || earn.customerId !== customerId) return fail('not_found', `No earn entry ${input.entryId} of this member.`);
  const before = await entriesReversing(tx, workspaceId, earn.id, 'reverse');
  const due = Math.max(0, earn.points - before.reduce((s, e) => s + e.points, 0));
  return ok(await reverseEarn(tx, input, earn, due, input.key, input.policy, { policy: input.policy }, input.reason));
}

/** Write one reverse entry of `due` points of `earn` (the member's lock held, the key new). */
async function reverseEarn(
  tx: Queryable,
  input: { workspaceId: number; customerId: number; at: Date; sourceEvent?: string | null },
  earn: StoredEntry,
  due: number,
  key: string,
  policy: 'negative' | 'clawback',
  detail: Record<string, unknown>,
  reason: string | null,
): Promise<EntryResult> {
  const { workspaceId, customerId, at } = input;
  const postings: PostingSpec[] = [];
  let left = due;
  const own = await lotOfEntry(tx, earn.id);
  if (left > 0 && own !== null) {
    const [lot] = await lotStates(tx, workspaceId, customerId, [own]);
    const fromPending = Math.min(left, Math.max(0, lot?.pending ?? 0));
    if (fromPending > 0) postings.push({ account: 'pending', customerId, lotId: own, amount: -fromPending });
    left -= fromPending;
  }
  if (left > 0) {
    let lots = await lotStates(tx, workspaceId, customerId);
    const first = () => [...(own !== null ? [own] : []), ...lots.filter((l) => l.orderId === earn.orderId && earn.orderId !== null).map((l) => l.id)];
    let plan = planConsumption(lots, left, first());
    if (plan.short > 0 && policy === 'clawback') {
      for (const red of await clawableRedemptions(tx, workspaceId, customerId)) {
        await cancelInner(tx, workspaceId, customerId, red, `clawback:${key}:${red.id}`, at, `Clawed back: ${earn.orderId ? `order ${earn.orderId} refunded` : 'points reversed'}`, 'clawed_back');
        lots = await lotStates(tx, workspaceId, customerId);
        plan = planConsumption(lots, left, first());
        if (plan.short === 0) break;
      }
    }
    for (const t of plan.takes) postings.push({ account: 'available', customerId, lotId: t.lotId, amount: -t.amount });
    if (plan.short > 0) postings.push({ account: 'available', customerId, lotId: null, amount: -plan.short });
  }
  if (due > 0) postings.push({ account: 'issued', customerId: null, amount: due });
  const written = await writeMove(
    tx,
    { workspaceId, key, kind: 'reverse', customerId, points: due, at, orderId: earn.orderId, sourceEvent: input.sourceEvent ?? null, reverses: earn.id, referralId: null, reason, detail, postings },
    due > 0
      ? [
          {
            customerId,
            event: TENURE_EV.pointsReversed,
            props: { order_id: earn.orderId ?? undefined, rule_id: typeof earn.rule?.id === 'string' ? earn.rule.id : undefined, reason: reason ?? undefined },
          },
        ]
      : [],
    customerId,
  );
  if (!written) throw new Error(`loyalty entry ${key}: key taken under the member lock`);
  return written;
}

/** Cancel a redemption: its points come back as a new lot (expiring as the earliest lot it consumed did, or the programme default). */
export async function cancelRedemption(tx: Queryable, input: CancelRedemptionInput): Promise<Result<EntryResult, LedgerFailure>> {
  if (isDb(tx)) return tx.transaction((t) => cancelRedemption(t, input));
  const { workspaceId, customerId } = input;
  await lockMembers(tx, [customerId]);
  const replay = await replayOf(tx, workspaceId, input.key, { customerId, kind: 'cancel', check: (e) => e.redemptionId === input.redemptionId });
  if (replay) return replay;
  const red = await redemptionById(tx, workspaceId, input.redemptionId);
  if (!red || red.customerId !== customerId) return fail('not_found', `No redemption ${input.redemptionId} of this member.`);
  if (red.entryId === null) return fail('validation_failed', 'This reward was given without points: there are none to return.', { field: 'redemptionId' });
  if ((await cancelOf(tx, workspaceId, red.id)) !== null) return fail('conflict', `Redemption ${red.id} was cancelled already.`);
  return ok(await cancelInner(tx, workspaceId, customerId, red, input.key, input.at, input.reason, null));
}

/**
 * The `cancel` entry of a redemption (lock held, not cancelled before): available +p on a new
 * lot, redeemed −p. With `status`, the redemption row is set to it (a clawback); otherwise its
 * status is the rewards service's to set.
 */
async function cancelInner(tx: Queryable, workspaceId: number, customerId: number, red: RedemptionRow, key: string, at: Date, reason: string, status: 'clawed_back' | null): Promise<EntryResult> {
  const redeem = await entryById(tx, workspaceId, red.entryId!);
  const points = redeem?.points ?? red.points;
  const taken = await earliestExpiryTaken(tx, red.entryId!);
  const expiresAt = taken !== undefined ? taken : addDays(at, await defaultExpiryDays(tx, workspaceId));
  if (status) await tx.query(`UPDATE loyalty_redemptions SET status = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2`, [workspaceId, red.id, status, at.toISOString()]);
  const written = await writeMove(
    tx,
    {
      workspaceId,
      key,
      kind: 'cancel',
      customerId,
      points,
      at,
      reverses: red.entryId,
      redemptionId: red.id,
      reason,
      detail: status ? { status } : {},
      lots: [{ customerId, points, earnedAt: at, expiresAt }],
      postings: [
        { account: 'available', customerId, newLot: 0, amount: points },
        { account: 'redeemed', customerId: null, amount: -points },
      ],
    },
    [{ customerId, event: TENURE_EV.redemptionCancelled, props: { redemption_id: red.id, reward_id: red.rewardId, reason }, fresh: { newLots: [0] } }],
    customerId,
  );
  if (!written) return resultOf(tx, workspaceId, (await cancelOf(tx, workspaceId, red.id))!, customerId, true);
  return written;
}
