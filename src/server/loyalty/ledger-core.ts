/**
 * The ledger's pure core: which lots a move takes points from, how a negative balance is paid
 * off, and how much a refund reverses. No SQL and no clock here; ledger.write.ts turns the plans
 * into entries and postings.
 */

/** A member's lot as the core sees it: what is left of it, spendable or pending. */
export interface LotState {
  id: number;
  /** Spendable points left (Σ of its `available` postings). */
  available: number;
  /** Points still pending (Σ of its `pending` postings). */
  pending: number;
  expiresAt: Date | null;
  orderId: string | null;
}

/** Points taken from one lot. */
export interface Take {
  lotId: number;
  amount: number;
}

/**
 * The consumption order: the lot that expires first, lots without expiry last, then the
 * oldest (lowest id). Only lots with spendable points are returned.
 */
export function consumptionOrder(lots: readonly LotState[]): LotState[] {
  return lots
    .filter((l) => l.available > 0)
    .sort((a, b) => {
      const ea = a.expiresAt ? a.expiresAt.getTime() : Number.POSITIVE_INFINITY;
      const eb = b.expiresAt ? b.expiresAt.getTime() : Number.POSITIVE_INFINITY;
      if (ea !== eb) return ea < eb ? -1 : 1;
      return a.id - b.id;
    });
}

/**
 * Take `points` spendable points from the lots, `first` lots (in that order) before the rest in
 * the consumption order. `short`: what the lots could not cover.
 */
export function planConsumption(lots: readonly LotState[], points: number, first: readonly number[] = []): { takes: Take[]; short: number } {
  const byId = new Map(lots.map((l) => [l.id, l]));
  const ordered: LotState[] = [];
  const seen = new Set<number>();
  for (const id of first) {
    const l = byId.get(id);
    if (l && l.available > 0 && !seen.has(id)) {
      ordered.push(l);
      seen.add(id);
    }
  }
  for (const l of consumptionOrder(lots)) if (!seen.has(l.id)) ordered.push(l);
  const takes: Take[] = [];
  let left = points;
  for (const l of ordered) {
    if (left <= 0) break;
    const amount = Math.min(l.available, left);
    takes.push({ lotId: l.id, amount });
    left -= amount;
  }
  return { takes, short: left };
}

/**
 * Pay off a negative balance (`debt` > 0) from lots that just became spendable, in their
 * consumption order: what each lot gives. Empty when there is no debt.
 */
export function planSettle(debt: number, fresh: readonly LotState[]): Take[] {
  if (debt <= 0) return [];
  return planConsumption(fresh, debt).takes;
}

/**
 * How many points a refund reverses of one earn (the pro-rata contract of ledger.ts):
 * reversed after = floor(earned × min(1, refunded so far ÷ order value)); this refund reverses
 * that less what was reversed before, never below zero. `refundedTotal` null: the whole order.
 * An earn without an order value (fixed points on an order) is reversed only by a full refund:
 * without the value, no share of it can be worked out. A tiny epsilon keeps decimal amounts
 * (0.1 + 0.2) from flooring one point short.
 */
export function reversalDue(p: { earned: number; orderValue: number | null | undefined; refundedTotal: number | null; reversedBefore: number }): number {
  let target: number;
  if (p.refundedTotal === null) target = p.earned;
  else if (!p.orderValue || p.orderValue <= 0) target = 0;
  else target = Math.floor(p.earned * Math.min(1, p.refundedTotal / p.orderValue) + 1e-9);
  return Math.max(0, Math.min(p.earned, target) - p.reversedBefore);
}
