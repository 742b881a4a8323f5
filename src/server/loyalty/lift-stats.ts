/**
 * The arithmetic of the lift report (loyalty-reports.ts), pure: differences between two
 * groups with their 95% intervals by the normal approximation, and the 1:1 matching of
 * members to comparable non-members.
 */

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

export interface Interval {
  diff: number | null;
  low: number | null;
  high: number | null;
}

const NONE: Interval = { diff: null, low: null, high: null };

/**
 * Difference of two proportions (x1/n1 − x2/n2) with its 95% interval by the normal
 * approximation, unpooled: SE = √(p1(1−p1)/n1 + p2(1−p2)/n2). Proportions as fractions (0.2 = 20 points).
 */
export function proportionDiff(x1: number, n1: number, x2: number, n2: number): Interval {
  if (n1 === 0 || n2 === 0) return NONE;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  const diff = p1 - p2;
  return { diff, low: diff - Z95 * se, high: diff + Z95 * se };
}

/** Mean and sample variance (n − 1 in the denominator; 0 for a single value). */
export function meanVar(xs: readonly number[]): { mean: number; variance: number } {
  const n = xs.length;
  if (n === 0) return { mean: NaN, variance: NaN };
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const variance = n < 2 ? 0 : xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
  return { mean, variance };
}

/**
 * Difference of two means with its 95% interval: Welch's standard error
 * √(s1²/n1 + s2²/n2) (no equal-variance assumption) and the normal quantile (the groups
 * compared have 30 or more each, else the report says they are too few).
 */
export function meanDiff(a: readonly number[], b: readonly number[]): Interval {
  if (a.length === 0 || b.length === 0) return NONE;
  const x = meanVar(a);
  const y = meanVar(b);
  const se = Math.sqrt(x.variance / a.length + y.variance / b.length);
  const diff = x.mean - y.mean;
  return { diff, low: diff - Z95 * se, high: diff + Z95 * se };
}

/** Spend bands (workspace currency, net of refunds) members and non-members are matched on. */
export const SPEND_BANDS = [0, 100, 500, 2000] as const;

/** The band of a spend: `none` (0 or less), then `<100`, `100-500`, `500-2000`, `2000+`. */
export function spendBand(spend: number): string {
  if (spend <= 0) return 'none';
  if (spend < 100) return '<100';
  if (spend < 500) return '100-500';
  if (spend < 2000) return '500-2000';
  return '2000+';
}

export interface Candidate {
  id: number;
  stage: string | null;
  spend: number;
}

/** A fixed scramble of an id (Knuth's multiplicative hash): the order candidates are paired in, the same on every run. */
function scramble(id: number): number {
  return Number((BigInt(id) * 2654435761n) % 4294967296n);
}

/**
 * Match members to non-members 1:1, without replacement, on (stage at the start, spend band
 * before it): within each cell the first min(members, others) of each side, in a fixed
 * scrambled order of their ids, are paired; the rest of either side is left out. Returns the
 * ids kept on each side (equal in number).
 */
export function matchOneToOne(members: readonly Candidate[], others: readonly Candidate[]): { members: number[]; others: number[] } {
  const cell = (c: Candidate) => `${c.stage ?? '(none)'}|${spendBand(c.spend)}`;
  const group = (xs: readonly Candidate[]) => {
    const m = new Map<string, number[]>();
    for (const c of xs) {
      const k = cell(c);
      const list = m.get(k) ?? [];
      list.push(c.id);
      m.set(k, list);
    }
    for (const list of m.values()) list.sort((p, q) => scramble(p) - scramble(q) || p - q);
    return m;
  };
  const gm = group(members);
  const go = group(others);
  const out = { members: [] as number[], others: [] as number[] };
  for (const [k, ms] of [...gm.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const os = go.get(k) ?? [];
    const n = Math.min(ms.length, os.length);
    out.members.push(...ms.slice(0, n));
    out.others.push(...os.slice(0, n));
  }
  return out;
}
