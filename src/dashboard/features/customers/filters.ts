/** Churn-risk bands of the Risk filter, as GET /api/customers takes them: at least `atLeast`, below `below` (0–100). */
const HIGH = 50;
const MEDIUM = 20;
export const RISK_BANDS = [
  { value: 'high', label: `High churn risk (${HIGH} and over)`, atLeast: HIGH, below: undefined },
  { value: 'medium', label: `Medium churn risk (${MEDIUM} to ${HIGH})`, atLeast: MEDIUM, below: HIGH },
  { value: 'low', label: `Low churn risk (under ${MEDIUM})`, atLeast: undefined, below: MEDIUM },
] as const;
export type RiskBand = (typeof RISK_BANDS)[number];

/** The band the URL's riskAtLeast / riskBelow describe, or null when they are another range or unset. */
export function bandOf(atLeast: string | null, below: string | null): RiskBand | null {
  return RISK_BANDS.find((b) => String(b.atLeast ?? '') === (atLeast ?? '') && String(b.below ?? '') === (below ?? '')) ?? null;
}

/** The tone a churn risk is shown in. */
export function riskTone(risk: number): 'bad' | 'warn' | 'good' {
  return risk >= HIGH ? 'bad' : risk >= MEDIUM ? 'warn' : 'good';
}

/** Cursors of the pages before this one, as kept in the URL (`cursors=688.638`). */
export function parseCursors(v: string | null): string[] {
  return (v ?? '').split('.').filter((c) => /^\d+$/.test(c));
}
