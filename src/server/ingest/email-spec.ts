import type { Queryable } from '../db/client.js';
import { EV } from '../../contracts/events.js';
import { recordConsent, type ConsentChoice } from '../privacy/consent-records.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/**
 * Segment's email-spec events from another tool (an ESP's history, a source forwarding
 * its webhooks) change what Tenure may send, as Tenure's own do: `Unsubscribed` withdraws
 * consent, `Email Marked as Spam` suppresses the address and unsubscribes from the
 * channel, `Email Bounced` suppresses the address unless the bounce is marked soft. So an
 * existing customer base's unsubscribes are honoured from the first day.
 */
export const EMAIL_SPEC_EVENTS: ReadonlySet<string> = new Set([EV.unsubscribed, EV.emailMarkedAsSpam, EV.emailBounced]);

/** One such event, resolved to its customer. */
export interface EmailSpecEvent {
  customerId: number;
  event: string;
  timestamp: Date;
  properties: Record<string, unknown>;
  /** The address from the call's context.traits, if any (else the property, else the profile's trait). */
  contextEmail?: string | null;
  /** The call's context.ip, context.userAgent and messageId: kept as the consent change's proof. */
  ip?: string | null;
  userAgent?: string | null;
  messageId?: string | null;
}

const SOFT = new Set(['soft', 'transient', 'temporary', 'soft_bounce', 'softbounce']);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/** What the event says about where the choice was made (its context and messageId). */
function proofOf(e: EmailSpecEvent): Pick<ConsentChoice, 'ip' | 'userAgent' | 'context' | 'textShown'> {
  return { ip: e.ip ?? null, userAgent: e.userAgent ?? null, textShown: null, context: { event: e.event, ...(e.messageId ? { messageId: e.messageId } : {}) } };
}

/** The channel an event is about: `sms` when it says so, else email. */
function channelOf(p: Record<string, unknown>): 'email' | 'sms' {
  return str(p.channel)?.toLowerCase() === 'sms' ? 'sms' : 'email';
}

/** Whether a bounce is marked soft (bounce_type, bounceType or type). */
function isSoft(p: Record<string, unknown>): boolean {
  const t = str(p.bounce_type) ?? str(p.bounceType) ?? str(p.type);
  return t !== null && SOFT.has(t.toLowerCase());
}

/**
 * Apply these events' consent and suppression changes inside the caller's transaction.
 * `Unsubscribed` names a list (`list_id`, `listId` or `list`): a subscription group of that
 * id when the workspace has one, otherwise the whole channel (`$all:email`) — unknown lists
 * are another tool's, and the safe reading is that the person wants no marketing email. A
 * consent is only changed by an event newer than the consent's last change, so replayed
 * history never undoes a later re-subscription. Addresses are stored lower-cased.
 */
export async function applyEmailSpecEvents(tx: Queryable, workspaceId: number, events: readonly EmailSpecEvent[]): Promise<void> {
  if (events.length === 0) return;
  const { rows: groups } = await tx.query<RowPick<typeof schema.subscriptionGroups, 'id' | 'channel'>>(`SELECT id, channel FROM subscription_groups WHERE workspace_id = $1`, [workspaceId]);
  const known = new Map(groups.map((g) => [g.id, g.channel]));
  const needAddress = [...new Set(events.filter((e) => e.event !== EV.unsubscribed).map((e) => e.customerId))];
  const stored = new Map<number, string>();
  if (needAddress.length > 0) {
    const { rows } = await tx.query<RowPick<typeof schema.customers, 'id'> & { email: string | null; phone: string | null }>(
      `SELECT id, traits ->> 'email' AS email, traits ->> 'phone' AS phone FROM customers WHERE workspace_id = $1 AND id = ANY($2::bigint[])`,
      [workspaceId, needAddress],
    );
    for (const r of rows) if (r.email) stored.set(Number(r.id), r.email);
  }
  const consents: ConsentChoice[] = [];
  const suppress: Array<[string, string, string]> = []; // channel, address, reason
  for (const e of events) {
    const p = e.properties;
    const channel = channelOf(p);
    const at = e.timestamp.toISOString();
    if (e.event === EV.unsubscribed) {
      const list = str(p.list_id) ?? str(p.listId) ?? str(p.list);
      const group = list !== null && known.has(list) ? list : `$all:${channel}`;
      consents.push({ ...proofOf(e), customerId: e.customerId, groupId: group, subscribed: false, source: 'ingested_unsubscribe', at: e.timestamp });
      continue;
    }
    const address = (str(p.email) ?? str(p.email_address) ?? str(e.contextEmail) ?? stored.get(e.customerId) ?? '').toLowerCase();
    if (e.event === EV.emailMarkedAsSpam) {
      consents.push({ ...proofOf(e), customerId: e.customerId, groupId: '$all:email', subscribed: false, source: 'ingested_complaint', at: e.timestamp });
      if (address) suppress.push(['email', address, `spam complaint reported on ${at.slice(0, 10)} (ingested)`]);
    } else if (e.event === EV.emailBounced && !isSoft(p) && address) {
      suppress.push(['email', address, `hard bounce reported on ${at.slice(0, 10)} (ingested)`]);
    }
  }
  // Through THE consent writer: the consents row and its proof together; an older event never undoes a newer choice.
  await recordConsent(tx, workspaceId, consents, { onlyIfNewer: true });
  if (suppress.length > 0) {
    await tx.query(
      `INSERT INTO suppressions (workspace_id, channel, address, reason)
       SELECT DISTINCT ON (ch, a) $1, ch, a, r FROM unnest($2::text[], $3::text[], $4::text[]) AS u(ch, a, r) ORDER BY ch, a
       ON CONFLICT DO NOTHING`,
      [workspaceId, suppress.map((s) => s[0]), suppress.map((s) => s[1]), suppress.map((s) => s[2])],
    );
  }
}

/**
 * Apply every stored email-spec event of a workspace (for data loaded around ingestion,
 * such as the demo's bulk load), oldest first, in pages; returns how many it read.
 */
export async function applyStoredEmailSpecEvents(db: Queryable, workspaceId: number): Promise<number> {
  let after = 0;
  let read = 0;
  for (;;) {
    const { rows } = await db.query<RowPick<typeof schema.events, 'id' | 'customer_id' | 'event' | 'timestamp' | 'properties', { event: string; properties: Record<string, unknown> }>>(
      `SELECT id, customer_id, event, timestamp, properties FROM events
        WHERE workspace_id = $1 AND type = 'track' AND event = ANY($2::text[]) AND id > $3 ORDER BY id LIMIT 5000`,
      [workspaceId, [...EMAIL_SPEC_EVENTS], after],
    );
    if (rows.length === 0) return read;
    await applyEmailSpecEvents(
      db,
      workspaceId,
      rows.map((r) => ({ customerId: Number(r.customer_id), event: r.event, timestamp: r.timestamp, properties: r.properties })),
    );
    read += rows.length;
    after = Number(rows[rows.length - 1]!.id);
  }
}
