import { z } from 'zod';
import { Moment } from './time-window.js';
import { ConditionSchema, leavesOf, type Condition } from './condition.js';
import { JobView } from './lifecycle.js';
import { EV } from './events.js';

/**
 * Saved segments (audiences): a name and a condition in the one rule language, whose
 * members Tenure keeps current. (Not to be confused with `segment.ts`, the Segment
 * tracking API that ingestion speaks.)
 */

export const SegmentScope = z.enum(['customer', 'account']);

export const SegmentInput = z.strictObject({
  name: z.string().trim().min(1, 'a segment needs a name').max(200),
  description: z.string().max(2_000).default(''),
  scope: SegmentScope.default('customer').describe("Members are customers, or accounts (B2B: an account's condition reads its traits, stage and segments and every member's events)"),
  condition: ConditionSchema.describe('Who is in: a condition tree (see the lifecycle model rules for the language)'),
});
export type SegmentInput = z.infer<typeof SegmentInput>;

export const SegmentView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  kind: z.enum(['dynamic', 'static']),
  scope: SegmentScope,
  condition: z.unknown().nullable().describe('The condition tree (dynamic segments)'),
  version: z.number().int().describe('Grows with every edit'),
  members: z.number().int().describe('Members now'),
  computedAt: z.string().nullable().describe('When the membership was last worked out in full (null: not yet)'),
  upToDate: z.boolean().describe('The stored membership reflects the current version'),
  timeBased: z.boolean().describe('Membership can change with time alone (rolling windows, silences); the sweep keeps it current'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const SegmentList = z.object({ segments: z.array(SegmentView) });

export const SegmentSaved = z.object({ segment: SegmentView, job: JobView.describe('The computation of its membership') });

export const SegmentPreviewInput = z.strictObject({
  condition: ConditionSchema,
  scope: SegmentScope.default('customer'),
  sample: z.number().int().min(0).max(100).default(10).describe('How many members to return as a sample'),
});

export const SegmentMember = z.object({
  customerId: z.number().int().describe("The member's internal id (an account's, for account segments)"),
  userId: z.string().nullable().describe('For account segments: the groupId'),
  email: z.string().nullable().describe("For account segments: the account's `name` trait"),
  enteredAt: z.string().describe('When this stay in the segment began'),
});

export const SegmentPreview = z.object({ count: z.number().int(), sample: z.array(SegmentMember.omit({ enteredAt: true })) });

export const SegmentMembersQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  cursor: z.string().regex(/^\d+$/, 'cursor must be a value returned as nextCursor').optional(),
  at: Moment.optional().describe('Members as of this past moment (from the membership history)'),
});

export const SegmentMembers = z.object({ members: z.array(SegmentMember), nextCursor: z.string().nullable() });

export const CustomerSegments = z.object({
  segments: z.array(z.object({ id: z.string(), name: z.string(), enteredAt: z.string() })),
});

/** Segment ids a condition reads (`inSegment` leaves). */
export function segmentRefs(cond: Condition): string[] {
  return [...new Set(leavesOf(cond).flatMap((l) => ('inSegment' in l ? [l.inSegment.id] : [])))];
}

/**
 * Whether a condition's truth can change with time alone, with no new event: a rolling
 * window, a silence, a time in stage, or anything read from another engine (stage,
 * segment, score), whose changes do not come through ingestion.
 */
export function isTimeBased(cond: Condition): boolean {
  return leavesOf(cond).some(
    (l) =>
      ('performed' in l && l.performed.window !== undefined) ||
      ('aggregate' in l && l.aggregate.window !== undefined) ||
      'lastPerformed' in l ||
      'firstSeen' in l ||
      'lastSeen' in l ||
      'stage' in l ||
      'inSegment' in l ||
      'score' in l,
  );
}

export const RfmView = z.object({
  computedAt: z.string().nullable().describe('When the scores were last worked out (null: never)'),
  buyers: z.number().int().describe('Customers with at least one order, the ones scored'),
  boundaries: z
    .object({
      recency: z.array(z.string().nullable()),
      frequency: z.array(z.number().nullable()),
      monetary: z.array(z.union([z.number(), z.string()]).nullable()),
    })
    .nullable()
    .describe('Per dimension, the smallest value scoring 2, 3, 4 and 5 (recency: the last-order time)'),
  groups: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      segmentId: z.string().describe('The built-in segment holding the group'),
      count: z.number().int(),
      share: z.number(),
      recencyDays: z.number().nullable().describe('Mean days since the last order'),
      frequency: z.number().nullable().describe('Mean orders'),
      monetary: z.number().nullable().describe('Mean revenue'),
    }),
  ),
});

export const CohortQuery = z.object({
  by: z.enum(['first_event', 'channel', 'campaign']).default('first_event').describe('Group by the period of a first event, or by first-touch channel or campaign'),
  event: z.string().min(1).max(512).default(EV.signedUp).describe('For by=first_event: the event whose first occurrence places a customer (e.g. Signed Up, Order Completed)'),
  period: z.enum(['week', 'month']).default('month').describe('For by=first_event: weeks start on Monday, UTC'),
});

export const CohortList = z.object({
  by: z.enum(['first_event', 'channel', 'campaign']),
  event: z.string().nullable(),
  period: z.enum(['week', 'month']).nullable(),
  cohorts: z.array(
    z.object({
      key: z.string().describe('The period start (YYYY-MM-DD), channel or campaign'),
      from: z.string().nullable(),
      to: z.string().nullable(),
      count: z.number().int(),
      condition: z.unknown().describe('The cohort as a condition: POST it to /api/segments to keep it as a segment'),
    }),
  ),
});

const ListIds = z.array(z.string().min(1).max(512)).max(10_000, 'at most 10,000 ids per request; send a longer list in several (mode "add")').describe('userIds or anonymousIds of customers');

export const StaticSegmentInput = z.strictObject({
  name: z.string().trim().min(1, 'a segment needs a name').max(200),
  description: z.string().max(2_000).default(''),
  ids: ListIds.default([]),
});

export const ListEdit = z.strictObject({
  ids: ListIds,
  mode: z.enum(['replace', 'add', 'remove']).default('add').describe('replace the list, add these customers, or remove them'),
});

export const ListEdited = z.object({
  segment: SegmentView,
  entered: z.number().int(),
  exited: z.number().int(),
  unknown: z.array(z.string()).describe('Ids that match no customer (the first 100)'),
  unknownCount: z.number().int(),
});
