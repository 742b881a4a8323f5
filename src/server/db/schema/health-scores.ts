import { bigint, bigserial, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** Each workspace's health scorecard (none: the default scorecard is in use), and when scores were last computed. */
export const healthScorecards = pgTable('health_scorecards', {
  workspaceId: integer('workspace_id').primaryKey(),
  /** The scorecard as validated by `Scorecard` (src/contracts/health.ts); null until one is saved. */
  scorecard: jsonb('scorecard'),
  updatedAt: timestamp('updated_at', { withTimezone: true }),
  computedAt: timestamp('computed_at', { withTimezone: true }),
});

/**
 * The current health of each customer and account: the score (0–100, one decimal), its
 * band, every measure with data ({ key, score, weight, value, contribution }) and the
 * keys of those without. The score alone is also in `customer_scores` as `health`, where
 * the rule language's `score` leaf reads it.
 */
export const healthScores = pgTable(
  'health_scores',
  {
    workspaceId: integer('workspace_id').notNull(),
    scope: text('scope', { enum: ['customer', 'account'] }).notNull(),
    subjectId: bigint('subject_id', { mode: 'number' }).notNull(),
    score: doublePrecision('score').notNull(),
    band: text('band', { enum: ['red', 'yellow', 'green'] }).notNull(),
    measures: jsonb('measures').notNull(),
    missing: jsonb('missing').notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.subjectId] }), index('health_scores_ws_band_idx').on(t.workspaceId, t.scope, t.band)],
);

/**
 * Every change of a subject's health (score or band; the first score too), with the
 * measures as they were and the ones that moved it most (`movers`: { key, impact, from,
 * to }, contributions in points of the total).
 */
export const healthHistory = pgTable(
  'health_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    scope: text('scope', { enum: ['customer', 'account'] }).notNull(),
    subjectId: bigint('subject_id', { mode: 'number' }).notNull(),
    score: doublePrecision('score').notNull(),
    band: text('band', { enum: ['red', 'yellow', 'green'] }).notNull(),
    previousScore: doublePrecision('previous_score'),
    previousBand: text('previous_band', { enum: ['red', 'yellow', 'green'] }),
    measures: jsonb('measures').notNull(),
    movers: jsonb('movers').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('health_history_subject_idx').on(t.scope, t.subjectId, t.at)],
);
