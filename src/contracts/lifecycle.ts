import { z } from 'zod';
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
    for (const [stage, path] of [[m.atRisk, ['atRisk']], [m.churned, ['churned']]] as const) {
      if (!stage.rule) ctx.addIssue({ code: 'custom', path: [...path, 'rule'], message: `"${stage.key}" needs a rule` });
    }
    for (const [stage, path] of all) {
      if (stage.rule && leavesOf(stage.rule).some((l) => 'stage' in l)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'rule'], message: `the rule of "${stage.key}" tests the lifecycle stage itself, which it decides; use events, traits or scores` });
      }
    }
  });
export type LifecycleModel = z.infer<typeof LifecycleModelSchema>;
