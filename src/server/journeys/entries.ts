import type { Queryable } from '../db/client.js';
import type { LiveJourney } from './journeys.repo.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/** A customer about to enter a journey, and why. */
export interface Entry {
  journey: LiveJourney;
  customerId: number;
  /** What made them enter (`event:<messageId>`, `schedule:<time>`, `date:<trait>:<value>`): the same cause never enters twice. */
  entryKey: string;
  /** The triggering event, for templates (null for time-based triggers). */
  trigger: Record<string, unknown> | null;
}

/**
 * Enter customers into journeys under each journey's entry policy: never a second open run
 * for the same customer and journey; re-entry `never` (one run ever), `always`, or
 * `afterDays` after the previous run ended; the journey's entry limit. New runs start at
 * the journey's first step with their timer due now (the runner takes them from there).
 * Runs inside the caller's transaction; callers serialise entries (the scanner's cursor
 * lock), and the unique indexes on journey_runs guard the rest. Returns how many entered.
 */
export async function enterRuns(tx: Queryable, entries: Entry[], now: Date): Promise<number> {
  return (await enterRunsReturning(tx, entries, now)).length;
}

/** A run `enterRuns` started. */
export interface EnteredRun {
  id: number;
  workspaceId: number;
  journeyId: string;
  version: number;
  customerId: number;
  entryKey: string;
}

/** `enterRuns`, returning the runs it started. */
export async function enterRunsReturning(tx: Queryable, entries: Entry[], now: Date): Promise<EnteredRun[]> {
  if (entries.length === 0) return [];
  const byWs = new Map<number, Entry[]>();
  for (const e of entries) byWs.set(e.journey.workspaceId, [...(byWs.get(e.journey.workspaceId) ?? []), e]);
  const entered: EnteredRun[] = [];
  for (const [ws, list] of byWs) {
    const journeys = [...new Set(list.map((e) => e.journey.id))];
    // Every prior run of these customers in these journeys, in one look.
    const { rows: prior } = await tx.query<RowPick<typeof schema.journeyRuns, 'journey_id' | 'customer_id'> & { open: boolean; last_end: Date | null }>(
      `SELECT journey_id, customer_id, bool_or(status IN ('active', 'waiting')) AS open, max(coalesce(ended_at, entered_at)) AS last_end
         FROM journey_runs WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[]) AND journey_id = ANY($3::text[]) GROUP BY 1, 2`,
      [ws, [...new Set(list.map((e) => e.customerId))], journeys],
    );
    const before = new Map(prior.map((r) => [`${r.journey_id}:${r.customer_id}`, r]));
    // Room left under entry limits (only journeys that have one are read, and locked).
    const limited = journeys.filter((id) => list.find((e) => e.journey.id === id)!.journey.limit !== null);
    const room = new Map<string, number>();
    if (limited.length > 0) {
      const { rows } = await tx.query<RowPick<typeof schema.journeys, 'id' | 'entries'>>(`SELECT id, entries FROM journeys WHERE workspace_id = $1 AND id = ANY($2::text[]) ORDER BY id FOR UPDATE`, [
        ws,
        limited,
      ]);
      for (const r of rows) room.set(r.id, Math.max(0, list.find((e) => e.journey.id === r.id)!.journey.limit! - r.entries));
    }
    const taken = new Set<string>();
    const rows: Entry[] = [];
    for (const e of list) {
      const k = `${e.journey.id}:${e.customerId}`;
      if (taken.has(k)) continue;
      const left = room.get(e.journey.id);
      if (left !== undefined && left <= 0) continue;
      const p = before.get(k);
      const reentry = e.journey.definition.entry.reentry;
      if (p) {
        if (p.open || reentry === 'never') continue;
        if (typeof reentry === 'object' && p.last_end && now.getTime() - p.last_end.getTime() < reentry.afterDays * 86_400_000) continue;
      }
      taken.add(k);
      rows.push(e);
      if (left !== undefined) room.set(e.journey.id, left - 1);
    }
    if (rows.length === 0) continue;
    // The runs and the journeys' entry counters in one statement.
    const { rows: runs } = await tx.query<RowPick<typeof schema.journeyRuns, 'id' | 'journey_id' | 'version' | 'customer_id' | 'entry_key'>>(
      `WITH ins AS (
         INSERT INTO journey_runs (workspace_id, journey_id, version, customer_id, status, step, state, wake_at, entry_key, trigger, entered_at)
         SELECT $1, j, v, c, 'active', st, '{}'::jsonb, $2, k, t, $2 FROM unnest($3::text[], $4::int[], $5::text[], $6::bigint[], $7::text[], $8::jsonb[]) AS x(j, v, st, c, k, t)
         ON CONFLICT DO NOTHING
         RETURNING id, journey_id, version, customer_id, entry_key
       ),
       n AS (SELECT journey_id, count(*)::int AS n FROM ins GROUP BY journey_id),
       upd AS (UPDATE journeys j SET entries = j.entries + n.n FROM n WHERE j.workspace_id = $1 AND j.id = n.journey_id)
       SELECT id, journey_id, version, customer_id, entry_key FROM ins`,
      [
        ws,
        now.toISOString(),
        rows.map((e) => e.journey.id),
        rows.map((e) => e.journey.version),
        rows.map((e) => e.journey.definition.start),
        rows.map((e) => e.customerId),
        rows.map((e) => e.entryKey),
        rows.map((e) => (e.trigger ? JSON.stringify(e.trigger) : null)),
      ],
    );
    for (const r of runs) entered.push({ id: Number(r.id), workspaceId: ws, journeyId: r.journey_id, version: r.version, customerId: Number(r.customer_id), entryKey: r.entry_key });
  }
  return entered;
}
