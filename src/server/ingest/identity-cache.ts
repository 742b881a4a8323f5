import type { IdKind } from '../identity/identity-graph.js';
import type { NormalizedEvent } from './normalize.js';

/**
 * Which customer each recently seen identity resolved to, in this process. It lets a
 * batch skip the identity lookup and the profile load for events that change nothing but
 * the customer's seen times (the bulk of tracking traffic), and skip creation locks for
 * identities known to exist (identities are never deleted; merges only repoint them).
 *
 * It can be stale only through another process's writes: a customer merged away there
 * is caught when its seen-time update finds no row (the batch is retried without the
 * entry); an anonymousId rebound to another user there is picked up when the entry
 * expires (`ttlMs`). Bounded in size.
 */
export class IdentityCache {
  /** One map per workspace and identity kind, so a lookup builds no key string. */
  private readonly maps = new Map<number, Record<IdKind, Map<string, Entry>>>();
  private size = 0;

  constructor(
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 500_000,
  ) {}

  get(workspaceId: number, kind: IdKind, value: string, now = Date.now()): number | undefined {
    const e = this.maps.get(workspaceId)?.[kind].get(value);
    return e && e.until > now ? e.customerId : undefined;
  }

  /** Forget identities resolving to these customers (they vanished). */
  forgetCustomers(workspaceId: number, events: NormalizedEvent[], customerIds: Set<number>): void {
    const m = this.maps.get(workspaceId);
    if (!m) return;
    for (const e of events) {
      if (e.userId && customerIds.has(m.user.get(e.userId)?.customerId ?? -1)) m.user.delete(e.userId);
      if (e.anonymousId && customerIds.has(m.anonymous.get(e.anonymousId)?.customerId ?? -1)) m.anonymous.delete(e.anonymousId);
    }
  }

  /** Remember the final customer of every identity in a committed batch. */
  remember(workspaceId: number, events: NormalizedEvent[], customerIds: number[], now = Date.now()): void {
    if (this.size > this.maxEntries) {
      this.maps.clear();
      this.size = 0;
    }
    let m = this.maps.get(workspaceId);
    if (!m) this.maps.set(workspaceId, (m = { user: new Map(), anonymous: new Map() }));
    const until = now + this.ttlMs;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.type === 'alias') continue; // previousId and userId end up on the same customer; the next call finds them
      const entry = { customerId: customerIds[i]!, until };
      if (e.userId) this.set(m.user, e.userId, entry);
      if (e.anonymousId) this.set(m.anonymous, e.anonymousId, entry);
    }
  }

  private set(map: Map<string, Entry>, value: string, entry: Entry): void {
    const before = map.size;
    map.set(value, entry);
    this.size += map.size - before;
  }
}

interface Entry {
  customerId: number;
  until: number;
}
