import type { Db, Queryable } from '../db/client.js';
import { touchOf } from '../identity/attribution.js';
import { applyGroups, type GroupLink } from '../identity/accounts.repo.js';
import { allocateCustomerIds, applyMerge, loadIdentities, lockNewIdentities, RetryableConflict, saveIdentities, saveProfiles } from '../identity/customers.repo.js';
import { IdentityGraph, type IdKind } from '../identity/identity-graph.js';
import { applyTouch, markSeen } from '../identity/profile.js';
import { applyTraits } from '../identity/traits.js';
import { insertEvents } from './events.repo.js';
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
 * `insertedIds`, when given, receives the messageIds newly stored.
 */
export async function ingestEvents(db: Db, workspaceId: number, events: NormalizedEvent[], insertedIds?: Set<string>): Promise<IngestResult> {
  if (events.length === 0) return { inserted: 0, duplicates: 0 };
  for (let attempt = 1; ; attempt++) {
    try {
      const inserted = await db.transaction((tx) => applyBatch(tx, workspaceId, events, { exclusive: db.kind === 'pglite' }));
      if (insertedIds) for (const id of inserted) insertedIds.add(id);
      return { inserted: inserted.size, duplicates: events.length - inserted.size };
    } catch (err) {
      const retryable = err instanceof RetryableConflict || RETRYABLE_PG_CODES.has((err as { code?: string }).code ?? '');
      if (!retryable || attempt >= MAX_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}

async function applyBatch(tx: Queryable, workspaceId: number, events: NormalizedEvent[], opts: { exclusive: boolean }): Promise<Set<string>> {
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
  let identities = await loadIdentities(tx, workspaceId, [...userIds], [...anonIds]);
  if (!opts.exclusive) {
    const missing = missingIdentities(identities, userIds, anonIds);
    if (missing.length > 0) {
      await lockNewIdentities(tx, workspaceId, missing);
      identities = await loadIdentities(tx, workspaceId, [...userIds], [...anonIds]);
    }
  }
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

  const resolved = events.map((e) => (e.type === 'alias' ? graph.alias(e.userId!, e.previousId!) : graph.resolve(e.userId, e.anonymousId)));
  const customerIds = resolved.map((id) => graph.canonical(id));

  for (const m of graph.merges) if (m.fromStored) await applyMerge(tx, workspaceId, m);
  const inserted = await insertEvents(tx, workspaceId, events, customerIds);

  const groups: GroupLink[] = [];
  const applied = new Set<string>();
  events.forEach((e, i) => {
    const p = graph.profile(customerIds[i]!);
    markSeen(p, e.timestamp.toISOString());
    if (!inserted.has(e.messageId) || applied.has(e.messageId)) return;
    applied.add(e.messageId);
    if (e.type === 'identify' && e.traits) {
      if (applyTraits(p, e.traits, e.timestamp)) p.dirty = true;
    }
    if (e.type === 'group' && e.groupId) groups.push({ groupId: e.groupId, customerId: p.id, traits: e.traits ?? {}, at: e.timestamp });
    const touch = e.type === 'identify' || e.type === 'group' || e.type === 'alias' ? null : touchOf(e.context, e.properties, e.timestamp);
    if (touch) applyTouch(p, touch);
  });

  await saveProfiles(tx, workspaceId, graph.profiles.values());
  await saveIdentities(tx, workspaceId, graph.identityRows('new'), graph.identityRows('rebound'));
  await applyGroups(tx, workspaceId, groups);
  return inserted;
}

function missingIdentities(found: Array<{ kind: IdKind; value: string }>, userIds: Set<string>, anonIds: Set<string>) {
  const have = new Set(found.map((f) => `${f.kind}:${f.value}`));
  const missing: Array<{ kind: IdKind; value: string }> = [];
  for (const value of userIds) if (!have.has(`user:${value}`)) missing.push({ kind: 'user', value });
  for (const value of anonIds) if (!have.has(`anonymous:${value}`)) missing.push({ kind: 'anonymous', value });
  return missing;
}
