import type { Queryable } from '../db/client.js';
import type { ChurnClassifier, Contribution } from './churn/churn-classifier.js';
import type { CalibrationBin } from './churn/churn-metrics.js';
import type { RowPick, RowPickCamel } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/** Validation of a model on the later labelled snapshot, and the sizes behind it. */
export interface ValidationMetrics {
  auc: number;
  precisionAtDecile: number;
  brier: number;
  /** Brier score of always saying the validation base rate: the bar to beat. */
  brierBaseline: number;
  /** Predicted against observed on the validation snapshot, by decile of the prediction (absent on models trained before it was kept). */
  calibration?: CalibrationBin[];
  validationCustomers: number;
  validationChurned: number;
  trainCustomers: number;
  trainChurned: number;
  /** The snapshots: trained on `trainAt`, validated on `validationAt`. */
  trainAt: string;
  validationAt: string;
}

/** A stored model. */
export interface PredictionModel {
  id: number;
  kind: string;
  trainedAt: Date;
  asOf: Date;
  horizonDays: number;
  features: string[];
  params: ChurnClassifier;
  metrics: ValidationMetrics;
}

/** One customer's prediction with its reasons. */
export interface CustomerPrediction {
  customerId: number;
  probability: number;
  score: number;
  factors: Contribution[];
}

const COLS = `id::float8 AS id, kind, trained_at AS "trainedAt", as_of AS "asOf", horizon_days AS "horizonDays", features, params, metrics`;
/** The row COLS selects. */
type PredictionModelRow = RowPickCamel<
  typeof schema.predictionModels,
  'kind' | 'trained_at' | 'as_of' | 'horizon_days' | 'features' | 'params' | 'metrics',
  Pick<PredictionModel, 'features' | 'params' | 'metrics'>
> &
  Pick<PredictionModel, 'id'>;

export async function insertModel(db: Queryable, workspaceId: number, m: Omit<PredictionModel, 'id'>): Promise<PredictionModel> {
  const { rows } = await db.query<PredictionModelRow>(
    `INSERT INTO prediction_models (workspace_id, kind, trained_at, as_of, horizon_days, features, params, metrics)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLS}`,
    [workspaceId, m.kind, m.trainedAt.toISOString(), m.asOf.toISOString(), m.horizonDays, JSON.stringify(m.features), JSON.stringify(m.params), JSON.stringify(m.metrics)],
  );
  return { ...rows[0]!, id: Number(rows[0]!.id) };
}

/** The workspace's models, newest first (at most `limit`). */
export async function listModels(db: Queryable, workspaceId: number, limit = 50): Promise<PredictionModel[]> {
  const { rows } = await db.query<PredictionModelRow>(`SELECT ${COLS} FROM prediction_models WHERE workspace_id = $1 ORDER BY id DESC LIMIT $2`, [workspaceId, limit]);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/**
 * Replace every prediction of `kind` in the workspace: the reasons in
 * customer_predictions, the 0–100 score as a number in customer_scores under `scoreName`
 * (where the rule language's `score` leaf reads it). Customers not given lose theirs.
 */
export async function replacePredictions(db: Queryable, workspaceId: number, kind: string, scoreName: string, modelId: number, computedAt: Date, predictions: CustomerPrediction[]): Promise<void> {
  await db.query(`DELETE FROM customer_predictions WHERE workspace_id = $1 AND kind = $2`, [workspaceId, kind]);
  await db.query(`DELETE FROM customer_scores WHERE workspace_id = $1 AND name = $2`, [workspaceId, scoreName]);
  const at = computedAt.toISOString();
  for (let i = 0; i < predictions.length; i += 5_000) {
    const batch = predictions.slice(i, i + 5_000);
    const ids = batch.map((p) => p.customerId);
    await db.query(
      `INSERT INTO customer_predictions (workspace_id, customer_id, kind, model_id, probability, score, factors, computed_at)
       SELECT $1, x.id, $2, $3, x.p, x.s, x.f, $4 FROM unnest($5::bigint[], $6::float8[], $7::float8[], $8::jsonb[]) AS x(id, p, s, f)`,
      [workspaceId, kind, modelId, at, ids, batch.map((p) => p.probability), batch.map((p) => p.score), batch.map((p) => JSON.stringify(p.factors))],
    );
    await db.query(
      `INSERT INTO customer_scores (workspace_id, customer_id, name, value, computed_at)
       SELECT $1, x.id, $2, to_jsonb(x.s), $3 FROM unnest($4::bigint[], $5::float8[]) AS x(id, s)`,
      [workspaceId, scoreName, at, ids, batch.map((p) => p.score)],
    );
  }
}

/** A customer's predictions (every kind), with the model that made each. */
export async function customerPredictions(db: Queryable, workspaceId: number, customerId: number): Promise<Array<CustomerPrediction & { kind: string; modelId: number; computedAt: Date }>> {
  const { rows } = await db.query<
    RowPickCamel<typeof schema.customerPredictions, 'kind' | 'probability' | 'score' | 'factors' | 'computed_at', Pick<CustomerPrediction, 'factors'>> &
      Pick<CustomerPrediction, 'customerId'> & { modelId: number }
  >(
    `SELECT customer_id::float8 AS "customerId", kind, model_id::float8 AS "modelId", probability, score, factors, computed_at AS "computedAt"
       FROM customer_predictions WHERE workspace_id = $1 AND customer_id = $2 ORDER BY kind`,
    [workspaceId, customerId],
  );
  return rows;
}

/**
 * In words, why a customer has no predicted CLV (`hasClv` false), or what the fit behind
 * theirs means when it ran to an edge of the model (see bgnbdFitNote); null: nothing to say.
 */
export async function clvNote(db: Queryable, workspaceId: number, customerId: number, hasClv: boolean): Promise<string | null> {
  const { rows: models } = await db.query<RowPick<typeof schema.predictionModels, 'as_of'> & { note: string | null }>(
    `SELECT as_of, metrics ->> 'note' AS note FROM prediction_models WHERE workspace_id = $1 AND kind = 'clv' ORDER BY id DESC LIMIT 1`,
    [workspaceId],
  );
  const model = models[0];
  if (hasClv) return model?.note ?? null;
  const { rows } = await db.query<{ first_at: Date | null }>(`SELECT min(at) AS first_at FROM analytics_orders WHERE workspace_id = $1 AND customer_id = $2 AND kind = 'order'`, [
    workspaceId,
    customerId,
  ]);
  const firstAt = rows[0]?.first_at ?? null;
  if (!firstAt) return 'No CLV: this customer has not ordered yet.';
  if (!model) return 'No CLV yet: the CLV models have not been fitted on this workspace (the daily job fits them once at least 20 customers have ordered more than once).';
  if (firstAt > model.as_of) return `No CLV yet: their first order came after the last fit (${model.as_of.toISOString().slice(0, 10)}); the next daily fit includes them.`;
  return 'No CLV: the last fit did not score this customer.';
}
