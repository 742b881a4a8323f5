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
  private readonly entries = new Map<string, { customerId: number; until: number }>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 500_000,
  ) {}

  get(workspaceId: number, kind: IdKind, value: string, now = Date.now()): number | undefined {
    const e = this.entries.get(key(workspaceId, kind, value));
    return e && e.until > now ? e.customerId : undefined;
  }

  /** Forget identities resolving to these customers (they vanished). */
  forgetCustomers(workspaceId: number, events: NormalizedEvent[], customerIds: Set<number>): void {
    for (const e of events) {
      if (e.userId && customerIds.has(this.get(workspaceId, 'user', e.userId) ?? -1)) this.entries.delete(key(workspaceId, 'user', e.userId));
      if (e.anonymousId && customerIds.has(this.get(workspaceId, 'anonymous', e.anonymousId) ?? -1)) this.entries.delete(key(workspaceId, 'anonymous', e.anonymousId));
    }
  }

  /** Remember the final customer of every identity in a committed batch. */
  remember(workspaceId: number, events: NormalizedEvent[], customerIds: number[], now = Date.now()): void {
    if (this.entries.size > this.maxEntries) this.entries.clear();
    const until = now + this.ttlMs;
    events.forEach((e, i) => {
      const customerId = customerIds[i]!;
      if (e.type === 'alias') return; // previousId and userId end up on the same customer; the next call finds them
      if (e.userId) this.entries.set(key(workspaceId, 'user', e.userId), { customerId, until });
      if (e.anonymousId) this.entries.set(key(workspaceId, 'anonymous', e.anonymousId), { customerId, until });
    });
  }
}

function key(workspaceId: number, kind: IdKind, value: string): string {
  return `${workspaceId}\u0000${kind}\u0000${value}`;
}
