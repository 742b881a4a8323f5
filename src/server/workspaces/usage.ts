import type { Queryable } from '../db/client.js';

/** What the write key brought in: the workspace's own events (not those Tenure writes) received in the last 24 h / 30 days (none "received" in the future). */
export async function writeKeyUsage(db: Queryable, workspaceId: number, now = new Date()): Promise<{ eventsLast24h: number; eventsLast30d: number; lastReceivedAt: string | null }> {
  const { rows } = await db.query<{ day: string | number; month: string | number; last: Date | null }>(
    `SELECT count(*) FILTER (WHERE received_at > $2::timestamptz - interval '1 day') AS day, count(*) AS month, max(received_at) AS last
       FROM events WHERE workspace_id = $1 AND type <> 'tenure' AND received_at > $2::timestamptz - interval '30 days' AND received_at <= $2::timestamptz + interval '1 minute'`,
    [workspaceId, now.toISOString()],
  );
  const r = rows[0];
  return { eventsLast24h: Number(r?.day ?? 0), eventsLast30d: Number(r?.month ?? 0), lastReceivedAt: r?.last ? new Date(r.last).toISOString() : null };
}
