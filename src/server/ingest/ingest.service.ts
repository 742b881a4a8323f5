import { applyEmailSpecEvents, EMAIL_SPEC_EVENTS, type EmailSpecEvent } from './email-spec.js';
import type { Db, Queryable } from '../db/client.js';
import { touchOf } from '../identity/attribution.js';
import { applyGroups, type GroupLink } from '../identity/accounts.repo.js';
import { MERGE_FOLLOWERS } from './merge-followers.js';
import { applyMerge, loadIdentitiesAndIds, lockNewIdentities, RetryableConflict, saveIdentities, saveProfiles } from '../identity/customers.repo.js';
import { IdentityGraph, type IdKind } from '../identity/identity-graph.js';
import { applyTouch } from '../identity/profile.js';
import { applyTraits } from '../identity/traits.js';
import { appendEvents, freshEvents } from './events.repo.js';
import { recordIngestWork } from '../jobs/derived-work.repo.js';
import { guardCustomers } from '../identity/merge-guard.js';
import { ensurePartitionsFor } from '../db/event-partitions.js';
import { fastCustomers } from './fast-path.js';
import type { IdentityCache } from './identity-cache.js';
import type { NormalizedEvent } from './normalize.js';
import { anySuppressed, checkSuppressedFirst, dropSuppressed } from '../privacy/suppress.js';

export interface IngestResult {
  /** Events newly stored. */
  inserted: number;
  /** Events skipped because their messageId was already stored. */
  duplicates: number;
  /** Events dropped because they carry a suppressed identifier (privacy/suppress.ts): counted there, stored nowhere. */
  suppressed?: number;
  /** The customers the stored events belong to (for the stage engine to re-evaluate). */
  customerIds?: number[];
  /**
   * What changed for each of those customers, for the segment engine to re-evaluate only
   * the segments that read it: the names of their new events, `$any` (some event: their
   * activity), `$traits` (an identify), `$group` (a group call), `$touch` (an acquisition
   * signal), and `$all` for a customer created or merged into by the batch.
   */
  changes?: Map<number, Set<string>>;
}

const MAX_ATTEMPTS = 8;
const RETRYABLE_PG_CODES = new Set(['40001', '40P01', '23505']);

/**
 * Store a batch of normalised events atomically: resolve each to a customer (creating,
 * linking and merging profiles), append the events (deduplicated by messageId), and
 * update profiles and accounts. When this resolves, everything is committed.
 * Concurrent writers touching the same identities are handled by retrying the batch.
 * `insertedIds`, when given, receives the messageIds newly stored; `cache` (one per
 * process) lets events of known customers skip identity resolution; `checkStored` looks
 * up stored messageIds before appending (for sources where repeats are common, such as
 * re-imported files) instead of relying on the unique index. `derivedWork` records, in the
 * same transaction, the stage and segment work the batch causes (see jobs/derived-work.repo.ts),
 * so it survives a crash right after the commit.
 */
export async function ingestEvents(
  db: Db,
  workspaceId: number,
  events: NormalizedEvent[],
  opts: { insertedIds?: Set<string>; suppressedIds?: Set<string>; cache?: IdentityCache; checkStored?: boolean; derivedWork?: boolean } = {},
): Promise<IngestResult> {
  if (events.length === 0) return { inserted: 0, duplicates: 0 };
  await ensurePartitionsFor(
    db,
    events.map((e) => e.timestamp),
  );
  for (let attempt = 1; ; attempt++) {
    try {
      // First attempt: append optimistically (unless the caller expects duplicates); a
      // retry (after a conflict, e.g. a messageId already stored) checks first.
      // Suppressions are looked for first only where this process has seen one, or on a retry
      // (the check before commit found a suppressed identifier): see privacy/suppress.ts.
      const batchOpts = {
        exclusive: db.kind === 'pglite',
        cache: opts.cache,
        checkStored: opts.checkStored === true || attempt > 1,
        suppressedFirst: attempt > 1 || checkSuppressedFirst(workspaceId),
      };
      const { fresh, customerIds, changes, suppressed, dropped } = await db.transaction(async (tx) => {
        const r = await applyBatch(tx, workspaceId, events, batchOpts);
        // What the batch causes (stage and segment re-evaluation) commits with it.
        if (opts.derivedWork && r.changes.size > 0) await recordIngestWork(tx, workspaceId, [...r.changes.keys()], r.changes);
        return r;
      });
      opts.cache?.remember(workspaceId, fresh, customerIds);
      if (opts.insertedIds) for (const e of fresh) opts.insertedIds.add(e.messageId);
      if (opts.suppressedIds) for (const id of dropped) opts.suppressedIds.add(id);
      return { inserted: fresh.length, duplicates: events.length - fresh.length - suppressed, suppressed, customerIds: [...new Set(customerIds)], changes };
    } catch (err) {
      const retryable = err instanceof RetryableConflict || RETRYABLE_PG_CODES.has((err as { code?: string }).code ?? '');
      if (!retryable || attempt >= MAX_ATTEMPTS) throw err;
      if (attempt > 1 || !isStoredMessageId(err)) await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}

/** A messageId already stored (the append's trigger adds it to event_message_ids, migration 0028): retry at once, with the check. */
function isStoredMessageId(err: unknown): boolean {
  return (err as { code?: string; constraint?: string }).code === '23505' && (err as { constraint?: string }).constraint === 'event_message_ids_pkey';
}

interface BatchOptions {
  /** The only connection (PGlite): no concurrent writer exists. */
  exclusive: boolean;
  cache?: IdentityCache;
  /** Look up stored messageIds before appending (see freshEvents). */
  checkStored: boolean;
  /** Drop the events of suppressed people before anything else (else the check before commit retries the batch if it finds one). */
  suppressedFirst: boolean;
}

/**
 * One batch inside its transaction: drop events already stored, resolve the rest to
 * customers (cached ones skip the lookup), apply merges, append the events with one COPY,
 * then write what changed on profiles (traits, touches), identities and accounts.
 * Appending an event never rewrites its customer's row: first/last seen are read from
 * the events index.
 */
async function applyBatch(
  tx: Queryable,
  workspaceId: number,
  events: NormalizedEvent[],
  opts: BatchOptions,
): Promise<{ fresh: NormalizedEvent[]; customerIds: number[]; changes: Map<number, Set<string>>; suppressed: number; dropped: string[] }> {
  // Events of suppressed people (an erasure's suppression) are dropped before anything is looked
  // up, where this process has seen a suppression; elsewhere the check before commit does it.
  const { kept, dropped: suppressed } = opts.suppressedFirst ? await dropSuppressed(tx, workspaceId, events) : { kept: events, dropped: 0 };
  const keptSet = new Set(kept);
  const dropped = suppressed === 0 ? [] : events.filter((e) => !keptSet.has(e)).map((e) => e.messageId);
  const fresh = await freshEvents(tx, workspaceId, kept, opts.checkStored);
  if (fresh.length === 0) return { fresh, customerIds: [], changes: new Map(), suppressed, dropped };
  const touches = fresh.map((e) => (e.type === 'identify' || e.type === 'group' || e.type === 'alias' ? null : touchOf(e.context, e.properties, e.timestamp)));
  const fast = fastCustomers(workspaceId, fresh, touches, opts.cache);
  const slow = fresh.filter((_, i) => fast[i] === undefined);
  const graph = await resolveIdentities(tx, workspaceId, slow, opts);
  let k = 0;
  const customerIds = fresh.map((_, i) => graph.canonical(fast[i] ?? graph.resolvedIds[k++]!));

  const storedMerges = graph.merges.filter((m) => m.fromStored);
  // Customers not loaded (and so not row-locked) by the full path need the guard.
  const unloaded = new Set(customerIds.filter((id) => !graph.profiles.has(id)));
  await guardCustomers(
    tx,
    unloaded,
    storedMerges.map((m) => m.fromId),
    opts.exclusive,
    (vanished) => opts.cache?.forgetCustomers(workspaceId, fresh, vanished),
  );
  for (const m of storedMerges) await applyMerge(tx, workspaceId, m, MERGE_FOLLOWERS);
  await appendEvents(tx, workspaceId, fresh, customerIds);

  const groups: GroupLink[] = [];
  fresh.forEach((e, i) => {
    const id = customerIds[i]!;
    if (!graph.profiles.has(id)) return; // fast path: nothing on the profile changes
    const p = graph.profile(id);
    if (e.type === 'identify' && e.traits) {
      if (applyTraits(p, e.traits, e.timestamp)) p.dirty = true;
    }
    if (e.type === 'group' && e.groupId) groups.push({ groupId: e.groupId, customerId: p.id, traits: e.traits ?? {}, at: e.timestamp });
    if (touches[i]) applyTouch(p, touches[i]!);
  });

  await saveProfiles(tx, workspaceId, graph.profiles.values());
  await saveIdentities(tx, workspaceId, graph.identityRows('new'), graph.identityRows('rebound'));
  await applyGroups(tx, workspaceId, groups);
  // Another email tool's unsubscribes, complaints and bounces: consent and suppression, in this transaction.
  const emailSpec: EmailSpecEvent[] = [];
  fresh.forEach((e, i) => {
    if (e.type === 'track' && e.event !== null && EMAIL_SPEC_EVENTS.has(e.event)) {
      const traits = e.context.traits;
      const contextEmail = traits && typeof traits === 'object' ? (traits as Record<string, unknown>).email : undefined;
      const ip = e.context.ip;
      const ua = e.context.userAgent;
      emailSpec.push({
        customerId: customerIds[i]!,
        event: e.event,
        timestamp: e.timestamp,
        properties: e.properties,
        contextEmail: typeof contextEmail === 'string' ? contextEmail : null,
        ip: typeof ip === 'string' ? ip : null,
        userAgent: typeof ua === 'string' ? ua : null,
        messageId: e.messageId,
      });
    }
  });
  await applyEmailSpecEvents(tx, workspaceId, emailSpec);

  const changes = new Map<number, Set<string>>();
  const of = (id: number) => {
    let set = changes.get(id);
    if (!set) changes.set(id, (set = new Set(['$any'])));
    return set;
  };
  fresh.forEach((e, i) => {
    const set = of(customerIds[i]!);
    if (e.event) set.add(e.event);
    if (e.type === 'identify') set.add('$traits');
    if (e.type === 'group') set.add('$group');
    if (touches[i]) set.add('$touch');
  });
  for (const p of graph.profiles.values()) if (p.isNew && changes.has(graph.canonical(p.id))) of(graph.canonical(p.id)).add('$all');
  for (const m of graph.merges) of(graph.canonical(m.intoId)).add('$all');
  // A suppressed identifier not dropped above (a suppression this process had not seen, or an
  // erasure that committed while this batch waited for its locks): retry, dropping its events.
  if (await anySuppressed(tx, workspaceId, fresh)) throw new RetryableConflict('an identifier of this batch was suppressed meanwhile');
  return { fresh, customerIds, changes, suppressed, dropped };
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
  // The identities found, row-locked, and customer ids reserved for those not found: one statement.
  const { identities, spare } = await loadIdentitiesAndIds(tx, workspaceId, [...userIds], [...anonIds], opts.exclusive);
  const graph = new IdentityGraph(() => {
    const id = spare.pop();
    // Ids were allocated for the identities not found; needing more means the identities
    // changed under this batch (seen once with two api processes, cause not pinned down):
    // a retry reads them again, rather than a 500 for the whole request.
    if (id === undefined) throw new RetryableConflict('customer id pool exhausted: the identities changed while this batch read them');
    return id;
  });
  for (const i of identities) {
    graph.load(i.kind, i.value, i.profile.id);
    graph.addProfile(i.profile);
  }
  const resolvedIds = events.map((e) => (e.type === 'alias' ? graph.alias(e.userId!, e.previousId!) : graph.resolve(e.userId, e.anonymousId)));
  return Object.assign(graph, { resolvedIds });
}
