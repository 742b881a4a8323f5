import type { Queryable } from '../db/client.js';
import type { IdKind, Merge } from './identity-graph.js';
import type { Profile } from './profile.js';

/** Thrown inside a transaction when a concurrent writer changed what it read; the caller retries. */
export class RetryableConflict extends Error {}

/** Identity rows for these userIds and anonymousIds. */
export async function findIdentities(tx: Queryable, workspaceId: number, userIds: string[], anonymousIds: string[]) {
  if (userIds.length === 0 && anonymousIds.length === 0) return [];
  const { rows } = await tx.query<{ kind: IdKind; value: string; customer_id: number }>(
    `SELECT kind, value, customer_id FROM identities
      WHERE workspace_id = $1
        AND ((kind = 'user' AND value IN (SELECT jsonb_array_elements_text($2::jsonb)))
          OR (kind = 'anonymous' AND value IN (SELECT jsonb_array_elements_text($3::jsonb))))`,
    [workspaceId, JSON.stringify(userIds), JSON.stringify(anonymousIds)],
  );
  return rows;
}

interface CustomerRow {
  id: number;
  user_id: string | null;
  traits: Record<string, unknown>;
  trait_times: Profile['traitTimes'];
  first_seen_at: Date;
  last_seen_at: Date;
  first_touch: Profile['firstTouch'];
  last_touch: Profile['lastTouch'];
}

/**
 * Load and row-lock customers (in id order, so concurrent batches cannot deadlock on them).
 * Throws RetryableConflict if one vanished since its identity was read (merged concurrently).
 */
export async function lockProfiles(tx: Queryable, ids: number[]): Promise<Profile[]> {
  if (ids.length === 0) return [];
  const { rows } = await tx.query<CustomerRow>(
    `SELECT id, user_id, traits, trait_times, first_seen_at, last_seen_at, first_touch, last_touch
       FROM customers WHERE id IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint) ORDER BY id FOR UPDATE`,
    [JSON.stringify(ids)],
  );
  if (rows.length !== ids.length) throw new RetryableConflict('a customer was merged concurrently');
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    traits: r.traits,
    traitTimes: r.trait_times,
    firstSeenAt: r.first_seen_at.toISOString(),
    lastSeenAt: r.last_seen_at.toISOString(),
    firstTouch: r.first_touch,
    lastTouch: r.last_touch,
    isNew: false,
    dirty: false,
  }));
}

/** Reserve `n` customer ids from the sequence. */
export async function allocateCustomerIds(tx: Queryable, n: number): Promise<number[]> {
  if (n <= 0) return [];
  const { rows } = await tx.query<{ id: number }>(
    `SELECT nextval(pg_get_serial_sequence('customers', 'id'))::int8 AS id FROM generate_series(1, $1::int)`,
    [n],
  );
  return rows.map((r) => r.id);
}

function profileRecord(p: Profile) {
  return {
    id: p.id,
    user_id: p.userId,
    traits: p.traits,
    trait_times: p.traitTimes,
    first_seen_at: p.firstSeenAt,
    last_seen_at: p.lastSeenAt,
    first_touch: p.firstTouch,
    last_touch: p.lastTouch,
  };
}

const RECORD_COLUMNS = `x(id bigint, user_id text, traits jsonb, trait_times jsonb, first_seen_at timestamptz,
  last_seen_at timestamptz, first_touch jsonb, last_touch jsonb)`;

/** Insert new profiles and write back changed ones. */
export async function saveProfiles(tx: Queryable, workspaceId: number, profiles: Iterable<Profile>): Promise<void> {
  const inserts: ReturnType<typeof profileRecord>[] = [];
  const updates: ReturnType<typeof profileRecord>[] = [];
  for (const p of profiles) {
    if (p.isNew) inserts.push(profileRecord(p));
    else if (p.dirty) updates.push(profileRecord(p));
  }
  if (inserts.length > 0) {
    await tx.query(
      `INSERT INTO customers (id, workspace_id, user_id, traits, trait_times, first_seen_at, last_seen_at, first_touch, last_touch)
       SELECT x.id, $1, x.user_id, x.traits, x.trait_times, x.first_seen_at, x.last_seen_at, x.first_touch, x.last_touch
         FROM jsonb_to_recordset($2::jsonb) AS ${RECORD_COLUMNS}`,
      [workspaceId, JSON.stringify(inserts)],
    );
  }
  if (updates.length > 0) {
    await tx.query(
      `UPDATE customers c SET user_id = x.user_id, traits = x.traits, trait_times = x.trait_times,
              first_seen_at = x.first_seen_at, last_seen_at = x.last_seen_at,
              first_touch = x.first_touch, last_touch = x.last_touch, updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS ${RECORD_COLUMNS}
        WHERE c.id = x.id`,
      [JSON.stringify(updates)],
    );
  }
}

/**
 * Write identity links. New ones must still be absent (else a concurrent batch created
 * the same identity: RetryableConflict); rebound ones are repointed.
 */
export async function saveIdentities(
  tx: Queryable,
  workspaceId: number,
  fresh: Array<{ kind: IdKind; value: string; customer_id: number }>,
  rebound: Array<{ kind: IdKind; value: string; customer_id: number }>,
): Promise<void> {
  if (fresh.length > 0) {
    const r = await tx.query(
      `INSERT INTO identities (workspace_id, kind, value, customer_id)
       SELECT $1, x.kind, x.value, x.customer_id FROM jsonb_to_recordset($2::jsonb) AS x(kind text, value text, customer_id bigint)
       ON CONFLICT DO NOTHING`,
      [workspaceId, JSON.stringify(fresh)],
    );
    if (r.rowCount !== fresh.length) throw new RetryableConflict('an identity was created concurrently');
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

/** Move everything of a stored profile onto another and delete it. */
export async function applyMerge(tx: Queryable, workspaceId: number, m: Merge): Promise<void> {
  const p = [workspaceId, m.fromId, m.intoId];
  await tx.query(`UPDATE events SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2`, p);
  await tx.query(`UPDATE identities SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2`, p);
  await tx.query(
    `INSERT INTO account_members (workspace_id, account_id, customer_id, joined_at)
     SELECT workspace_id, account_id, $3, joined_at FROM account_members WHERE workspace_id = $1 AND customer_id = $2
     ON CONFLICT DO NOTHING`,
    p,
  );
  await tx.query(`DELETE FROM account_members WHERE workspace_id = $1 AND customer_id = $2`, p.slice(0, 2));
  await tx.query(`DELETE FROM customers WHERE workspace_id = $1 AND id = $2`, p.slice(0, 2));
  await tx.query(`UPDATE customer_merges SET into_customer_id = $3 WHERE workspace_id = $1 AND into_customer_id = $2`, p);
  await tx.query(
    `INSERT INTO customer_merges (workspace_id, from_customer_id, into_customer_id, reason) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING`,
    [...p, m.reason],
  );
}
