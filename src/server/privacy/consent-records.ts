import type { Queryable } from '../db/client.js';

/** Where a consent choice came from, and the proof of it. */
export interface ConsentProof {
  /** `preference_page`, `unsubscribe_link`, `admin_api`, `complaint`, `ingested_unsubscribe`, `ingested_complaint`, … */
  source: string;
  ip?: string | null;
  userAgent?: string | null;
  /** The words the person saw when they chose (a form's labels, a link's page), as shown. */
  textShown?: string | null;
  /** Who recorded it when not the person: a user's email or a key's name. */
  actor?: string | null;
  /** Anything else the source had (the message id of a link, the event's messageId). */
  context?: Record<string, unknown> | null;
}

/** One consent choice of one customer for one subscription group (or a channel's `$all:<channel>`). */
export interface ConsentChoice extends ConsentProof {
  customerId: number;
  groupId: string;
  subscribed: boolean;
  at: Date;
}

export interface ConsentChanged {
  customerId: number;
  groupId: string;
  subscribed: boolean;
}

/**
 * THE writer of consents: store each choice in `consents` and, when it changes what was stored
 * (a new group, or the other answer), append its proof to `consent_records` — one statement, so
 * the two commit together or not at all. Every path that changes consent calls this (the
 * preference page, unsubscribe links, the admin API, complaints, other tools' ingested
 * unsubscribes). `onlyIfNewer`: a choice older than the stored one's time is ignored (replayed
 * history never undoes a later re-subscription). The same customer and group twice: the
 * latest wins. Returns the choices that changed something.
 */
export async function recordConsent(tx: Queryable, workspaceId: number, choices: readonly ConsentChoice[], opts: { onlyIfNewer?: boolean } = {}): Promise<ConsentChanged[]> {
  if (choices.length === 0) return [];
  const latest = new Map<string, ConsentChoice>();
  for (const c of choices) {
    const k = `${c.customerId}\u0000${c.groupId}`;
    const prev = latest.get(k);
    if (!prev || prev.at.getTime() <= c.at.getTime()) latest.set(k, c);
  }
  const list = [...latest.values()];
  const col = <T>(f: (c: ConsentChoice) => T) => list.map(f);
  const { rows } = await tx.query<{ customer_id: number | string; group_id: string; subscribed: boolean }>(
    `WITH x AS (
       SELECT * FROM unnest($2::bigint[], $3::text[], $4::boolean[], $5::text[], $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::text[], $11::jsonb[])
         AS u(c, g, sub, src, at, ip, ua, txt, actor, ctx)
     ),
     old AS (
       SELECT k.customer_id, k.group_id, k.subscribed FROM consents k JOIN x ON k.workspace_id = $1 AND k.customer_id = x.c AND k.group_id = x.g
     ),
     up AS (
       INSERT INTO consents (workspace_id, customer_id, group_id, subscribed, source, updated_at)
       SELECT $1, c, g, sub, src, at FROM x
       ON CONFLICT (workspace_id, customer_id, group_id) DO UPDATE SET subscribed = EXCLUDED.subscribed, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at
        WHERE NOT $12::boolean OR consents.updated_at < EXCLUDED.updated_at
       RETURNING customer_id, group_id, subscribed
     )
     INSERT INTO consent_records (workspace_id, customer_id, group_id, subscribed, source, at, ip, user_agent, text_shown, actor, context)
     SELECT $1, x.c, x.g, x.sub, x.src, x.at, x.ip, x.ua, x.txt, x.actor, x.ctx
       FROM up JOIN x ON x.c = up.customer_id AND x.g = up.group_id
       LEFT JOIN old ON old.customer_id = up.customer_id AND old.group_id = up.group_id
      WHERE old.subscribed IS DISTINCT FROM up.subscribed
     RETURNING customer_id, group_id, subscribed`,
    [
      workspaceId,
      col((c) => c.customerId),
      col((c) => c.groupId),
      col((c) => c.subscribed),
      col((c) => c.source),
      col((c) => c.at.toISOString()),
      col((c) => c.ip ?? null),
      col((c) => (c.userAgent ? c.userAgent.slice(0, 1000) : null)),
      col((c) => c.textShown ?? null),
      col((c) => c.actor ?? null),
      col((c) => (c.context ? JSON.stringify(c.context) : null)),
      opts.onlyIfNewer === true,
    ],
  );
  return rows.map((r) => ({ customerId: Number(r.customer_id), groupId: r.group_id, subscribed: r.subscribed }));
}

/** One consent record as the API shows it. */
export interface ConsentRecordRow {
  id: number;
  groupId: string;
  subscribed: boolean;
  source: string;
  at: Date;
  ip: string | null;
  userAgent: string | null;
  textShown: string | null;
  actor: string | null;
}

/** A customer's consent records, newest first (at most `limit`). */
export async function listConsentRecords(db: Queryable, workspaceId: number, customerId: number, limit = 1000): Promise<ConsentRecordRow[]> {
  const { rows } = await db.query<ConsentRecordRow>(
    `SELECT id, group_id AS "groupId", subscribed, source, at, ip, user_agent AS "userAgent", text_shown AS "textShown", actor
       FROM consent_records WHERE workspace_id = $1 AND customer_id = $2 ORDER BY at DESC, id DESC LIMIT $3`,
    [workspaceId, customerId, limit],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/**
 * When profiles merge, the merged-away profile's consent records go to the survivor: copied
 * (the table refuses UPDATE) with `mergedFrom` in their context, then deleted. Run inside the merge.
 */
export async function moveConsentRecords(tx: Queryable, workspaceId: number, fromCustomerId: number, intoCustomerId: number): Promise<void> {
  await tx.query(
    `INSERT INTO consent_records (workspace_id, customer_id, group_id, subscribed, source, at, ip, user_agent, text_shown, actor, context)
     SELECT workspace_id, $3, group_id, subscribed, source, at, ip, user_agent, text_shown, actor, coalesce(context, '{}'::jsonb) || jsonb_build_object('mergedFrom', $2::bigint)
       FROM consent_records WHERE workspace_id = $1 AND customer_id = $2 ORDER BY id`,
    [workspaceId, fromCustomerId, intoCustomerId],
  );
  await tx.query(`DELETE FROM consent_records WHERE workspace_id = $1 AND customer_id = $2`, [workspaceId, fromCustomerId]);
}
