import type { Queryable } from '../db/client.js';
import type { NormalizedEvent } from './normalize.js';

/**
 * Append events (with their resolved customer ids); a messageId already stored in the
 * workspace is skipped. Returns the messageIds actually inserted. `knownNew` skips the
 * duplicate check for bulk loads whose ids are unique by construction (it then returns
 * an empty set).
 */
export async function insertEvents(tx: Queryable, workspaceId: number, events: NormalizedEvent[], customerIds: number[], opts: { knownNew?: boolean } = {}): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const records = events.map((e, i) => ({
    c: customerIds[i],
    m: e.messageId,
    y: e.type,
    e: e.event,
    u: e.userId,
    a: e.anonymousId,
    g: e.groupId,
    t: e.timestamp,
    o: e.originalTimestamp,
    s: e.sentAt,
    r: e.receivedAt,
    p: e.previousId === null ? e.properties : { ...e.properties, previousId: e.previousId },
    tr: e.traits,
    cx: e.context,
  }));
  const { rows } = await tx.query<{ message_id: string }>(
    `INSERT INTO events (workspace_id, customer_id, message_id, type, event, user_id, anonymous_id, group_id,
                         timestamp, original_timestamp, sent_at, received_at, properties, traits, context)
     SELECT $1, x.c, x.m, x.y, x.e, x.u, x.a, x.g, x.t, x.o, x.s, x.r, x.p, x.tr, x.cx
       FROM jsonb_to_recordset($2::jsonb) AS x(c bigint, m text, y text, e text, u text, a text, g text,
            t timestamptz, o timestamptz, s timestamptz, r timestamptz, p jsonb, tr jsonb, cx jsonb)
     ${opts.knownNew ? '' : 'ON CONFLICT (workspace_id, message_id) DO NOTHING RETURNING message_id'}`,
    [workspaceId, JSON.stringify(records)],
  );
  return new Set(rows.map((r) => r.message_id));
}

/** One stored event as the admin API presents it. */
export interface StoredEvent {
  id: number;
  messageId: string;
  type: string;
  event: string | null;
  userId: string | null;
  anonymousId: string | null;
  groupId: string | null;
  timestamp: string;
  receivedAt: string;
  properties: Record<string, unknown>;
  traits: Record<string, unknown> | null;
  context: Record<string, unknown>;
}

/** Position in a timeline: the (timestamp, id) of the last event already returned. */
export interface TimelineCursor {
  timestamp: string;
  id: number;
}

export function encodeCursor(c: TimelineCursor): string {
  return Buffer.from(`${c.timestamp}|${c.id}`).toString('base64url');
}

/** Decode a cursor from the API; null if it is not one we issued. */
export function decodeCursor(s: string): TimelineCursor | null {
  const [ts, id] = Buffer.from(s, 'base64url').toString('utf8').split('|');
  if (!ts || !id || !/^\d+$/.test(id) || Number.isNaN(Date.parse(ts))) return null;
  return { timestamp: ts, id: Number(id) };
}

/** A customer's unified timeline, newest first, continuing after `cursor`. */
export async function timeline(db: Queryable, workspaceId: number, customerId: number, limit: number, cursor?: TimelineCursor): Promise<StoredEvent[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT id, message_id, type, event, user_id, anonymous_id, group_id, timestamp, received_at, properties, traits, context
       FROM events WHERE workspace_id = $1 AND customer_id = $2
        AND ($4::timestamptz IS NULL OR (timestamp, id) < ($4::timestamptz, $5::bigint))
      ORDER BY timestamp DESC, id DESC LIMIT $3`,
    [workspaceId, customerId, limit, cursor?.timestamp ?? null, cursor?.id ?? null],
  );
  return rows.map((r) => ({
    id: r.id as number,
    messageId: r.message_id as string,
    type: r.type as string,
    event: r.event as string | null,
    userId: r.user_id as string | null,
    anonymousId: r.anonymous_id as string | null,
    groupId: r.group_id as string | null,
    timestamp: (r.timestamp as Date).toISOString(),
    receivedAt: (r.received_at as Date).toISOString(),
    properties: r.properties as Record<string, unknown>,
    traits: r.traits as Record<string, unknown> | null,
    context: r.context as Record<string, unknown>,
  }));
}
