/** Colours for lifecycle stages: known keys get fixed colours, others a stable one from the palette. */
const KNOWN: Record<string, string> = {
  awareness: '#94a3b8',
  acquisition: '#38bdf8',
  engagement: '#0ea5e9',
  education: '#22d3ee',
  evaluation: '#06b6d4',
  activation: '#14b8a6',
  conversion: '#4f46e5',
  retention: '#10b981',
  loyalty: '#8b5cf6',
  at_risk: '#f59e0b',
  churned: '#ef4444',
};
const OTHER = ['#0ea5e9', '#14b8a6', '#a855f7', '#f97316', '#84cc16', '#ec4899'];

export function stageColor(key: string | null | undefined): string {
  if (!key) return '#cbd5e1';
  const k = KNOWN[key];
  if (k) return k;
  let h = 0;
  for (const c of key) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return OTHER[h % OTHER.length]!;
}
