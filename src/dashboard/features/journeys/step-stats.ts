import type { Step } from '../../../contracts/journey.js';
import { fmtNumber, fmtPercent } from '../../components/format.js';
import type { JourneyStats } from './types.js';

/**
 * The live counts under a step on the canvas. Every share is of a whole it belongs to:
 * a step's "reached" of the journey's entries, a split's variants and holdout of the runs
 * the split put somewhere (they sum to 100%). A step some runs visit more than once (a loop
 * through a wait) can count more passes than entries: it then shows no share at all.
 */
export function stepStatsLines(s: Step, stats: JourneyStats | undefined): string[] {
  if (!stats) return [];
  const here = stats.activeByStep[s.id] ?? 0;
  const reached = (stats.passedByStep[s.id] ?? 0) + here;
  const ofEntries = (n: number) => (stats.entered > 0 && n <= stats.entered ? ` (${fmtPercent(n / stats.entered)} of entries)` : n > stats.entered ? ' (counts repeat visits)' : '');
  const out: string[] = [];
  if (s.type === 'exit') {
    const finished = stats.endedByReason[`exit:${s.id}`] ?? 0;
    out.push(`${fmtNumber(finished)} finished here${ofEntries(finished)}`);
    return out;
  }
  out.push(`${fmtNumber(reached)} reached${ofEntries(reached)}`, `${fmtNumber(here)} here now`);
  if (s.type === 'split') {
    // This split's variants (others may be of another split or an older version), then its holdout.
    const keys = [...s.variants.map((v) => v.key), ...(s.holdout ? ['holdout'] : [])];
    const groups = keys.map((k) => stats.variants.find((v) => v.variant === k) ?? { variant: k, entered: 0, rate: null });
    const put = groups.reduce((n, g) => n + g.entered, 0);
    for (const g of groups) {
      const share = put > 0 ? ` (${fmtPercent(g.entered / put)})` : '';
      const watching = g.variant === 'holdout' && stats.holdoutWatching > 0 ? ` · ${fmtNumber(stats.holdoutWatching)} still watched` : '';
      out.push(`${g.variant}: ${fmtNumber(g.entered)} in${share} · ${fmtPercent(g.rate)} conv.${watching}`);
    }
  }
  return out;
}
