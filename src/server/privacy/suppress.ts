/**
 * Suppression: identifiers whose events are dropped at ingestion until lifted. Only a salted
 * hash of each value is stored (privacy_suppressions.value_hash): sha256 over a fixed
 * server-wide pepper, the workspace id, the kind and the normalised value, so the same email
 * hashes differently in two workspaces and the table names nobody in clear.
 *
 * The check (`dropSuppressed`) runs inside every ingestion transaction (the Segment API's
 * queue and CSV imports both come through `ingestEvents`): one indexed lookup per batch over
 * the batch's distinct identifiers. Dropped events are counted on the suppression
 * (`dropped`) and stored nowhere.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/client.js';
import type { NormalizedEvent } from '../ingest/normalize.js';

export type SuppressionKind = 'user' | 'anonymous' | 'email' | 'phone';

/** Hashes computed lately (tracking traffic repeats its identifiers): bounded, cleared when full. */
const recent = new Map<string, string>();
const RECENT_MAX = 200_000;

/** Fixed and public on purpose: the salt that matters is the workspace id (see the file's comment and docs/privacy.md). */
const PEPPER = 'tenure-privacy-suppression-v1';

/** How a value is compared: emails lower-cased and trimmed; phones reduced to their digits and a leading +. */
export function normalizeIdentifier(kind: SuppressionKind, value: string): string {
  const v = value.trim();
  if (kind === 'email') return v.toLowerCase();
  if (kind === 'phone') return (v.startsWith('+') ? '+' : '') + v.replace(/\D/g, '');
  return v;
}

/** The stored hash of one identifier of a workspace. */
export function suppressionHash(workspaceId: number, kind: SuppressionKind, value: string): string {
  const key = `${workspaceId}\0${kind}\0${value}`;
  let h = recent.get(key);
  if (h === undefined) {
    h = createHash('sha256')
      .update(`${PEPPER}\0${workspaceId}\0${kind}\0${normalizeIdentifier(kind, value)}`)
      .digest('hex');
    if (recent.size >= RECENT_MAX) recent.clear();
    recent.set(key, h);
  }
  return h;
}

/** The batch's distinct suppression keys (`kind:hash`) per event, and all of them. */
function keysOf(workspaceId: number, events: readonly NormalizedEvent[]): { perEvent: string[][]; distinct: string[] } {
  const perEvent = events.map((e) => identifiersOf(e).map((i) => `${i.kind}:${suppressionHash(workspaceId, i.kind, i.value)}`));
  return { perEvent, distinct: [...new Set(perEvent.flat())] };
}

/** Of these keys, the suppressed ones: one index lookup (the primary key: workspace, kind, hash). */
async function suppressedKeys(tx: Queryable, workspaceId: number, keys: readonly string[], limit?: number): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  // A join (hashed, or an index probe per key when the planner prefers), not `= ANY` (a filter over the workspace's every suppression).
  const { rows } = await tx.query<{ kind: string; value_hash: string }>(
    `SELECT s.kind, s.value_hash FROM privacy_suppressions s
       JOIN unnest($2::text[], $3::text[]) AS x(kind, value_hash) ON s.kind = x.kind AND s.value_hash = x.value_hash
      WHERE s.workspace_id = $1${limit ? ` LIMIT ${limit}` : ''}`,
    [workspaceId, keys.map((k) => k.slice(0, k.indexOf(':'))), keys.map((k) => k.slice(k.indexOf(':') + 1))],
  );
  // A hash covers its kind, so a pair of another kind cannot match by accident; checked all the same.
  const wanted = new Set(keys);
  return new Set(rows.map((r) => `${r.kind}:${r.value_hash}`).filter((k) => wanted.has(k)));
}

/**
 * Workspaces this process has seen suppress someone. Ingestion checks its batch against the
 * suppressions before anything else only in these; elsewhere it relies on the check before
 * commit (`anySuppressed`), which retries the batch with this one if it finds a suppressed
 * identifier, so nothing suppressed is ever stored and a workspace that suppresses nobody
 * (nearly all) saves a statement per ingestion transaction. Never forgotten: a lifted
 * suppression only costs the early check.
 */
const suppressing = new Set<number>();

/** Whether ingestion should look for suppressed identifiers before the rest of the batch (see `suppressing`). */
export function checkSuppressedFirst(workspaceId: number): boolean {
  return suppressing.has(workspaceId);
}

/** Forget the workspaces seen suppressing (tests: several databases in one process share workspace ids). */
export function forgetSuppressionsSeen(): void {
  suppressing.clear();
}

/** Whether the workspace suppresses anyone at all (the common answer, no, costs one index probe and no hashing). */
async function suppressesAnyone(tx: Queryable, workspaceId: number): Promise<boolean> {
  const { rows } = await tx.query(`SELECT 1 FROM privacy_suppressions WHERE workspace_id = $1 LIMIT 1`, [workspaceId]);
  if (rows.length > 0) suppressing.add(workspaceId);
  return rows.length > 0;
}

/** The identifiers an event carries: its userId (and an alias's previousId), anonymousId, and the email and phone of its traits or context.traits. */
export function identifiersOf(e: NormalizedEvent): Array<{ kind: SuppressionKind; value: string }> {
  const out: Array<{ kind: SuppressionKind; value: string }> = [];
  if (e.userId) out.push({ kind: 'user', value: e.userId });
  if (e.anonymousId) out.push({ kind: 'anonymous', value: e.anonymousId });
  if (e.previousId) out.push({ kind: 'user', value: e.previousId }, { kind: 'anonymous', value: e.previousId });
  const ctxTraits = e.context?.traits;
  for (const t of [e.traits, ctxTraits && typeof ctxTraits === 'object' ? (ctxTraits as Record<string, unknown>) : null]) {
    if (!t) continue;
    if (typeof t.email === 'string' && t.email.trim()) out.push({ kind: 'email', value: t.email });
    if (typeof t.phone === 'string' && t.phone.trim()) out.push({ kind: 'phone', value: t.phone });
  }
  return out;
}

/**
 * Remove the events carrying a suppressed identifier, counting each on its suppression
 * (`dropped`). One lookup for the whole batch (the primary key: workspace, kind, hash).
 * Returns the events to store and how many were dropped.
 */
export async function dropSuppressed(tx: Queryable, workspaceId: number, events: NormalizedEvent[]): Promise<{ kept: NormalizedEvent[]; dropped: number }> {
  if (events.length === 0 || !(await suppressesAnyone(tx, workspaceId))) return { kept: events, dropped: 0 };
  const { perEvent, distinct } = keysOf(workspaceId, events);
  const hit = await suppressedKeys(tx, workspaceId, distinct);
  if (hit.size === 0) return { kept: events, dropped: 0 };
  const kept: NormalizedEvent[] = [];
  const counts = new Map<string, number>();
  events.forEach((e, i) => {
    const matched = perEvent[i]!.filter((h) => hit.has(h));
    if (matched.length === 0) kept.push(e);
    // One dropped event is counted once, on the first suppression it matched.
    else counts.set(matched[0]!, (counts.get(matched[0]!) ?? 0) + 1);
  });
  const keys = [...counts.keys()];
  await tx.query(
    `UPDATE privacy_suppressions s SET dropped = s.dropped + x.n
       FROM unnest($2::text[], $3::text[], $4::bigint[]) AS x(kind, value_hash, n)
      WHERE s.workspace_id = $1 AND s.kind = x.kind AND s.value_hash = x.value_hash`,
    [workspaceId, keys.map((k) => k.slice(0, k.indexOf(':'))), keys.map((k) => k.slice(k.indexOf(':') + 1)), keys.map((k) => counts.get(k)!)],
  );
  return { kept, dropped: events.length - kept.length };
}

/** Whether any of these events now carries a suppressed identifier (the re-check before an ingestion commit). */
export async function anySuppressed(tx: Queryable, workspaceId: number, events: NormalizedEvent[]): Promise<boolean> {
  if (events.length === 0 || !(await suppressesAnyone(tx, workspaceId))) return false;
  return (await suppressedKeys(tx, workspaceId, keysOf(workspaceId, events).distinct, 1)).size > 0;
}

export interface Identifier {
  kind: SuppressionKind;
  value: string;
}

/** Suppress these identifiers (idempotent: an existing suppression keeps its count and request). Returns how many were new. */
export async function suppress(tx: Queryable, workspaceId: number, ids: readonly Identifier[], requestId: number | null): Promise<number> {
  if (ids.length === 0) return 0;
  suppressing.add(workspaceId);
  const uniq = new Map(ids.map((i) => [`${i.kind}:${suppressionHash(workspaceId, i.kind, i.value)}`, i.kind]));
  const keys = [...uniq.keys()];
  const r = await tx.query(
    `INSERT INTO privacy_suppressions (workspace_id, kind, value_hash, request_id)
     SELECT $1, x.kind, x.value_hash, $4 FROM unnest($2::text[], $3::text[]) AS x(kind, value_hash)
     ON CONFLICT DO NOTHING`,
    [workspaceId, keys.map((k) => uniq.get(k)!), keys.map((k) => k.slice(k.indexOf(':') + 1)), requestId],
  );
  return r.rowCount;
}

/** Lift suppressions of these identifiers; returns how many were lifted. */
export async function unsuppress(tx: Queryable, workspaceId: number, ids: readonly Identifier[]): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await tx.query(
    `DELETE FROM privacy_suppressions s USING unnest($2::text[], $3::text[]) AS x(kind, value_hash)
      WHERE s.workspace_id = $1 AND s.kind = x.kind AND s.value_hash = x.value_hash`,
    [workspaceId, ids.map((i) => i.kind), ids.map((i) => suppressionHash(workspaceId, i.kind, i.value))],
  );
  return r.rowCount;
}

export interface SuppressionRow {
  kind: SuppressionKind;
  createdAt: string;
  dropped: number;
  requestId: number | null;
}

/** A page of the workspace's suppressions, newest first, and how many there are. */
export async function listSuppressions(db: Queryable, workspaceId: number, page: { limit: number; offset: number }): Promise<{ suppressions: SuppressionRow[]; total: number }> {
  const { rows } = await db.query<{ kind: SuppressionKind; created_at: Date; dropped: string | number; request_id: string | number | null }>(
    `SELECT kind, created_at, dropped, request_id FROM privacy_suppressions WHERE workspace_id = $1 ORDER BY created_at DESC, value_hash LIMIT $2 OFFSET $3`,
    [workspaceId, page.limit, page.offset],
  );
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM privacy_suppressions WHERE workspace_id = $1`, [workspaceId]);
  return {
    suppressions: rows.map((r) => ({ kind: r.kind, createdAt: new Date(r.created_at).toISOString(), dropped: Number(r.dropped), requestId: r.request_id === null ? null : Number(r.request_id) })),
    total: total.rows[0]!.n,
  };
}
