import type { Queryable } from '../db/client.js';
import type { LiveJourney } from './journeys.repo.js';

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
  if (entries.length === 0) return 0;
  const byJourney = new Map<string, Entry[]>();
  for (const e of entries) {
    const k = `${e.journey.workspaceId}:${e.journey.id}`;
    byJourney.set(k, [...(byJourney.get(k) ?? []), e]);
  }
  let total = 0;
  for (const list of byJourney.values()) {
    const j = list[0]!.journey;
    const customers = [...new Set(list.map((e) => e.customerId))];
    const { rows: prior } = await tx.query<{ customer_id: number; open: boolean; last_end: Date | null }>(
      `SELECT customer_id, bool_or(status IN ('active', 'waiting')) AS open, max(coalesce(ended_at, entered_at)) AS last_end
         FROM journey_runs WHERE workspace_id = $1 AND journey_id = $2 AND customer_id = ANY($3::bigint[]) GROUP BY customer_id`,
      [j.workspaceId, j.id, customers],
    );
    const before = new Map(prior.map((r) => [r.customer_id, r]));
    const { rows: cur } = await tx.query<{ entries: number }>(`SELECT entries FROM journeys WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, [j.workspaceId, j.id]);
    let room = j.limit === null ? Infinity : Math.max(0, j.limit - (cur[0]?.entries ?? 0));
    const reentry = j.definition.entry.reentry;
    const taken = new Set<number>();
    const rows: Entry[] = [];
    for (const e of list) {
      if (room <= 0) break;
      if (taken.has(e.customerId)) continue;
      const p = before.get(e.customerId);
      if (p) {
        if (p.open || reentry === 'never') continue;
        if (typeof reentry === 'object' && p.last_end && now.getTime() - p.last_end.getTime() < reentry.afterDays * 86_400_000) continue;
      }
      taken.add(e.customerId);
      rows.push(e);
      room--;
    }
    if (rows.length === 0) continue;
    const { rowCount } = await tx.query(
      `INSERT INTO journey_runs (workspace_id, journey_id, version, customer_id, status, step, state, wake_at, entry_key, trigger, entered_at)
       SELECT $1, $2, $3, c, 'active', $4, '{}'::jsonb, $5, k, t, $5 FROM unnest($6::bigint[], $7::text[], $8::jsonb[]) AS x(c, k, t)
       ON CONFLICT DO NOTHING`,
      [j.workspaceId, j.id, j.version, j.definition.start, now.toISOString(), rows.map((e) => e.customerId), rows.map((e) => e.entryKey), rows.map((e) => (e.trigger ? JSON.stringify(e.trigger) : null))],
    );
    if (rowCount > 0) await tx.query(`UPDATE journeys SET entries = entries + $3 WHERE workspace_id = $1 AND id = $2`, [j.workspaceId, j.id, rowCount]);
    total += rowCount;
  }
  return total;
}
