import type { z } from 'zod';
import type { Distribution, Flows, LifecycleModel, StageHistory, StageStats } from '../../contracts/lifecycle.js';
import type { Queryable } from '../db/client.js';
import { isExtended, type Movement } from './movement.js';
import type { Scope } from '../rules/subjects.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

const PATTERNS: Movement[] = ['entered', 'linear', 'skip', 'regression', 'cyclical', 'recovered'];
const DAY_S = 86_400;

/** Every stage of a model in display order: the ladder, then at_risk and churned. */
export function allStages(model: LifecycleModel) {
  return [...model.stages, model.atRisk, model.churned];
}

/**
 * Customers (or accounts) per stage now, or as of `at` (each subject's last move at or
 * before `at`; subjects that had not appeared yet are not counted).
 */
export async function stageDistribution(db: Queryable, workspaceId: number, model: LifecycleModel, scope: Scope, at?: Date): Promise<z.infer<typeof Distribution>> {
  const { rows } = at
    ? await db.query<{ stage: string; n: number }>(
        `SELECT x.to_stage AS stage, count(*)::int AS n FROM (
           SELECT DISTINCT ON (subject_id) to_stage FROM stage_transitions
            WHERE workspace_id = $1 AND scope = $2 AND at <= $3 ORDER BY subject_id, at DESC, id DESC) x
          GROUP BY x.to_stage`,
        [workspaceId, scope, at.toISOString()],
      )
    : await db.query<RowPick<typeof schema.stageStates, 'stage'> & { n: number }>(`SELECT stage, count(*)::int AS n FROM stage_states WHERE workspace_id = $1 AND scope = $2 GROUP BY stage`, [
        workspaceId,
        scope,
      ]);
  const counts = new Map(rows.map((r) => [r.stage, r.n]));
  const stages = allStages(model).map((s) => ({ key: s.key, name: s.name, count: counts.get(s.key) ?? 0 }));
  // Stages of an earlier model still held by someone (before a recompute) are shown too.
  for (const [key, count] of counts) if (!stages.some((s) => s.key === key)) stages.push({ key, name: key, count });
  return { at: (at ?? new Date()).toISOString(), total: stages.reduce((n, s) => n + s.count, 0), stages };
}

/** Moves between stages in [from, to), by (from, to) and by movement pattern: the data of a Sankey diagram. */
export async function stageFlows(db: Queryable, workspaceId: number, scope: Scope, from?: Date, to?: Date): Promise<z.infer<typeof Flows>> {
  const { rows } = await db.query<RowPick<typeof schema.stageTransitions, 'from_stage' | 'to_stage' | 'pattern', { pattern: Movement }> & { n: number }>(
    `SELECT from_stage, to_stage, pattern, count(*)::int AS n FROM stage_transitions
      WHERE workspace_id = $1 AND scope = $2 AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4)
      GROUP BY from_stage, to_stage, pattern ORDER BY 4 DESC`,
    [workspaceId, scope, from?.toISOString() ?? null, to?.toISOString() ?? null],
  );
  const patterns = Object.fromEntries(PATTERNS.map((p) => [p, 0])) as Record<Movement, number>;
  const flows = new Map<string, z.infer<typeof Flows>['flows'][number]>();
  for (const r of rows) {
    patterns[r.pattern] += r.n;
    const key = `${r.from_stage ?? ''}>${r.to_stage}`;
    let f = flows.get(key);
    if (!f) flows.set(key, (f = { from: r.from_stage, to: r.to_stage, count: 0, patterns: {} }));
    f.count += r.n;
    f.patterns[r.pattern] = (f.patterns[r.pattern] ?? 0) + r.n;
  }
  return { from: from?.toISOString() ?? null, to: to?.toISOString() ?? null, patterns, flows: [...flows.values()].sort((a, b) => b.count - a.count) };
}

/**
 * One stage in numbers: who is in it now (and how many overstay), how long stays last,
 * and how stays end: on to the next stage or beyond (conversion) or to at_risk / churned
 * (drop-off). `null` where there is nothing to measure yet.
 */
export async function stageStats(db: Queryable, workspaceId: number, model: LifecycleModel, scope: Scope, key: string, now: Date): Promise<z.infer<typeof StageStats> | null> {
  const stage = allStages(model).find((s) => s.key === key);
  if (!stage) return null;
  const ladder = model.stages.map((s) => s.key);
  const index = ladder.indexOf(key);
  const forward = index >= 0 ? ladder.slice(index + 1) : [];
  const next = index >= 0 ? (ladder[index + 1] ?? null) : null;
  const expected = stage.expectedDays ?? null;
  const [stays, current] = await Promise.all([
    db.query<{ entered: number; exited: number; forward: number; dropped: number; median_s: number | null; p90_s: number | null }>(
      `WITH t AS (
         SELECT to_stage, at, lead(to_stage) OVER w AS next_stage, lead(at) OVER w AS next_at
           FROM stage_transitions WHERE workspace_id = $1 AND scope = $2
         WINDOW w AS (PARTITION BY subject_id ORDER BY at, id))
       SELECT count(*)::int AS entered, count(next_stage)::int AS exited,
              count(*) FILTER (WHERE next_stage = ANY($4::text[]))::int AS forward,
              count(*) FILTER (WHERE next_stage = ANY($5::text[]))::int AS dropped,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM next_at - at)) AS median_s,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM next_at - at)) AS p90_s
         FROM t WHERE to_stage = $3`,
      [workspaceId, scope, key, forward, [model.atRisk.key, model.churned.key]],
    ),
    db.query<{ n: number; extended: number; median_s: number | null }>(
      `SELECT count(*)::int AS n,
              count(*) FILTER (WHERE $4::float8 IS NOT NULL AND since < $3::timestamptz - make_interval(days => $4::int))::int AS extended,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM $3::timestamptz - since)) AS median_s
         FROM stage_states WHERE workspace_id = $1 AND scope = $2 AND stage = $5`,
      [workspaceId, scope, now.toISOString(), expected, key],
    ),
  ]);
  const s = stays.rows[0]!;
  const c = current.rows[0]!;
  const days = (v: number | null) => (v === null ? null : Math.round((Number(v) / DAY_S) * 10) / 10);
  return {
    key,
    name: stage.name,
    count: c.n,
    extended: c.extended,
    entered: s.entered,
    exited: s.exited,
    medianDaysInStage: days(s.median_s),
    p90DaysInStage: days(s.p90_s),
    medianDaysSoFar: days(c.median_s),
    nextStage: next,
    conversionRate: index >= 0 && next !== null && s.exited > 0 ? s.forward / s.exited : null,
    dropOffRate: s.exited > 0 ? s.dropped / s.exited : null,
  };
}

/** A customer's (or account's) current stage and every move, oldest first. */
export async function stageHistory(db: Queryable, workspaceId: number, model: LifecycleModel, scope: Scope, subjectId: number, now: Date): Promise<z.infer<typeof StageHistory>> {
  const [state, moves] = await Promise.all([
    db.query<RowPick<typeof schema.stageStates, 'stage' | 'since'>>(`SELECT stage, since FROM stage_states WHERE workspace_id = $1 AND scope = $2 AND subject_id = $3`, [
      workspaceId,
      scope,
      subjectId,
    ]),
    db.query<RowPick<typeof schema.stageTransitions, 'from_stage' | 'to_stage' | 'at' | 'pattern' | 'reason' | 'trigger_message_id', { pattern: Movement }>>(
      `SELECT from_stage, to_stage, at, pattern, reason, trigger_message_id FROM stage_transitions WHERE workspace_id = $1 AND scope = $2 AND subject_id = $3 ORDER BY at, id`,
      [workspaceId, scope, subjectId],
    ),
  ]);
  const st = state.rows[0];
  return {
    stage: st?.stage ?? null,
    stageSince: st?.since.toISOString() ?? null,
    extended: st ? isExtended(model, st.stage, st.since, now) : false,
    moves: moves.rows.map((m) => ({ from: m.from_stage, to: m.to_stage, at: m.at.toISOString(), pattern: m.pattern, reason: m.reason, triggerMessageId: m.trigger_message_id })),
  };
}
