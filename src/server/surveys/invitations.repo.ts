import type { Queryable } from '../db/client.js';
import type { InvitationStatus, InvitationView } from '../../contracts/surveys.js';

/** The round an invitation outside a broadcast counts in: the calendar quarter (UTC) it was made, e.g. `2026-Q4`. */
export function quarterRound(now: Date): string {
  return `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
}

/** A journey's survey step, to become an invitation. */
export interface StepInvitation {
  workspaceId: number;
  customerId: number;
  journeyId: string;
  runId: number;
  /** The step's idempotency key (the same run, step and visit: the same key). */
  key: string;
  surveyId: string;
  channel: 'email' | 'sms' | 'inapp';
}

/**
 * Record journeys' survey steps as pending invitations, due now, in the caller's transaction
 * (the survey sender decides them). A step naming a survey that does not exist is recorded
 * as skipped with the reason, so the journey's author can see why nothing went. Returns how
 * many were new.
 */
export async function insertStepInvitations(tx: Queryable, list: StepInvitation[], now: Date): Promise<number> {
  if (list.length === 0) return 0;
  const r = await tx.query(
    `INSERT INTO survey_invitations (workspace_id, survey_id, version, type, customer_id, channel, source, journey_id, run_id, round, idempotency_key, status, reason_code, reason, eligible_at, created_at)
     SELECT x.ws, x.survey, coalesce(s.version, 0), coalesce(s.type, 'nps'), x.c, x.ch, 'journey', x.j, x.r, $8, x.k,
            CASE WHEN s.id IS NULL THEN 'skipped' ELSE 'pending' END,
            CASE WHEN s.id IS NULL THEN 'survey_missing' END,
            CASE WHEN s.id IS NULL THEN 'the journey names survey "' || x.survey || '", which does not exist' END,
            CASE WHEN s.id IS NULL THEN NULL ELSE $9::timestamptz END, $9::timestamptz
       FROM unnest($1::int[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[]) AS x(ws, c, j, r, k, survey, ch)
       LEFT JOIN surveys s ON s.workspace_id = x.ws AND s.id = x.survey
     ON CONFLICT (workspace_id, idempotency_key) DO NOTHING`,
    [
      list.map((x) => x.workspaceId),
      list.map((x) => x.customerId),
      list.map((x) => x.journeyId),
      list.map((x) => x.runId),
      list.map((x) => `journey:${x.key}`),
      list.map((x) => x.surveyId),
      list.map((x) => x.channel),
      quarterRound(now),
      now.toISOString(),
    ],
  );
  return r.rowCount;
}

/**
 * Invite every member of a segment (members of the accounts, for an account segment) to
 * the survey's current version as one round; a member invited in this round already is not
 * invited again. Returns how many were invited.
 */
export async function inviteSegment(
  db: Queryable,
  workspaceId: number,
  survey: { id: string; version: number; type: string },
  segmentId: string,
  channel: string,
  round: string,
  now: Date,
): Promise<number> {
  const r = await db.query(
    `WITH seg AS (SELECT scope FROM segments WHERE workspace_id = $1 AND id = $2),
     members AS (
       SELECT m.customer_id AS c FROM segment_members m, seg WHERE seg.scope = 'customer' AND m.workspace_id = $1 AND m.segment_id = $2
       UNION
       SELECT am.customer_id FROM segment_members m JOIN account_members am ON am.account_id = m.customer_id, seg WHERE seg.scope = 'account' AND m.workspace_id = $1 AND m.segment_id = $2)
     INSERT INTO survey_invitations (workspace_id, survey_id, version, type, customer_id, channel, source, round, idempotency_key, status, eligible_at, created_at)
     SELECT $1, $3, $4, $5, c, $6, 'broadcast', $7, 'broadcast:' || $3 || ':' || $7 || ':' || c, 'pending', $8::timestamptz, $8::timestamptz FROM members
     ON CONFLICT (workspace_id, idempotency_key) DO NOTHING`,
    [workspaceId, segmentId, survey.id, survey.version, survey.type, channel, round, now.toISOString()],
  );
  return r.rowCount;
}

/**
 * The invitation behind a customer's own link to the hosted answer page (made by the API,
 * sent by the workspace itself): one per customer, survey version and round, so asking
 * again gives the same link. It counts as sent when made.
 */
export async function linkInvitation(db: Queryable, workspaceId: number, survey: { id: string; version: number; type: string }, customerId: number, now: Date): Promise<number | null> {
  const round = quarterRound(now);
  const key = `link:${survey.id}:${survey.version}:${customerId}:${round}`;
  await db.query(
    `INSERT INTO survey_invitations (workspace_id, survey_id, version, type, customer_id, channel, source, round, idempotency_key, status, created_at, sent_at)
     SELECT $1, $2, $3, $4, c.id, 'link', 'api', $6, $7, 'sent', $8::timestamptz, $8::timestamptz FROM customers c WHERE c.workspace_id = $1 AND c.id = $5
     ON CONFLICT (workspace_id, idempotency_key) DO NOTHING`,
    [workspaceId, survey.id, survey.version, survey.type, customerId, round, key, now.toISOString()],
  );
  const { rows } = await db.query<{ id: number | string }>(`SELECT id FROM survey_invitations WHERE workspace_id = $1 AND idempotency_key = $2`, [workspaceId, key]);
  return rows[0] ? Number(rows[0].id) : null;
}

/** A survey's invitations, newest first (held ones with the reason and until when). */
export async function listInvitations(db: Queryable, workspaceId: number, surveyId: string, f: { status?: InvitationStatus; limit: number }): Promise<InvitationView[]> {
  const { rows } = await db.query<{
    id: string | number;
    survey_id: string;
    version: number;
    customer_id: string | number;
    user_id: string | null;
    channel: string;
    source: string;
    round: string;
    status: InvitationStatus;
    reason_code: string | null;
    reason: string | null;
    eligible_at: Date | null;
    message_id: string | number | null;
    created_at: Date;
    sent_at: Date | null;
  }>(
    `SELECT i.id, i.survey_id, i.version, i.customer_id, c.user_id, i.channel, i.source, i.round, i.status, i.reason_code, i.reason, i.eligible_at, i.message_id, i.created_at, i.sent_at
       FROM survey_invitations i LEFT JOIN customers c ON c.id = i.customer_id
      WHERE i.workspace_id = $1 AND i.survey_id = $2 AND ($3::text IS NULL OR i.status = $3)
      ORDER BY i.id DESC LIMIT $4`,
    [workspaceId, surveyId, f.status ?? null, f.limit],
  );
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
  return rows.map((r) => ({
    id: Number(r.id),
    surveyId: r.survey_id,
    version: r.version,
    customerId: Number(r.customer_id),
    userId: r.user_id,
    channel: r.channel,
    source: r.source,
    round: r.round,
    status: r.status,
    reasonCode: r.reason_code,
    reason: r.reason,
    eligibleAt: iso(r.eligible_at),
    messageId: r.message_id === null ? null : Number(r.message_id),
    createdAt: iso(r.created_at)!,
    sentAt: iso(r.sent_at),
  }));
}
