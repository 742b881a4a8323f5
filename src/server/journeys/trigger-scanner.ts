import type { Db, Queryable } from '../db/client.js';
import { advanceCursor, cursorMoved, GAP_GIVE_UP_MS, lockCursorRow, nextIdsClause, saveCursorRow, inSpanSql, timeSpan } from '../jobs/event-cursor.js';
import { STAGE_CHANGED_EVENT } from '../lifecycle/stages.repo.js';
import { SEGMENT_ENTERED, SEGMENT_EXITED } from '../segments/segment-sync.js';
import type { EngineEvent } from './engine.js';
import { matchesEvent } from './engine.js';
import type { JourneyDefinitions, KnownVersion, Listeners } from './definitions.js';
import { enterRunsReturning, type EnteredRun, type Entry } from './entries.js';
import { TRIGGER_CURSOR, type LiveJourney } from './journeys.repo.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/**
 * Reads the events table in id order (one scanner at a time across processes: it holds the
 * cursor row's lock) and, in the same transaction as moving the cursor:
 * - enters customers into live journeys whose trigger the event is (an event by name and
 *   properties; `Lifecycle Stage Changed` for stage triggers; `Segment Entered`/`Exited`);
 * - hands the event to open runs it can move (goal, exit criteria, a wait for it) as a
 *   signal, and wakes those runs.
 * Ids are not committed in order on PostgreSQL (two writers), so ids skipped over are kept
 * as gaps and read again until they appear or are `gapGiveUpMs` old (a rolled-back write).
 * Only events that happen now start journeys: an event must have been received after the
 * journey was published, and be at most `maxTriggerAgeMs` old (imported history never
 * starts a welcome series).
 */
export interface ScanOptions {
  now: Date;
  /** Most events read per pass (default 2,000). */
  batch?: number;
  gapGiveUpMs?: number;
  maxTriggerAgeMs?: number;
}

export interface ScanResult {
  scanned: number;
  entered: number;
  signalled: number;
  /** More events may be waiting. */
  more: boolean;
}

type EventRow = RowPick<typeof schema.events, 'id' | 'workspace_id' | 'customer_id' | 'event' | 'type' | 'timestamp' | 'received_at'>;

/** One pass of the scanner; returns null when another process holds the cursor. */
export async function scanEvents(db: Db, defs: JourneyDefinitions, opts: ScanOptions): Promise<ScanResult | null> {
  const now = opts.now.getTime();
  const batch = opts.batch ?? 2_000;
  const giveUp = opts.gapGiveUpMs ?? GAP_GIVE_UP_MS;
  const maxAge = opts.maxTriggerAgeMs ?? 86_400_000;
  return db.transaction(async (tx) => {
    const cursor = await lockCursorRow(tx, 'journey_cursor', TRIGGER_CURSOR, { skipLocked: true, startAtEnd: true });
    if (!cursor) return null;
    // The journeys as of now, holding the cursor (a publication takes it too: journeys.repo.ts lockTriggerScanner).
    await defs.refresh(tx);
    const live = await defs.liveList(tx);
    const where = nextIdsClause(cursor, 2);
    const { rows } = await tx.query<EventRow>(`SELECT id, workspace_id, customer_id, event, type, timestamp, received_at FROM events WHERE ${where.sql} ORDER BY id LIMIT $1`, [batch, ...where.args]);
    const next = advanceCursor(
      cursor,
      rows.map((r) => r.id),
      now,
      giveUp,
      batch,
    );

    let entered = 0;
    let signalled = 0;
    const listeners = rows.length > 0 ? await defs.openListeners(tx) : null;
    if (listeners && (live.length > 0 || listeners.journeys.size > 0)) {
      const r = await handle(tx, defs, live, listeners, rows, now, maxAge);
      entered = r.entered;
      signalled = r.signalled;
    }
    if (cursorMoved(cursor, next)) await saveCursorRow(tx, 'journey_cursor', TRIGGER_CURSOR, next);
    return { scanned: rows.length, entered, signalled, more: rows.filter((r) => r.id > cursor.highWater).length >= batch };
  });
}

/** Whether an event is the trigger of a journey (before its freshness and entry policy). */
export function isTrigger(j: LiveJourney, e: EngineEvent): boolean {
  const t = j.definition.trigger;
  if ('event' in t) return matchesEvent(t.event, e);
  if ('stageEntered' in t) return e.name === STAGE_CHANGED_EVENT && e.properties.to === t.stageEntered.stage;
  if ('stageExited' in t) return e.name === STAGE_CHANGED_EVENT && e.properties.from === t.stageExited.stage;
  if ('segmentEntered' in t) return e.name === SEGMENT_ENTERED && e.properties.segmentId === t.segmentEntered.segment;
  if ('segmentExited' in t) return e.name === SEGMENT_EXITED && e.properties.segmentId === t.segmentExited.segment;
  return false;
}

/** The event name a journey's trigger reads (null: a time-based trigger). */
function triggerName(j: LiveJourney): string | null {
  const t = j.definition.trigger;
  if ('event' in t) return t.event.name;
  if ('stageEntered' in t || 'stageExited' in t) return STAGE_CHANGED_EVENT;
  if ('segmentEntered' in t) return SEGMENT_ENTERED;
  if ('segmentExited' in t) return SEGMENT_EXITED;
  return null;
}

async function handle(
  tx: Queryable,
  defs: JourneyDefinitions,
  live: LiveJourney[],
  listeners: Listeners,
  rows: EventRow[],
  now: number,
  maxAge: number,
): Promise<{ entered: number; signalled: number }> {
  const triggerNames = new Set(live.map(triggerName).filter((n): n is string => n !== null));
  // Events that can matter: a trigger's or a listened name, or any event of a customer with
  // an open run re-checking conditions.
  const interesting = rows.filter((r) => r.event !== null && (triggerNames.has(r.event) || listeners.names.has(r.event)));
  const byWs = new Map<number, EventRow[]>();
  if (listeners.anyToAll) {
    for (const r of rows) byWs.set(r.workspace_id, [...(byWs.get(r.workspace_id) ?? []), r]);
  } else {
    for (const r of interesting) byWs.set(r.workspace_id, [...(byWs.get(r.workspace_id) ?? []), r]);
  }
  if (byWs.size === 0) return { entered: 0, signalled: 0 };
  const props = new Map<number, { properties: Record<string, unknown>; message_id: string }>();
  // With the events' time span: events is partitioned by month (see jobs/event-cursor.ts timeSpan).
  const wanted = [...byWs.values()].flat().map((r) => r.id);
  const { rows: detail } = await tx.query<RowPick<typeof schema.events, 'id' | 'properties' | 'message_id', { properties: Record<string, unknown> }>>(
    `SELECT id, properties, message_id FROM events WHERE id = ANY($1::bigint[]) AND ${inSpanSql()}`,
    [wanted, ...timeSpan([...byWs.values()].flat())],
  );
  for (const d of detail) props.set(d.id, d);

  let signalled = 0;
  const entries: Entry[] = [];
  /** The trigger event's id of each entry, by workspace and entry key. */
  const triggerIds = new Map<string, number>();
  for (const [ws, evs] of byWs) {
    // Signals to open runs.
    const customers = [...new Set(evs.map((e) => e.customer_id))];
    const { rows: open } = await tx.query<RowPick<typeof schema.journeyRuns, 'id' | 'journey_id' | 'version' | 'customer_id'>>(
      `SELECT id, journey_id, version, customer_id FROM journey_runs WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[]) AND status IN ('active', 'waiting') AND journey_id = ANY($3::text[])`,
      [ws, customers, listeners.journeys.get(ws) ?? []],
    );
    const runsOf = new Map<number, typeof open>();
    for (const r of open) runsOf.set(r.customer_id, [...(runsOf.get(r.customer_id) ?? []), r]);
    const signals: Array<{ runId: number; event: unknown }> = [];
    for (const e of evs) {
      const runs = runsOf.get(e.customer_id);
      if (!runs || e.event === null) continue;
      for (const run of runs) {
        const v: KnownVersion | null = await defs.version(tx, ws, run.journey_id, run.version);
        if (!v || !(v.listensToAll || v.listens.has(e.event))) continue;
        const d = props.get(e.id);
        signals.push({ runId: run.id, event: { name: e.event, properties: d?.properties ?? {}, messageId: d?.message_id ?? String(e.id) } });
      }
    }
    if (signals.length > 0) {
      await tx.query(`INSERT INTO journey_signals (run_id, event) SELECT * FROM unnest($1::bigint[], $2::jsonb[])`, [signals.map((s) => s.runId), signals.map((s) => JSON.stringify(s.event))]);
      await tx.query(`UPDATE journey_runs SET wake_at = $2 WHERE id = ANY($1::bigint[]) AND status IN ('active', 'waiting')`, [[...new Set(signals.map((s) => s.runId))], new Date(now).toISOString()]);
      signalled += signals.length;
    }
    // Entries.
    for (const e of evs) {
      if (e.event === null || !triggerNames.has(e.event)) continue;
      if (now - e.timestamp.getTime() > maxAge) continue;
      const d = props.get(e.id);
      const ev: EngineEvent = { name: e.event, properties: d?.properties ?? {}, messageId: d?.message_id ?? String(e.id) };
      for (const j of live) {
        if (j.workspaceId !== ws || e.received_at.getTime() < j.publishedAt.getTime() || !isTrigger(j, ev)) continue;
        entries.push({ journey: j, customerId: e.customer_id, entryKey: `event:${ev.messageId}`, trigger: { ...ev, timestamp: e.timestamp.toISOString() } });
        triggerIds.set(`${ws}:event:${ev.messageId}`, e.id);
      }
    }
  }
  const fresh = await enterRunsReturning(tx, entries, new Date(now));
  signalled += await signalNewRuns(tx, defs, fresh, triggerIds, rows, props);
  return { entered: fresh.length, signalled };
}

/**
 * The events of this batch that came after a new run's trigger, as signals to that run: the
 * open runs were looked up before it existed, and the cursor moves past them with this pass,
 * so one SDK flush of [Trial Started, Order Completed] would otherwise enter the customer
 * and never tell the run about the order (an exit or goal missed, the nudge sent anyway).
 * After = a larger id: one request's events are appended in their order.
 */
async function signalNewRuns(
  tx: Queryable,
  defs: JourneyDefinitions,
  runs: EnteredRun[],
  triggerIds: Map<string, number>,
  rows: EventRow[],
  props: Map<number, { properties: Record<string, unknown>; message_id: string }>,
): Promise<number> {
  if (runs.length === 0) return 0;
  const customers = new Set(runs.map((r) => `${r.workspaceId}:${r.customerId}`));
  const eventsOf = new Map<string, EventRow[]>();
  for (const e of rows) {
    const k = `${e.workspace_id}:${e.customer_id}`;
    if (e.event === null || !customers.has(k)) continue;
    eventsOf.set(k, [...(eventsOf.get(k) ?? []), e]);
  }
  const signals: Array<{ runId: number; event: EventRow }> = [];
  for (const run of runs) {
    const after = triggerIds.get(`${run.workspaceId}:${run.entryKey}`);
    const evs = eventsOf.get(`${run.workspaceId}:${run.customerId}`);
    if (after === undefined || !evs) continue;
    const v = await defs.version(tx, run.workspaceId, run.journeyId, run.version);
    if (!v || (v.listens.size === 0 && !v.listensToAll)) continue;
    for (const e of evs) if (e.id > after && (v.listensToAll || v.listens.has(e.event!))) signals.push({ runId: run.id, event: e });
  }
  if (signals.length === 0) return 0;
  const missing = [...new Map(signals.filter((s) => !props.has(s.event.id)).map((s) => [s.event.id, s.event])).values()];
  if (missing.length > 0) {
    const { rows: detail } = await tx.query<RowPick<typeof schema.events, 'id' | 'properties' | 'message_id', { properties: Record<string, unknown> }>>(
      `SELECT id, properties, message_id FROM events WHERE id = ANY($1::bigint[]) AND ${inSpanSql()}`,
      [missing.map((e) => e.id), ...timeSpan(missing)],
    );
    for (const d of detail) props.set(d.id, d);
  }
  const events = signals.map((s) => {
    const d = props.get(s.event.id);
    return JSON.stringify({ name: s.event.event, properties: d?.properties ?? {}, messageId: d?.message_id ?? String(s.event.id) });
  });
  await tx.query(`INSERT INTO journey_signals (run_id, event) SELECT * FROM unnest($1::bigint[], $2::jsonb[])`, [signals.map((s) => s.runId), events]);
  return signals.length;
}
