import type { Queryable } from '../db/client.js';
import { newInboxSecret } from './inbox-verification.js';
import type { Col } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/** A workspace's in-app inbox identity verification: whether it is required, and the signing secret. */
export interface InboxSettings {
  verification: boolean;
  secret: string;
}

/**
 * The workspace's inbox settings, making the secret on first use (workspaces created
 * before it existed have none). Concurrent first uses agree on one secret. Null when the
 * workspace is unknown.
 */
export async function inboxSettings(db: Queryable, workspaceId: number): Promise<InboxSettings | null> {
  const { rows } = await db.query<{ verification: Col<typeof schema.workspaces, 'inbox_verification'>; secret: Col<typeof schema.workspaces, 'inbox_secret'> }>(
    `SELECT inbox_verification AS verification, inbox_secret AS secret FROM workspaces WHERE id = $1`,
    [workspaceId],
  );
  const row = rows[0];
  if (!row) return null;
  if (row.secret !== null) return { verification: row.verification, secret: row.secret };
  const { rows: made } = await db.query<{ verification: Col<typeof schema.workspaces, 'inbox_verification'>; secret: NonNullable<Col<typeof schema.workspaces, 'inbox_secret'>> }>(
    `UPDATE workspaces SET inbox_secret = coalesce(inbox_secret, $2) WHERE id = $1 RETURNING inbox_verification AS verification, inbox_secret AS secret`,
    [workspaceId, newInboxSecret()],
  );
  return made[0] ?? null;
}

/** Switch identity verification on or off; the settings after (null when the workspace is unknown). */
export async function setInboxVerification(db: Queryable, workspaceId: number, verification: boolean): Promise<InboxSettings | null> {
  await db.query(`UPDATE workspaces SET inbox_verification = $2 WHERE id = $1`, [workspaceId, verification]);
  return inboxSettings(db, workspaceId);
}

/** Replace the inbox secret with a new random one: hashes signed with the old one stop working at once. */
export async function rotateInboxSecret(db: Queryable, workspaceId: number): Promise<InboxSettings | null> {
  const { rows } = await db.query<{ verification: Col<typeof schema.workspaces, 'inbox_verification'>; secret: NonNullable<Col<typeof schema.workspaces, 'inbox_secret'>> }>(
    `UPDATE workspaces SET inbox_secret = $2 WHERE id = $1 RETURNING inbox_verification AS verification, inbox_secret AS secret`,
    [workspaceId, newInboxSecret()],
  );
  return rows[0] ?? null;
}
