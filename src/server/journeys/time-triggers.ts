import type { Db, Queryable } from '../db/client.js';
import type { JourneyDefinitions } from './definitions.js';
import { enterRuns, type Entry } from './entries.js';
import type { LiveJourney } from './journeys.repo.js';
import { instantOf, localParts, zoneOf } from '../lib/local-time.js';
import { workspaceTimezone } from '../workspaces/workspaces.repo.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/**
 * Time-based journey triggers, swept every minute or so:
 * - `schedule`: at each occurrence (a time of day in the workspace's timezone, on the
 *   allowed weekdays) since the journey was published, every member of the segment enters
 *   (entry key: the occurrence);
 * - `broadcast`: once, every member of the segment enters at a wall-clock moment in the
 *   workspace's timezone, or in each customer's (entry key `broadcast`; a broadcast with no
 *   moment is entered by the publish itself, see enterOnPublish);
 * - `dateTrait`: a customer enters when the moment (trait date + offset days, at the time
 *   of day, UTC) has passed since the last sweep (entry key: the trait and its value, so a
 *   new renewal date enters again).
 * Sweeps take the scanner's cursor row lock, so entries are decided by one process at a time.
 */
export async function sweepTimeTriggers(db: Db, defs: JourneyDefinitions, now: Date): Promise<number> {
  const live = (await defs.liveList(db)).filter((j) => 'schedule' in j.definition.trigger || 'dateTrait' in j.definition.trigger || 'broadcast' in j.definition.trigger);
  if (live.length === 0) return 0;
  let entered = 0;
  for (const j of live) {
    entered += await db.transaction(async (tx) => {
      const { rows } = await tx.query<RowPick<typeof schema.journeyCursor, 'high_water'>>(`SELECT high_water FROM journey_cursor WHERE id = 1 FOR UPDATE`);
      if (rows.length === 0) await tx.query(`INSERT INTO journey_cursor (id, high_water) SELECT 1, coalesce(max(id), 0) FROM events ON CONFLICT (id) DO NOTHING`);
      const { rows: st } = await tx.query<RowPick<typeof schema.journeys, 'trigger_state', { trigger_state: Record<string, string> }>>(
        `SELECT trigger_state FROM journeys WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
        [j.workspaceId, j.id],
      );
      const state = st[0]?.trigger_state ?? {};
      const t = j.definition.trigger;
      let n = 0;
      if ('schedule' in t) {
        const occ = lastOccurrence(now, t.schedule.at, t.schedule.weekdays, await workspaceTimezone(tx, j.workspaceId));
        const last = state.lastOccurrence ? Date.parse(state.lastOccurrence) : -Infinity;
        if (occ && occ.getTime() > last && occ.getTime() >= j.publishedAt.getTime()) {
          n = await enterSegment(tx, j, t.schedule.segment, `schedule:${occ.toISOString()}`, now);
          await saveState(tx, j, { ...state, lastOccurrence: occ.toISOString() });
        }
      } else if ('broadcast' in t) {
        if (!state.broadcastDone && t.broadcast.at) {
          const r = await enterBroadcast(tx, j, t.broadcast as { segment: string; at: string; zone: 'workspace' | 'customer' }, now);
          n = r.entered;
          if (r.done) await saveState(tx, j, { ...state, broadcastDone: now.toISOString() });
        }
      } else if ('dateTrait' in t) {
        const from = state.sweptTo ? new Date(state.sweptTo) : j.publishedAt;
        n = await enterByDate(tx, j, t.dateTrait, from, now);
        await saveState(tx, j, { ...state, sweptTo: now.toISOString() });
      }
      return n;
    });
  }
  return entered;
}

async function saveState(tx: Queryable, j: LiveJourney, state: Record<string, string>): Promise<void> {
  await tx.query(`UPDATE journeys SET trigger_state = $3 WHERE workspace_id = $1 AND id = $2`, [j.workspaceId, j.id, JSON.stringify(state)]);
}

/** The latest moment ≤ now when the clock in `zone` (default UTC) reads `at` on an allowed weekday, within the last 8 days. */
export function lastOccurrence(now: Date, at: string, weekdays?: readonly number[], zone = 'UTC'): Date | null {
  const [h, m] = at.split(':').map(Number) as [number, number];
  const today = localParts(now, zone);
  for (let i = 0; i <= 8; i++) {
    // Calendar days in the zone: noon UTC of the local date keeps the day arithmetic safe.
    const day = new Date(Date.UTC(today.year, today.month - 1, today.day - i, 12));
    const weekday = ((day.getUTCDay() + 6) % 7) + 1;
    const d = instantOf(zone, day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), h, m);
    if (d.getTime() <= now.getTime() && (!weekdays || weekdays.includes(weekday))) return d;
  }
  return null;
}

/**
 * A broadcast at a wall-clock moment: in the workspace's zone everyone enters once that
 * moment has passed; in each customer's zone (their `timezone` trait, else the
 * workspace's), each member enters once their own moment has passed. `done` once no
 * member's moment can still be ahead (every zone's clock is within ±14 h of UTC).
 */
async function enterBroadcast(tx: Queryable, j: LiveJourney, b: { segment: string; at: string; zone: 'workspace' | 'customer' }, now: Date): Promise<{ entered: number; done: boolean }> {
  const wsZone = await workspaceTimezone(tx, j.workspaceId);
  const [date, time] = b.at.split('T') as [string, string];
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi] = time.split(':').map(Number) as [number, number];
  if (b.zone === 'workspace') {
    if (instantOf(wsZone, y, mo, d, h, mi).getTime() > now.getTime()) return { entered: 0, done: false };
    return { entered: await enterSegment(tx, j, b.segment, 'broadcast', now), done: true };
  }
  const latest = Date.UTC(y, mo - 1, d, h, mi) + 14 * 3_600_000;
  const { rows } = await tx.query<RowPick<typeof schema.segmentMembers, 'customer_id'> & { tz: string | null }>(
    `SELECT m.customer_id, c.traits ->> 'timezone' AS tz FROM segment_members m JOIN customers c ON c.id = m.customer_id
      WHERE m.workspace_id = $1 AND m.segment_id = $2 ORDER BY m.customer_id`,
    [j.workspaceId, b.segment],
  );
  const due = rows.filter((r) => instantOf(r.tz ? zoneOf(r.tz) : wsZone, y, mo, d, h, mi).getTime() <= now.getTime());
  const entries: Entry[] = due.map((r) => ({ journey: j, customerId: r.customer_id, entryKey: 'broadcast', trigger: null }));
  let entered = 0;
  for (let i = 0; i < entries.length; i += 5_000) entered += await enterRuns(tx, entries.slice(i, i + 5_000), now);
  return { entered, done: now.getTime() >= latest };
}

/**
 * What a publish enters at once, in its transaction: a broadcast with no moment (everyone in
 * its segment, now), and — when asked — the customers already in a segment- or
 * stage-triggered journey's segment or stage (entry key `publish:<time>`; the usual
 * re-entry rules apply). Returns how many entered.
 */
export async function enterOnPublish(tx: Queryable, j: LiveJourney, opts: { enterCurrent: boolean }, now: Date): Promise<number> {
  const t = j.definition.trigger;
  if ('broadcast' in t && !t.broadcast.at) return enterSegment(tx, j, t.broadcast.segment, 'broadcast', now);
  if (!opts.enterCurrent) return 0;
  if ('segmentEntered' in t) return enterSegment(tx, j, t.segmentEntered.segment, `publish:${now.toISOString()}`, now);
  if ('stageEntered' in t) {
    const { rows } = await tx.query<RowPick<typeof schema.stageStates, 'subject_id'>>(
      `SELECT subject_id FROM stage_states WHERE workspace_id = $1 AND scope = 'customer' AND stage = $2 ORDER BY subject_id`,
      [j.workspaceId, t.stageEntered.stage],
    );
    const entries: Entry[] = rows.map((r) => ({ journey: j, customerId: Number(r.subject_id), entryKey: `publish:${now.toISOString()}`, trigger: null }));
    let n = 0;
    for (let i = 0; i < entries.length; i += 5_000) n += await enterRuns(tx, entries.slice(i, i + 5_000), now);
    return n;
  }
  return 0;
}

/** Who a journey would reach now (the publish dialog's count): its trigger's segment or stage members. */
export async function audienceNow(
  db: Queryable,
  workspaceId: number,
  trigger: LiveJourney['definition']['trigger'],
): Promise<{ kind: 'segment' | 'stage' | 'broadcast' | 'none'; target: string | null; count: number | null }> {
  const segment = 'segmentEntered' in trigger ? trigger.segmentEntered.segment : 'broadcast' in trigger ? trigger.broadcast.segment : null;
  if (segment !== null) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM segment_members WHERE workspace_id = $1 AND segment_id = $2`, [workspaceId, segment]);
    return { kind: 'broadcast' in trigger ? 'broadcast' : 'segment', target: segment, count: rows[0]!.n };
  }
  if ('stageEntered' in trigger) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM stage_states WHERE workspace_id = $1 AND scope = 'customer' AND stage = $2`, [
      workspaceId,
      trigger.stageEntered.stage,
    ]);
    return { kind: 'stage', target: trigger.stageEntered.stage, count: rows[0]!.n };
  }
  return { kind: 'none', target: null, count: null };
}

async function enterSegment(tx: Queryable, j: LiveJourney, segment: string, key: string, now: Date): Promise<number> {
  const { rows } = await tx.query<RowPick<typeof schema.segmentMembers, 'customer_id'>>(`SELECT customer_id FROM segment_members WHERE workspace_id = $1 AND segment_id = $2 ORDER BY customer_id`, [
    j.workspaceId,
    segment,
  ]);
  let n = 0;
  for (let i = 0; i < rows.length; i += 5_000) {
    const entries: Entry[] = rows.slice(i, i + 5_000).map((r) => ({ journey: j, customerId: r.customer_id, entryKey: key, trigger: null }));
    n += await enterRuns(tx, entries, now);
  }
  return n;
}

async function enterByDate(tx: Queryable, j: LiveJourney, t: { trait: string; offsetDays: number; at: string }, from: Date, now: Date): Promise<number> {
  // The moment of a customer: the trait's date (its first 10 characters, YYYY-MM-DD) +
  // offset days, at the time of day, UTC. Worked out here, not in SQL, so one customer's
  // impossible date (2026-02-30) cannot fail everyone's sweep.
  const { rows: all } = await tx.query<RowPick<typeof schema.customers, 'id'> & { d: string }>(
    `SELECT id, left(traits ->> $2, 10) AS d FROM customers WHERE workspace_id = $1 AND traits ->> $2 ~ '^\\d{4}-\\d{2}-\\d{2}' ORDER BY id`,
    [j.workspaceId, t.trait],
  );
  const [h, m] = t.at.split(':').map(Number) as [number, number];
  const rows = all.filter((r) => {
    const [y, mo, d] = r.d.split('-').map(Number) as [number, number, number];
    const day = new Date(Date.UTC(y, mo - 1, d));
    if (day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return false; // not a real date
    const at = Date.UTC(y, mo - 1, d + t.offsetDays, h, m);
    return at > from.getTime() && at <= now.getTime();
  });
  const entries: Entry[] = rows.map((r) => ({ journey: j, customerId: r.id, entryKey: `date:${t.trait}:${r.d}`, trigger: { name: 'Date Reached', properties: { trait: t.trait, date: r.d } } }));
  return enterRuns(tx, entries, now);
}
