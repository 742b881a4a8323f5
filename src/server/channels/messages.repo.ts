import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Channel } from '../../contracts/journey.js';
import type { MessageStatus, MessageView } from '../../contracts/messaging.js';
import type { Queryable } from '../db/client.js';

/** A message as the outbox lists it (its times as dates). */
export type MessageRow = Omit<z.infer<typeof MessageView>, 'createdAt' | 'sentAt' | 'openedAt' | 'clickedAt'> & { createdAt: Date; sentAt: Date | null; openedAt: Date | null; clickedAt: Date | null };

const MESSAGE_COLS = `id, customer_id AS "customerId", journey_id AS "journeyId", step_id AS "stepId", variant, channel, template_id AS "templateId", status, reason_code AS "reasonCode", reason,
  to_address AS "to", subject, attempts, created_at AS "createdAt", sent_at AS "sentAt", opened_at AS "openedAt", clicked_at AS "clickedAt"`;

export interface MessageFilter {
  status?: z.infer<typeof MessageStatus>;
  channel?: Channel;
  journey?: string;
  /** Messages with a smaller id (paging). */
  before?: number;
  limit: number;
}

/** The workspace's messages, newest first. */
export async function listMessages(db: Queryable, workspaceId: number, f: MessageFilter): Promise<MessageRow[]> {
  const { rows } = await db.query<MessageRow>(
    `SELECT ${MESSAGE_COLS} FROM messages WHERE workspace_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR channel = $3) AND ($4::text IS NULL OR journey_id = $4)
       AND ($5::bigint IS NULL OR id < $5) ORDER BY id DESC LIMIT $6`,
    [workspaceId, f.status ?? null, f.channel ?? null, f.journey ?? null, f.before ?? null, f.limit],
  );
  return rows;
}

/** One message with its rendered content; null when there is none. */
export async function getMessage(db: Queryable, workspaceId: number, id: number): Promise<(MessageRow & { html: string | null; text: string | null }) | null> {
  const { rows } = await db.query<MessageRow & { html: string | null; text: string | null }>(
    `SELECT ${MESSAGE_COLS}, body_html AS html, body_text AS text FROM messages WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, id],
  );
  return rows[0] ?? null;
}

/** The customer's last 500 messages, newest first. */
export async function customerMessages(db: Queryable, workspaceId: number, customerId: number): Promise<MessageRow[]> {
  const { rows } = await db.query<MessageRow>(`SELECT ${MESSAGE_COLS} FROM messages WHERE workspace_id = $1 AND customer_id = $2 ORDER BY created_at DESC, id DESC LIMIT 500`, [
    workspaceId,
    customerId,
  ]);
  return rows;
}

/** Queue a template for one customer as a transactional test send, due now; the message's id. */
export async function queueTestMessage(db: Queryable, workspaceId: number, customerId: number, template: { id: string; channel: Channel }, now: Date): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO messages (workspace_id, customer_id, channel, template_id, transactional, idempotency_key, status, context, next_attempt_at, created_at)
     VALUES ($1, $2, $3, $4, true, $5, 'queued', '{"test":true}', $6, $6) RETURNING id`,
    [workspaceId, customerId, template.channel, template.id, `test:${randomUUID()}`, now.toISOString()],
  );
  return rows[0]!.id;
}
