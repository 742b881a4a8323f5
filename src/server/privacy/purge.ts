import type { Queryable } from '../db/client.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';

/** A time-range purge of one property (contracts/privacy.ts PropertyPurgeInput). */
export interface PropertyPurge {
  /** Dotted path: `properties.card.number`, `context.ip`, `traits.ssn`. */
  property: string;
  event?: string;
  from: string;
  to: string;
}

export interface PurgeReceipt {
  property: string;
  event: string | null;
  from: string;
  to: string;
  /** Events whose copy of the property was removed. */
  events: number;
  /** Derived copies cleaned: journey run triggers, messages' rendering context, journey signals, profiles. */
  journeyRuns: number;
  messages: number;
  journeySignals: number;
  profiles: number;
  finishedAt?: string;
}

const ROOTS = ['properties', 'context', 'traits'] as const;
export const PURGE_BATCH = 1000;

type PurgeFailure = Failure<'validation_failed'> & { field: string };

/**
 * Remove one property from every matching event in [from, to] (both inclusive), in batches
 * of `batch` events, each batch its own short statement (so a large table is never locked for
 * long); the request's progress is in privacy_requests (`receipt` grows batch by batch,
 * status running → done, or failed with the error). Copies of the same events' properties are
 * cleaned too: journey runs' trigger, messages' rendering context (`context.event`) and journey
 * signals, matched by the events' messageId. With a `traits.*` path and no event filter, a
 * profile trait last set by an event in the range goes as well (its time is in trait_times).
 */
export async function purgeProperty(
  db: Queryable,
  workspaceId: number,
  input: PropertyPurge,
  by: { kind: 'user' | 'key' | 'system'; label: string },
  opts: { batch?: number } = {},
): Promise<Result<{ requestId: number; events: number; receipt: PurgeReceipt }, PurgeFailure>> {
  const path = input.property.split('.');
  const root = path[0] as (typeof ROOTS)[number];
  if (!ROOTS.includes(root) || path.length < 2) {
    return fail('validation_failed', `property must start with properties., context. or traits. and name a key under it (got "${input.property}")`, { field: 'property' });
  }
  const from = new Date(input.from);
  const to = new Date(input.to);
  if (!(from.getTime() <= to.getTime())) return fail('validation_failed', `from (${input.from}) must not be after to (${input.to})`, { field: 'from' });
  const rest = path.slice(1);
  const receipt: PurgeReceipt = {
    property: input.property,
    event: input.event ?? null,
    from: from.toISOString(),
    to: to.toISOString(),
    events: 0,
    journeyRuns: 0,
    messages: 0,
    journeySignals: 0,
    profiles: 0,
  };
  const { rows } = await db.query<{ id: number | string }>(
    `INSERT INTO privacy_requests (workspace_id, kind, status, subject, requested_by_kind, requested_by, receipt)
     VALUES ($1, 'purge_property', 'running', $2, $3, $4, $5) RETURNING id`,
    [workspaceId, JSON.stringify({ property: input.property, event: input.event ?? null, from: receipt.from, to: receipt.to }), by.kind, by.label, JSON.stringify(receipt)],
  );
  const requestId = Number(rows[0]!.id);
  const progress = (status: 'running' | 'done' | 'failed', error: string | null = null) =>
    db.query(`UPDATE privacy_requests SET status = $3, receipt = $4, error = $5, finished_at = CASE WHEN $3 = 'running' THEN NULL ELSE now() END WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      requestId,
      status,
      JSON.stringify(receipt),
      error,
    ]);
  try {
    const size = opts.batch ?? PURGE_BATCH;
    let after = 0;
    for (;;) {
      // One batch: the next `size` matching events by id (the primary key, so the walk is one pass), edited in the same statement.
      const params: unknown[] = [workspaceId, from.toISOString(), to.toISOString(), path.slice(1), after, size];
      if (input.event !== undefined) params.push(input.event);
      const { rows: done } = await db.query<{ id: number | string; message_id: string | null }>(
        `WITH b AS (
           SELECT id, timestamp FROM events
            WHERE workspace_id = $1 AND timestamp >= $2 AND timestamp <= $3 AND ${root} #> $4::text[] IS NOT NULL AND id > $5
              ${input.event !== undefined ? 'AND event = $7' : ''}
            ORDER BY id LIMIT $6
         )
         UPDATE events e SET ${root} = e.${root} #- $4::text[] FROM b WHERE e.id = b.id AND e.timestamp = b.timestamp
         RETURNING e.id, e.message_id`,
        params,
      );
      if (done.length === 0) break;
      after = Math.max(...done.map((d) => Number(d.id)));
      receipt.events += done.length;
      if (root === 'properties') await purgeCopies(db, workspaceId, rest, [...new Set(done.flatMap((d) => [String(d.id), ...(d.message_id ? [d.message_id] : [])]))], receipt);
      await progress('running');
      if (done.length < size) break;
    }
    if (root === 'traits' && input.event === undefined) {
      const { rowCount } = await db.query(
        `UPDATE customers SET traits = traits #- $2::text[]
          WHERE workspace_id = $1 AND traits #> $2::text[] IS NOT NULL AND (trait_times ->> $3)::timestamptz BETWEEN $4 AND $5`,
        [workspaceId, rest, rest[0], from.toISOString(), to.toISOString()],
      );
      receipt.profiles = rowCount;
    }
    receipt.finishedAt = new Date().toISOString();
    await progress('done');
    return ok({ requestId, events: receipt.events, receipt });
  } catch (e) {
    await progress('failed', e instanceof Error ? e.message : String(e)).catch(() => undefined);
    throw e;
  }
}

/** The same property in copies of these events (by messageId, or the event id where a copy keyed by it). */
async function purgeCopies(db: Queryable, workspaceId: number, rest: string[], messageIds: string[], receipt: PurgeReceipt): Promise<void> {
  const runs = await db.query(
    `UPDATE journey_runs SET trigger = trigger #- $2::text[]
      WHERE workspace_id = $1 AND trigger ->> 'messageId' = ANY($3::text[]) AND trigger #> $2::text[] IS NOT NULL`,
    [workspaceId, ['properties', ...rest], messageIds],
  );
  receipt.journeyRuns += runs.rowCount;
  const msgs = await db.query(
    `UPDATE messages SET context = context #- $2::text[]
      WHERE workspace_id = $1 AND context -> 'event' ->> 'messageId' = ANY($3::text[]) AND context #> $2::text[] IS NOT NULL`,
    [workspaceId, ['event', 'properties', ...rest], messageIds],
  );
  receipt.messages += msgs.rowCount;
  const sig = await db.query(
    `UPDATE journey_signals s SET event = s.event #- $2::text[]
      FROM journey_runs r WHERE r.id = s.run_id AND r.workspace_id = $1 AND s.event ->> 'messageId' = ANY($3::text[]) AND s.event #> $2::text[] IS NOT NULL`,
    [workspaceId, ['properties', ...rest], messageIds],
  );
  receipt.journeySignals += sig.rowCount;
}
