/** Helpdesk webhook deliveries as received (table helpdesk_deliveries). */
import type { HelpdeskDeliveryView } from '../../contracts/support.js';
import type { Queryable } from '../db/client.js';

export type DeliveryStatus = HelpdeskDeliveryView['status'];

/** Record a delivery refused before its payload was trusted (no delivery id, no payload: a forged one must not block the real one). */
export async function recordRejected(db: Queryable, workspaceId: number, connectionId: string, at: Date, code: string, reason: string): Promise<void> {
  await db.query(`INSERT INTO helpdesk_deliveries (workspace_id, connection_id, received_at, status, reason_code, reason) VALUES ($1, $2, $3, 'rejected', $4, $5)`, [
    workspaceId,
    connectionId,
    at.toISOString(),
    code,
    reason.slice(0, 1_000),
  ]);
}

/** Claim a delivery id for this connection: its row id, or null when it was received before (a retry). */
export async function claimDelivery(tx: Queryable, workspaceId: number, connectionId: string, deliveryId: string, at: Date, payload: unknown): Promise<number | null> {
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO helpdesk_deliveries (workspace_id, connection_id, delivery_id, received_at, status, payload) VALUES ($1, $2, $3, $4, 'accepted', $5::jsonb)
     ON CONFLICT (connection_id, delivery_id) DO NOTHING RETURNING id`,
    [workspaceId, connectionId, deliveryId, at.toISOString(), JSON.stringify(payload)],
  );
  return rows[0] ? Number(rows[0].id) : null;
}

/** Set what a claimed delivery came to. */
export async function finishDelivery(
  tx: Queryable,
  id: number,
  r: { status: DeliveryStatus; reasonCode?: string | null; reason?: string | null; events: string[]; customerId: number | null },
): Promise<void> {
  await tx.query(`UPDATE helpdesk_deliveries SET status = $2, reason_code = $3, reason = $4, events = $5::text[], customer_id = $6 WHERE id = $1`, [
    id,
    r.status,
    r.reasonCode ?? null,
    r.reason?.slice(0, 1_000) ?? null,
    r.events,
    r.customerId,
  ]);
}

/** A connection's deliveries, newest first. */
export async function listDeliveries(db: Queryable, workspaceId: number, connectionId: string, limit: number): Promise<HelpdeskDeliveryView[]> {
  const { rows } = await db.query<{
    id: number;
    delivery_id: string | null;
    received_at: Date;
    status: DeliveryStatus;
    reason_code: string | null;
    reason: string | null;
    events: string[];
    customer_id: number | null;
  }>(
    `SELECT id, delivery_id, received_at, status, reason_code, reason, events, customer_id FROM helpdesk_deliveries
      WHERE workspace_id = $1 AND connection_id = $2 ORDER BY id DESC LIMIT $3`,
    [workspaceId, connectionId, limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    deliveryId: r.delivery_id,
    receivedAt: new Date(r.received_at).toISOString(),
    status: r.status,
    reasonCode: r.reason_code,
    reason: r.reason,
    events: r.events,
    customerId: r.customer_id === null ? null : Number(r.customer_id),
  }));
}
