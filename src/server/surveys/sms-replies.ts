import type { Db } from '../db/client.js';
import { recordAnswer, recordComment, linkForInvitation } from './answers.js';
import { followUpFor, thankYouFor } from './survey-render.js';

/**
 * A customer's SMS reply to a survey sent by SMS: a number answers the customer's latest
 * unanswered SMS survey of the last 14 days (text after the number is its comment); a text
 * without a number, within a day of their answer, is the comment. Matched by the phone
 * number's digits against the customers' `phone` / `phone_number` traits. Returns what to
 * text back (null: nothing).
 */
export async function recordSmsReply(
  db: Db,
  workspaceId: number,
  from: string,
  body: string,
  now: Date,
): Promise<{ outcome: 'answered' | 'commented' | 'duplicate' | 'invalid' | 'unmatched'; reply: string | null; customerId: number | null }> {
  const digits = from.replace(/\D/g, '');
  if (digits.length < 6) return { outcome: 'unmatched', reply: null, customerId: null };
  const { rows } = await db.query<{ id: string | number; customer_id: string | number; status: string; responded_at: Date | null }>(
    `SELECT i.id, i.customer_id, i.status, r.responded_at
       FROM survey_invitations i JOIN customers c ON c.id = i.customer_id
       LEFT JOIN survey_responses r ON r.invitation_id = i.id
      WHERE i.workspace_id = $1 AND i.channel = 'sms' AND i.sent_at > $3
        AND (regexp_replace(coalesce(c.traits->>'phone', ''), '\\D', '', 'g') = $2 OR regexp_replace(coalesce(c.traits->>'phone_number', ''), '\\D', '', 'g') = $2)
      ORDER BY i.sent_at DESC, i.id DESC LIMIT 1`,
    [workspaceId, digits, new Date(now.getTime() - 14 * 86_400_000).toISOString()],
  );
  const inv = rows[0];
  if (!inv) return { outcome: 'unmatched', reply: null, customerId: null };
  const customerId = Number(inv.customer_id);
  const link = await linkForInvitation(db, workspaceId, Number(inv.id), customerId);
  if (!link) return { outcome: 'unmatched', reply: null, customerId: null };
  const text = body.trim().slice(0, 5000);
  const m = /^(\d{1,2})(?:\s*[-–:.,]?\s*([\s\S]*))?$/.exec(text);
  if (link.response) {
    // Answered already: a text is the comment (within a day); another number changes nothing.
    if (!m && text !== '' && inv.responded_at && now.getTime() - new Date(inv.responded_at).getTime() < 86_400_000) {
      const c = await recordComment(db, link, text, now);
      return { outcome: c.ok ? 'commented' : 'invalid', reply: c.ok ? thankYouFor(link.definition, link.response.score) : null, customerId };
    }
    return { outcome: 'duplicate', reply: null, customerId };
  }
  if (!m) return { outcome: 'invalid', reply: null, customerId };
  const score = Number(m[1]);
  const comment = m[2]?.trim() || undefined;
  const done = await recordAnswer(db, link, { score, ...(comment ? { comment } : {}) }, now);
  if (!done.ok) return { outcome: 'invalid', reply: done.code === 'validation_failed' ? done.message : null, customerId };
  const follow = comment ? null : followUpFor(link.definition, score);
  return { outcome: 'answered', reply: follow ?? thankYouFor(link.definition, score), customerId };
}
