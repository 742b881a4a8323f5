/**
 * The ledger's timed work: releasing pending lots (their time came, or the event they wait for
 * arrived) and expiring lots. One entry per lot, keyed `release:<lot>` / `expire:<lot>`, so two
 * workers running the same batch write each once: both lock the batch's members in id order
 * (no deadlock), and the second finds the key stored and skips the lot.
 */
import { TENURE_EV } from '../../contracts/events.js';
import type { Queryable } from '../db/client.js';
import { entryByKey, lockMembers, lotStates } from './ledger.repo.js';
import { isDb, writeMove } from './ledger.write.js';

interface DueLot {
  id: number;
  customerId: number;
  orderId: string | null;
}

async function lotsWhere(tx: Queryable, where: string, params: unknown[], limit: number, order: string): Promise<DueLot[]> {
  const { rows } = await tx.query<{ id: number; customer_id: number; order_id: string | null }>(
    `SELECT l.id, l.customer_id, l.order_id FROM loyalty_lots l WHERE ${where} ORDER BY ${order} LIMIT ${Math.max(1, Math.floor(limit))}`,
    params,
  );
  return rows.map((r) => ({ id: Number(r.id), customerId: Number(r.customer_id), orderId: r.order_id }));
}

const PENDING_LEFT = `(SELECT coalesce(sum(p.amount), 0) FROM loyalty_postings p WHERE p.lot_id = l.id AND p.account = 'pending') > 0`;
const ANY_LEFT = `(SELECT coalesce(sum(p.amount), 0) FROM loyalty_postings p WHERE p.lot_id = l.id AND p.account IN ('available', 'pending')) > 0`;

/** Release one pending lot (the member's lock held): pending −r, available +r on the lot; 1 when written. */
async function releaseLot(tx: Queryable, workspaceId: number, lot: DueLot, at: Date, sourceEvent: string | null): Promise<number> {
  const key = `release:${lot.id}`;
  if (await entryByKey(tx, workspaceId, key)) return 0;
  const [state] = await lotStates(tx, workspaceId, lot.customerId, [lot.id]);
  if (!state || state.pending <= 0) return 0;
  const r = state.pending;
  const written = await writeMove(
    tx,
    {
      workspaceId,
      key,
      kind: 'release',
      customerId: lot.customerId,
      points: r,
      at,
      orderId: lot.orderId,
      sourceEvent,
      postings: [
        { account: 'pending', customerId: lot.customerId, lotId: lot.id, amount: -r },
        { account: 'available', customerId: lot.customerId, lotId: lot.id, amount: r },
      ],
    },
    [{ customerId: lot.customerId, event: TENURE_EV.pointsReleased, props: { order_id: lot.orderId ?? undefined }, fresh: { lotIds: [lot.id] } }],
    lot.customerId,
  );
  return written ? 1 : 0;
}

/** Re-read the lots' owners under the locks: a merge may have moved a lot meanwhile (it is then left to the next batch). */
async function lockOwners(tx: Queryable, workspaceId: number, lots: DueLot[]): Promise<DueLot[]> {
  await lockMembers(
    tx,
    lots.map((l) => l.customerId),
  );
  if (lots.length === 0) return lots;
  const { rows } = await tx.query<{ id: number; customer_id: number }>(`SELECT id, customer_id FROM loyalty_lots WHERE workspace_id = $1 AND id = ANY($2::bigint[])`, [
    workspaceId,
    lots.map((l) => l.id),
  ]);
  const owner = new Map(rows.map((r) => [Number(r.id), Number(r.customer_id)]));
  return lots.filter((l) => owner.get(l.id) === l.customerId);
}

/** Release pending lots whose time has come (pending_until ≤ now), any member: one `release` entry per lot. Returns how many. */
export async function releaseDue(tx: Queryable, workspaceId: number, now: Date, limit = 500): Promise<number> {
  if (isDb(tx)) return tx.transaction((t) => releaseDue(t, workspaceId, now, limit));
  const lots = await lotsWhere(tx, `l.workspace_id = $1 AND l.pending_until <= $2 AND ${PENDING_LEFT}`, [workspaceId, now.toISOString()], limit, 'l.pending_until, l.id');
  let n = 0;
  for (const lot of await lockOwners(tx, workspaceId, lots)) n += await releaseLot(tx, workspaceId, lot, now, null);
  return n;
}

/** Release the member's lots pending on `event` for `orderId` (or any of theirs pending on it, when the lot has no order). */
export async function releaseOnEvent(tx: Queryable, input: { workspaceId: number; customerId: number; event: string; orderId: string | null; at: Date; sourceEvent: string }): Promise<number> {
  if (isDb(tx)) return tx.transaction((t) => releaseOnEvent(t, input));
  const { workspaceId, customerId } = input;
  await lockMembers(tx, [customerId]);
  const lots = await lotsWhere(
    tx,
    `l.workspace_id = $1 AND l.customer_id = $2 AND l.pending_event = $3 AND (l.order_id IS NULL OR l.order_id = $4) AND ${PENDING_LEFT}`,
    [workspaceId, customerId, input.event, input.orderId],
    10_000,
    'l.id',
  );
  let n = 0;
  for (const lot of lots) n += await releaseLot(tx, workspaceId, lot, input.at, input.sourceEvent);
  return n;
}

/**
 * Expire what is left of lots whose expiry has passed (expires_at ≤ now): one `expire` entry per
 * lot, taking its spendable and its still-pending points (available −a, pending −q, expired +a+q).
 * Returns how many.
 */
export async function expireDue(tx: Queryable, workspaceId: number, now: Date, limit = 500): Promise<number> {
  if (isDb(tx)) return tx.transaction((t) => expireDue(t, workspaceId, now, limit));
  const lots = await lotsWhere(tx, `l.workspace_id = $1 AND l.expires_at <= $2 AND ${ANY_LEFT}`, [workspaceId, now.toISOString()], limit, 'l.expires_at, l.id');
  let n = 0;
  for (const lot of await lockOwners(tx, workspaceId, lots)) {
    const key = `expire:${lot.id}`;
    if (await entryByKey(tx, workspaceId, key)) continue;
    const [state] = await lotStates(tx, workspaceId, lot.customerId, [lot.id]);
    const a = Math.max(0, state?.available ?? 0);
    const q = Math.max(0, state?.pending ?? 0);
    if (a + q === 0) continue;
    const written = await writeMove(
      tx,
      {
        workspaceId,
        key,
        kind: 'expire',
        customerId: lot.customerId,
        points: a + q,
        at: now,
        orderId: lot.orderId,
        detail: { lotId: lot.id },
        postings: [
          ...(a > 0 ? [{ account: 'available' as const, customerId: lot.customerId, lotId: lot.id, amount: -a }] : []),
          ...(q > 0 ? [{ account: 'pending' as const, customerId: lot.customerId, lotId: lot.id, amount: -q }] : []),
          { account: 'expired', customerId: null, amount: a + q },
        ],
      },
      [{ customerId: lot.customerId, event: TENURE_EV.pointsExpired, props: { order_id: lot.orderId ?? undefined } }],
      lot.customerId,
    );
    if (written) n++;
  }
  return n;
}
