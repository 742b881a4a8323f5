import type { Db, Queryable } from '../db/client.js';
import { touchOf } from '../identity/attribution.js';
import { applyGroups, type GroupLink } from '../identity/accounts.repo.js';
import { allocateCustomerIds, applyMerge, loadIdentities, lockNewIdentities, RetryableConflict, saveIdentities, saveProfiles } from '../identity/customers.repo.js';
import { IdentityGraph, type IdKind } from '../identity/identity-graph.js';
import { applyTouch, markSeen } from '../identity/profile.js';
import { applyTraits } from '../identity/traits.js';
import { insertEvents } from './events.repo.js';
import { fastCustomers, updateSeenTimes } from './fast-path.js';
import type { IdentityCache } from './identity-cache.js';
import type { NormalizedEvent } from './normalize.js';

export interface IngestResult {
  /** Events newly stored. */
  inserted: number;
  /** Events skipped because their messageId was already stored. */
  duplicates: number;
}

const MAX_ATTEMPTS = 8;
const RETRYABLE_PG_CODES = new Set(['40001', '40P01', '23505']);

/**
 * Store a batch of normalised events atomically: resolve each to a customer (creating,
 * linking and merging profiles), append the events (deduplicated by messageId), and
 * update profiles and accounts. When this resolves, everything is committed.
 * Concurrent writers touching the same identities are handled by retrying the batch.
 * `insertedIds`, when given, receives the messageIds newly stored; `cache` (one per
 * process) lets events of known customers skip identity resolution.
 */
export async function ingestEvents(
  db: Db,
  workspaceId: number,
  events: NormalizedEvent[],
  opts: { insertedIds?: Set<string>; cache?: IdentityCache } = {},
): Promise<IngestResult> {
  if (events.length === 0) return { inserted: 0, duplicates: 0 };
  for (let attempt = 1; ; attempt++) {
    try {
      const { inserted, customerIds } = await db.transaction((tx) => applyBatch(tx, workspaceId, events, { exclusive: db.kind === 'pglite', cache: opts.cache }));
      opts.cache?.remember(workspaceId, events, customerIds);
      if (opts.insertedIds) for (const id of inserted) opts.insertedIds.add(id);
      return { inserted: inserted.size, duplicates: events.length - inserted.size };
    } catch (err) {
      const retryable = err instanceof RetryableConflict || RETRYABLE_PG_CODES.has((err as { code?: string }).code ?? '');
      if (!retryable || attempt >= MAX_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}

interface BatchOptions {
  /** The only connection (PGlite): no concurrent writer exists. */
  exclusive: boolean;
  cache?: IdentityCache;
}

async function applyBatch(tx: Queryable, workspaceId: number, events: NormalizedEvent[], opts: BatchOptions): Promise<{ inserted: Set<string>; customerIds: number[] }> {
  const touches = events.map((e) => (e.type === 'identify' || e.type === 'group' || e.type === 'alias' ? null : touchOf(e.context, e.properties, e.timestamp)));
  const fast = fastCustomers(workspaceId, events, touches, opts.cache);
  const slow = events.filter((_, i) => fast[i] === undefined);
  const graph = await resolveIdentities(tx, workspaceId, slow, opts);
  let k = 0;
  const customerIds = events.map((_, i) => graph.canonical(fast[i] ?? graph.resolvedIds[k++]!));

  for (const m of graph.merges) if (m.fromStored) await applyMerge(tx, workspaceId, m);
  const inserted = await insertEvents(tx, workspaceId, events, customerIds);

  const groups: GroupLink[] = [];
  const applied = new Set<string>();
  const seenOnly = new Map<number, [string, string]>();
  events.forEach((e, i) => {
    const iso = e.timestamp.toISOString();
    const id = customerIds[i]!;
    if (!graph.profiles.has(id)) {
      const seen = seenOnly.get(id);
      if (!seen) seenOnly.set(id, [iso, iso]);
      else if (iso < seen[0]) seen[0] = iso;
      else if (iso > seen[1]) seen[1] = iso;
      return; // fast path: nothing but seen times changes
    }
    const p = graph.profile(id);
    markSeen(p, iso);
    if (!inserted.has(e.messageId) || applied.has(e.messageId)) return;
    applied.add(e.messageId);
    if (e.type === 'identify' && e.traits) {
      if (applyTraits(p, e.traits, e.timestamp)) p.dirty = true;
    }
    if (e.type === 'group' && e.groupId) groups.push({ groupId: e.groupId, customerId: p.id, traits: e.traits ?? {}, at: e.timestamp });
    if (touches[i]) applyTouch(p, touches[i]!);
  });

  await saveProfiles(tx, workspaceId, graph.profiles.values());
  await updateSeenTimes(tx, workspaceId, seenOnly, (vanished) => opts.cache?.forgetCustomers(workspaceId, events, vanished));
  await saveIdentities(tx, workspaceId, graph.identityRows('new'), graph.identityRows('rebound'));
  await applyGroups(tx, workspaceId, groups);
  return { inserted, customerIds };
}

/**
 * The full path for the events that need it: look up (and row-lock) their customers,
 * then resolve each call in order, creating, linking and merging profiles.
 */
async function resolveIdentities(tx: Queryable, workspaceId: number, events: NormalizedEvent[], opts: BatchOptions) {
  const userIds = new Set<string>();
  const anonIds = new Set<string>();
  for (const e of events) {
    if (e.userId) userIds.add(e.userId);
    if (e.anonymousId) anonIds.add(e.anonymousId);
    if (e.previousId) {
      userIds.add(e.previousId);
      anonIds.add(e.previousId);
    }
  }
  if (!opts.exclusive) {
    // Lock every identity this batch might create before looking anything up, so a
    // concurrent batch creating the same one waits for us and then finds it. Identities
    // known to exist are never created again, so they need no lock.
    const unknown: Array<{ kind: IdKind; value: string }> = [];
    for (const value of userIds) if (opts.cache?.get(workspaceId, 'user', value) === undefined) unknown.push({ kind: 'user', value });
    for (const value of anonIds) if (opts.cache?.get(workspaceId, 'anonymous', value) === undefined) unknown.push({ kind: 'anonymous', value });
    await lockNewIdentities(tx, workspaceId, unknown);
  }
  const identities = await loadIdentities(tx, workspaceId, [...userIds], [...anonIds]);
  const spare = await allocateCustomerIds(tx, userIds.size + anonIds.size - identities.length, opts);
  const graph = new IdentityGraph(() => {
    const id = spare.pop();
    if (id === undefined) throw new Error('customer id pool exhausted');
    return id;
  });
  for (const i of identities) {
    graph.load(i.kind, i.value, i.profile.id);
    graph.addProfile(i.profile);
  }
  const resolvedIds = events.map((e) => (e.type === 'alias' ? graph.alias(e.userId!, e.previousId!) : graph.resolve(e.userId, e.anonymousId)));
  return Object.assign(graph, { resolvedIds });
}
