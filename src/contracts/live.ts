import { z } from 'zod';
import { LiveEvent } from './sources.js';

/** GET /api/sources/live/recent and GET /api/sources/live: where to start. */
export const LiveQuery = z.strictObject({
  /** Only arrivals with a larger id (as Last-Event-ID). Without it: the newest `limit` (backlog), or only new ones (stream). */
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  /** Most arrivals in one backlog answer (default 100, at most 500). */
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type LiveQuery = z.infer<typeof LiveQuery>;

/** GET /api/sources/live/recent: the debugger's backlog, oldest first. */
export const LiveBacklog = z.object({
  events: z.array(LiveEvent),
  /** Arrivals after `after` that were already overwritten (the ring holds the last `capacity`). */
  missed: z.number().int(),
  /** More arrivals follow the last one returned: ask again with `after` = its id. */
  more: z.boolean(),
  /** The largest id handed out so far in this process: open the stream with `after` = this to see only what comes next. */
  latestId: z.number().int(),
  /** Recording goes on until then without another look (each read, and an open stream, extends it). */
  recordingUntil: z.string(),
  /** Arrivals kept per workspace in this process. */
  capacity: z.number().int(),
});
export type LiveBacklog = z.infer<typeof LiveBacklog>;
