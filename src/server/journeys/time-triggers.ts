import type { Db, Queryable } from '../db/client.js';
import type { JourneyDefinitions } from './definitions.js';
import { enterRuns, type Entry } from './entries.js';
import type { LiveJourney } from './journeys.repo.js';

/**
 * Time-based journey triggers, swept every minute or so:
 * - `schedule`: at each occurrence (a UTC time of day on the allowed weekdays) since the
 *   journey was published, every member of the segment enters (entry key: the occurrence);
 * - `dateTrait`: a customer enters when the moment (trait date + offset days, at the time
 *   of day, UTC) has passed since the last sweep (entry key: the trait and its value, so a
 *   new renewal date enters again).
 * Sweeps take the scanner's cursor row lock, so entries are decided by one process at a time.
 */
export async function sweepTimeTriggers(db: Db, defs: JourneyDefinitions, now: Date): Promise<number> {
  const live = (await defs.liveList(db)).filter((j) => 'schedule' in j.definition.trigger || 'dateTrait' in j.definition.trigger);
  if (live.length === 0) return 0;
  let entered = 0;
  for (const j of live) {
    entered += await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ high_water: number }>(`SELECT high_water FROM journey_cursor WHERE id = 1 FOR UPDATE`);
      if (rows.length === 0) await tx.query(`INSERT INTO journey_cursor (id, high_water) SELECT 1, coalesce(max(id), 0) FROM events ON CONFLICT (id) DO NOTHING`);
      const { rows: st } = await tx.query<{ trigger_state: Record<string, string> }>(`SELECT trigger_state FROM journeys WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, [j.workspaceId, j.id]);
      const state = st[0]?.trigger_state ?? {};
      const t = j.definition.trigger;
      let n = 0;
      if ('schedule' in t) {
        const occ = lastOccurrence(now, t.schedule.at, t.schedule.weekdays);
        const last = state.lastOccurrence ? Date.parse(state.lastOccurrence) : -Infinity;
        if (occ && occ.getTime() > last && occ.getTime() >= j.publishedAt.getTime()) {
          n = await enterSegment(tx, j, t.schedule.segment, `schedule:${occ.toISOString()}`, now);
          await saveState(tx, j, { ...state, lastOccurrence: occ.toISOString() });
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

/** The latest moment ≤ now at `at` (UTC) on an allowed weekday, within the last 8 days. */
export function lastOccurrence(now: Date, at: string, weekdays?: readonly number[]): Date | null {
  const [h, m] = at.split(':').map(Number) as [number, number];
  for (let i = 0; i <= 8; i++) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - i, h, m));
    const weekday = ((d.getUTCDay() + 6) % 7) + 1;
    if (d.getTime() <= now.getTime() && (!weekdays || weekdays.includes(weekday))) return d;
  }
  return null;
}

async function enterSegment(tx: Queryable, j: LiveJourney, segment: string, key: string, now: Date): Promise<number> {
  const { rows } = await tx.query<{ customer_id: number }>(`SELECT customer_id FROM segment_members WHERE workspace_id = $1 AND segment_id = $2 ORDER BY customer_id`, [j.workspaceId, segment]);
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
  const { rows: all } = await tx.query<{ id: number; d: string }>(
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
