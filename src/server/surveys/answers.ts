import type { Db, Queryable } from '../db/client.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import { findLinkSecret } from '../channels/settings.repo.js';
import { writeTimeline } from '../timeline/timeline-writer.js';
import { EV } from '../../contracts/events.js';
import { bandOf, scaleOf, sentimentOf, type ResponseView, type Sentiment, type SurveyDefinition, type SurveyStatus, type SurveyType } from '../../contracts/surveys.js';
import { peekSurveyToken, verifySurveyToken, type SurveyClaims } from './survey-tokens.js';
import { surveyVersion } from './surveys.repo.js';

/**
 * Answers: a score recorded once per invitation (the first answer wins; a second click, a
 * retried POST or a scanner's request after it returns the same response and writes
 * nothing), the follow-up comment on the same response, a dismissal. Each is an event on
 * the customer's timeline, written in the same transaction with the stage and segment work
 * it causes, so segments, stages, health, journeys and the KPIs react with no other
 * plumbing: `Survey Responded` (type, score, band, survey, channel, round), `Survey
 * Commented`, `Survey Dismissed`. A negative answer opens a follow-up task (at most one open
 * per customer, or account, and reason).
 */

/** The invitation a survey link is about, with the survey version it was sent with and its answer so far. */
export interface LinkedInvitation {
  claims: SurveyClaims;
  invitationId: number;
  workspaceId: number;
  customerId: number;
  surveyId: string;
  surveyName: string;
  surveyStatus: SurveyStatus;
  version: number;
  type: SurveyType;
  channel: string;
  round: string;
  status: string;
  definition: SurveyDefinition;
  response: ResponseView | null;
}

interface InvitationRow {
  id: string | number;
  workspace_id: number;
  customer_id: string | number;
  survey_id: string;
  version: number;
  type: SurveyType;
  channel: string;
  round: string;
  status: string;
}

/** Verify a survey link's token and load its invitation (null: malformed, forged, expired, or the invitation is gone). Reads only. */
export async function resolveSurveyLink(db: Queryable, token: string, now: Date): Promise<LinkedInvitation | null> {
  const peek = peekSurveyToken(token);
  if (!peek) return null;
  const secret = await findLinkSecret(db, peek.w);
  if (!secret) return null;
  const claims = verifySurveyToken(secret, token, Math.floor(now.getTime() / 1000));
  if (!claims) return null;
  return loadInvitation(db, claims);
}

/** The invitation of a known id as a link would show it (for answers that come without a token: an SMS reply). */
export async function linkForInvitation(db: Queryable, workspaceId: number, invitationId: number, customerId: number): Promise<LinkedInvitation | null> {
  return loadInvitation(db, { w: workspaceId, i: invitationId, c: customerId, e: 0 });
}

async function loadInvitation(db: Queryable, claims: SurveyClaims, lock = false): Promise<LinkedInvitation | null> {
  const { rows } = await db.query<InvitationRow>(
    `SELECT id, workspace_id, customer_id, survey_id, version, type, channel, round, status FROM survey_invitations WHERE workspace_id = $1 AND id = $2 AND customer_id = $3${lock ? ' FOR UPDATE' : ''}`,
    [claims.w, claims.i, claims.c],
  );
  const r = rows[0];
  if (!r) return null;
  const v = await surveyVersion(db, r.workspace_id, r.survey_id, r.version);
  if (!v) return null;
  return {
    claims,
    invitationId: Number(r.id),
    workspaceId: r.workspace_id,
    customerId: Number(r.customer_id),
    surveyId: r.survey_id,
    surveyName: v.name,
    surveyStatus: v.status,
    version: r.version,
    type: r.type,
    channel: r.channel,
    round: r.round,
    status: r.status,
    definition: v.definition,
    response: await responseOf(db, Number(r.id)),
  };
}

interface ResponseRow {
  id: string | number;
  survey_id: string;
  version: number;
  type: SurveyType;
  customer_id: string | number;
  user_id: string | null;
  account_id: string | number | null;
  channel: string;
  round: string;
  score: number;
  band: string;
  sentiment: Sentiment;
  comment: string | null;
  responded_at: Date | string;
}

/** A response as the API shows it. */
export function responseView(r: ResponseRow): ResponseView {
  return {
    id: Number(r.id),
    surveyId: r.survey_id,
    version: r.version,
    type: r.type,
    customerId: Number(r.customer_id),
    userId: r.user_id,
    accountId: r.account_id === null ? null : Number(r.account_id),
    channel: r.channel,
    round: r.round,
    score: Number(r.score),
    band: r.band,
    sentiment: r.sentiment,
    comment: r.comment,
    respondedAt: new Date(r.responded_at).toISOString(),
  };
}

async function responseOf(db: Queryable, invitationId: number): Promise<ResponseView | null> {
  const { rows } = await db.query<ResponseRow>(
    `SELECT r.id, r.survey_id, r.version, r.type, r.customer_id, c.user_id, r.account_id, r.channel, r.round, r.score, r.band, r.sentiment, r.comment, r.responded_at
       FROM survey_responses r LEFT JOIN customers c ON c.id = r.customer_id WHERE r.invitation_id = $1`,
    [invitationId],
  );
  return rows[0] ? responseView(rows[0]) : null;
}

export type AnswerFailure = Failure<'validation_failed'> | Failure<'not_found'> | Failure<'conflict'>;

/**
 * Record a score (and a comment, when the answer comes with one) for the invitation of a
 * verified link. `created` is false when the invitation was answered before: that answer is
 * returned unchanged. `customers` names whose timeline got an event (for the change bus).
 */
export async function recordAnswer(
  db: Db,
  link: LinkedInvitation,
  answer: { score: number; comment?: string },
  now: Date,
): Promise<Result<{ response: ResponseView; created: boolean }, AnswerFailure>> {
  return db.transaction(async (tx) => {
    const inv = await loadInvitation(tx, link.claims, true);
    if (!inv) return fail('not_found', 'this survey link is no longer valid');
    if (inv.response) return ok({ response: inv.response, created: false });
    if (inv.surveyStatus === 'archived') return fail('conflict', 'this survey has closed');
    const scale = scaleOf(inv.definition);
    if (!Number.isInteger(answer.score) || answer.score < scale.min || answer.score > scale.max) return fail('validation_failed', `the score must be a whole number from ${scale.min} to ${scale.max}`);
    const sentiment = sentimentOf(inv.type, scale, answer.score);
    const band = bandOf(inv.type, scale, answer.score);
    const comment = answer.comment?.trim() ? answer.comment.trim() : null;
    const { rows: acct } = await tx.query<{ account_id: string | number }>(
      `SELECT account_id FROM account_members WHERE workspace_id = $1 AND customer_id = $2 ORDER BY joined_at, account_id LIMIT 1`,
      [inv.workspaceId, inv.customerId],
    );
    const accountId = acct[0] ? Number(acct[0].account_id) : null;
    const { rows } = await tx.query<{ id: string | number }>(
      `INSERT INTO survey_responses (workspace_id, invitation_id, survey_id, version, type, customer_id, account_id, channel, round, score, band, sentiment, comment, commented_at, responded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, CASE WHEN $13::text IS NULL THEN NULL ELSE $14::timestamptz END, $14::timestamptz) RETURNING id`,
      [inv.workspaceId, inv.invitationId, inv.surveyId, inv.version, inv.type, inv.customerId, accountId, inv.channel, inv.round, answer.score, band, sentiment, comment, now.toISOString()],
    );
    const responseId = Number(rows[0]!.id);
    await tx.query(`UPDATE survey_invitations SET status = 'answered', answered_at = $2, sent_at = coalesce(sent_at, $2) WHERE id = $1`, [inv.invitationId, now.toISOString()]);
    await writeTimeline(
      tx,
      [
        {
          workspaceId: inv.workspaceId,
          customerId: inv.customerId,
          event: EV.surveyResponded,
          properties: {
            type: inv.type,
            score: answer.score,
            band,
            sentiment,
            survey_id: inv.surveyId,
            survey_name: inv.surveyName,
            survey_version: inv.version,
            response_id: responseId,
            invitation_id: inv.invitationId,
            channel: inv.channel,
            round: inv.round,
            scale_min: scale.min,
            scale_max: scale.max,
            ...(comment ? { comment } : {}),
          },
          at: now,
          key: { kind: 'survey', invitation: inv.invitationId, what: 'responded' },
          type: 'track',
        },
      ],
      { derivedWork: ['stage', 'segment'] },
    );
    if (sentiment === 'negative') await openFollowUpTask(tx, inv, { responseId, score: answer.score, band, comment, accountId }, now);
    return ok({ response: (await responseOf(tx, inv.invitationId))!, created: true });
  });
}

/** The follow-up task of a negative answer: none when one is open for the same subject already (the partial unique index keeps it to one). */
async function openFollowUpTask(
  tx: Queryable,
  inv: LinkedInvitation,
  a: { responseId: number; score: number; band: string; comment: string | null; accountId: number | null },
  now: Date,
): Promise<void> {
  const t = inv.definition.followUpTask;
  if (!t.enabled) return;
  const subject = t.per === 'account' && a.accountId !== null ? `account:${a.accountId}` : `customer:${inv.customerId}`;
  const note = `${inv.surveyName}: ${a.score} (${a.band})${a.comment ? ` — “${a.comment}”` : ''}`;
  await tx.query(
    `INSERT INTO tasks (workspace_id, customer_id, journey_id, idempotency_key, title, note, assignee_role, due_at, created_at, reason, subject_key, response_id)
     VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, 'survey:negative', $9, $10) ON CONFLICT DO NOTHING`,
    [
      inv.workspaceId,
      inv.customerId,
      `survey-response:${a.responseId}`,
      t.title,
      note,
      t.assigneeRole,
      new Date(now.getTime() + t.dueHours * 3_600_000).toISOString(),
      now.toISOString(),
      subject,
      a.responseId,
    ],
  );
}

/** The follow-up text, on the response the score made (`not_found` before a score; a later comment replaces an earlier one). */
export async function recordComment(db: Db, link: LinkedInvitation, comment: string, now: Date): Promise<Result<ResponseView, AnswerFailure>> {
  return db.transaction(async (tx) => {
    const inv = await loadInvitation(tx, link.claims, true);
    if (!inv?.response) return fail('not_found', 'answer the question first');
    const text = comment.trim();
    if (text === '') return fail('validation_failed', 'the comment is empty');
    await tx.query(`UPDATE survey_responses SET comment = $2, commented_at = $3 WHERE id = $1`, [inv.response.id, text, now.toISOString()]);
    // Each distinct comment is an event (the same text posted twice is one).
    const digest = Buffer.from(text).toString('base64url').slice(0, 24);
    await writeTimeline(
      tx,
      [
        {
          workspaceId: inv.workspaceId,
          customerId: inv.customerId,
          event: EV.surveyCommented,
          properties: { survey_id: inv.surveyId, invitation_id: inv.invitationId, response_id: inv.response.id, type: inv.type, band: inv.response.band, comment: text, channel: inv.channel },
          at: now,
          key: { kind: 'survey', invitation: inv.invitationId, what: `commented:${text.length}:${digest}` },
          type: 'track',
        },
      ],
      { derivedWork: ['stage', 'segment'] },
    );
    await tx.query(`UPDATE tasks SET note = note || $2 WHERE response_id = $1 AND status = 'open' AND position($2 in coalesce(note, '')) = 0`, [inv.response.id, ` — “${text}”`]);
    return ok((await responseOf(tx, inv.invitationId))!);
  });
}

/** An in-app survey closed unanswered: recorded apart from the answers (not in any score). Returns whether it changed anything. */
export async function recordDismissal(db: Db, link: LinkedInvitation, now: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rowCount } = await tx.query(`UPDATE survey_invitations SET status = 'dismissed', answered_at = $2 WHERE id = $1 AND status = 'sent'`, [link.invitationId, now.toISOString()]);
    if (rowCount === 0) return false;
    await writeTimeline(tx, [
      {
        workspaceId: link.workspaceId,
        customerId: link.customerId,
        event: EV.surveyDismissed,
        properties: { survey_id: link.surveyId, invitation_id: link.invitationId, type: link.type, channel: link.channel },
        at: now,
        key: { kind: 'survey', invitation: link.invitationId, what: 'dismissed' },
        type: 'track',
      },
    ]);
    return true;
  });
}
