/**
 * The ledger's SQL: entries with their postings and new lots, a member's lots and balances,
 * the member lock and the `loyalty_points` score. Everything takes the transaction first.
 */
import type { Queryable } from '../db/client.js';
import { LOCK } from '../db/locks.js';
import type { LotState } from './ledger-core.js';

export type Account = 'available' | 'pending' | 'issued' | 'redeemed' | 'expired' | 'adjusted';
export type Kind = 'earn' | 'release' | 'redeem' | 'expire' | 'adjust' | 'reverse' | 'transfer' | 'settle' | 'cancel';

/** A lot made by an entry, named in its postings by `ref` (its index in `lots`). */
export interface NewLot {
  customerId: number;
  points: number;
  earnedAt: Date;
  expiresAt: Date | null;
  pendingUntil?: Date | null;
  pendingEvent?: string | null;
  orderId?: string | null;
}

/** A posting: on a lot already stored (`lotId`), on a new lot of the entry (`newLot`: its index), or on none. */
export interface PostingSpec {
  account: Account;
  customerId: number | null;
  lotId?: number | null;
  newLot?: number;
  amount: number;
}

export interface EntrySpec {
  workspaceId: number;
  key: string;
  kind: Kind;
  customerId: number;
  counterpartyId?: number | null;
  points: number;
  at: Date;
  orderId?: string | null;
  sourceEvent?: string | null;
  rule?: unknown;
  reverses?: number | null;
  redemptionId?: number | null;
  referralId?: number | null;
  actor?: string | null;
  reason?: string | null;
  detail?: Record<string, unknown>;
  lots?: NewLot[];
  postings: PostingSpec[];
}

/** A stored entry as the ledger reads it back. */
export interface StoredEntry {
  id: number;
  kind: Kind;
  customerId: number;
  counterpartyId: number | null;
  points: number;
  at: Date;
  orderId: string | null;
  rule: Record<string, unknown> | null;
  reverses: number | null;
  redemptionId: number | null;
  detail: Record<string, unknown>;
}

const ENTRY_COLS = `id, kind, customer_id AS "customerId", counterparty_id AS "counterpartyId", points, at, order_id AS "orderId", rule, reverses, redemption_id AS "redemptionId", detail`;

function normEntry(r: StoredEntry): StoredEntry {
  return {
    ...r,
    id: Number(r.id),
    customerId: Number(r.customerId),
    counterpartyId: r.counterpartyId === null ? null : Number(r.counterpartyId),
    points: Number(r.points),
    reverses: r.reverses === null ? null : Number(r.reverses),
    redemptionId: r.redemptionId === null ? null : Number(r.redemptionId),
  };
}

/** Hold the members' ledger locks for the transaction, in id order (no two movers deadlock). */
export async function lockMembers(tx: Queryable, customerIds: readonly number[]): Promise<void> {
  for (const id of [...new Set(customerIds)].sort((a, b) => a - b)) await tx.query(`SELECT pg_advisory_xact_lock($1, $2)`, [LOCK.loyaltyCustomer, id]);
}

/** The entry stored under a key, if any. */
export async function entryByKey(tx: Queryable, workspaceId: number, key: string): Promise<StoredEntry | null> {
  const { rows } = await tx.query<StoredEntry>(`SELECT ${ENTRY_COLS} FROM loyalty_entries WHERE workspace_id = $1 AND idempotency_key = $2`, [workspaceId, key]);
  return rows[0] ? normEntry(rows[0]) : null;
}

export async function entryById(tx: Queryable, workspaceId: number, id: number): Promise<StoredEntry | null> {
  const { rows } = await tx.query<StoredEntry>(`SELECT ${ENTRY_COLS} FROM loyalty_entries WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]);
  return rows[0] ? normEntry(rows[0]) : null;
}

/** Entries of a kind pointing back at one entry (`reverses`): the reversals of an earn, the cancel of a redeem. */
export async function entriesReversing(tx: Queryable, workspaceId: number, entryId: number, kind: Kind): Promise<StoredEntry[]> {
  const { rows } = await tx.query<StoredEntry>(`SELECT ${ENTRY_COLS} FROM loyalty_entries WHERE workspace_id = $1 AND reverses = $2 AND kind = $3 ORDER BY id`, [workspaceId, entryId, kind]);
  return rows.map(normEntry);
}

/** The member's earn entries for an order, oldest first. */
export async function earnsOfOrder(tx: Queryable, workspaceId: number, customerId: number, orderId: string): Promise<StoredEntry[]> {
  const { rows } = await tx.query<StoredEntry>(`SELECT ${ENTRY_COLS} FROM loyalty_entries WHERE workspace_id = $1 AND order_id = $2 AND customer_id = $3 AND kind = 'earn' ORDER BY id`, [
    workspaceId,
    orderId,
    customerId,
  ]);
  return rows.map(normEntry);
}

/**
 * Store an entry, its new lots and its postings. Returns null when the key is taken (another
 * transaction stored it first). Throws when the postings do not sum to zero: a bug.
 */
export async function insertEntry(tx: Queryable, e: EntrySpec): Promise<{ entryId: number; lotIds: number[] } | null> {
  const sum = e.postings.reduce((s, p) => s + p.amount, 0);
  // A refund too small to reverse a point is still recorded (0 points, no postings): the next refund adds to it.
  if (sum !== 0 || (e.postings.length === 0 && e.points !== 0)) throw new Error(`loyalty entry ${e.key}: postings sum to ${sum}`);
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO loyalty_entries (workspace_id, idempotency_key, kind, customer_id, counterparty_id, points, at, order_id, source_event, rule, reverses, redemption_id, referral_id, actor, reason, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $14, $15, $16::jsonb)
     ON CONFLICT (workspace_id, idempotency_key) DO NOTHING RETURNING id`,
    [
      e.workspaceId,
      e.key,
      e.kind,
      e.customerId,
      e.counterpartyId ?? null,
      e.points,
      e.at.toISOString(),
      e.orderId ?? null,
      e.sourceEvent ?? null,
      e.rule === undefined || e.rule === null ? null : JSON.stringify(e.rule),
      e.reverses ?? null,
      e.redemptionId ?? null,
      e.referralId ?? null,
      e.actor ?? null,
      e.reason ?? null,
      JSON.stringify(e.detail ?? {}),
    ],
  );
  if (!rows[0]) return null;
  const entryId = Number(rows[0].id);
  const lots = e.lots ?? [];
  let lotIds: number[] = [];
  if (lots.length > 0) {
    const r = await tx.query<{ id: number }>(
      `INSERT INTO loyalty_lots (workspace_id, customer_id, entry_id, points, earned_at, expires_at, pending_until, pending_event, order_id)
       SELECT $1, x.c, $2, x.p, x.earned, x.exp, x.pu, x.pe, x.o
         FROM unnest($3::bigint[], $4::bigint[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[]) WITH ORDINALITY AS x(c, p, earned, exp, pu, pe, o, n)
        ORDER BY x.n
       RETURNING id`,
      [
        e.workspaceId,
        entryId,
        lots.map((l) => l.customerId),
        lots.map((l) => l.points),
        lots.map((l) => l.earnedAt.toISOString()),
        lots.map((l) => l.expiresAt?.toISOString() ?? null),
        lots.map((l) => l.pendingUntil?.toISOString() ?? null),
        lots.map((l) => l.pendingEvent ?? null),
        lots.map((l) => l.orderId ?? null),
      ],
    );
    // RETURNING follows the insertion order of a single-row-source INSERT … SELECT … ORDER BY;
    // ids come from one sequence, so sorting them restores it for certain.
    lotIds = r.rows.map((x) => Number(x.id)).sort((a, b) => a - b);
  }
  if (e.postings.length === 0) return { entryId, lotIds };
  await tx.query(
    `INSERT INTO loyalty_postings (entry_id, workspace_id, account, customer_id, lot_id, amount)
     SELECT $1, $2, x.a, x.c, x.l, x.amt FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::bigint[]) AS x(a, c, l, amt)`,
    [
      entryId,
      e.workspaceId,
      e.postings.map((p) => p.account),
      e.postings.map((p) => p.customerId),
      e.postings.map((p) => (p.newLot !== undefined ? lotIds[p.newLot]! : (p.lotId ?? null))),
      e.postings.map((p) => p.amount),
    ],
  );
  return { entryId, lotIds };
}

/** The member's lots with anything left (spendable or pending), or only `lotIds`. */
export async function lotStates(tx: Queryable, workspaceId: number, customerId: number, lotIds?: readonly number[]): Promise<LotState[]> {
  const { rows } = await tx.query<{ id: number; available: number; pending: number; expires_at: Date | null; order_id: string | null }>(
    `SELECT l.id, l.expires_at, l.order_id,
            coalesce(sum(p.amount) FILTER (WHERE p.account = 'available'), 0)::bigint AS available,
            coalesce(sum(p.amount) FILTER (WHERE p.account = 'pending'), 0)::bigint AS pending
       FROM loyalty_lots l JOIN loyalty_postings p ON p.lot_id = l.id
      WHERE l.workspace_id = $1 AND l.customer_id = $2 ${lotIds ? 'AND l.id = ANY($3::bigint[])' : ''}
      GROUP BY l.id
     ${lotIds ? '' : `HAVING sum(p.amount) FILTER (WHERE p.account IN ('available', 'pending')) <> 0`}
      ORDER BY l.id`,
    lotIds ? [workspaceId, customerId, lotIds] : [workspaceId, customerId],
  );
  return rows.map((r) => ({ id: Number(r.id), available: Number(r.available), pending: Number(r.pending), expiresAt: r.expires_at ? new Date(r.expires_at) : null, orderId: r.order_id }));
}

/** The member's balances: Σ `available` and `pending` postings, and the debt (minus the lot-less `available` postings). */
export async function memberSums(tx: Queryable, workspaceId: number, customerId: number): Promise<{ available: number; pending: number; debt: number }> {
  const { rows } = await tx.query<{ available: number; pending: number; unlotted: number }>(
    `SELECT coalesce(sum(amount) FILTER (WHERE account = 'available'), 0)::bigint AS available,
            coalesce(sum(amount) FILTER (WHERE account = 'pending'), 0)::bigint AS pending,
            coalesce(sum(amount) FILTER (WHERE account = 'available' AND lot_id IS NULL), 0)::bigint AS unlotted
       FROM loyalty_postings WHERE workspace_id = $1 AND customer_id = $2`,
    [workspaceId, customerId],
  );
  const r = rows[0]!;
  return { available: Number(r.available), pending: Number(r.pending), debt: -Number(r.unlotted) };
}

/** One entry's change of a member's balances. */
export async function entryChange(tx: Queryable, entryId: number, customerId: number): Promise<{ available: number; pending: number }> {
  const { rows } = await tx.query<{ available: number; pending: number }>(
    `SELECT coalesce(sum(amount) FILTER (WHERE account = 'available'), 0)::bigint AS available,
            coalesce(sum(amount) FILTER (WHERE account = 'pending'), 0)::bigint AS pending
       FROM loyalty_postings WHERE entry_id = $1 AND customer_id = $2`,
    [entryId, customerId],
  );
  return { available: Number(rows[0]!.available), pending: Number(rows[0]!.pending) };
}

/** Keep the `loyalty_points` score (read by the rule language's `score` leaves) equal to the balance. */
export async function saveScore(tx: Queryable, workspaceId: number, customerId: number, available: number, at: Date): Promise<void> {
  await tx.query(
    `INSERT INTO customer_scores (workspace_id, customer_id, name, value, computed_at) VALUES ($1, $2, 'loyalty_points', to_jsonb($3::bigint), $4)
     ON CONFLICT (customer_id, name) DO UPDATE SET value = EXCLUDED.value, computed_at = EXCLUDED.computed_at, workspace_id = EXCLUDED.workspace_id`,
    [workspaceId, customerId, available, at.toISOString()],
  );
}

/** The programme's default expiry in days (settings.expiresAfterDays; null: never; no programme: 365). */
export async function defaultExpiryDays(tx: Queryable, workspaceId: number): Promise<number | null> {
  const { rows } = await tx.query<{ settings: Record<string, unknown> }>(`SELECT settings FROM loyalty_programmes WHERE workspace_id = $1`, [workspaceId]);
  if (!rows[0]) return 365;
  const d = rows[0].settings?.expiresAfterDays;
  if (d === null) return null;
  return typeof d === 'number' && d > 0 ? d : 365;
}

/** A member's userId for the other side of a transfer (their customer id when they have none). */
export async function customerLabel(tx: Queryable, customerId: number): Promise<string> {
  const { rows } = await tx.query<{ user_id: string | null }>(`SELECT user_id FROM customers WHERE id = $1`, [customerId]);
  return rows[0]?.user_id ?? String(customerId);
}

/** The lot an entry made (an earn's). */
export async function lotOfEntry(tx: Queryable, entryId: number): Promise<number | null> {
  const { rows } = await tx.query<{ id: number }>(`SELECT id FROM loyalty_lots WHERE entry_id = $1 ORDER BY id LIMIT 1`, [entryId]);
  return rows[0] ? Number(rows[0].id) : null;
}
