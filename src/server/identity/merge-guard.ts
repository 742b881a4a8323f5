/**
 * The guard between appending events and merging customers, with row locks on `customers`
 * (kept in the rows themselves, so a batch of any size costs no lock-table entries):
 * - appenders (ingestion's fast path, the segment worker) lock their customers FOR KEY SHARE;
 * - the writer that merges a customer away holds its row FOR UPDATE before it moves
 *   anything: it loaded the customer FOR NO KEY UPDATE (`loadIdentitiesAndIds`) and upgrades it here.
 * FOR UPDATE and FOR KEY SHARE conflict, and nothing else here does: a merge waits for the
 * appenders of that one customer in flight, and they for it; two appenders, or an appender
 * and a writer of the same customer's traits (FOR NO KEY UPDATE), never wait on each other.
 * The former guard (advisory locks on 256 customer buckets) made a merge wait for every
 * appender holding any customer in its bucket, which a batch of 1,000 events nearly always
 * did: on a 5M-event workspace the two ingestion lanes waited on each other's merges for
 * 0.6 s (median) to 7.8 s per wait.
 */
import type { Queryable } from '../db/client.js';
import { RetryableConflict } from './customers.repo.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

const byId = (a: number, b: number) => a - b;

/**
 * Keep customers that this batch appends events to without loading them (the fast path)
 * from being merged away by a concurrent writer before we commit, without writing to their
 * columns, and lock the customers this batch merges away (`mergedFrom`, already loaded)
 * against appenders. Then the appended-to customers must still exist: one that does not was
 * merged away by another process after we cached it; it is forgotten (`onVanished`) and the
 * batch is retried.
 * With `exclusive` (PGlite: one connection, no concurrent writer) no locks are needed,
 * but the existence check still runs: a writer without this cache may have merged.
 */
export async function guardCustomers(tx: Queryable, appendTo: Set<number>, mergedFrom: number[], exclusive: boolean, onVanished: (ids: Set<number>) => void): Promise<void> {
  if (!exclusive && mergedFrom.length > 0) await tx.query(`SELECT id FROM customers WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`, [[...new Set(mergedFrom)].sort(byId)]);
  if (appendTo.size === 0) return;
  const ids = [...appendTo].sort(byId);
  const { rows } = await tx.query<RowPick<typeof schema.customers, 'id'>>(`SELECT id FROM customers WHERE id = ANY($1::bigint[]) ORDER BY id${exclusive ? '' : ' FOR KEY SHARE'}`, [ids]);
  if (rows.length === ids.length) return;
  const found = new Set(rows.map((r) => r.id));
  onVanished(new Set(ids.filter((id) => !found.has(id))));
  throw new RetryableConflict('a cached customer was merged away by another process');
}

/**
 * Keep these customers from being merged away until commit, as appenders do (FOR KEY SHARE,
 * in id order, in one statement), and return those that still exist. For writers other than
 * ingestion (the segment worker) that must not write rows of a customer a concurrent merge
 * is deleting.
 */
export async function holdCustomers(tx: Queryable, workspaceId: number, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const { rows } = await tx.query<RowPick<typeof schema.customers, 'id'>>(`SELECT id FROM customers WHERE workspace_id = $1 AND id = ANY($2::bigint[]) ORDER BY id FOR KEY SHARE`, [
    workspaceId,
    [...new Set(ids)].sort(byId),
  ]);
  return new Set(rows.map((r) => r.id));
}
