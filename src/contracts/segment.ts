import { z } from 'zod';

/**
 * Wire schemas of the Segment HTTP Tracking API as Tenure accepts it.
 * Unknown fields are kept (Segment payloads carry `_metadata`, `integrations`, …).
 */

const isoDate = z.union([z.string(), z.number()]).optional().nullable();
// looseObject({}) rather than record(): same contract (any JSON object), a third of the cost on the hot path.
const jsonObject = z.looseObject({});
const id = z
  .union([z.string().max(512), z.number()])
  .optional()
  .nullable();

const common = {
  messageId: z
    .union([z.string().min(1).max(200), z.number()])
    .optional()
    .nullable(),
  userId: id,
  anonymousId: id,
  timestamp: isoDate,
  originalTimestamp: isoDate,
  sentAt: isoDate,
  context: jsonObject.optional().nullable(),
  integrations: jsonObject.optional().nullable(),
  writeKey: z.string().optional(),
};

export const IdentifyCall = z.looseObject({ ...common, type: z.literal('identify').optional(), traits: jsonObject.optional().nullable() });
export const TrackCall = z.looseObject({
  ...common,
  type: z.literal('track').optional(),
  event: z.string({ error: 'track calls need an `event` name' }).min(1, 'track calls need an `event` name').max(512),
  properties: jsonObject.optional().nullable(),
});
export const PageCall = z.looseObject({
  ...common,
  type: z.literal('page').optional(),
  name: z.string().max(512).optional().nullable(),
  category: z.string().max(512).optional().nullable(),
  properties: jsonObject.optional().nullable(),
});
export const ScreenCall = z.looseObject({
  ...common,
  type: z.literal('screen').optional(),
  name: z.string().max(512).optional().nullable(),
  properties: jsonObject.optional().nullable(),
});
export const GroupCall = z.looseObject({
  ...common,
  type: z.literal('group').optional(),
  groupId: z.union([z.string().min(1).max(512), z.number()], { error: 'group calls need a `groupId`' }),
  traits: jsonObject.optional().nullable(),
});
export const AliasCall = z.looseObject({
  ...common,
  type: z.literal('alias').optional(),
  previousId: z.union([z.string().min(1).max(512), z.number()], { error: 'alias calls need a `previousId`' }),
});

export const CallSchemas = {
  identify: IdentifyCall,
  track: TrackCall,
  page: PageCall,
  screen: ScreenCall,
  group: GroupCall,
  alias: AliasCall,
} as const;
export type CallType = keyof typeof CallSchemas;
export const CALL_TYPES = Object.keys(CallSchemas) as CallType[];

/** `POST /v1/batch` body. Each item is validated by its `type` (see CallSchemas). */
export const BatchBody = z.looseObject({
  batch: z.array(jsonObject).min(0),
  sentAt: isoDate,
  context: jsonObject.optional().nullable(),
  integrations: jsonObject.optional().nullable(),
  writeKey: z.string().optional(),
});

/** Successful ingestion response, as Segment answers. */
export const IngestOk = z.object({ success: z.literal(true) });
