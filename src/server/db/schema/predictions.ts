import { bigint, bigserial, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Trained prediction models (churn risk, …): each training run adds one row, so the
 * history of validation metrics is kept; the newest row of a kind is the one in use.
 * `params` is everything scoring needs (the encoding and the coefficients).
 */
export const predictionModels = pgTable(
  'prediction_models',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    /** churn */
    kind: text('kind').notNull(),
    trainedAt: timestamp('trained_at', { withTimezone: true }).notNull(),
    /** The moment the model was trained as of (features up to then; the newest labels end there). */
    asOf: timestamp('as_of', { withTimezone: true }).notNull(),
    horizonDays: integer('horizon_days').notNull(),
    /** The design columns, in coefficient order. */
    features: jsonb('features').notNull(),
    params: jsonb('params').notNull(),
    /** Validation on the later labelled snapshot: ROC AUC, precision in the top decile, Brier score, counts. */
    metrics: jsonb('metrics').notNull(),
  },
  (t) => [index('prediction_models_ws_kind_idx').on(t.workspaceId, t.kind, t.id)],
);

/**
 * Each customer's latest prediction of a kind, with its reasons: the probability, the
 * 0–100 score and the largest contributions (log-odds). The score alone is also in
 * `customer_scores` (as a number), where the rule language's `score` leaf reads it.
 */
export const customerPredictions = pgTable(
  'customer_predictions',
  {
    workspaceId: integer('workspace_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    kind: text('kind').notNull(),
    modelId: bigint('model_id', { mode: 'number' }).notNull(),
    probability: doublePrecision('probability').notNull(),
    score: doublePrecision('score').notNull(),
    factors: jsonb('factors').notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.kind] }), index('customer_predictions_ws_idx').on(t.workspaceId, t.kind)],
);
