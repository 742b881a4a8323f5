import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import type { JourneyStats } from '../../contracts/journey.js';
import type { Queryable } from '../db/client.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/**
 * Two-proportion z-test (pooled): is the difference between x1/n1 and x2/n2 more than
 * chance? Returns the two-sided p-value, or null when either group is empty or the pooled
 * rate is 0 or 1 (no variance to test against).
 */
export function twoProportionPValue(x1: number, n1: number, x2: number, n2: number): number | null {
  if (n1 === 0 || n2 === 0) return null;
  const p = (x1 + x2) / (n1 + n2);
  if (p === 0 || p === 1) return null;
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  const z = Math.abs(x1 / n1 - x2 / n2) / se;
  return 2 * (1 - normalCdf(z, 0, 1));
}

/** Entries, progress, outcomes, messages and the A/B results of one journey (all versions). */
export async function journeyStats(db: Queryable, workspaceId: number, journeyId: string): Promise<JourneyStats> {
  const { rows: runs } = await db.query<RowPick<typeof schema.journeyRuns, 'status' | 'step' | 'end_reason' | 'variant'> & { n: number }>(
    `SELECT status, step, end_reason, variant, count(*)::int AS n FROM journey_runs WHERE workspace_id = $1 AND journey_id = $2 GROUP BY 1, 2, 3, 4`,
    [workspaceId, journeyId],
  );
  const s: JourneyStats = {
    entered: 0,
    active: 0,
    converted: 0,
    completed: 0,
    exited: 0,
    failed: 0,
    activeByStep: {},
    passedByStep: {},
    holdoutWatching: 0,
    endedByReason: {},
    messages: {},
    skippedByReason: {},
    variants: [],
  };
  const byVariant = new Map<string, { entered: number; converted: number }>();
  for (const r of runs) {
    s.entered += r.n;
    if (r.status === 'active' || r.status === 'waiting') {
      s.active += r.n;
      // A holdout run waits on at its split only to be watched for the goal: it went through
      // the split (passedByStep counts it), so it is not "here" too (that counted it twice).
      if (r.variant === 'holdout' && r.status === 'waiting') s.holdoutWatching += r.n;
      else s.activeByStep[r.step] = (s.activeByStep[r.step] ?? 0) + r.n;
    } else {
      if (r.status === 'converted') s.converted += r.n;
      else if (r.status === 'completed') s.completed += r.n;
      else if (r.status === 'exited') s.exited += r.n;
      else if (r.status === 'failed') s.failed += r.n;
      const reason = r.end_reason ?? r.status;
      s.endedByReason[reason] = (s.endedByReason[reason] ?? 0) + r.n;
    }
    if (r.variant) {
      const v = byVariant.get(r.variant) ?? { entered: 0, converted: 0 };
      v.entered += r.n;
      if (r.status === 'converted') v.converted += r.n;
      byVariant.set(r.variant, v);
    }
  }
  const { rows: passed } = await db.query<RowPick<typeof schema.journeyStepCounts, 'step_id'> & { n: number }>(
    `SELECT step_id, sum(passed)::float8 AS n FROM journey_step_counts WHERE workspace_id = $1 AND journey_id = $2 GROUP BY 1`,
    [workspaceId, journeyId],
  );
  for (const p of passed) s.passedByStep[p.step_id] = p.n;
  const { rows: msgs } = await db.query<RowPick<typeof schema.messages, 'channel' | 'status' | 'reason_code'> & { n: number }>(
    `SELECT channel, status, reason_code, count(*)::int AS n FROM messages WHERE workspace_id = $1 AND journey_id = $2 GROUP BY 1, 2, 3`,
    [workspaceId, journeyId],
  );
  for (const m of msgs) {
    const ch = (s.messages[m.channel] ??= {});
    ch[m.status] = (ch[m.status] ?? 0) + m.n;
    if (m.status === 'skipped' && m.reason_code) s.skippedByReason[m.reason_code] = (s.skippedByReason[m.reason_code] ?? 0) + m.n;
  }
  const holdout = byVariant.get('holdout');
  for (const [variant, v] of [...byVariant].sort(([a], [b]) => (a === 'holdout' ? 1 : b === 'holdout' ? -1 : a.localeCompare(b)))) {
    const rate = v.entered > 0 ? v.converted / v.entered : null;
    const hRate = holdout && holdout.entered > 0 ? holdout.converted / holdout.entered : null;
    const vs = variant !== 'holdout' && holdout;
    s.variants.push({
      variant,
      entered: v.entered,
      converted: v.converted,
      rate,
      liftVsHoldout: vs && rate !== null && hRate ? (rate - hRate) / hRate : null,
      pValue: vs ? twoProportionPValue(v.converted, v.entered, holdout.converted, holdout.entered) : null,
    });
  }
  return s;
}
