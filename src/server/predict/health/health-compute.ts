import { LOCK } from '../../db/locks.js';
import { leavesOf } from '../../../contracts/condition.js';
import type { Scorecard } from '../../../contracts/health.js';
import type { Db, Queryable } from '../../db/client.js';
import { computeSegment } from '../../segments/segment-sync.js';
import { listSegments } from '../../segments/segments.repo.js';
import { loadScorecard, markComputed } from './health-scorecard.js';
import { measureSql } from './health-sql.js';
import { EV } from '../../../contracts/events.js';
import { epochMsSql, timelineIdSql } from '../../timeline/timeline-id.js';
import { timelineInsertSql } from '../../timeline/timeline-writer.js';

/** The name of the health score in customer_scores (what `score` conditions read). */
export const HEALTH_SCORE_NAME = 'health';
/** The event Tenure writes on a customer's timeline when their band gets worse (green → yellow, yellow → red, green → red). */
export const HEALTH_DROPPED_EVENT = EV.healthScoreDropped;
/** How many measures a history row keeps as the movers of a change. */
export const MOVERS_KEPT = 3;

export interface HealthRun {
  customers: number;
  accounts: number;
  /** Subjects whose score or band changed (a history row each). */
  changed: number;
  /** Customers whose band got worse (a `Health Score Dropped` event each). */
  dropped: number;
}

/**
 * Score every customer, then every account, of the workspace under its scorecard as of
 * `now`, in batches of `batch` subjects, each one set-based statement in its own
 * transaction (see `applyScores`). An account's score is computed over its members: per
 * measure, the mean of the members' measure scores (members without data for it left
 * out; no member with data: the measure is missing), combined with the weights as for a
 * customer. So an account's measures explain its score as a customer's do.
 * Afterwards the segments reading the `health` score are worked out again.
 */
export async function computeHealth(db: Db, workspaceId: number, opts: { now: Date; batch?: number; onProgress?: (done: number, total: number | null) => void }): Promise<HealthRun> {
  const { now } = opts;
  const size = opts.batch ?? 5_000;
  const { scorecard } = await loadScorecard(db, workspaceId);
  const { rows: counts } = await db.query<{ customers: number; accounts: number }>(
    `SELECT (SELECT count(*) FROM customers WHERE workspace_id = $1)::int AS customers, (SELECT count(*) FROM accounts WHERE workspace_id = $1)::int AS accounts`,
    [workspaceId],
  );
  const total = counts[0]!.customers + counts[0]!.accounts;
  const run: HealthRun = { customers: 0, accounts: 0, changed: 0, dropped: 0 };
  let done = 0;
  opts.onProgress?.(0, total);
  for (const scope of ['customer', 'account'] as const) {
    const table = scope === 'customer' ? 'customers' : 'accounts';
    for (let after = 0; ;) {
      const { rows } = await db.query<{ id: number }>(`SELECT id::float8 AS id FROM ${table} WHERE workspace_id = $1 AND id > $2 ORDER BY id LIMIT $3`, [workspaceId, after, size]);
      if (rows.length === 0) break;
      const ids = rows.map((r) => Number(r.id));
      after = ids[ids.length - 1]!;
      const r = await db.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(${LOCK.healthWorkspace}, $1::int)`, [workspaceId]);
        return applyScores(tx, workspaceId, scope, scorecard, ids, now);
      });
      run[scope === 'customer' ? 'customers' : 'accounts'] += r.scored;
      run.changed += r.changed;
      run.dropped += r.dropped;
      done += ids.length;
      opts.onProgress?.(Math.min(done, total), total);
    }
  }
  // Customers merged away or deleted since the last run, and accounts gone: their health goes with them.
  for (const table of ['health_scores', 'health_history']) {
    await db.query(
      `DELETE FROM ${table} h WHERE h.workspace_id = $1 AND NOT EXISTS (
         SELECT 1 FROM customers c WHERE h.scope = 'customer' AND c.id = h.subject_id UNION ALL SELECT 1 FROM accounts a WHERE h.scope = 'account' AND a.id = h.subject_id)`,
      [workspaceId],
    );
  }
  await markComputed(db, workspaceId, now);
  for (const seg of await listSegments(db, workspaceId)) {
    if (seg.kind === 'dynamic' && seg.condition && leavesOf(seg.condition).some((l) => 'score' in l && l.score.name === HEALTH_SCORE_NAME)) await computeSegment(db, workspaceId, seg.id, now);
  }
  return run;
}

/**
 * The per-measure rows of a batch, `(subject_id, ord, key, weight, value, score)`, one per
 * subject and measure (`score` NULL: no data). Customers: each measure compiled to SQL;
 * accounts: the means over the members' stored measures (customers are scored first).
 * $1 workspace, $4 the subjects' ids, $3 now; the rows' own parameters follow in `params`.
 */
function measureRows(scope: 'customer' | 'account', scorecard: Scorecard, now: Date, params: unknown[]): string {
  const p = (value: unknown, type: string) => {
    params.push(value);
    return `$${params.length}::${type}`;
  };
  if (scope === 'account') {
    const keys = p(
      scorecard.measures.map((m) => m.key),
      'text[]',
    );
    const weights = p(
      scorecard.measures.map((m) => m.weight),
      'float8[]',
    );
    return `SELECT am.account_id AS subject_id, k.ord, k.key, k.weight, avg((mx.x ->> 'value')::float8) AS value, avg((mx.x ->> 'score')::float8) AS score
              FROM account_members am
              CROSS JOIN unnest(${keys}, ${weights}) WITH ORDINALITY AS k(key, weight, ord)
              LEFT JOIN health_scores h ON h.scope = 'customer' AND h.subject_id = am.customer_id
              LEFT JOIN LATERAL (SELECT x FROM jsonb_array_elements(h.measures) x WHERE x ->> 'key' = k.key) mx ON true
             WHERE am.workspace_id = $1 AND am.account_id = ANY($4::bigint[])
             GROUP BY am.account_id, k.ord, k.key, k.weight`;
  }
  const compiled = scorecard.measures.map((m) => measureSql(m.kind, now, params, '$3::timestamptz'));
  const values = compiled.map((c, i) => `${c.value} AS v${i}`).join(',\n       ');
  const tuples = scorecard.measures.map((m, i) => `(${i}, ${p(m.key, 'text')}, ${p(m.weight, 'float8')}, v.v${i}, ${compiled[i]!.score(`v.v${i}`)})`).join(',\n       ');
  return `SELECT c.id AS subject_id, k.ord, k.key, k.weight, k.value, k.score
            FROM customers c
            CROSS JOIN LATERAL (SELECT ${values}) v
            CROSS JOIN LATERAL (VALUES ${tuples}) AS k(ord, key, weight, value, score)
           WHERE c.workspace_id = $1 AND c.id = ANY($4::bigint[])`;
}

const BAND_RANK = `ARRAY['red', 'yellow', 'green']`;

/**
 * Score one batch of subjects and write what changed, in one statement:
 * - the score: Σ weight × score / Σ weight over the measures with data, rounded to one
 *   decimal, and its band from the rounded score; each measure's contribution is
 *   score × weight / Σ weight (so the contributions add up to the score);
 * - `health_scores` updated where anything differs; subjects without any measure lose theirs;
 * - a `health_history` row where the score or band changed (or is new), with the movers:
 *   the measures whose contribution changed most (new − old contribution, a measure
 *   missing on one side counting 0 there; the impacts add up to the change of the score);
 * - customers: `health` in customer_scores, and a `Health Score Dropped` event (type
 *   `tenure`) when the band got worse.
 */
async function applyScores(
  tx: Queryable,
  workspaceId: number,
  scope: 'customer' | 'account',
  scorecard: Scorecard,
  ids: number[],
  now: Date,
): Promise<{ scored: number; changed: number; dropped: number }> {
  // $1 workspace, $2 scope, $3 now, $4 ids, $5 yellowFrom, $6 greenFrom, $7 movers kept.
  const params: unknown[] = [workspaceId, scope, now.toISOString(), ids, scorecard.bands.yellowFrom, scorecard.bands.greenFrom, MOVERS_KEPT];
  const rows = measureRows(scope, scorecard, now, params);
  const customerWrites =
    scope === 'customer'
      ? `dropped AS (
           ${timelineInsertSql({
             workspaceId: '$1',
             customerId: 'ch.subject_id',
             messageId: timelineIdSql('health', { customer: 'ch.subject_id', ms: epochMsSql('$3::timestamptz') }),
             event: `'${HEALTH_DROPPED_EVENT}'`,
             userId: 'c.user_id',
             at: '$3::timestamptz',
             properties: `jsonb_build_object('score', ch.score, 'band', ch.band, 'previousScore', ch.prev_score, 'previousBand', ch.prev_band, 'movers', mv.movers)`,
             from: 'ch JOIN mv USING (subject_id) JOIN customers c ON c.id = ch.subject_id',
             where: `array_position(${BAND_RANK}, ch.band) < array_position(${BAND_RANK}, ch.prev_band)`,
             returning: '1',
           })}
         ),
         scores AS (
           INSERT INTO customer_scores (workspace_id, customer_id, name, value, computed_at)
           SELECT $1, subject_id, '${HEALTH_SCORE_NAME}', to_jsonb(score), $3::timestamptz FROM b
           ON CONFLICT (customer_id, name) DO UPDATE SET value = EXCLUDED.value, computed_at = EXCLUDED.computed_at
            WHERE customer_scores.value IS DISTINCT FROM EXCLUDED.value
           RETURNING 1
         ),
         unscored AS (
           DELETE FROM customer_scores x WHERE x.name = '${HEALTH_SCORE_NAME}' AND x.customer_id = ANY($4::bigint[])
              AND NOT EXISTS (SELECT 1 FROM b WHERE b.subject_id = x.customer_id)
           RETURNING 1
         )`
      : `dropped AS (SELECT 1 WHERE false), scores AS (SELECT 1 WHERE false), unscored AS (SELECT 1 WHERE false)`;
  const { rows: out } = await tx.query<{ scored: number; changed: number; dropped: number }>(
    `WITH m AS MATERIALIZED (${rows}),
     w AS (SELECT m.*, sum(m.weight) FILTER (WHERE m.score IS NOT NULL) OVER (PARTITION BY m.subject_id) AS wsum FROM m),
     d AS (
       SELECT subject_id,
              round((sum(weight * score) FILTER (WHERE score IS NOT NULL) / max(wsum))::numeric, 1)::float8 AS score,
              jsonb_agg(jsonb_build_object('key', key, 'score', round(score::numeric, 2), 'weight', weight, 'value', round(value::numeric, 4),
                                           'contribution', round((score * weight / wsum)::numeric, 2)) ORDER BY ord) FILTER (WHERE score IS NOT NULL) AS measures,
              COALESCE(jsonb_agg(key ORDER BY ord) FILTER (WHERE score IS NULL), '[]'::jsonb) AS missing
         FROM w GROUP BY subject_id HAVING count(score) > 0
     ),
     b AS MATERIALIZED (
       SELECT d.*, CASE WHEN d.score >= $6::float8 THEN 'green' WHEN d.score >= $5::float8 THEN 'yellow' ELSE 'red' END AS band FROM d
     ),
     ch AS MATERIALIZED (
       SELECT b.subject_id, b.score, b.band, b.measures, p.score AS prev_score, p.band AS prev_band, p.measures AS prev_measures
         FROM b LEFT JOIN health_scores p ON p.scope = $2::text AND p.subject_id = b.subject_id
        WHERE p.subject_id IS NULL OR p.score <> b.score OR p.band <> b.band
     ),
     mv AS (
       SELECT ch.subject_id,
              COALESCE((SELECT jsonb_agg(jsonb_build_object('key', x.key, 'impact', x.impact, 'from', x.f, 'to', x.t) ORDER BY abs(x.impact) DESC, x.key)
                          FROM (SELECT key, o.contribution AS f, n.contribution AS t, round((COALESCE(n.contribution, 0) - COALESCE(o.contribution, 0))::numeric, 2)::float8 AS impact
                                  FROM jsonb_to_recordset(ch.measures) AS n(key text, contribution float8)
                                  FULL JOIN jsonb_to_recordset(COALESCE(ch.prev_measures, '[]'::jsonb)) AS o(key text, contribution float8) USING (key)
                                 ORDER BY abs(COALESCE(n.contribution, 0) - COALESCE(o.contribution, 0)) DESC, key
                                 LIMIT $7::int) x
                         WHERE x.impact <> 0), '[]'::jsonb) AS movers
         FROM ch
     ),
     upserted AS (
       INSERT INTO health_scores (workspace_id, scope, subject_id, score, band, measures, missing, computed_at)
       SELECT $1, $2::text, subject_id, score, band, measures, missing, $3::timestamptz FROM b
       ON CONFLICT (scope, subject_id) DO UPDATE
          SET workspace_id = EXCLUDED.workspace_id, score = EXCLUDED.score, band = EXCLUDED.band, measures = EXCLUDED.measures, missing = EXCLUDED.missing, computed_at = EXCLUDED.computed_at
        WHERE health_scores.score <> EXCLUDED.score OR health_scores.band <> EXCLUDED.band
           OR health_scores.measures IS DISTINCT FROM EXCLUDED.measures OR health_scores.missing IS DISTINCT FROM EXCLUDED.missing
       RETURNING 1
     ),
     gone AS (
       DELETE FROM health_scores h WHERE h.scope = $2::text AND h.subject_id = ANY($4::bigint[]) AND NOT EXISTS (SELECT 1 FROM b WHERE b.subject_id = h.subject_id)
       RETURNING 1
     ),
     history AS (
       INSERT INTO health_history (workspace_id, scope, subject_id, score, band, previous_score, previous_band, measures, movers, at)
       SELECT $1, $2::text, ch.subject_id, ch.score, ch.band, ch.prev_score, ch.prev_band, ch.measures, mv.movers, $3::timestamptz FROM ch JOIN mv USING (subject_id)
       RETURNING 1
     ),
     ${customerWrites}
     SELECT (SELECT count(*) FROM b)::int AS scored, (SELECT count(*) FROM history)::int AS changed, (SELECT count(*) FROM dropped)::int AS dropped,
            (SELECT count(*) FROM upserted)::int + (SELECT count(*) FROM gone)::int + (SELECT count(*) FROM scores)::int + (SELECT count(*) FROM unscored)::int AS writes`,
    params,
  );
  return out[0]!;
}
