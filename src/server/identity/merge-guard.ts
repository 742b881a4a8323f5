/**
 * The guard between appending events and merging customers: appenders (ingestion's fast
 * path, the segment worker) hold shared locks on their customers' buckets, a merge holds the
 * merged-away customer's bucket exclusively, so neither writes rows of a customer the other
 * is deleting.
 */
import type { Queryable } from '../db/client.js';
import { LOCK } from '../db/locks.js';
import { RetryableConflict } from './customers.repo.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/** Advisory-lock namespace (first key) of the customer guard; the second key is the bucket. */
const GUARD_NAMESPACE = LOCK.ingestBucket;
/** Customers share 256 lock buckets, so a batch takes at most 256 locks whatever its size. */
const GUARD_BUCKETS = 256;

/**
 * Keep customers that this batch appends events to without loading them (the fast path)
 * from being merged away by a concurrent writer before we commit, without writing to
 * their rows. Appenders take a shared advisory lock on each customer's bucket; a merge
 * takes the bucket of the customer it deletes exclusively (`mergedFrom`), so it waits for
 * appenders in flight and they wait for it. All in one statement, in bucket order, so two
 * batches cannot deadlock on these locks. Then, with the locks held, the customers must
 * still exist: one that does not was merged away by another process after we cached it;
 * it is forgotten (`onVanished`) and the batch is retried.
 * With `exclusive` (PGlite: one connection, no concurrent writer) no locks are needed,
 * but the existence check still runs: a writer without this cache may have merged.
 */
export async function guardCustomers(tx: Queryable, appendTo: Set<number>, mergedFrom: number[], exclusive: boolean, onVanished: (ids: Set<number>) => void): Promise<void> {
  if (!exclusive) await lockBuckets(tx, appendTo, mergedFrom);
  if (appendTo.size === 0) return;
  const ids = [...appendTo];
  const { rows } = await tx.query<RowPick<typeof schema.customers, 'id'>>(`SELECT id FROM customers WHERE id = ANY($1::bigint[])`, [ids]);
  if (rows.length === ids.length) return;
  const found = new Set(rows.map((r) => r.id));
  onVanished(new Set(ids.filter((id) => !found.has(id))));
  throw new RetryableConflict('a cached customer was merged away by another process');
}

/**
 * Keep these customers from being merged away until commit, as appenders do (shared locks
 * on their buckets, in one statement), and return those that still exist. For writers
 * other than ingestion (the segment worker) that must not write rows of a customer a
 * concurrent merge is deleting.
 */
export async function holdCustomers(tx: Queryable, workspaceId: number, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  await lockBuckets(tx, new Set(ids), []);
  const { rows } = await tx.query<RowPick<typeof schema.customers, 'id'>>(`SELECT id FROM customers WHERE workspace_id = $1 AND id = ANY($2::bigint[])`, [workspaceId, ids]);
  return new Set(rows.map((r) => r.id));
}

async function lockBuckets(tx: Queryable, appendTo: Set<number>, mergedFrom: number[]): Promise<void> {
  if (appendTo.size === 0 && mergedFrom.length === 0) return;
  const exclusive = new Set(mergedFrom.map((id) => id % GUARD_BUCKETS));
  const buckets = new Set(exclusive);
  for (const id of appendTo) buckets.add(id % GUARD_BUCKETS);
  const sorted = [...buckets].sort((a, b) => a - b);
  await tx.query(
    `SELECT CASE WHEN l.ex THEN pg_advisory_xact_lock($1::int, l.b) ELSE pg_advisory_xact_lock_shared($1::int, l.b) END
       FROM (SELECT b, ex FROM unnest($2::int[], $3::bool[]) AS x(b, ex) ORDER BY b) l`,
    [GUARD_NAMESPACE, sorted, sorted.map((b) => exclusive.has(b))],
  );
}
