import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { BatchBody, CALL_TYPES, CallSchemas, IngestOk, type CallType } from '../../../contracts/segment.js';
import type { IngestQueue } from '../../ingest/ingest-queue.js';
import { normalizeCall, type NormalizedEvent, type RequestFacts } from '../../ingest/normalize.js';
import { authenticateWrite, type KeyResolver } from '../auth.js';
import { bodyBytes } from '../body.js';
import type { LiveFeed } from '../../ingest/live-feed.js';
import { HttpError, httpErrorOf } from '../errors.js';

/** Validation happens in the handler, so errors can name the event index; schemas are for OpenAPI only. */
const documentOnly = () => (data: unknown) => ({ value: data });

/** analytics.js 2.0's short paths: the first letter of the call type (/v1/t, /v1/p, /v1/i, /v1/g, /v1/a, /v1/s). */
const SHORT_PATH: Record<CallType, string> = { identify: 'i', track: 't', page: 'p', screen: 's', group: 'g', alias: 'a' };

/**
 * Where batches arrive: Segment's /v1/batch and /v1/import, analytics.js 2.0 and the Segment
 * mobile SDKs' /v1/b, and RudderStack's beacon transport (/beacon/v1/batch?writeKey=…, a
 * text/plain body sent by navigator.sendBeacon).
 */
const BATCH_PATHS = ['/v1/batch', '/v1/import', '/v1/b', '/beacon/v1/batch'];

/**
 * Segment HTTP Tracking API: /v1/identify, /v1/track, /v1/page, /v1/screen, /v1/group,
 * /v1/alias (and their one-letter short forms), and the batch paths above. The write key
 * comes as HTTP Basic, in the body or in the query string (see authenticateWrite).
 */
export function ingestRoutes(app: FastifyInstance, deps: { queue: IngestQueue; keys: KeyResolver; live?: LiveFeed }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const responses = { 200: IngestOk, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody, 503: ErrorBody };

  for (const type of CALL_TYPES) {
    for (const path of [`/v1/${type}`, `/v1/${SHORT_PATH[type]}`]) {
      r.post(path, {
        schema: { tags: ['ingestion'], summary: path.length > 5 ? `Segment ${type} call` : `Segment ${type} call (analytics.js 2.0 short path)`, body: CallSchemas[type], response: responses },
        validatorCompiler: documentOnly,
        handler: async (req) => {
          const ws = await authenticateWrite(deps.keys, req);
          const body = requireObject(req.body);
          const result = normalizeCall(body, type, facts(req, body), 0, '');
          // A single call has no index; its field is empty when the whole call is at fault.
          if (!result.ok) throw httpErrorOf({ code: result.code, message: result.message, field: result.field || undefined });
          const tap = deps.live?.tap(ws.id, req.url) ?? null;
          await submit(deps.queue, ws.id, [result.value], tap?.stored, tap?.suppressed);
          tap?.record([result.value], [body]);
          return { success: true as const };
        },
      });
    }
  }

  for (const path of BATCH_PATHS) {
    r.post(path, {
      schema: { tags: ['ingestion'], summary: 'Segment batch: up to 500 KB of calls of any type', body: BatchBody, response: responses },
      validatorCompiler: documentOnly,
      handler: async (req) => {
        const ws = await authenticateWrite(deps.keys, req);
        const body = requireObject(req.body);
        if (!Array.isArray(body.batch)) throw new HttpError('invalid_event', '`batch` must be an array of Segment calls', { field: 'batch' });
        const f = facts(req, body);
        const events: NormalizedEvent[] = [];
        for (let i = 0; i < body.batch.length; i++) {
          const call = body.batch[i] as Record<string, unknown> | null;
          if (call === null || typeof call !== 'object' || Array.isArray(call)) {
            throw new HttpError('invalid_event', `batch[${i}] is not an object`, { index: i, field: `batch.${i}` });
          }
          const type = call.type as CallType;
          if (!CALL_TYPES.includes(type)) {
            throw new HttpError('invalid_event', `batch[${i}].type must be one of ${CALL_TYPES.join(', ')}; got ${JSON.stringify(call.type ?? null)}`, { index: i, field: `batch.${i}.type` });
          }
          const result = normalizeCall(call, type, f, i, `batch.${i}`);
          if (!result.ok) throw httpErrorOf(result, `batch[${i}]: ${result.message}`);
          events.push(result.value);
        }
        const tap = deps.live?.tap(ws.id, req.url) ?? null;
        await submit(deps.queue, ws.id, events, tap?.stored, tap?.suppressed);
        tap?.record(events, body.batch);
        return { success: true as const };
      },
    });
  }
}

/** Hand events to the writer; when it is overloaded, answer 503 + Retry-After (SDKs retry those). */
async function submit(queue: IngestQueue, workspaceId: number, events: NormalizedEvent[], stored?: Set<string>, suppressed?: Set<string>): Promise<void> {
  const r = await queue.submit(workspaceId, events, stored, suppressed);
  if (!r.ok) throw httpErrorOf({ ...r, retryAfter: 1 }, `ingestion is overloaded (${r.message}); nothing of this request was stored, retry in a second`);
}

function requireObject(body: unknown): Record<string, unknown> {
  if (body === null || body === undefined || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError('invalid_json', 'request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function facts(req: FastifyRequest, body: Record<string, unknown>): RequestFacts {
  const context = body.context;
  if (context !== undefined && context !== null && (typeof context !== 'object' || Array.isArray(context))) {
    throw new HttpError('invalid_event', `\`context\` must be an object, e.g. {"ip":"…"}; got ${Array.isArray(context) ? 'a list' : `a ${typeof context}`}`, { field: 'context' });
  }
  return {
    receivedAt: new Date(),
    sentAt: body.sentAt,
    context: (body.context as Record<string, unknown> | null | undefined) ?? null,
    ip: req.ip,
    bodyBytes: bodyBytes.get(req) ?? Number.MAX_SAFE_INTEGER,
  };
}
