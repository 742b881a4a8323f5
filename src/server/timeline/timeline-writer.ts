/**
 * The one writer of the events Tenure itself puts on customers' timelines (stage moves,
 * segment entries, journeys, messages and the reactions to them, scores crossing a line).
 * Customers' own events come in through ingest/events.repo.ts, the hot path, and nowhere
 * else. Every write here is idempotent by the event's messageId (see timeline-id.ts):
 * the INSERTs skip an id already stored; the COPY, for large batches of ids unique by
 * construction, does not check.
 */
import type { TenureEventName, TenureEventProps } from '../../contracts/events.js';
import { copyJson, copyValue, type Queryable } from '../db/client.js';
import { timelineId, type TimelineKey } from './timeline-id.js';

/** One event Tenure writes on a customer's timeline. */
export type TimelineEvent = {
  [E in TenureEventName]: {
    workspaceId: number;
    customerId: number;
    event: E;
    properties: TenureEventProps[E];
    /** The event's time (stored as its timestamp). */
    at: Date;
    /** What its messageId is made of. */
    key: TimelineKey;
    /** `tenure` (the default): done by Tenure, not the customer's activity; `track`: the customer's own reaction to a message (an open, a click). */
    type?: 'tenure' | 'track';
  };
}[TenureEventName];

/** A timeline event for the COPY path, which does not look up the customer: their userId and the time received come along. */
export type CopiedTimelineEvent = TimelineEvent & { userId: string | null; receivedAt: Date };

const COLUMNS = `events (workspace_id, customer_id, message_id, type, event, user_id, timestamp, received_at, properties, context)`;
const CONTEXT = `{"library":{"name":"tenure"}}`;

/** What the events of one INSERT are selected from and as (each an SQL expression). */
export interface TimelineSelect {
  workspaceId: string;
  customerId: string;
  messageId: string;
  event: string;
  userId: string;
  /** Timestamp and received_at alike. */
  at: string;
  properties: string;
  /** `'tenure'` unless said otherwise. */
  type?: string;
  /** The FROM list (joining `customers` for the userId). */
  from: string;
  where?: string;
  returning?: string;
}

/**
 * SQL: the INSERT of timeline events selected by `s`, skipping messageIds already stored.
 * For statements that write events set by set beside other changes (segment moves, message
 * outcomes, health bands), with messageIds from `timelineIdSql`.
 */
export function timelineInsertSql(s: TimelineSelect): string {
  // events is partitioned by time (migration 0028): no unique index on the messageId for
  // ON CONFLICT. A messageId stored already is skipped by a look into event_message_ids, and
  // one repeated within the statement by DISTINCT ON; a concurrent writer of the same
  // messageId (which ON CONFLICT used to wait out and skip) now fails with 23505 on
  // event_message_ids_pkey, and its retry skips it.
  return `INSERT INTO ${COLUMNS}
       SELECT DISTINCT ON (t.ws, t.mid) t.* FROM (
         SELECT ${s.workspaceId} AS ws, ${s.customerId} AS c, ${s.messageId} AS mid, ${s.type ?? `'tenure'`} AS ty, ${s.event} AS ev, ${s.userId} AS u, ${s.at} AS at, ${s.at} AS ra, ${s.properties} AS p, '${CONTEXT}'::jsonb AS cx
           FROM ${s.from}${s.where ? `\n          WHERE ${s.where}` : ''}
       ) t
       WHERE NOT EXISTS (SELECT 1 FROM event_message_ids d WHERE d.workspace_id = t.ws AND d.message_id = t.mid)${s.returning ? `\n       RETURNING ${s.returning}` : ''}`;
}

/**
 * SQL (a CTE body) recording stage and segment work for the customers of the events a CTE
 * named `ins` inserted (columns workspace_id, customer_id, event): one row per workspace and
 * kind; segment work names the events that arrived (see jobs/derived-work.repo.ts).
 */
export function derivedWorkOfInserted(kinds: ReadonlyArray<'stage' | 'segment'>): string {
  return `INSERT INTO derived_work (workspace_id, kind, scope, subject_ids, changes)
       SELECT ins.workspace_id, k.kind, 'customer', array_agg(DISTINCT ins.customer_id ORDER BY ins.customer_id),
              CASE WHEN k.kind = 'segment' THEN jsonb_build_array(jsonb_build_array(to_jsonb(array_agg(DISTINCT ins.event ORDER BY ins.event)), to_jsonb(array_agg(DISTINCT ins.customer_id ORDER BY ins.customer_id)))) END
         FROM ins CROSS JOIN (VALUES ${kinds.map((k) => `('${k}')`).join(', ')}) AS k(kind) GROUP BY ins.workspace_id, k.kind`;
}

/**
 * Write events on customers' timelines, once each: an event whose messageId is stored
 * already is skipped, and so is one whose customer is gone (the userId is read from the
 * customer). With `derivedWork`, the stage and segment work of the customers of the events
 * written is recorded in the same statement. Returns how many events were written.
 */
export async function writeTimeline(tx: Queryable, rows: TimelineEvent[], opts: { derivedWork?: ReadonlyArray<'stage' | 'segment'> } = {}): Promise<number> {
  if (rows.length === 0) return 0;
  const insert = timelineInsertSql({
    workspaceId: 'x.ws',
    customerId: 'x.c',
    messageId: 'x.mid',
    type: 'x.type',
    event: 'x.ev',
    userId: 'cu.user_id',
    at: 'x.at',
    properties: 'x.p',
    from: `unnest($1::int[], $2::bigint[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::timestamptz[]) AS x(ws, c, mid, ev, p, type, at) JOIN customers cu ON cu.id = x.c`,
    returning: opts.derivedWork ? 'workspace_id, customer_id, event' : undefined,
  });
  const params = [
    rows.map((e) => e.workspaceId),
    rows.map((e) => e.customerId),
    rows.map((e) => timelineId(e.key)),
    rows.map((e) => e.event),
    rows.map((e) => JSON.stringify(e.properties)),
    rows.map((e) => e.type ?? 'tenure'),
    rows.map((e) => e.at.toISOString()),
  ];
  if (!opts.derivedWork) return (await tx.query(insert, params)).rowCount;
  const { rows: n } = await tx.query<{ n: number }>(
    `WITH ins AS (${insert}),
     work AS (${derivedWorkOfInserted(opts.derivedWork)})
     SELECT count(*)::int AS n FROM ins`,
    params,
  );
  return n[0]!.n;
}

/**
 * Append events in one COPY, the cheapest way in for the large batches of a stage rebuild.
 * The messageIds must be new: COPY cannot skip a stored one, and fails the transaction.
 */
export async function copyTimeline(tx: Queryable, rows: CopiedTimelineEvent[]): Promise<void> {
  if (rows.length === 0) return;
  let data = '';
  for (const e of rows) {
    data += `${e.workspaceId}\t${e.customerId}\t${copyValue(timelineId(e.key))}\t${e.type ?? 'tenure'}\t${copyValue(e.event)}\t${copyValue(e.userId)}\t${e.at.toISOString()}\t${e.receivedAt.toISOString()}\t${copyJson(e.properties)}\t${CONTEXT}\n`;
  }
  await tx.copyFrom(COLUMNS, data);
}
