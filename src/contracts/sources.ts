import { z } from 'zod';

/**
 * Where a workspace's data comes from (GET /api/sources): what the dashboard's sources page
 * shows and edits. The write key is public by design (it only writes events), so it is
 * shown in full; browsers on the allowed origins may send events.
 */
export const SourcesView = z.object({
  /** The workspace's write key, for snippets. */
  writeKey: z.string(),
  /** This server's base URL as browsers and SDKs reach it (TENURE_PUBLIC_URL, or the request's host). */
  serverUrl: z.string(),
  /** Origins whose pages may send events from a browser (CORS); `["*"]`: any origin (the default). */
  allowedOrigins: z.array(z.string()),
});
export type SourcesView = z.infer<typeof SourcesView>;

/** PATCH /api/sources. An origin is `*` or `scheme://host[:port]` (no path). */
export const SourcesUpdate = z
  .object({
    allowedOrigins: z
      .array(z.string().max(300))
      .min(1)
      .max(100)
      .refine((list) => list.every((o) => o === '*' || /^https?:\/\/[^/\s?#]+$/i.test(o)), 'each origin is "*" or scheme://host[:port], with no path')
      .optional(),
  })
  .strict();
export type SourcesUpdate = z.infer<typeof SourcesUpdate>;

/**
 * One entry of the live event debugger (GET /api/sources/live, a server-sent event stream,
 * and its JSON backlog): an event as it arrived, or a refused request with its reason.
 */
export const LiveEvent = z.object({
  /** Increasing per process; a client resumes after the last id it saw. */
  id: z.number().int(),
  receivedAt: z.string(),
  /** `accepted` (stored or queued), `duplicate` (messageId seen before) or `rejected`. */
  status: z.enum(['accepted', 'duplicate', 'rejected']),
  /** identify, track, page, screen, group, alias; null when the request could not be read. */
  type: z.string().nullable(),
  /** The event name (track), page/screen name, or null. */
  name: z.string().nullable(),
  userId: z.string().nullable(),
  anonymousId: z.string().nullable(),
  messageId: z.string().nullable(),
  /** Where it came from: the library (context.library.name) and the endpoint path. */
  library: z.string().nullable(),
  path: z.string(),
  /** For rejections: the machine-readable code and the message the client got. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** The event as received, truncated to a few KB for display. */
  payload: z.unknown(),
});
export type LiveEvent = z.infer<typeof LiveEvent>;
