import { z } from 'zod';
import { Moment } from './time-window.js';
import { ConditionSchema, leavesOf } from './condition.js';

/**
 * A lifecycle model: ordered stages, each entered when its rule holds (the first stage
 * needs none: everyone starts there), plus two states that override the ladder, `at_risk`
 * and `churned`. Stored per workspace and edited through the API, so it is validated
 * here; a bad model is rejected with the path of the bad stage or rule.
 */

const Key = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be a lowercase key such as `retention`');

export const StageSchema = z.strictObject({
  key: Key,
  name: z.string().min(1).max(80),
  description: z.string().max(500).default(''),
  /** Entry rule (a condition in the one rule language); the first stage's is not needed: everyone starts there. */
  rule: ConditionSchema.optional(),
  /** How long customers usually stay; longer is flagged "extended". */
  expectedDays: z.number().int().positive().max(3650).optional(),
  /** Touchpoints and channels expected in this stage, for the journey map. */
  touchpoints: z.array(z.string().min(1).max(80)).max(20).default([]),
});
export type Stage = z.infer<typeof StageSchema>;

export const LifecycleModelSchema = z
  .strictObject({
    name: z.string().min(1).max(80),
    stages: z.array(StageSchema).min(2).max(20),
    /** Overrides the ladder when its rule holds (checked after `churned`). */
    atRisk: StageSchema,
    /** Overrides everything when its rule holds. */
    churned: StageSchema,
    /** Also give each account (B2B) a stage, from its traits and all its members' events. */
    evaluateAccounts: z.boolean().default(false),
  })
  .superRefine((m, ctx) => {
    const seen = new Map<string, string>();
    const all: Array<[Stage, Array<string | number>]> = [...m.stages.map((s, i): [Stage, Array<string | number>] => [s, ['stages', i]]), [m.atRisk, ['atRisk']], [m.churned, ['churned']]];
    for (const [stage, path] of all) {
      const other = seen.get(stage.key);
      if (other) ctx.addIssue({ code: 'custom', path: [...path, 'key'], message: `stage key "${stage.key}" is used twice (also at ${other})` });
      seen.set(stage.key, path.join('.'));
    }
    m.stages.forEach((s, i) => {
      if (i > 0 && !s.rule) ctx.addIssue({ code: 'custom', path: ['stages', i, 'rule'], message: `stage "${s.key}" needs an entry rule (only the first stage may go without)` });
    });
    for (const [stage, path] of [
      [m.atRisk, ['atRisk']],
      [m.churned, ['churned']],
    ] as const) {
      if (!stage.rule) ctx.addIssue({ code: 'custom', path: [...path, 'rule'], message: `"${stage.key}" needs a rule` });
    }
    for (const [stage, path] of all) {
      if (stage.rule && leavesOf(stage.rule).some((l) => 'stage' in l)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'rule'], message: `the rule of "${stage.key}" tests the lifecycle stage itself, which it decides; use events, traits or scores` });
      }
    }
  });
export type LifecycleModel = z.infer<typeof LifecycleModelSchema>;

// ——— Admin API shapes ———

export const Pattern = z.enum(['entered', 'linear', 'skip', 'regression', 'cyclical', 'recovered']);

export const JobView = z.object({
  id: z.number().int(),
  kind: z.string(),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  done: z.number().int(),
  total: z.number().int().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

export const ModelView = z.object({
  version: z.number().int().describe('0 while the workspace uses the built-in default; grows with every edit'),
  model: z.unknown().describe('The lifecycle model (see PUT for its shape)'),
});

export const ModelSaved = z.object({ version: z.number().int(), job: JobView.describe('The recompute of every stage under the new model') });

export const PresetsView = z.object({ presets: z.array(z.object({ name: z.enum(['default', 'activation', 'b2b']), model: z.unknown() })) });

export const DistributionQuery = z.object({
  at: Moment.optional().describe('Reconstruct the distribution as of this moment from the history (default: now)'),
  scope: z.enum(['customer', 'account']).default('customer'),
});
export const Distribution = z.object({
  at: z.string(),
  total: z.number().int(),
  stages: z.array(z.object({ key: z.string(), name: z.string(), count: z.number().int() })),
});

export const FlowsQuery = z.object({
  from: Moment.optional().describe('Moves at or after this moment (default: all history)'),
  to: Moment.optional().describe('Moves before this moment (default: now)'),
  scope: z.enum(['customer', 'account']).default('customer'),
});
export const Flows = z.object({
  from: z.string().nullable(),
  to: z.string().nullable(),
  patterns: z.record(Pattern, z.number().int()).describe('Moves per movement pattern'),
  flows: z.array(
    z.object({
      from: z.string().nullable().describe('null: the customer entered their first stage'),
      to: z.string(),
      count: z.number().int(),
      patterns: z.partialRecord(Pattern, z.number().int()),
    }),
  ),
});

export const StageStats = z.object({
  key: z.string(),
  name: z.string(),
  count: z.number().int().describe('Customers in the stage now'),
  extended: z.number().int().describe('Of them, staying longer than the stage expects (expectedDays)'),
  entered: z.number().int().describe('Times customers entered the stage, over the whole history'),
  exited: z.number().int(),
  medianDaysInStage: z.number().nullable().describe('Median length of completed stays, in days'),
  p90DaysInStage: z.number().nullable(),
  medianDaysSoFar: z.number().nullable().describe('Median time the customers in the stage now have spent in it'),
  nextStage: z.string().nullable(),
  conversionRate: z.number().nullable().describe('Of the stays that ended, the share that moved on to the next stage or beyond'),
  dropOffRate: z.number().nullable().describe('Of the stays that ended, the share that moved to at_risk or churned'),
});

export const StageHistory = z.object({
  stage: z.string().nullable(),
  stageSince: z.string().nullable(),
  extended: z.boolean().describe("Staying longer than the stage's expectedDays"),
  moves: z.array(
    z.object({
      from: z.string().nullable(),
      to: z.string(),
      at: z.string(),
      pattern: Pattern,
      reason: z.string(),
      triggerMessageId: z.string().nullable(),
    }),
  ),
});
