/**
 * How every ledger move is written: check the key (a replay returns the stored entry, a key
 * used for another move is a conflict), store the entry, pay off a negative balance from lots
 * that just became spendable (a `settle` entry), keep the `loyalty_points` score, and put the
 * move on the members' timelines with their balances after it.
 */
import { TENURE_EV, type PointsProps } from '../../contracts/events.js';
import type { Queryable } from '../db/client.js';
import { fail, ok, type Result } from '../lib/result.js';
import { writeTimeline, type TimelineEvent } from '../timeline/timeline-writer.js';
import { planConsumption, planSettle } from './ledger-core.js';
import type { EntryResult, LedgerFailure } from './ledger.js';
import { entryByKey, entryChange, insertEntry, lotStates, memberSums, saveScore, type EntrySpec, type StoredEntry } from './ledger.repo.js';

export type PointsEvent = (typeof TENURE_EV)[
  'pointsEarned' | 'pointsReleased' | 'pointsRedeemed' | 'pointsExpired' | 'pointsAdjusted' | 'pointsReversed' | 'pointsTransferred' | 'redemptionCancelled'];

/** A member a move touches: the event on their timeline and what else it says. */
export interface Touched {
  customerId: number;
  event: PointsEvent;
  props?: Partial<PointsProps>;
  /** Lots of this member that became spendable with the move (a negative balance is paid from them). */
  fresh?: { newLots?: number[]; lotIds?: number[] };
}

/** What a stored entry must match for its key to be a replay (not a conflict). */
export interface Expect {
  customerId: number;
  kind: StoredEntry['kind'];
  points?: number;
  counterpartyId?: number | null;
  check?: (e: StoredEntry) => boolean;
}

/** The stored entry under `key` as a replay, a conflict, or null when the key is new. */
export async function replayOf(tx: Queryable, workspaceId: number, key: string, expect: Expect): Promise<Result<EntryResult, LedgerFailure> | null> {
  const e = await entryByKey(tx, workspaceId, key);
  if (!e) return null;
  const same =
    e.customerId === expect.customerId &&
    e.kind === expect.kind &&
    (expect.points === undefined || e.points === expect.points) &&
    (expect.counterpartyId === undefined || e.counterpartyId === expect.counterpartyId) &&
    (!expect.check || expect.check(e));
  if (!same) return fail('conflict', `The key "${key}" was used for another move (entry ${e.id}, ${e.kind} of ${e.points} points).`);
  return ok(await resultOf(tx, workspaceId, e.id, expect.customerId, true));
}

/** An entry's change for the member, with the member's balances now. */
export async function resultOf(tx: Queryable, workspaceId: number, entryId: number, customerId: number, replayed: boolean): Promise<EntryResult> {
  const change = await entryChange(tx, entryId, customerId);
  const sums = await memberSums(tx, workspaceId, customerId);
  return { entryId, replayed, available: change.available, pending: change.pending, balance: sums.available, pendingBalance: sums.pending };
}

/**
 * Write a move: the entry (whose key the caller checked under the member lock), the settle of
 * any negative balance, the score and the timeline events. `primary` is the member whose
 * result is returned. Returns null when the key was taken meanwhile (the caller replays).
 */
export async function writeMove(tx: Queryable, spec: EntrySpec, touched: Touched[], primary: number): Promise<EntryResult | null> {
  const stored = await insertEntry(tx, spec);
  if (!stored) return null;
  const { entryId, lotIds } = stored;
  for (const t of touched) {
    if (!t.fresh) continue;
    const ids = [...(t.fresh.lotIds ?? []), ...(t.fresh.newLots ?? []).map((i) => lotIds[i]!)];
    await settle(tx, spec.workspaceId, t.customerId, ids, entryId, spec.at);
  }
  const events: TimelineEvent[] = [];
  let result: EntryResult | null = null;
  for (const t of touched) {
    const change = await entryChange(tx, entryId, t.customerId);
    const sums = await memberSums(tx, spec.workspaceId, t.customerId);
    await saveScore(tx, spec.workspaceId, t.customerId, sums.available, spec.at);
    const props: PointsProps = {
      entry_id: entryId,
      kind: spec.kind,
      points: change.available,
      pending_points: change.pending,
      balance: sums.available,
      pending_balance: sums.pending,
      ...dropUndefined(t.props ?? {}),
    };
    events.push({
      workspaceId: spec.workspaceId,
      customerId: t.customerId,
      event: t.event,
      properties: props,
      at: spec.at,
      key: { kind: 'points', entry: entryId, customer: t.customerId },
    } as TimelineEvent);
    if (t.customerId === primary) result = { entryId, replayed: false, available: change.available, pending: change.pending, balance: sums.available, pendingBalance: sums.pending };
  }
  await writeTimeline(tx, events, { derivedWork: ['stage', 'segment'] });
  return result ?? (await resultOf(tx, spec.workspaceId, entryId, primary, false));
}

/**
 * Pay off the member's negative balance from lots that just became spendable: a `settle`
 * entry (key `settle:<cause>:<customer>`) moving the debt onto the lots (available −d on each
 * lot, +Σd without lot); the balance does not change. No event: the move that caused it has one.
 */
export async function settle(tx: Queryable, workspaceId: number, customerId: number, lotIds: number[], causeId: number | string, at: Date): Promise<number> {
  if (lotIds.length === 0) return 0;
  const { debt } = await memberSums(tx, workspaceId, customerId);
  if (debt <= 0) return 0;
  const takes = planSettle(debt, await lotStates(tx, workspaceId, customerId, lotIds));
  const total = takes.reduce((s, t) => s + t.amount, 0);
  if (total === 0) return 0;
  await insertEntry(tx, {
    workspaceId,
    key: `settle:${causeId}:${customerId}`,
    kind: 'settle',
    customerId,
    points: total,
    at,
    detail: { cause: causeId },
    postings: [...takes.map((t) => ({ account: 'available' as const, customerId, lotId: t.lotId, amount: -t.amount })), { account: 'available', customerId, lotId: null, amount: total }],
  });
  return total;
}

/**
 * The database itself rather than an open transaction: a move then runs in a transaction of
 * its own (the member lock lasts for a transaction; on a pool, statements outside one may run
 * on different connections).
 */
export function isDb(tx: Queryable): tx is Queryable & { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> } {
  return typeof (tx as { transaction?: unknown }).transaction === 'function';
}

/**
 * Check the key under the member lock, then write the move; a key stored meanwhile by another
 * transaction (a different member's lock) is answered as a replay or conflict.
 */
export async function once(
  tx: Queryable,
  key: { workspaceId: number; key: string },
  expect: Expect,
  build: () => Promise<Result<{ spec: EntrySpec; touched: Touched[] }, LedgerFailure>>,
): Promise<Result<EntryResult, LedgerFailure>> {
  const replay = await replayOf(tx, key.workspaceId, key.key, expect);
  if (replay) return replay;
  const built = await build();
  if (!built.ok) return built;
  const written = await writeMove(tx, built.value.spec, built.value.touched, expect.customerId);
  if (written) return ok(written);
  const again = await replayOf(tx, key.workspaceId, key.key, expect);
  if (!again) throw new Error(`loyalty entry ${key.key}: key taken but not found`);
  return again;
}

/** Spend `points` from the member's lots in the consumption order (the balance must cover them). */
export async function consume(tx: Queryable, workspaceId: number, customerId: number, points: number): Promise<Result<{ lotId: number; amount: number }[], LedgerFailure>> {
  const sums = await memberSums(tx, workspaceId, customerId);
  if (sums.available < points) return fail('insufficient_points', `The member has ${sums.available} points available, ${points} needed.`, { balance: sums.available });
  const plan = planConsumption(await lotStates(tx, workspaceId, customerId), points);
  if (plan.short > 0) throw new Error(`loyalty: balance ${sums.available} but lots short by ${plan.short}`);
  return ok(plan.takes);
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}

/** A positive whole number of points, or the validation failure saying so. */
export function checkPoints(points: number, field = 'points'): Result<void, LedgerFailure> {
  if (!Number.isSafeInteger(points) || points <= 0) return fail('validation_failed', `${field} must be a positive whole number (got ${points}).`, { field });
  return ok();
}

export function addDays(at: Date, days: number | null): Date | null {
  return days === null ? null : new Date(at.getTime() + days * 86_400_000);
}
