import { bgnbdFitNote } from './bgnbd.js';
import type { Db } from '../../db/client.js';
import { syncFacts } from '../../analytics/facts.js';
import { workspaceTimezone } from '../../workspaces/workspaces.repo.js';
import { summarise, type Transaction } from './calibration.js';
import type { ClvTerms } from './clv.js';
import { runClv } from './predict-clv.js';
import { fail, type Failure, type Result } from '../../lib/result.js';

/** Score names in customer_scores (read by the rule language's `score` leaf). */
export const PREDICTED_CLV = 'predicted_clv';
export const P_ALIVE = 'p_alive';

export interface ClvScoring {
  customers: number;
  bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number };
  gammaGamma: { p: number; q: number; gamma: number };
  modelId: number;
  fitMs: number;
}

/** The fewest buyers with repeat purchases worth fitting the models on. */
const MIN_REPEAT_BUYERS = 20;

/**
 * Predicted CLV inside the platform: BG/NBD and Gamma-Gamma fitted on the workspace's own
 * orders (analytics_orders; one transaction per customer and day in the workspace timezone,
 * weeks as the time unit, calibration up to `now`), then every buyer's probability alive
 * (`p_alive`, 0–1) and CLV over the horizon (`predicted_clv`) stored as scores, and the fit
 * as a `clv` model. Returns a reason instead when there are too few repeat buyers to fit.
 */
export async function scoreClv(db: Db, workspaceId: number, opts: { now: Date; terms?: Partial<ClvTerms> }): Promise<Result<ClvScoring, Failure<'not_enough_data'>>> {
  await syncFacts(db);
  const tz = await workspaceTimezone(db, workspaceId);
  const { rows } = await db.query<{ customer_id: string; day: number; amount: number }>(
    `SELECT customer_id::text, ((at AT TIME ZONE $3)::date - DATE '1970-01-01') AS day, sum(amount)::float8 AS amount
       FROM analytics_orders WHERE workspace_id = $1 AND kind = 'order' AND at <= $2 GROUP BY 1, 2`,
    [workspaceId, opts.now.toISOString(), tz],
  );
  const transactions: Transaction[] = rows.map((r) => ({ customerId: r.customer_id, day: Number(r.day), amount: Number(r.amount) }));
  const endDay = Math.floor(opts.now.getTime() / 86_400_000);
  const calibration = summarise(transactions, endDay, 7);
  const repeaters = calibration.customers.filter((c) => c.frequency > 0).length;
  if (repeaters < MIN_REPEAT_BUYERS) return fail('not_enough_data', `${repeaters} customers with repeat orders: at least ${MIN_REPEAT_BUYERS} are needed to fit the CLV models`);
  const terms: ClvTerms = { unitDays: 7, horizonMonths: 12, monthlyDiscount: 0.01, margin: 1, ...opts.terms };
  const run = runClv(calibration.customers, terms);
  const at = opts.now.toISOString();
  return db.transaction(async (tx) => {
    const { rows: model } = await tx.query<{ id: number }>(
      `INSERT INTO prediction_models (workspace_id, kind, trained_at, as_of, horizon_days, features, params, metrics)
       VALUES ($1, 'clv', now(), $2, $3, '["frequency","recency","T","monetary"]', $4, $5) RETURNING id::float8 AS id`,
      [
        workspaceId,
        at,
        Math.round(terms.horizonMonths * (365.25 / 12)),
        JSON.stringify({ bgnbd: run.report.bgnbd, gammaGamma: run.report.gammaGamma, terms }),
        JSON.stringify({
          logLikelihood: run.report.bgnbd.logLikelihood,
          customers: calibration.customers.length,
          repeatCustomers: repeaters,
          fitMs: Math.round(run.fitMs),
          note: bgnbdFitNote(run.bgnbdFit.params),
        }),
      ],
    );
    const ok = run.report.customers.filter((c) => Number.isFinite(c.clv) && Number.isFinite(c.p_alive));
    // The predictions handle both edges of the BG/NBD; a customer left unscored would be a bug, and it is said, not hidden.
    if (ok.length < run.report.customers.length)
      throw new Error(
        `${run.report.customers.length - ok.length} of ${run.report.customers.length} CLV predictions are not finite (BG/NBD ${JSON.stringify(run.report.bgnbd)}, Gamma-Gamma ${JSON.stringify(run.report.gammaGamma)})`,
      );
    await tx.query(`DELETE FROM customer_scores WHERE workspace_id = $1 AND name = ANY($2::text[])`, [workspaceId, [PREDICTED_CLV, P_ALIVE]]);
    await tx.query(`DELETE FROM customer_predictions WHERE workspace_id = $1 AND kind = 'clv'`, [workspaceId]);
    for (let i = 0; i < ok.length; i += 5_000) {
      const batch = ok.slice(i, i + 5_000);
      const ids = batch.map((c) => c.customer_id);
      await tx.query(
        `INSERT INTO customer_scores (workspace_id, customer_id, name, value, computed_at)
         SELECT $1, x.id::bigint, n.name, to_jsonb(CASE n.name WHEN $3 THEN round(x.clv::numeric, 2) ELSE round(x.p::numeric, 4) END), $2
           FROM unnest($4::text[], $5::float8[], $6::float8[]) AS x(id, clv, p) CROSS JOIN (VALUES ($3), ($7)) AS n(name)
           JOIN customers c ON c.id = x.id::bigint`,
        [workspaceId, at, PREDICTED_CLV, ids, batch.map((c) => c.clv), batch.map((c) => c.p_alive), P_ALIVE],
      );
      // What each figure rests on, for the customer's predictions (probability: p_alive; score: the CLV).
      await tx.query(
        `INSERT INTO customer_predictions (workspace_id, customer_id, kind, model_id, probability, score, factors, computed_at)
         SELECT $1, x.id::bigint, 'clv', $2, x.p, x.clv, x.f, $3 FROM unnest($4::text[], $5::float8[], $6::float8[], $7::jsonb[]) AS x(id, clv, p, f)
           JOIN customers c ON c.id = x.id::bigint`,
        [
          workspaceId,
          model[0]!.id,
          at,
          ids,
          batch.map((c) => c.clv),
          batch.map((c) => c.p_alive),
          batch.map((c) =>
            JSON.stringify({ expectedPurchases: c.expected_purchases, expectedAvgValue: c.expected_avg_value, repeatPurchases: c.frequency, weeksFirstToLast: c.recency, weeksSinceFirst: c.T }),
          ),
        ],
      );
    }
    return { ok: true as const, value: { customers: ok.length, bgnbd: run.report.bgnbd, gammaGamma: run.report.gammaGamma, modelId: Number(model[0]!.id), fitMs: run.fitMs } };
  });
}
