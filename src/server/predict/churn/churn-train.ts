/**
 * Churn risk inside the platform, per workspace on its own history. With horizon h and
 * `now`: the label of a snapshot at S is "no activity in (S, S + h]" (rules/activity.ts),
 * so the latest labelled snapshot is S = now − h. The classifier is trained on the snapshot
 * at S − h and validated on the one at S (a time-based split: the validation customers'
 * futures were never seen in training), reporting ROC AUC, precision in the top decile and
 * the Brier score. It is then refitted on both snapshots, every customer who can churn is
 * scored as of now (score = probability × 100, with the largest contributions as reasons),
 * and the model is stored with its validation metrics.
 */
import { CHURN_SCORE } from '../../../contracts/predictions.js';
import { EV } from '../../../contracts/events.js';
import type { Db, Queryable } from '../../db/client.js';
import { getModel } from '../../lifecycle/models.repo.js';
import { explainRows, scoreClassifier, trainClassifier } from './churn-classifier.js';
import { brierScore, calibrationTable, precisionAtTop, rocAuc } from './churn-metrics.js';
import { churnLabels, churnSnapshot, type Snapshot } from './features-history.js';
import { concatTables } from './features.js';
import { writeTimeline } from '../../timeline/timeline-writer.js';
import { insertModel, replacePredictions, type CustomerPrediction, type PredictionModel, type ValidationMetrics } from '../predictions.repo.js';
import { fail, ok, type Failure, type Result } from '../../lib/result.js';

export const CHURN_KIND = 'churn';
const DAY = 86_400_000;

export interface ChurnTrainOptions {
  now: Date;
  /** Days after a snapshot without any activity that count as churn (default 90). */
  horizonDays?: number;
  lambda?: number;
  /** Reasons kept per customer (default 5). */
  factorsPerCustomer?: number;
  /** Fewest churned customers each snapshot needs (default 10). */
  minChurned?: number;
  onProgress?: (done: number, total: number) => void;
  /** A customer whose risk rises across this score gets a `Churn Risk Raised` event (default 70). */
  raisedAt?: number;
  /** Recorded as the training time (default: the clock). */
  trainedAt?: Date;
}

/** The stored model and how many customers it scored, or why there was too little history to train. */
export type ChurnTrainResult = Result<{ model: PredictionModel; scored: number }, Failure<'not_enough_data'>>;

const STEPS = 6;

/** Train, validate, refit, score everyone and store it all. Expected failures (too little history) are results, not throws. */
export async function trainChurn(db: Db, workspaceId: number, opts: ChurnTrainOptions): Promise<ChurnTrainResult> {
  const h = opts.horizonDays ?? 90;
  const progress = (done: number) => opts.onProgress?.(done, STEPS);
  const { model: lifecycle } = await getModel(db, workspaceId);
  const churned = lifecycle.churned.key;
  const validationAt = new Date(opts.now.getTime() - h * DAY);
  const trainAt = new Date(validationAt.getTime() - h * DAY);
  progress(0);

  const labelled = async (at: Date, traitKeys?: string[]) => {
    const snap = await churnSnapshot(db, workspaceId, at, { churnedStage: churned, traitKeys });
    return { snap, labels: await churnLabels(db, workspaceId, snap.customerIds, at, h) };
  };
  const train = await labelled(trainAt);
  progress(1);
  const validation = await labelled(validationAt, train.snap.traitKeys);
  progress(2);
  const minChurned = opts.minChurned ?? 10;
  for (const [what, set] of [
    ['training', train],
    ['validation', validation],
  ] as const) {
    const positives = sum(set.labels);
    if (positives < minChurned || set.labels.length - positives < minChurned) {
      return fail(
        'not_enough_data',
        `the ${what} snapshot (${set.snap.at.toISOString().slice(0, 10)}, ${h}-day horizon) has ${set.labels.length} customers who could churn, of whom ${positives} had no activity in the horizon: at least ${minChurned} churned and ${minChurned} not are needed (the history must reach ${2 * h} days back)`,
      );
    }
  }

  const first = trainClassifier(train.snap.table, train.labels, undefined, { lambda: opts.lambda });
  const p = scoreClassifier(first, validation.snap.table);
  const vp = sum(validation.labels);
  const rate = vp / validation.labels.length;
  const metrics: ValidationMetrics = {
    auc: rocAuc(p, validation.labels),
    precisionAtDecile: precisionAtTop(p, validation.labels, 0.1),
    brier: brierScore(p, validation.labels),
    brierBaseline: rate * (1 - rate),
    calibration: calibrationTable(p, validation.labels, 10),
    validationCustomers: validation.labels.length,
    validationChurned: vp,
    trainCustomers: train.labels.length,
    trainChurned: sum(train.labels),
    trainAt: trainAt.toISOString(),
    validationAt: validationAt.toISOString(),
  };
  progress(3);

  const both = concatTables(train.snap.table, validation.snap.table);
  const labels = Uint8Array.from([...train.labels, ...validation.labels]);
  const final = trainClassifier(both, labels, undefined, { lambda: opts.lambda });
  progress(4);

  const current: Snapshot = await churnSnapshot(db, workspaceId, opts.now, { churnedStage: churned, traitKeys: train.snap.traitKeys });
  const explained = explainRows(final, current.table, opts.factorsPerCustomer ?? 5);
  const predictions: CustomerPrediction[] = explained.map((e, i) => ({
    customerId: current.customerIds[i]!,
    probability: e.probability,
    score: Math.round(e.probability * 1000) / 10,
    factors: e.factors.map((f) => ({ feature: f.feature, contribution: Math.round(f.contribution * 1e4) / 1e4 })),
  }));
  progress(5);

  const model = await db.transaction(async (tx) => {
    const stored = await insertModel(tx, workspaceId, {
      kind: CHURN_KIND,
      trainedAt: opts.trainedAt ?? new Date(),
      asOf: opts.now,
      horizonDays: h,
      features: final.encoding.features.map((f) => f.name),
      params: final,
      metrics,
    });
    const before = await tx.query<{ customer_id: number; v: number }>(
      `SELECT customer_id::float8 AS customer_id, (value)::text::float8 AS v FROM customer_scores WHERE workspace_id = $1 AND name = $2 AND jsonb_typeof(value) = 'number'`,
      [workspaceId, CHURN_SCORE],
    );
    await replacePredictions(tx, workspaceId, CHURN_KIND, CHURN_SCORE, stored.id, opts.now, predictions);
    await noteRaisedRisk(tx, workspaceId, new Map(before.rows.map((r) => [Number(r.customer_id), r.v])), predictions, opts.now, opts.raisedAt ?? CHURN_RISK_RAISED_AT);
    return stored;
  });
  progress(6);
  return ok({ model, scored: predictions.length });
}

function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
}

/** The event written when a customer's churn risk crosses the threshold upwards. */
export const CHURN_RISK_RAISED = EV.churnRiskRaised;
/** Default threshold of the crossing (a 0–100 risk score). */
export const CHURN_RISK_RAISED_AT = 70;

/**
 * A `Churn Risk Raised` event (type `tenure`) for each customer whose risk was below
 * `threshold` at the previous scoring and is at or above it now, so journeys can trigger on
 * it. A first scoring (no previous score) is not a crossing.
 */
async function noteRaisedRisk(tx: Queryable, workspaceId: number, before: Map<number, number>, now: CustomerPrediction[], at: Date, threshold: number): Promise<number> {
  const raised = now.filter((p) => {
    const prev = before.get(p.customerId);
    return prev !== undefined && prev < threshold && p.score >= threshold;
  });
  if (raised.length === 0) return 0;
  await writeTimeline(
    tx,
    raised.map((p) => ({
      workspaceId,
      customerId: p.customerId,
      event: CHURN_RISK_RAISED,
      properties: { score: p.score, previousScore: before.get(p.customerId)!, threshold, factors: p.factors.slice(0, 3) },
      at,
      key: { kind: 'churn-risk', customer: p.customerId, ms: at.getTime() },
    })),
  );
  return raised.length;
}
