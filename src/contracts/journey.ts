import { z } from 'zod';
import { ConditionSchema, DurationSchema, ValueTestSchema } from './condition.js';

/**
 * Journeys: lifecycle automation as a graph of steps. A customer enters on a trigger, walks
 * the steps (waits, branches, splits, sends…) and leaves at an exit step, on the goal
 * (converted) or on the exit criteria. Definitions are versioned: publishing an edit makes
 * a new version, and customers already on their way stay on the version they entered.
 */

const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "-" and "_"');
const EventName = z.string().min(1).max(512);
const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM (24-hour), e.g. 09:30');
/** ISO weekdays: 1 Monday … 7 Sunday. */
const Weekdays = z.array(z.number().int().min(1, 'weekdays are 1 (Monday) to 7 (Sunday)').max(7, 'weekdays are 1 (Monday) to 7 (Sunday)')).min(1).max(7);

/** An event by name, with optional tests on its properties. */
export const EventMatch = z.strictObject({ name: EventName, where: z.array(ValueTestSchema).max(20).optional() });
export type EventMatch = z.infer<typeof EventMatch>;

/** What puts a customer into a journey. */
export const TriggerSchema = z.union([
  z.strictObject({ event: EventMatch }),
  z.strictObject({ stageEntered: z.strictObject({ stage: z.string().min(1).max(40) }) }),
  z.strictObject({ stageExited: z.strictObject({ stage: z.string().min(1).max(40) }) }),
  z.strictObject({ segmentEntered: z.strictObject({ segment: z.string().min(1).max(100) }) }),
  z.strictObject({ segmentExited: z.strictObject({ segment: z.string().min(1).max(100) }) }),
  /**
   * A date held in a trait (ISO date or date-time), shifted by `offsetDays` (negative: before),
   * at `at` (UTC): `renewal_date` − 14 days. Each date value enters a customer once.
   */
  z.strictObject({ dateTrait: z.strictObject({ trait: z.string().min(1).max(200), offsetDays: z.number().int().min(-3650).max(3650), at: Time.default('09:00') }) }),
  /** A recurring broadcast: every day (or the given weekdays) at `at` in the workspace's timezone, every member of `segment` enters. */
  z.strictObject({ schedule: z.strictObject({ segment: z.string().min(1).max(100), at: Time, weekdays: Weekdays.optional() }) }),
  /**
   * A one-off broadcast: every member of `segment` enters once — when the journey is
   * published (no `at`), or at the wall-clock `at` (YYYY-MM-DDTHH:MM) in the workspace's
   * timezone (`zone: "workspace"`) or in each customer's own (`zone: "customer"`: the
   * `timezone` trait, else the workspace's).
   */
  z.strictObject({
    broadcast: z.strictObject({
      segment: z.string().min(1).max(100),
      at: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d$/, 'must be a local date and time as YYYY-MM-DDTHH:MM, e.g. 2026-12-24T09:00')
        .optional(),
      zone: z.enum(['workspace', 'customer']).default('workspace'),
    }),
  }),
]);
export type Trigger = z.infer<typeof TriggerSchema>;

export const Channel = z.enum(['email', 'sms', 'webhook', 'inapp']);
export type Channel = z.infer<typeof Channel>;

const base = { id: Id, name: z.string().max(200).optional() };
const next = Id.describe('The id of the step that follows');

/** The steps a journey is built from; `type` says which. */
export const StepSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...base, type: z.literal('wait'), duration: DurationSchema, next }),
  /** Wait until the next `time` (on one of `weekdays`) in the customer's timezone (trait `timezone`, IANA name; UTC when absent or unknown). */
  z.strictObject({ ...base, type: z.literal('waitUntil'), time: Time, weekdays: Weekdays.optional(), next }),
  /** Wait for an event (or a condition to hold) with a timeout: `next` when it comes, `timeoutNext` when time runs out. */
  z
    .strictObject({ ...base, type: z.literal('waitFor'), event: EventMatch.optional(), condition: ConditionSchema.optional(), timeout: DurationSchema, next, timeoutNext: next })
    .refine((s) => (s.event === undefined) !== (s.condition === undefined), 'give exactly one of event, condition'),
  /** The first branch whose condition holds, else `otherwise`. */
  z.strictObject({
    ...base,
    type: z.literal('branch'),
    branches: z
      .array(z.strictObject({ condition: ConditionSchema, next }))
      .min(1)
      .max(20),
    otherwise: next,
  }),
  /** A/B/n test: customers are divided by weight, at random; the holdout (control) leaves the journey here and gets nothing. */
  z.strictObject({
    ...base,
    type: z.literal('split'),
    variants: z
      .array(z.strictObject({ key: Id, weight: z.number().positive().max(1_000_000), next }))
      .min(1)
      .max(10),
    holdout: z.strictObject({ weight: z.number().positive().max(1_000_000) }).optional(),
  }),
  /**
   * Send a message rendered from a template. `group` is the subscription group it belongs
   * to (consent); `transactional` messages ignore frequency caps and quiet hours (receipts,
   * password resets) but never go to a suppressed address.
   */
  z.strictObject({
    ...base,
    type: z.literal('send'),
    channel: z.enum(['email', 'sms', 'inapp']).describe('webhooks: use a webhook step'),
    template: Id,
    group: Id.optional(),
    transactional: z.boolean().default(false),
    next,
  }),
  z.strictObject({
    ...base,
    type: z.literal('updateTraits'),
    set: z.record(z.string().min(1).max(200), z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()])).refine((o) => Object.keys(o).length > 0, 'set at least one trait'),
    next,
  }),
  /**
   * Invite the customer to a survey (see contracts/surveys.ts) on a channel. The survey's and
   * the workspace's fatigue rules decide when it goes: now, later (held, with the reason), or
   * not at all; the journey goes on at once either way.
   */
  z.strictObject({ ...base, type: z.literal('survey'), survey: Id, channel: z.enum(['email', 'sms', 'inapp']), next }),
  /**
   * Hand the customer to a person: a task in the task list for someone with `assigneeRole`, due
   * `due` after; with `assignee`, a member's email, the task is theirs (their queue, and an email).
   */
  z.strictObject({
    ...base,
    type: z.literal('task'),
    title: z.string().min(1).max(500),
    assigneeRole: z.string().min(1).max(100),
    assignee: z.string().trim().toLowerCase().max(254).email('must be the email of a member of the workspace').optional(),
    due: DurationSchema,
    note: z.string().max(5_000).optional(),
    next,
  }),
  /** POST a signed JSON body to a URL (see the webhook channel); `body` is a Liquid template producing JSON (default: customer and journey). */
  z.strictObject({ ...base, type: z.literal('webhook'), url: z.url({ protocol: /^https?$/ }), body: z.string().max(20_000).optional(), next }),
  z.strictObject({ ...base, type: z.literal('exit') }),
]);
export type Step = z.infer<typeof StepSchema>;
export type StepType = Step['type'];

/** Whether and when a customer may enter again after a run of theirs ended. One run per customer at a time. */
export const ReentrySchema = z.union([z.literal('never'), z.literal('always'), z.strictObject({ afterDays: z.number().int().min(1).max(3650) })]);

export const JourneyDefinitionSchema = z.strictObject({
  trigger: TriggerSchema,
  /** Only customers meeting this when the trigger fires enter. */
  audience: ConditionSchema.optional(),
  entry: z
    .strictObject({
      reentry: ReentrySchema.default('never'),
      /** At most this many entries in all (the journey stops taking new customers after). */
      limit: z.number().int().positive().max(100_000_000).optional(),
    })
    .default({ reentry: 'never' }),
  /** Conversion: the event (or condition) that ends a run as converted. */
  goal: z
    .strictObject({
      event: EventMatch.optional(),
      condition: ConditionSchema.optional(),
      /** How long after the split a holdout customer is watched for the goal (default 30 days): the control group's conversion. */
      holdoutWindow: DurationSchema.default({ amount: 30, unit: 'days' }),
    })
    .refine((g) => (g.event === undefined) !== (g.condition === undefined), 'give exactly one of event, condition')
    .optional(),
  /** Leave early (not converted) when this event comes or this condition holds. */
  exitWhen: z
    .strictObject({ event: EventMatch.optional(), condition: ConditionSchema.optional() })
    .refine((g) => (g.event === undefined) !== (g.condition === undefined), 'give exactly one of event, condition')
    .optional(),
  /** The first step. */
  start: Id,
  steps: z.array(StepSchema).min(1).max(200),
});
export type JourneyDefinition = z.infer<typeof JourneyDefinitionSchema>;
export type JourneyDefinitionInput = z.input<typeof JourneyDefinitionSchema>;

export interface GraphProblem {
  /** Dotted path of the offending field, e.g. `definition.steps.2.next`. */
  field: string;
  message: string;
}

/** The ids a step can go to. */
export function nextsOf(step: Step): string[] {
  switch (step.type) {
    case 'exit':
      return [];
    case 'branch':
      return [...step.branches.map((b) => b.next), step.otherwise];
    case 'split':
      return step.variants.map((v) => v.next);
    case 'waitFor':
      return [step.next, step.timeoutNext];
    default:
      return [step.next];
  }
}

const WAITS = new Set<StepType>(['wait', 'waitUntil', 'waitFor']);

/**
 * Check what the schema cannot: unique step ids, every `next` naming a step, the start
 * existing, every step reachable, and no loop a customer could go round without waiting
 * (which would run forever). Returns the first problem, naming the step.
 */
export function checkGraph(def: JourneyDefinition, prefix = 'definition'): GraphProblem | null {
  const index = new Map<string, number>();
  for (const [i, s] of def.steps.entries()) {
    if (index.has(s.id)) return { field: `${prefix}.steps.${i}.id`, message: `step id "${s.id}" is used twice (steps ${index.get(s.id)} and ${i})` };
    index.set(s.id, i);
  }
  if (!index.has(def.start)) return { field: `${prefix}.start`, message: `start "${def.start}" is not the id of a step` };
  for (const [i, s] of def.steps.entries()) {
    const refs: Array<[string, string]> =
      s.type === 'branch'
        ? [...s.branches.map((b, j) => [`branches.${j}.next`, b.next] as [string, string]), ['otherwise', s.otherwise]]
        : s.type === 'split'
          ? s.variants.map((v, j) => [`variants.${j}.next`, v.next] as [string, string])
          : s.type === 'waitFor'
            ? [
                ['next', s.next],
                ['timeoutNext', s.timeoutNext],
              ]
            : s.type === 'exit'
              ? []
              : [['next', s.next]];
    for (const [path, id] of refs) {
      if (!index.has(id)) return { field: `${prefix}.steps.${i}.${path}`, message: `step "${s.id}": ${path.split('.').pop()} "${id}" is not the id of a step` };
    }
    if (s.type === 'split') {
      const keys = new Set<string>();
      for (const [j, v] of s.variants.entries()) {
        if (keys.has(v.key)) return { field: `${prefix}.steps.${i}.variants.${j}.key`, message: `step "${s.id}": variant key "${v.key}" is used twice` };
        keys.add(v.key);
      }
    }
  }
  // Reachability from the start.
  const seen = new Set<string>([def.start]);
  const queue = [def.start];
  while (queue.length > 0) {
    const s = def.steps[index.get(queue.pop()!)!]!;
    for (const n of nextsOf(s)) if (!seen.has(n)) (seen.add(n), queue.push(n));
  }
  for (const [i, s] of def.steps.entries()) {
    if (!seen.has(s.id)) return { field: `${prefix}.steps.${i}`, message: `step "${s.id}" cannot be reached from the start "${def.start}"` };
  }
  // A cycle through steps that do not wait: depth-first search over non-waiting steps.
  const state = new Map<string, 1 | 2>();
  const visit = (id: string): string | null => {
    state.set(id, 1);
    const s = def.steps[index.get(id)!]!;
    if (!WAITS.has(s.type)) {
      for (const n of nextsOf(s)) {
        const st = state.get(n);
        if (st === 1 && !WAITS.has(def.steps[index.get(n)!]!.type)) return n;
        if (st === undefined) {
          const found = visit(n);
          if (found) return found;
        }
      }
    }
    state.set(id, 2);
    return null;
  };
  for (const s of def.steps) {
    if (state.has(s.id)) continue;
    const loop = visit(s.id);
    if (loop) return { field: `${prefix}.steps.${index.get(loop)!}`, message: `step "${loop}" is on a loop with no wait step: a customer would go round it forever` };
  }
  return null;
}

/** Which templates a definition sends, by step. */
export function templatesOf(def: JourneyDefinition): Array<{ stepIndex: number; template: string; channel: Channel }> {
  const out: Array<{ stepIndex: number; template: string; channel: Channel }> = [];
  for (const [i, s] of def.steps.entries()) if (s.type === 'send') out.push({ stepIndex: i, template: s.template, channel: s.channel });
  return out;
}

// ---- admin API bodies and views ----

export const JourneyInput = z.strictObject({
  name: z.string().trim().min(1, 'a journey needs a name').max(200),
  description: z.string().max(2_000).default(''),
  definition: JourneyDefinitionSchema,
});
export type JourneyInput = z.infer<typeof JourneyInput>;

export const JourneyStatus = z.enum(['draft', 'live', 'paused', 'archived']);

export const JourneyView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  status: JourneyStatus,
  /** The version being edited (the newest). */
  version: z.number().int(),
  /** The version new customers enter (null: never published). */
  liveVersion: z.number().int().nullable(),
  definition: z.unknown(),
  createdAt: z.string(),
  updatedAt: z.string(),
  publishedAt: z.string().nullable(),
  /** After a publish: how many customers entered at once (current members, or a broadcast sent now). */
  enteredNow: z.number().int().optional(),
});
export const JourneyList = z.object({ journeys: z.array(JourneyView) });

/** One A/B variant of a journey: conversion, and against the holdout its lift and significance. */
export const VariantStats = z.object({
  variant: z.string(),
  entered: z.number(),
  converted: z.number(),
  rate: z.number().nullable().describe('converted / entered (null with no entries)'),
  liftVsHoldout: z.number().nullable().describe("Relative lift over the holdout's rate (null without a holdout, or a holdout rate of 0)"),
  pValue: z.number().nullable().describe('Two-sided p-value of a two-proportion z-test against the holdout (null without one)'),
});
export type VariantStats = z.infer<typeof VariantStats>;

/** GET /api/journeys/:id/stats. */
export const JourneyStatsView = z.object({
  entered: z.number(),
  active: z.number(),
  converted: z.number(),
  completed: z.number(),
  exited: z.number(),
  failed: z.number(),
  activeByStep: z.record(z.string(), z.number()).describe('Open runs per step (waiting in it, or about to run it); holdout runs watched for the goal are in holdoutWatching instead'),
  passedByStep: z.record(z.string(), z.number()).describe('Runs that went through each step (a wait counts when it ends; a step visited twice counts twice); reached = passed + active there'),
  holdoutWatching: z.number().describe('Open holdout runs: through their split (counted in passedByStep), watched for the goal for the holdout window'),
  endedByReason: z.record(z.string(), z.number()).describe('Runs that ended, by reason (exit:<step>, goal, exit criteria, holdout, error)'),
  messages: z.record(z.string(), z.record(z.string(), z.number())).describe('Messages by channel and status'),
  skippedByReason: z.record(z.string(), z.number()).describe('Skipped messages by reason code'),
  variants: z.array(VariantStats).describe('Per A/B variant: conversion, lift over the holdout and the p-value of a two-proportion z-test against it'),
});
export type JourneyStats = z.infer<typeof JourneyStatsView>;

/** One of a customer's journey runs: where it stands, or how it ended. */
export const RunView = z.object({
  id: z.number().int(),
  journeyId: z.string(),
  journeyName: z.string(),
  version: z.number().int(),
  status: z.string().describe('active | waiting | completed | converted | exited | failed'),
  step: z.string().describe('Where the run is (or ended)'),
  variant: z.string().nullable(),
  wakeAt: z.string().nullable().describe('When a waiting run moves on by itself'),
  enteredAt: z.string(),
  endedAt: z.string().nullable(),
  endReason: z.string().nullable(),
  error: z.string().nullable().describe('Why a failed run failed'),
});

/** GET /api/customers/:id/journeys. */
export const CustomerJourneyRuns = z.object({ runs: z.array(RunView) });

/** POST /api/journeys/{id}/publish. */
export const PublishInput = z
  .strictObject({
    enterCurrent: z.boolean().default(false).describe('Segment- and stage-triggered journeys: also enter the customers already in the segment or stage now (otherwise only future entries)'),
  })
  .default({ enterCurrent: false });

/** GET /api/journeys/{id}/audience: who the journey would reach now, for the publish dialog. */
export const JourneyAudience = z.object({
  /** What the count is: current members of the trigger's segment or stage, a broadcast's segment, or nothing to count. */
  kind: z.enum(['segment', 'stage', 'broadcast', 'none']),
  /** The segment or stage. */
  target: z.string().nullable(),
  count: z.number().int().nullable(),
});
