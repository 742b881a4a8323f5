import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { LiveBacklog, LiveQuery } from '../../../contracts/live.js';
import type { LiveFeed } from '../../ingest/live-feed.js';
import { authenticateAdmin, authenticateWrite, type KeyResolver } from '../auth.js';
import { HttpError, httpErrorOf } from '../errors.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['sources'];

/** Timings of the live stream (tests shorten them). */
export interface LiveStreamOptions {
  /** A comment line this often keeps proxies from closing an idle stream, and keeps recording on (default 15 s). */
  heartbeatMs?: number;
  /** Bytes a slow client may leave unread before its stream is closed (it resumes with Last-Event-ID; default 1 MB). */
  maxBufferedBytes?: number;
}

/**
 * The live event debugger: GET /api/sources/live/recent (JSON backlog) and GET
 * /api/sources/live (server-sent events), both with the admin key; and the hook that records
 * refused ingestion requests. Call it before ingestRoutes, so the hook covers those routes.
 */
export function liveRoutes(app: FastifyInstance, deps: { feed: LiveFeed; keys: KeyResolver } & LiveStreamOptions): void {
  const { feed, keys } = deps;
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const maxBuffered = deps.maxBufferedBytes ?? 1024 * 1024;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/sources/live/recent', {
    schema: {
      tags,
      security,
      summary: 'Recent arrivals on the ingestion endpoints (accepted, duplicate, rejected), oldest first',
      description:
        'A debugger, not a store: this process keeps the last arrivals per workspace in memory, and records only while someone looks (10 minutes after the last read or while a stream is open).',
      querystring: LiveQuery,
      response: { 200: LiveBacklog, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(keys, req);
      const { until } = feed.look(ws.id);
      const backlog = feed.recent(ws.id, req.query.after, req.query.limit);
      return { ...backlog, latestId: feed.latestId, recordingUntil: new Date(until).toISOString(), capacity: feed.capacity };
    },
  });

  r.get('/api/sources/live', {
    schema: {
      tags,
      security,
      summary: 'Arrivals as they happen: a text/event-stream, one LiveEvent (JSON) per message',
      description:
        'Each message carries its id; reconnect with the Last-Event-ID header (or `after`) to resume. Without either, only new arrivals are sent. Comment lines are heartbeats. At most a few streams per workspace (429 past that).',
      querystring: LiveQuery,
      response: errors,
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(keys, req);
      const after = lastEventId(req) ?? req.query.after ?? feed.latestId;
      openStream(req, reply, feed, ws.id, after, heartbeatMs, maxBuffered);
      return reply;
    },
  });

  // Refused ingestion requests, with the answer the client got. Not a bad or missing key: those belong to no workspace.
  app.addHook('onSend', async (req, reply, payload) => {
    if (reply.statusCode < 400 || reply.statusCode === 401 || !feed.anyWatched()) return payload;
    if (!req.routeOptions.url?.startsWith('/v1/')) return payload;
    let wsId: number;
    try {
      wsId = (await authenticateWrite(keys, req)).id;
    } catch {
      return payload;
    }
    if (!feed.watching(wsId)) return payload;
    feed.rejected(wsId, req.url, req.body, errorOf(payload, reply.statusCode));
    return payload;
  });

  // Open streams would keep Fastify's close waiting for ever: end them first.
  app.addHook('preClose', async () => feed.close());
}

function lastEventId(req: FastifyRequest): number | undefined {
  const raw = req.headers['last-event-id'];
  if (raw === undefined) return undefined;
  const text = (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? '';
  if (!/^\d{1,15}$/.test(text)) throw new HttpError('bad_parameter', `Last-Event-ID must be the id of an arrival (a whole number); got ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}

function openStream(req: FastifyRequest, reply: FastifyReply, feed: LiveFeed, workspaceId: number, after: number, heartbeatMs: number, maxBuffered: number): void {
  const res = reply.raw;
  let timer: NodeJS.Timeout | null = null;
  let unsubscribe = () => {};
  const close = () => {
    if (timer) clearInterval(timer);
    timer = null;
    unsubscribe();
    if (!res.writableEnded) res.end();
  };
  const sub = {
    lastId: after,
    send: (frames: string) => {
      if (res.writableEnded || res.destroyed) return false;
      res.write(frames);
      return res.writableLength <= maxBuffered;
    },
    close,
  };
  const subscribed = feed.subscribe(workspaceId, sub);
  if (!subscribed.ok) throw httpErrorOf({ ...subscribed, retryAfter: 5 });
  reply.hijack();
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // `retry` tells EventSource clients how soon to reconnect; the comment opens the stream at once.
  res.write(`retry: 2000\n: live arrivals for this workspace, after id ${after}\n\n`);
  unsubscribe = subscribed.value;
  timer = setInterval(() => {
    feed.look(workspaceId);
    if (!sub.send(': heartbeat\n\n')) close();
  }, heartbeatMs);
  req.raw.socket?.setTimeout(0);
  res.once('close', close);
}

/** The code and message of an error answer (as sent), and the batch index it names. */
function errorOf(payload: unknown, status: number): { code: string; message: string; index?: number } {
  try {
    const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null;
    const e = text ? (JSON.parse(text) as { error?: { code?: unknown; message?: unknown; index?: unknown } }).error : undefined;
    if (e && typeof e.code === 'string' && typeof e.message === 'string') {
      return { code: e.code, message: e.message.slice(0, 2_000), index: typeof e.index === 'number' ? e.index : undefined };
    }
  } catch {
    /* not our error body */
  }
  return { code: `http_${status}`, message: `the server answered ${status}` };
}
