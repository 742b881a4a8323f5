import type { Touch } from '../identity/attribution.js';
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
  for (let changed = true; changed;) {
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
