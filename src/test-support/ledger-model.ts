/**
 * TEST SUPPORT: an independent, in-memory model of the points ledger, written from the rules of
 * ledger.ts (not from its code) for the property test: lots with what is left of them, each
 * member's debt, earns with what was refunded and reversed, redemptions. Times are epoch ms.
 */

export interface MLot {
  seq: number;
  c: number;
  points: number;
  avail: number;
  pend: number;
  exp: number | null;
  pendUntil: number | null;
  pendEvent: string | null;
  orderId: string | null;
}

export interface MEarn {
  c: number;
  points: number;
  orderId: string | null;
  orderValue: number | undefined;
  lot: MLot;
  refunded: number;
  full: boolean;
  reversed: number;
}

export interface MRedemption {
  id: number;
  c: number;
  points: number;
  status: 'issued' | 'clawed_back';
  created: number;
  /** The earliest expiry of the lots the redemption took from (null: none of them expires). */
  exp: number | null;
}

const INF = Number.POSITIVE_INFINITY;
const byConsumption = (a: MLot, b: MLot) => (a.exp ?? INF) - (b.exp ?? INF) || a.seq - b.seq;

export class LedgerModel {
  lots: MLot[] = [];
  earns: MEarn[] = [];
  redemptions: MRedemption[] = [];
  debt = new Map<number, number>();

  balance(c: number): number {
    return this.lots.filter((l) => l.c === c).reduce((s, l) => s + l.avail, 0) - (this.debt.get(c) ?? 0);
  }
  pending(c: number): number {
    return this.lots.filter((l) => l.c === c).reduce((s, l) => s + l.pend, 0);
  }

  private lot(c: number, points: number, exp: number | null, avail: boolean, extra: Partial<MLot> = {}): MLot {
    const l: MLot = { seq: this.lots.length, c, points, avail: avail ? points : 0, pend: avail ? 0 : points, exp, pendUntil: null, pendEvent: null, orderId: null, ...extra };
    this.lots.push(l);
    return l;
  }

  /** Pay the member's debt from lots that just became spendable, the one expiring first first. */
  private settle(c: number, lots: MLot[]): void {
    let d = this.debt.get(c) ?? 0;
    for (const l of [...lots].filter((x) => x.avail > 0).sort(byConsumption)) {
      if (d <= 0) break;
      const t = Math.min(d, l.avail);
      l.avail -= t;
      d -= t;
    }
    this.debt.set(c, d);
  }

  /** Take up to p from the member's spendable lots: `first` ones first, then by expiry. */
  private take(c: number, p: number, first: MLot[] = []): { takes: Array<[MLot, number]>; short: number } {
    const rest = this.lots.filter((l) => l.c === c && l.avail > 0 && !first.includes(l)).sort(byConsumption);
    const takes: Array<[MLot, number]> = [];
    let left = p;
    for (const l of [...first.filter((x) => x.avail > 0), ...rest]) {
      if (left === 0) break;
      const t = Math.min(left, l.avail);
      takes.push([l, t]);
      left -= t;
    }
    return { takes, short: left };
  }
  private apply(takes: Array<[MLot, number]>): void {
    for (const [l, t] of takes) l.avail -= t;
  }

  earn(c: number, points: number, exp: number | null, o: { pendUntil?: number | null; pendEvent?: string | null; orderId?: string | null; orderValue?: number }): void {
    const pending = (o.pendUntil ?? null) !== null || (o.pendEvent ?? null) !== null;
    const l = this.lot(c, points, exp, !pending, { pendUntil: o.pendUntil ?? null, pendEvent: o.pendEvent ?? null, orderId: o.orderId ?? null });
    this.earns.push({ c, points, orderId: o.orderId ?? null, orderValue: o.orderValue, lot: l, refunded: 0, full: false, reversed: 0 });
    if (!pending) this.settle(c, [l]);
  }

  /** Spend (a redemption, a negative adjustment): false when the balance is short. Returns the expiry a cancel would give back. */
  spend(c: number, p: number): { ok: false } | { ok: true; exp: number | null } {
    if (this.balance(c) < p) return { ok: false };
    const { takes, short } = this.take(c, p);
    if (short > 0) throw new Error('model: balance covers but lots do not');
    this.apply(takes);
    const exps = takes.map(([l]) => l.exp).filter((e): e is number => e !== null);
    return { ok: true, exp: exps.length ? Math.min(...exps) : null };
  }

  adjustUp(c: number, p: number, exp: number | null): void {
    this.settle(c, [this.lot(c, p, exp, true)]);
  }

  transfer(a: number, b: number, p: number): boolean {
    if (this.balance(a) < p) return false;
    const { takes } = this.take(a, p);
    this.apply(takes);
    const got = takes.map(([l, t]) => this.lot(b, t, l.exp, true));
    this.settle(b, got);
    return true;
  }

  private release(l: MLot): void {
    l.avail += l.pend;
    l.pend = 0;
    this.settle(l.c, [l]);
  }
  releaseDue(now: number): number {
    const due = this.lots.filter((l) => l.pendUntil !== null && l.pendUntil <= now && l.pend > 0).sort((a, b) => a.pendUntil! - b.pendUntil! || a.seq - b.seq);
    for (const l of due) this.release(l);
    return due.length;
  }
  releaseOnEvent(c: number, event: string, orderId: string | null): number {
    const due = this.lots.filter((l) => l.c === c && l.pendEvent === event && (l.orderId === null || l.orderId === orderId) && l.pend > 0);
    for (const l of due) this.release(l);
    return due.length;
  }
  expireDue(now: number): number {
    const due = this.lots.filter((l) => l.exp !== null && l.exp <= now && l.avail + l.pend > 0);
    for (const l of due) {
      l.avail = 0;
      l.pend = 0;
    }
    return due.length;
  }

  /** A refund of `orderId` of member c: per earn, reversed so far = floor(earned × min(refunded, value) ÷ value). Returns the reversals. */
  refund(c: number, orderId: string, amount: number | null, policy: 'negative' | 'clawback', now: number): number[] {
    const out: number[] = [];
    for (const e of this.earns.filter((x) => x.c === c && x.orderId === orderId)) {
      if (amount === null) e.full = true;
      else e.refunded += amount;
      const target = e.full ? e.points : e.orderValue ? Math.floor((e.points * Math.min(e.refunded, e.orderValue)) / e.orderValue) : 0;
      const due = Math.max(0, target - e.reversed);
      e.reversed += due;
      out.push(due);
      let left = due;
      const fromPend = Math.min(left, e.lot.pend);
      e.lot.pend -= fromPend;
      left -= fromPend;
      if (left === 0) continue;
      const first = [e.lot, ...this.lots.filter((l) => l !== e.lot && l.c === c && l.orderId === orderId)];
      let plan = this.take(c, left, first);
      if (plan.short > 0 && policy === 'clawback') {
        const issued = this.redemptions.filter((r) => r.c === c && r.status === 'issued').sort((a, b) => b.created - a.created || b.id - a.id);
        for (const r of issued) {
          r.status = 'clawed_back';
          this.settle(c, [this.lot(c, r.points, r.exp, true)]);
          plan = this.take(c, left, first);
          if (plan.short === 0) break;
        }
      }
      this.apply(plan.takes);
      this.debt.set(c, (this.debt.get(c) ?? 0) + plan.short);
    }
    void now;
    return out;
  }
}
