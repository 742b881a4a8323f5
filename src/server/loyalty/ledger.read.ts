/** Reads of the ledger for the member pages: a member's lots and a page of their entries. */
import type { EntryView, LedgerPage, LotView } from '../../contracts/loyalty.js';
import type { Queryable } from '../db/client.js';

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/**
 * The member's lots with points left (spendable or pending), in the consumption order (the one
 * expiring first first, lots without expiry last). `remaining` counts pending points too;
 * `pending` says the lot is not spendable yet. `all`: lots used up as well.
 */
export async function memberLots(tx: Queryable, workspaceId: number, customerId: number, opts: { all?: boolean } = {}): Promise<LotView[]> {
  const { rows } = await tx.query<{
    id: number;
    points: number;
    available: number;
    pending: number;
    earned_at: Date;
    expires_at: Date | null;
    pending_until: Date | null;
    pending_event: string | null;
    order_id: string | null;
  }>(
    `SELECT l.id, l.points, l.earned_at, l.expires_at, l.pending_until, l.pending_event, l.order_id,
            coalesce(sum(p.amount) FILTER (WHERE p.account = 'available'), 0)::bigint AS available,
            coalesce(sum(p.amount) FILTER (WHERE p.account = 'pending'), 0)::bigint AS pending
       FROM loyalty_lots l JOIN loyalty_postings p ON p.lot_id = l.id
      WHERE l.workspace_id = $1 AND l.customer_id = $2
      GROUP BY l.id
     ${opts.all ? '' : `HAVING sum(p.amount) FILTER (WHERE p.account IN ('available', 'pending')) > 0`}
      ORDER BY l.expires_at ASC NULLS LAST, l.id`,
    [workspaceId, customerId],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    points: Number(r.points),
    remaining: Number(r.available) + Number(r.pending),
    pending: Number(r.pending) > 0,
    earnedAt: iso(r.earned_at)!,
    expiresAt: iso(r.expires_at),
    pendingUntil: iso(r.pending_until),
    pendingEvent: r.pending_event,
    orderId: r.order_id,
  }));
}

/**
 * A page of the member's entries, newest first (those about them and transfers they received),
 * each with its change of the member's balances. `before`: the `nextBefore` of the previous page.
 */
export async function ledgerPage(tx: Queryable, workspaceId: number, customerId: number, page: { before?: number; limit: number }): Promise<LedgerPage> {
  const limit = Math.max(1, Math.min(500, Math.floor(page.limit)));
  const { rows } = await tx.query<{
    id: number;
    kind: EntryView['kind'];
    key: string;
    at: Date;
    available: number;
    pending: number;
    order_id: string | null;
    rule_id: string | null;
    reason: string | null;
    actor: string | null;
    counterparty: string | null;
    detail: Record<string, unknown>;
  }>(
    `SELECT e.id, e.kind, e.idempotency_key AS key, e.at, e.order_id, e.rule->>'id' AS rule_id, e.reason, e.actor, e.detail,
            CASE WHEN e.counterparty_id IS NULL THEN NULL
                 WHEN e.customer_id = $2 THEN coalesce(o.user_id, e.counterparty_id::text)
                 ELSE coalesce(s.user_id, e.customer_id::text) END AS counterparty,
            coalesce((SELECT sum(p.amount) FROM loyalty_postings p WHERE p.entry_id = e.id AND p.customer_id = $2 AND p.account = 'available'), 0)::bigint AS available,
            coalesce((SELECT sum(p.amount) FROM loyalty_postings p WHERE p.entry_id = e.id AND p.customer_id = $2 AND p.account = 'pending'), 0)::bigint AS pending
       FROM loyalty_entries e
       LEFT JOIN customers o ON o.id = e.counterparty_id
       LEFT JOIN customers s ON s.id = e.customer_id
      WHERE e.workspace_id = $1 AND (e.customer_id = $2 OR e.counterparty_id = $2) ${page.before !== undefined ? 'AND e.id < $4' : ''}
      ORDER BY e.id DESC
      LIMIT $3`,
    page.before !== undefined ? [workspaceId, customerId, limit + 1, page.before] : [workspaceId, customerId, limit + 1],
  );
  const entries: EntryView[] = rows.slice(0, limit).map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    key: r.key,
    at: iso(r.at)!,
    available: Number(r.available),
    pending: Number(r.pending),
    orderId: r.order_id,
    ruleId: r.rule_id,
    reason: r.reason,
    actor: r.actor,
    counterparty: r.counterparty,
    detail: r.detail ?? {},
  }));
  return { entries, nextBefore: rows.length > limit ? entries[entries.length - 1]!.id : null };
}
