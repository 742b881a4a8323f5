import type { z } from 'zod';
import type { HealthBand, HealthView, Scorecard } from '../../../contracts/health.js';
import type { Queryable } from '../../db/client.js';
import { loadScorecard } from './health-scorecard.js';
import type { RowPick } from '../../db/rows.js';
import type * as schema from '../../db/schema/index.js';

type View = z.infer<typeof HealthView>;

interface StoredMeasure {
  key: string;
  score: number;
  weight: number;
  value: number | null;
  contribution: number;
}

/**
 * A customer's or account's health as last computed: score, band, measures (named after
 * the current scorecard; a measure since removed keeps its key as name), the measures
 * without data, and every change newest first (at most `limit`) with its movers.
 */
export async function healthOf(db: Queryable, workspaceId: number, scope: 'customer' | 'account', id: number, limit = 100): Promise<View> {
  const { scorecard, computedAt } = await loadScorecard(db, workspaceId);
  const name = names(scorecard);
  const [{ rows: now }, { rows: changes }] = await Promise.all([
    db.query<RowPick<typeof schema.healthScores, 'score' | 'band' | 'measures' | 'missing', { measures: StoredMeasure[]; missing: string[] }>>(
      `SELECT score, band, measures, missing FROM health_scores WHERE workspace_id = $1 AND scope = $2 AND subject_id = $3`,
      [workspaceId, scope, id],
    ),
    db.query<
      RowPick<
        typeof schema.healthHistory,
        'at' | 'score' | 'band' | 'previous_score' | 'previous_band' | 'movers',
        { movers: Array<{ key: string; impact: number; from: number | null; to: number | null }> }
      >
    >(`SELECT at, score, band, previous_score, previous_band, movers FROM health_history WHERE workspace_id = $1 AND scope = $2 AND subject_id = $3 ORDER BY at DESC, id DESC LIMIT $4`, [
      workspaceId,
      scope,
      id,
      limit,
    ]),
  ]);
  const cur = now[0];
  return {
    scope,
    id,
    score: cur?.score ?? null,
    band: cur?.band ?? null,
    computedAt: cur && computedAt ? computedAt.toISOString() : null,
    measures: (cur?.measures ?? []).map((m) => ({ key: m.key, name: name(m.key), score: m.score, weight: m.weight, value: m.value, contribution: m.contribution })),
    missing: (cur?.missing ?? []).map((key) => ({ key, name: name(key) })),
    history: changes.map((h) => ({
      at: h.at.toISOString(),
      score: h.score,
      band: h.band,
      previousScore: h.previous_score,
      previousBand: h.previous_band,
      movers: h.movers.map((m) => ({ ...m, name: name(m.key) })),
    })),
  };
}

function names(scorecard: Scorecard): (key: string) => string {
  const byKey = new Map(scorecard.measures.map((m) => [m.key, m.name]));
  return (key) => byKey.get(key) ?? key;
}
