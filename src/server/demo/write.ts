import type { Queryable } from '../db/client.js';
import { applyGroups, type GroupLink } from '../identity/accounts.repo.js';
import { touchOf } from '../identity/attribution.js';
import { allocateCustomerIds, saveIdentities, saveProfiles } from '../identity/customers.repo.js';
import type { IdKind } from '../identity/identity-graph.js';
import { applyTouch, type Profile } from '../identity/profile.js';
import { applyTraits } from '../identity/traits.js';
import { appendEvents } from '../ingest/events.repo.js';
import type { NormalizedEvent } from '../ingest/normalize.js';
import type { DemoCustomer } from './simulate.js';

/**
 * Buffers generated customers and writes them in large statements through the same
 * repositories the ingestion path uses, so demo profiles, identities, accounts and
 * timelines are exactly what ingesting the same calls would have produced.
 */
export class DemoWriter {
  private profiles: Profile[] = [];
  private identities: Array<{ kind: IdKind; value: string; customer_id: number }> = [];
  private events: NormalizedEvent[] = [];
  private eventCustomers: number[] = [];
  private groups: GroupLink[] = [];
  private ids: number[] = [];
  /** Customer id by demo index, for events added to a customer later (referrals). */
  readonly customerIds = new Map<number, number>();
  eventsWritten = 0;
  customersWritten = 0;

  constructor(
    private readonly db: Queryable,
    private readonly exclusive: boolean,
    private readonly workspaceId: number,
    private readonly seed: number,
    private readonly flushEvery = 5000,
    /** Runs each batch's writes (default: directly on `db`; a shared database passes one transaction per batch). */
    private readonly inBatch: (write: (tx: Queryable) => Promise<void>) => Promise<void> = (write) => write(db),
  ) {}

  async add(c: DemoCustomer): Promise<void> {
    if (this.ids.length === 0) this.ids = await allocateCustomerIds(this.db, 500, { exclusive: this.exclusive });
    const id = this.ids.shift()!;
    this.customerIds.set(c.index, id);
    const p: Profile = { id, userId: c.userId, traits: {}, traitTimes: {}, firstTouch: null, lastTouch: null, isNew: true, dirty: true };
    c.events.forEach((e, n) => {
      const at = new Date(e.ts);
      if (e.type === 'identify' && e.traits) applyTraits(p, e.traits, at);
      if (e.type === 'page') {
        const touch = touchOf(e.context, e.properties, at);
        if (touch) applyTouch(p, touch);
      }
      if (e.type === 'group' && e.groupId) this.groups.push({ groupId: e.groupId, customerId: id, traits: e.traits ?? {}, at });
      this.pushEvent(
        id,
        `demo-${this.seed}-${c.index}-${n}`,
        e.type,
        e.event,
        e.anonymous ? null : c.userId,
        e.anonymous || e.context.page || e.type === 'identify' ? c.anonymousId : null,
        at,
        e.properties,
        e.traits,
        e.context,
        e.groupId,
      );
    });
    this.profiles.push(p);
    this.identities.push({ kind: 'anonymous', value: c.anonymousId, customer_id: id });
    if (c.userId) this.identities.push({ kind: 'user', value: c.userId, customer_id: id });
    if (this.events.length >= this.flushEvery) await this.flush();
  }

  /** An event on an already written customer's timeline . */
  async addLate(index: number, messageId: string, userId: string, event: string, ts: number, properties: Record<string, unknown>): Promise<void> {
    const id = this.customerIds.get(index);
    if (id === undefined) return;
    this.pushEvent(id, messageId, 'track', event, userId, null, new Date(ts), properties, null, { library: { name: 'analytics-node', version: '2.1.0' } });
    if (this.events.length >= this.flushEvery) await this.flush();
  }

  private pushEvent(
    customerId: number,
    messageId: string,
    type: NormalizedEvent['type'],
    event: string | null,
    userId: string | null,
    anonymousId: string | null,
    at: Date,
    properties: Record<string, unknown>,
    traits: Record<string, unknown> | null,
    context: Record<string, unknown>,
    groupId?: string,
  ): void {
    this.events.push({
      messageId,
      type,
      event,
      userId,
      anonymousId,
      groupId: groupId ?? null,
      previousId: null,
      timestamp: at,
      originalTimestamp: at,
      sentAt: null,
      receivedAt: at,
      properties,
      traits,
      context,
    });
    this.eventCustomers.push(customerId);
  }

  async flush(): Promise<void> {
    const [profiles, identities, events, eventCustomers, groups] = [this.profiles, this.identities, this.events, this.eventCustomers, this.groups];
    this.profiles = [];
    this.identities = [];
    this.events = [];
    this.eventCustomers = [];
    this.groups = [];
    if (events.length === 0 && profiles.length === 0) return;
    await this.inBatch(async (tx) => {
      await saveProfiles(tx, this.workspaceId, profiles);
      await saveIdentities(tx, this.workspaceId, identities, []);
      await appendEvents(tx, this.workspaceId, events, eventCustomers);
      await applyGroups(tx, this.workspaceId, groups);
    });
    this.eventsWritten += events.length;
    this.customersWritten += profiles.length;
  }

  /** Write what is buffered. */
  async finish(): Promise<void> {
    await this.flush();
  }
}
