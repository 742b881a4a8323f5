import type { Queryable } from '../db/client.js';
import type { Touch } from '../identity/attribution.js';
import { RetryableConflict } from '../identity/customers.repo.js';
import type { IdentityCache } from './identity-cache.js';
import type { NormalizedEvent } from './normalize.js';

/**
 * For each event, the cached customer when the event can skip identity resolution:
 * a track/page/screen call without an attribution touch, every id of it cached (both to
 * the same customer), and no id shared with an event that needs the full path in this
 * batch (that one may link or merge it). Undefined = full path.
 */
export function fastCustomers(workspaceId: number, events: NormalizedEvent[], touches: Array<Touch | null>, cache: IdentityCache | undefined): Array<number | undefined> {
  if (!cache) return events.map(() => undefined);
  const now = Date.now();
  const fast = events.map((e, i) => {
    if ((e.type !== 'track' && e.type !== 'page' && e.type !== 'screen') || touches[i]) return undefined;
    const byUser = e.userId ? cache.get(workspaceId, 'user', e.userId, now) : undefined;
    const byAnon = e.anonymousId ? cache.get(workspaceId, 'anonymous', e.anonymousId, now) : undefined;
    if ((e.userId && byUser === undefined) || (e.anonymousId && byAnon === undefined)) return undefined;
    if (byUser !== undefined && byAnon !== undefined && byUser !== byAnon) return undefined;
    return byUser ?? byAnon;
  });
  // Demote events sharing an id with a full-path event, until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    const slow = new Set<string>();
    events.forEach((e, i) => {
      if (fast[i] !== undefined) return;
      for (const id of idsOf(e)) slow.add(id);
    });
    events.forEach((e, i) => {
      if (fast[i] !== undefined && idsOf(e).some((id) => slow.has(id))) {
        fast[i] = undefined;
        changed = true;
      }
    });
  }
  return fast;
}

function idsOf(e: NormalizedEvent): string[] {
  const ids: string[] = [];
  if (e.userId) ids.push(`u:${e.userId}`);
  if (e.anonymousId) ids.push(`a:${e.anonymousId}`);
  if (e.previousId) ids.push(`u:${e.previousId}`, `a:${e.previousId}`);
  return ids;
}

/**
 * Widen the seen times of customers the full path did not load. The update also locks
 * them until commit (so no concurrent merge can delete them under our events); a
 * customer that no longer exists (merged away by another process since it was cached)
 * is forgotten and the batch retried.
 */
export async function updateSeenTimes(tx: Queryable, workspaceId: number, seen: Map<number, [string, string]>, onVanished: (ids: Set<number>) => void): Promise<void> {
  if (seen.size === 0) return;
  const rows = [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([id, [f, l]]) => ({ id, f, l }));
  const { rows: updated } = await tx.query<{ id: number }>(
    `UPDATE customers c SET first_seen_at = LEAST(c.first_seen_at, x.f), last_seen_at = GREATEST(c.last_seen_at, x.l), updated_at = now()
       FROM jsonb_to_recordset($2::jsonb) AS x(id bigint, f timestamptz, l timestamptz)
      WHERE c.id = x.id AND c.workspace_id = $1
      RETURNING c.id`,
    [workspaceId, JSON.stringify(rows)],
  );
  if (updated.length === rows.length) return;
  const found = new Set(updated.map((r) => r.id));
  onVanished(new Set(rows.filter((r) => !found.has(r.id)).map((r) => r.id)));
  throw new RetryableConflict('a cached customer was merged away by another process');
}
