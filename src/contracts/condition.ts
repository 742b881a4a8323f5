import { z } from 'zod';
import { Moment } from './time-window.js';

/**
 * Tenure's one rule language: a condition on a customer's traits and behaviour, as a JSON
 * tree. Lifecycle stage rules, segments, journey branches, loyalty earn rules and health
 * measures are all conditions. Two evaluators must agree on every condition: the SQL
 * compiler (src/server/rules/compile-sql.ts, all customers at once) and the in-memory
 * evaluator (src/server/rules/evaluate.ts, the one customer an event just changed).
 *
 * Semantics shared by both:
 * - A condition is evaluated at a time `now`; only events at or before `now` count.
 * - Numbers compare as numbers only when the stored value is a JSON number; a string
 *   "5" is not 5. Equality compares scalars (string, number, boolean) exactly.
 * - A missing trait or property fails every test except `neq` and `not_exists`.
 * - `within` a duration means (now − duration, now]; `between` means [from, to).
 * - "Activity" (first seen, last seen) is what the customer did (docs/activity.md): their
 *   track, page and screen calls, not profile updates, messages sent to them and their fate,
 *   nor Tenure's own events; clicks count and opens do not unless the workspace says
 *   otherwise. `performed` still matches any of them by name.
 * - Traits, the current stage, segment membership and scores are read as they are now:
 *   they have no history in a condition.
 */

export const DurationSchema = z.strictObject({
  amount: z.number().int().positive().max(100_000),
  unit: z.enum(['minutes', 'hours', 'days', 'weeks']),
});
export type Duration = z.infer<typeof DurationSchema>;

const Scalar = z.union([z.string().max(1_000), z.number().refine(Number.isFinite, 'must be a finite number'), z.boolean()]);
export type Scalar = z.infer<typeof Scalar>;

/** A dotted path into traits or event properties, e.g. `address.city`. */
const Path = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^.]+(\.[^.]+)*$/, 'must be a dotted path such as `plan` or `address.city`');

/** A test on one value (a trait, or an event property). */
export const ValueTestSchema = z.discriminatedUnion('op', [
  z.strictObject({ path: Path, op: z.enum(['eq', 'neq']), value: Scalar }),
  z.strictObject({ path: Path, op: z.enum(['gt', 'gte', 'lt', 'lte']), value: z.number().refine(Number.isFinite, 'must be a finite number') }),
  z.strictObject({ path: Path, op: z.literal('contains'), value: z.string().min(1).max(1_000) }),
  z.strictObject({ path: Path, op: z.enum(['exists', 'not_exists']) }),
]);
export type ValueTest = z.infer<typeof ValueTestSchema>;

export const CompareOp = z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte']);
export type CompareOp = z.infer<typeof CompareOp>;

/** Which events count: a rolling window ending now, or a fixed range [from, to). */
export const WindowSchema = z.union([z.strictObject({ within: DurationSchema }), z.strictObject({ between: z.strictObject({ from: Moment, to: Moment }) })]);
export type Window = z.infer<typeof WindowSchema>;

const EventName = z.string().min(1).max(512);

export const TraitLeaf = z.strictObject({ trait: ValueTestSchema });
/** Performed EVENT [where …] with a count (default: at least once) [in a window]. */
export const PerformedLeaf = z.strictObject({
  performed: z.strictObject({
    event: EventName,
    where: z.array(ValueTestSchema).max(20).optional(),
    count: z.strictObject({ op: CompareOp, value: z.number().int().min(0) }).optional(),
    window: WindowSchema.optional(),
  }),
});
/** The last matching event happened within a duration, or before it (and it happened). */
export const LastPerformedLeaf = z.strictObject({
  lastPerformed: z.strictObject({ event: EventName, where: z.array(ValueTestSchema).max(20).optional(), op: z.enum(['within', 'before']), duration: DurationSchema }),
});
/** The customer's first activity (docs/activity.md) happened within a duration, or before it. */
export const FirstSeenLeaf = z.strictObject({ firstSeen: z.strictObject({ op: z.enum(['within', 'before']), duration: DurationSchema }) });
/** The customer's latest activity (docs/activity.md) happened within a duration, or before it: "no activity for 90 days". */
export const LastSeenLeaf = z.strictObject({ lastSeen: z.strictObject({ op: z.enum(['within', 'before']), duration: DurationSchema }) });
/** sum / avg / min / max of a numeric event property (non-numbers are skipped), compared to a number. */
export const AggregateLeaf = z.strictObject({
  aggregate: z.strictObject({
    event: EventName,
    property: Path,
    fn: z.enum(['sum', 'avg', 'min', 'max']),
    op: CompareOp,
    value: z.number().refine(Number.isFinite, 'must be a finite number'),
    where: z.array(ValueTestSchema).max(20).optional(),
    window: WindowSchema.optional(),
  }),
});

/** The customer is in lifecycle stage `key` (for at least a duration). Not usable in a lifecycle model's own rules. */
export const StageLeaf = z.strictObject({ stage: z.strictObject({ key: z.string().min(1).max(40), atLeast: DurationSchema.optional() }) });
/** The customer is a member of segment `id`. */
export const InSegmentLeaf = z.strictObject({ inSegment: z.strictObject({ id: z.string().min(1).max(100) }) });
/** A computed score (churn risk, health, predicted CLV …) compared to a number; a customer without the score fails. */
export const ScoreLeaf = z.strictObject({
  score: z.strictObject({ name: z.string().min(1).max(100), op: CompareOp, value: z.number().refine(Number.isFinite, 'must be a finite number') }),
});

/**
 * How the customer was first acquired (their first touch): each given field must match,
 * case-sensitively; a customer with no recorded first touch came `direct`.
 */
export const AcquisitionLeaf = z.strictObject({
  acquisition: z
    .strictObject({ channel: z.string().min(1).max(100).optional(), source: z.string().min(1).max(200).optional(), campaign: z.string().min(1).max(200).optional() })
    .refine((a) => a.channel !== undefined || a.source !== undefined || a.campaign !== undefined, 'give at least one of channel, source, campaign'),
});

export type Condition =
  | z.infer<typeof TraitLeaf>
  | z.infer<typeof PerformedLeaf>
  | z.infer<typeof LastPerformedLeaf>
  | z.infer<typeof FirstSeenLeaf>
  | z.infer<typeof LastSeenLeaf>
  | z.infer<typeof AggregateLeaf>
  | z.infer<typeof StageLeaf>
  | z.infer<typeof InSegmentLeaf>
  | z.infer<typeof ScoreLeaf>
  | z.infer<typeof AcquisitionLeaf>
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

/** What each kind of node holds, by its one key. */
const NODE_BODIES: Record<string, z.ZodType> = {
  trait: TraitLeaf.shape.trait,
  performed: PerformedLeaf.shape.performed,
  lastPerformed: LastPerformedLeaf.shape.lastPerformed,
  firstSeen: FirstSeenLeaf.shape.firstSeen,
  lastSeen: LastSeenLeaf.shape.lastSeen,
  aggregate: AggregateLeaf.shape.aggregate,
  stage: StageLeaf.shape.stage,
  inSegment: InSegmentLeaf.shape.inSegment,
  score: ScoreLeaf.shape.score,
  acquisition: AcquisitionLeaf.shape.acquisition,
  all: z
    .array(z.lazy(() => ConditionSchema))
    .min(1)
    .max(100),
  any: z
    .array(z.lazy(() => ConditionSchema))
    .min(1)
    .max(100),
  not: z.lazy(() => ConditionSchema),
};
const NODE_KEYS = Object.keys(NODE_BODIES);

/**
 * A condition tree, validated. A node is an object with exactly one key naming its kind;
 * it is checked against that kind alone, so an error names the exact field at fault
 * (`all.1.performed.count.op: Invalid option …`) rather than "matches no alternative".
 */
export const ConditionSchema: z.ZodType<Condition> = z.any().superRefine((v: unknown, ctx) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    ctx.addIssue({ code: 'custom', message: `a condition must be an object with one of the keys ${NODE_KEYS.join(', ')}` });
    return;
  }
  const keys = Object.keys(v);
  const kind = keys[0];
  if (keys.length !== 1 || kind === undefined || !Object.hasOwn(NODE_BODIES, kind)) {
    ctx.addIssue({ code: 'custom', message: `a condition has exactly one of the keys ${NODE_KEYS.join(', ')}; this one has ${keys.length === 0 ? 'none' : keys.join(', ')}` });
    return;
  }
  const r = NODE_BODIES[kind]!.safeParse((v as Record<string, unknown>)[kind]);
  if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', path: [kind, ...issue.path], message: issue.message });
}) as z.ZodType<Condition>;

/** Milliseconds in a duration. */
export function durationMs(d: Duration): number {
  const unit = { minutes: 60_000, hours: 3_600_000, days: 86_400_000, weeks: 604_800_000 }[d.unit];
  return d.amount * unit;
}

/** Every leaf of a condition, depth first. */
export function leavesOf(cond: Condition): Condition[] {
  if ('all' in cond) return cond.all.flatMap(leavesOf);
  if ('any' in cond) return cond.any.flatMap(leavesOf);
  if ('not' in cond) return leavesOf(cond.not);
  return [cond];
}
