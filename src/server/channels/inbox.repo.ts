import type { Queryable } from '../db/client.js';

/** A delivered in-app message as the customer's inbox shows it. */
export interface InboxMessage {
  id: number;
  title: string | null;
  body: string;
  html: string | null;
  journeyId: string | null;
  createdAt: Date;
  readAt: Date | null;
}

/** The customer's delivered in-app messages not dismissed (only the unread ones with `unreadOnly`), newest first. */
export async function inboxMessages(db: Queryable, workspaceId: number, customerId: number, opts: { unreadOnly: boolean; limit: number }): Promise<InboxMessage[]> {
  const { rows } = await db.query<InboxMessage>(
    `SELECT id, subject AS title, coalesce(body_text, '') AS body, body_html AS html, journey_id AS "journeyId", created_at AS "createdAt", read_at AS "readAt"
       FROM messages WHERE workspace_id = $1 AND customer_id = $2 AND channel = 'inapp' AND status = 'delivered' AND dismissed_at IS NULL
        AND ($3::bool IS NOT TRUE OR read_at IS NULL)
      ORDER BY created_at DESC, id DESC LIMIT $4`,
    [workspaceId, customerId, opts.unreadOnly ? true : null, opts.limit],
  );
  return rows;
}

export async function inboxUnreadCount(db: Queryable, workspaceId: number, customerId: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM messages WHERE workspace_id = $1 AND customer_id = $2 AND channel = 'inapp' AND status = 'delivered' AND dismissed_at IS NULL AND read_at IS NULL`,
    [workspaceId, customerId],
  );
  return rows[0]!.n;
}

/**
 * Mark the customer's in-app message read, or dismiss it (which reads it too). Null when the
 * customer (null: unknown) has no such message; `first` when this call made the change.
 */
export async function markInboxMessage(
  db: Queryable,
  workspaceId: number,
  messageId: number,
  customerId: number | null,
  action: 'read' | 'dismiss',
  now: Date,
): Promise<{ first: boolean; journeyId: string | null } | null> {
  const col = action === 'read' ? 'read_at' : 'dismissed_at';
  const { rows } = await db.query<{ first: boolean; journey_id: string | null }>(
    `UPDATE messages SET ${action === 'read' ? 'read_at = coalesce(read_at, $4)' : 'dismissed_at = coalesce(dismissed_at, $4), read_at = coalesce(read_at, $4)'}
      WHERE workspace_id = $1 AND id = $2 AND customer_id = $3 AND channel = 'inapp'
     RETURNING (${col} = $4::timestamptz) AS first, journey_id`,
    [workspaceId, messageId, customerId, now.toISOString()],
  );
  return rows[0] ? { first: rows[0].first, journeyId: rows[0].journey_id } : null;
}
