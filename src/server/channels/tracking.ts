import type { Channel } from '../../contracts/journey.js';
import type { Queryable } from '../db/client.js';
import { writeMessageEvents, type MessageEvent } from './dispatcher.js';
import { makeToken, peekToken, verifyToken, type LinkClaims, type LinkPurpose } from './link-tokens.js';
import { allGroupsKey } from './policy.js';
import { recordConsent, type ConsentProof } from '../privacy/consent-records.js';
import { findLinkSecret } from './settings.repo.js';
import { EV } from '../../contracts/events.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/** Events a customer's reaction to a message writes on their timeline (Segment's email event names). */
export const EMAIL_OPENED = EV.emailOpened;
export const EMAIL_LINK_CLICKED = EV.emailLinkClicked;
export const EMAIL_MARKED_AS_SPAM = EV.emailMarkedAsSpam;
export const UNSUBSCRIBED = EV.unsubscribed;

/** The message a link is about, once its token is verified. */
export interface LinkedMessage {
  claims: LinkClaims;
  channel: Channel;
  groupId: string | null;
  journeyId: string | null;
  templateId: string | null;
  variant: string | null;
  /** For an unsubscribe link: a token for the same message's preference page. */
  preferencesToken?: string;
}

/**
 * Verify a link token for `purpose` with its workspace's secret and find the message
 * (null: malformed, forged, another purpose's, expired, or the message is gone). Reads
 * only: an unknown workspace has no secret, so its tokens are simply invalid.
 */
export async function resolveLink(db: Queryable, token: string, purpose: LinkPurpose, now: Date): Promise<LinkedMessage | null> {
  const peek = peekToken(token);
  if (!peek) return null;
  const secret = await findLinkSecret(db, peek.w);
  if (!secret) return null;
  const nowSec = Math.floor(now.getTime() / 1000);
  const claims = verifyToken(secret, token, purpose, nowSec);
  if (!claims) return null;
  const { rows } = await db.query<RowPick<typeof schema.messages, 'channel' | 'group_id' | 'journey_id' | 'template_id' | 'variant', { channel: Channel }>>(
    `SELECT channel, group_id, journey_id, template_id, variant FROM messages WHERE workspace_id = $1 AND id = $2 AND customer_id = $3`,
    [claims.w, claims.m, claims.c],
  );
  const m = rows[0];
  if (!m) return null;
  const linked: LinkedMessage = { claims, channel: m.channel, groupId: m.group_id, journeyId: m.journey_id, templateId: m.template_id, variant: m.variant };
  if (purpose === 'unsubscribe') linked.preferencesToken = makeToken(secret, 'preferences', { w: claims.w, m: claims.m, c: claims.c }, nowSec);
  return linked;
}

const props = (l: LinkedMessage, extra: Record<string, unknown> = {}) => ({
  messageId: l.claims.m,
  channel: l.channel,
  journeyId: l.journeyId,
  templateId: l.templateId,
  variant: l.variant,
  ...extra,
});

/** The open pixel was loaded: the first open is recorded on the message and the timeline. Returns whether it was the first. */
export async function recordOpen(db: Queryable, l: LinkedMessage, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(`UPDATE messages SET opened_at = $3 WHERE workspace_id = $1 AND id = $2 AND opened_at IS NULL`, [l.claims.w, l.claims.m, now.toISOString()]);
  if (rowCount === 0) return false;
  await writeMessageEvents(db, [{ workspaceId: l.claims.w, customerId: l.claims.c, messageId: l.claims.m, name: EMAIL_OPENED, properties: props(l), type: 'track' }], now);
  return true;
}

/** A tracked link was followed: recorded (a click implies an open), once per message and URL. */
export async function recordClick(db: Queryable, l: LinkedMessage, url: string, now: Date): Promise<void> {
  await db.query(`UPDATE messages SET clicked_at = coalesce(clicked_at, $3), opened_at = coalesce(opened_at, $3) WHERE workspace_id = $1 AND id = $2`, [l.claims.w, l.claims.m, now.toISOString()]);
  await writeMessageEvents(
    db,
    [
      {
        workspaceId: l.claims.w,
        customerId: l.claims.c,
        messageId: l.claims.m,
        name: EMAIL_LINK_CLICKED,
        properties: props(l, { url }),
        type: 'track',
        key: { kind: 'message', message: l.claims.m, what: `click:${url.slice(0, 300)}` },
      },
    ],
    now,
  );
}

/**
 * Set a customer's consent for groups (or `$all:<channel>`) through THE consent writer
 * (privacy/consent-records.ts: the consents row and, for a real change, its proof in
 * consent_records, in one statement); writes `Unsubscribed` / `Subscribed` events for real
 * changes. `proof`: the IP, user agent, the words shown and the actor, as the caller knows them.
 * Returns the keys that changed.
 */
export async function setConsent(
  db: Queryable,
  workspaceId: number,
  customerId: number,
  changes: Array<{ groupId: string; subscribed: boolean }>,
  source: string,
  now: Date,
  messageId?: number,
  proof: Omit<ConsentProof, 'source'> = {},
): Promise<string[]> {
  const context = messageId !== undefined ? { messageId, ...(proof.context ?? {}) } : (proof.context ?? null);
  const done = await recordConsent(
    db,
    workspaceId,
    changes.map((c) => ({ ...proof, context, customerId, groupId: c.groupId, subscribed: c.subscribed, source, at: now })),
  );
  const changed = done.map((d) => d.groupId);
  const events = changes
    .filter((c) => changed.includes(c.groupId))
    .map((c): MessageEvent => ({
      workspaceId,
      customerId,
      messageId: messageId ?? 0,
      name: c.subscribed ? EV.subscribed : UNSUBSCRIBED,
      properties: {
        groupId: c.groupId.startsWith('$all:') ? null : c.groupId,
        channel: c.groupId.startsWith('$all:') ? c.groupId.slice(5) : undefined,
        all: c.groupId.startsWith('$all:'),
        source,
        messageId,
      },
      type: 'track',
      key: { kind: 'consent', customer: customerId, group: c.groupId, ms: now.getTime(), change: c.subscribed ? 'sub' : 'unsub' },
    }));
  await writeMessageEvents(db, events, now);
  return changed;
}

/**
 * One-click unsubscribe from a message's link: from its subscription group, or (a
 * message without one) from everything on its channel.
 */
export async function unsubscribeFromLink(db: Queryable, l: LinkedMessage, now: Date, proof: Omit<ConsentProof, 'source'> = {}): Promise<{ groupId: string }> {
  const groupId = l.groupId ?? allGroupsKey(l.channel);
  await setConsent(db, l.claims.w, l.claims.c, [{ groupId, subscribed: false }], 'unsubscribe_link', now, l.claims.m, proof);
  return { groupId };
}

/** A provider reported a spam complaint: suppress the address and unsubscribe from the channel. */
export async function recordComplaint(db: Queryable, workspaceId: number, messageId: number, now: Date, proof: Omit<ConsentProof, 'source'> = {}): Promise<boolean> {
  const { rows } = await db.query<RowPick<typeof schema.messages, 'customer_id' | 'channel' | 'to_address' | 'journey_id' | 'template_id' | 'variant', { channel: Channel }>>(
    `SELECT customer_id, channel, to_address, journey_id, template_id, variant FROM messages WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, messageId],
  );
  const m = rows[0];
  if (!m) return false;
  if (m.to_address)
    await db.query(`INSERT INTO suppressions (workspace_id, channel, address, reason) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [
      workspaceId,
      m.channel,
      m.to_address,
      `spam complaint about message ${messageId}`,
    ]);
  await setConsent(db, workspaceId, m.customer_id, [{ groupId: allGroupsKey(m.channel), subscribed: false }], 'complaint', now, messageId, proof);
  await writeMessageEvents(
    db,
    [
      {
        workspaceId,
        customerId: m.customer_id,
        messageId,
        name: EMAIL_MARKED_AS_SPAM,
        properties: { messageId, channel: m.channel, journeyId: m.journey_id, templateId: m.template_id },
        type: 'track',
      },
    ],
    now,
  );
  return true;
}

/** A provider reported a bounce after acceptance: mark the message, suppress the address on a hard bounce. */
export async function recordBounce(db: Queryable, workspaceId: number, messageId: number, hard: boolean, reason: string, now: Date): Promise<boolean> {
  const { rows } = await db.query<RowPick<typeof schema.messages, 'customer_id' | 'channel' | 'to_address', { channel: Channel }>>(
    `UPDATE messages SET status = 'bounced', reason_code = $3, reason = $4 WHERE workspace_id = $1 AND id = $2 RETURNING customer_id, channel, to_address`,
    [workspaceId, messageId, hard ? 'bounced' : 'soft_bounce', reason],
  );
  const m = rows[0];
  if (!m) return false;
  if (hard && m.to_address)
    await db.query(`INSERT INTO suppressions (workspace_id, channel, address, reason) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [
      workspaceId,
      m.channel,
      m.to_address,
      `hard bounce of message ${messageId}: ${reason}`,
    ]);
  await writeMessageEvents(db, [{ workspaceId, customerId: m.customer_id, messageId, name: EV.emailBounced, properties: { messageId, hard, reason }, type: 'tenure' }], now);
  return true;
}
