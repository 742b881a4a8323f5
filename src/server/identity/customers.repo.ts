import { copyJson, copyValue, type Queryable } from '../db/client.js';
import { EV } from '../../contracts/events.js';
import type { IdKind, Merge } from './identity-graph.js';
import type { Profile } from './profile.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/** Thrown inside a transaction when a concurrent writer changed what it read; the caller retries. */
export class RetryableConflict extends Error {}

/** An identity with the customer it resolves to. */
export interface LoadedIdentity {
  kind: IdKind;
  value: string;
  profile: Profile;
}

/**
 * Look up these userIds and anonymousIds and row-lock the customers they resolve to, in
 * id order (so concurrent batches cannot deadlock on them). One index probe per id.
 * FOR NO KEY UPDATE: writers of one customer wait for each other, appenders holding it FOR
 * KEY SHARE (identity/merge-guard.ts) do not; a merge upgrades the customer it deletes.
 * `exclusive` (PGlite: the only connection) skips the row locks: nobody else writes.
 * Also reserves a customer id for each requested id not found (`userIds` and `anonymousIds`
 * each hold distinct values): with other writers (PostgreSQL) in the same statement, so an
 * ingestion transaction makes one round trip for both.
 */
export async function loadIdentitiesAndIds(
  tx: Queryable,
  workspaceId: number,
  userIds: string[],
  anonymousIds: string[],
  exclusive: boolean,
): Promise<{ identities: LoadedIdentity[]; spare: number[] }> {
  const asked = userIds.length + anonymousIds.length;
  if (asked === 0) return { identities: [], spare: [] };
  const found = `
    WITH ids AS (
       SELECT i.kind, i.value, i.customer_id FROM unnest($2::text[]) AS v(value)
         CROSS JOIN LATERAL (SELECT kind, value, customer_id FROM identities
                              WHERE workspace_id = $1 AND kind = 'user' AND value = v.value OFFSET 0) i
       UNION ALL
       SELECT i.kind, i.value, i.customer_id FROM unnest($3::text[]) AS v(value)
         CROSS JOIN LATERAL (SELECT kind, value, customer_id FROM identities
                              WHERE workspace_id = $1 AND kind = 'anonymous' AND value = v.value OFFSET 0) i),
    found AS MATERIALIZED (
     SELECT ids.kind, ids.value, c.id, c.user_id, c.traits, c.trait_times, c.first_touch, c.last_touch
       FROM ids JOIN customers c ON c.id = ids.customer_id
      ORDER BY c.id${exclusive ? '' : ' FOR NO KEY UPDATE OF c'})`;
  // The rows found (locked in id order), then one row holding the ids reserved for the rest.
  const together = !exclusive;
  const { rows } = await tx.query<CustomerRow & { kind: IdKind; value: string; spare: Array<number | string> | null }>(
    together
      ? `${found}
         SELECT kind, value, id, user_id, traits, trait_times, first_touch, last_touch, NULL::bigint[] AS spare FROM found
         UNION ALL
         SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                ARRAY(SELECT nextval('customers_id_seq') FROM generate_series(1, $4::int - (SELECT count(*)::int FROM found)))`
      : `${found} SELECT kind, value, id, user_id, traits, trait_times, first_touch, last_touch, NULL::bigint[] AS spare FROM found`,
    together ? [workspaceId, userIds, anonymousIds, asked] : [workspaceId, userIds, anonymousIds],
  );
  const profiles = new Map<number, Profile>();
  const identities: LoadedIdentity[] = [];
  let spare: number[] = [];
  for (const r of rows) {
    if (r.spare !== null) {
      spare = r.spare.map(Number);
      continue;
    }
    let profile = profiles.get(r.id);
    if (!profile) {
      profile = toProfile(r);
      profiles.set(r.id, profile);
    }
    identities.push({ kind: r.kind, value: r.value, profile });
  }
  if (exclusive) spare = await allocateCustomerIds(tx, asked - identities.length, { exclusive });
  return { identities, spare };
}

/**
 * Serialise writers that are about to create the same identities: a transaction-scoped
 * advisory lock per (workspace, kind, value), taken in a fixed order so two batches
 * cannot deadlock. Whoever waits re-reads the identities afterwards and finds them.
 */
export async function lockNewIdentities(tx: Queryable, workspaceId: number, keys: Array<{ kind: IdKind; value: string }>): Promise<void> {
  if (keys.length === 0) return;
  await tx.query(
    `SELECT pg_advisory_xact_lock(h) FROM (
       SELECT DISTINCT hashtextextended(x.k || ':' || x.v, $1) AS h FROM jsonb_to_recordset($2::jsonb) AS x(k text, v text)
     ) l ORDER BY h`,
    [workspaceId, JSON.stringify(keys.map((k) => ({ k: k.kind, v: k.value })))],
  );
}

type CustomerRow = RowPick<
  typeof schema.customers,
  'id' | 'user_id' | 'traits' | 'trait_times' | 'first_touch' | 'last_touch',
  { traits: Record<string, unknown>; trait_times: Profile['traitTimes']; first_touch: Profile['firstTouch']; last_touch: Profile['lastTouch'] }
>;

function toProfile(r: CustomerRow): Profile {
  return {
    id: r.id,
    userId: r.user_id,
    traits: r.traits,
    traitTimes: r.trait_times,
    firstTouch: r.first_touch,
    lastTouch: r.last_touch,
    isNew: false,
    dirty: false,
  };
}

/**
 * Reserve `n` customer ids from the sequence. With a single connection (PGlite) nobody can
 * interleave, so one setval reserves the whole block; otherwise one nextval per id.
 */
export async function allocateCustomerIds(tx: Queryable, n: number, opts: { exclusive: boolean }): Promise<number[]> {
  if (n <= 0) return [];
  if (opts.exclusive) {
    const { rows } = await tx.query<{ last: number }>(`SELECT setval('customers_id_seq', nextval('customers_id_seq') + $1::int - 1) AS last`, [n]);
    const last = rows[0]!.last;
    return Array.from({ length: n }, (_, i) => last - n + 1 + i);
  }
  const { rows } = await tx.query<{ id: number }>(`SELECT nextval('customers_id_seq')::int8 AS id FROM generate_series(1, $1::int)`, [n]);
  return rows.map((r) => r.id);
}

function profileRecord(p: Profile) {
  return {
    id: p.id,
    user_id: p.userId,
    traits: p.traits,
    trait_times: p.traitTimes,
    first_touch: p.firstTouch,
    last_touch: p.lastTouch,
  };
}

const RECORD_COLUMNS = `x(id bigint, user_id text, traits jsonb, trait_times jsonb, first_touch jsonb, last_touch jsonb)`;

/** Insert new profiles and write back changed ones. */
export async function saveProfiles(tx: Queryable, workspaceId: number, profiles: Iterable<Profile>): Promise<void> {
  const inserts: ReturnType<typeof profileRecord>[] = [];
  const updates: ReturnType<typeof profileRecord>[] = [];
  for (const p of profiles) {
    if (p.isNew) inserts.push(profileRecord(p));
    else if (p.dirty) updates.push(profileRecord(p));
  }
  if (inserts.length > 0) {
    const ws = String(workspaceId);
    let data = '';
    for (const r of inserts) {
      data += `${r.id}\t${ws}\t${copyValue(r.user_id)}\t${copyJson(r.traits)}\t${copyJson(r.trait_times)}\t${r.first_touch === null ? '\\N' : copyJson(r.first_touch)}\t${r.last_touch === null ? '\\N' : copyJson(r.last_touch)}\n`;
    }
    await tx.copyFrom('customers (id, workspace_id, user_id, traits, trait_times, first_touch, last_touch)', data);
  }
  if (updates.length > 0) {
    await tx.query(
      `UPDATE customers c SET user_id = x.user_id, traits = x.traits, trait_times = x.trait_times,
              first_touch = x.first_touch, last_touch = x.last_touch, updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS ${RECORD_COLUMNS}
        WHERE c.id = x.id`,
      [JSON.stringify(updates)],
    );
  }
}

/**
 * Write identity links. New ones must still be absent: one created concurrently by
 * another writer fails the COPY on the primary key (23505), and the caller retries the
 * batch, which then finds it. Rebound ones are repointed.
 */
export async function saveIdentities(
  tx: Queryable,
  workspaceId: number,
  fresh: Array<{ kind: IdKind; value: string; customer_id: number }>,
  rebound: Array<{ kind: IdKind; value: string; customer_id: number }>,
): Promise<void> {
  if (fresh.length > 0) {
    const ws = String(workspaceId);
    let data = '';
    for (const r of fresh) data += `${ws}\t${r.kind}\t${copyValue(r.value)}\t${r.customer_id}\n`;
    await tx.copyFrom('identities (workspace_id, kind, value, customer_id)', data);
  }
  if (rebound.length > 0) {
    await tx.query(
      `UPDATE identities i SET customer_id = x.customer_id
         FROM jsonb_to_recordset($2::jsonb) AS x(kind text, value text, customer_id bigint)
        WHERE i.workspace_id = $1 AND i.kind = x.kind AND i.value = x.value`,
      [workspaceId, JSON.stringify(rebound)],
    );
  }
}

/** Rows of customer segments only (account segments hold account ids in the same column). */
const CUSTOMER_SEGMENTS = `segment_id IN (SELECT s.id FROM segments s WHERE s.workspace_id = $1 AND s.scope = 'customer')`;

/**
 * What another domain moves when profiles merge (the loyalty ledger, referrals), run inside the
 * merge's transaction. Passed in by the caller (ingest/merge-followers.ts) so that identity, which
 * nearly every domain reads, imports none of them.
 */
export type MergeFollower = (tx: Queryable, workspaceId: number, fromCustomerId: number, intoCustomerId: number) => Promise<void>;

/** Move everything of a stored profile onto another (and, through `followers`, other domains' rows) and delete it. */
export async function applyMerge(tx: Queryable, workspaceId: number, m: Merge, followers: readonly MergeFollower[] = []): Promise<void> {
  const p = [workspaceId, m.fromId, m.intoId];
  // The merged-away profile's lifecycle history goes with it (the surviving customer is
  // re-evaluated with all the events); only the customer's own events move.
  await tx.query(`DELETE FROM stage_transitions WHERE workspace_id = $1 AND scope = 'customer' AND subject_id = $2`, p.slice(0, 2));
  await tx.query(`DELETE FROM stage_states WHERE workspace_id = $1 AND scope = 'customer' AND subject_id = $2`, p.slice(0, 2));
  await tx.query(`DELETE FROM events WHERE customer_id = $2 AND workspace_id = $1 AND type = 'tenure' AND event = '${EV.stageChanged}'`, p.slice(0, 2));
  await tx.query(`UPDATE events SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2`, p);
  // Segment memberships move to the surviving profile (dynamic ones are re-evaluated with it).
  await tx.query(
    `INSERT INTO segment_members (workspace_id, segment_id, customer_id, entered_at)
     SELECT workspace_id, segment_id, $3, entered_at FROM segment_members WHERE workspace_id = $1 AND customer_id = $2 AND ${CUSTOMER_SEGMENTS}
     ON CONFLICT DO NOTHING`,
    p,
  );
  await tx.query(`DELETE FROM segment_members WHERE workspace_id = $1 AND customer_id = $2 AND ${CUSTOMER_SEGMENTS}`, p.slice(0, 2));
  await tx.query(`UPDATE segment_history SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 AND ${CUSTOMER_SEGMENTS}`, p);
  // Computed scores are worked out again for the surviving profile.
  await tx.query(`DELETE FROM customer_scores WHERE customer_id = $2 AND workspace_id = $1`, p.slice(0, 2));
  await tx.query(`UPDATE identities SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2`, p);
  await tx.query(
    `INSERT INTO account_members (workspace_id, account_id, customer_id, joined_at)
     SELECT workspace_id, account_id, $3, joined_at FROM account_members WHERE workspace_id = $1 AND customer_id = $2
     ON CONFLICT DO NOTHING`,
    p,
  );
  await tx.query(`DELETE FROM account_members WHERE workspace_id = $1 AND customer_id = $2`, p.slice(0, 2));
  await moveMessaging(tx, p);
  for (const follow of followers) await follow(tx, workspaceId, m.fromId, m.intoId);
  await noteMergeForAnalytics(tx, workspaceId, m.fromId, m.intoId);
  await tx.query(`DELETE FROM customers WHERE workspace_id = $1 AND id = $2`, p.slice(0, 2));
  await tx.query(`UPDATE customer_merges SET into_customer_id = $3 WHERE workspace_id = $1 AND into_customer_id = $2`, p);
  await tx.query(
    `INSERT INTO customer_merges (workspace_id, from_customer_id, into_customer_id, reason) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING`,
    [...p, m.reason],
  );
}

/**
 * Journeys and messaging follow the customer: messages and tasks move; consent moves where
 * the surviving profile has not chosen itself; runs move, except that a run in a journey the
 * survivor is already on ends (`merged`), and a run for a cause the survivor already entered
 * for is dropped.
 */
async function moveMessaging(tx: Queryable, p: number[]): Promise<void> {
  await tx.query(`UPDATE messages SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2`, p);
  await tx.query(`UPDATE tasks SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2`, p);
  await tx.query(
    `INSERT INTO consents (workspace_id, customer_id, group_id, subscribed, source, updated_at)
     SELECT workspace_id, $3, group_id, subscribed, source, updated_at FROM consents WHERE workspace_id = $1 AND customer_id = $2
     ON CONFLICT DO NOTHING`,
    p,
  );
  await tx.query(`DELETE FROM consents WHERE workspace_id = $1 AND customer_id = $2`, p.slice(0, 2));
  await tx.query(
    `UPDATE journey_runs r SET status = 'exited', wake_at = NULL, ended_at = now(), end_reason = 'merged'
      WHERE r.workspace_id = $1 AND r.customer_id = $2 AND r.status IN ('active', 'waiting')
        AND EXISTS (SELECT 1 FROM journey_runs x WHERE x.workspace_id = $1 AND x.customer_id = $3 AND x.journey_id = r.journey_id AND x.status IN ('active', 'waiting'))`,
    p,
  );
  await tx.query(
    `DELETE FROM journey_runs r WHERE r.workspace_id = $1 AND r.customer_id = $2
        AND EXISTS (SELECT 1 FROM journey_runs x WHERE x.workspace_id = $1 AND x.customer_id = $3 AND x.journey_id = r.journey_id AND x.entry_key = r.entry_key)`,
    p,
  );
  await tx.query(`UPDATE journey_runs SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2`, p);
}

/** Record a merge for the analytics sync (called inside the merge's transaction). */
async function noteMergeForAnalytics(tx: Queryable, workspaceId: number, fromId: number, intoId: number): Promise<void> {
  await tx.query(`INSERT INTO analytics_merges (workspace_id, from_customer_id, into_customer_id) VALUES ($1, $2, $3)`, [workspaceId, fromId, intoId]);
}
