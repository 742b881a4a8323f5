import type { z } from 'zod';
import type { FollowUpItem, FollowUpQuery, ResponseList, ResponsesQuery } from '../../contracts/survey-results.js';
import type { ResponseView } from '../../contracts/surveys.js';
import type { Queryable } from '../db/client.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';
import { fail, ok, type Result } from '../lib/result.js';
import { findSurvey, NEGATIVE_REASON } from './results.repo.js';

/** The columns of a ResponseView, from `survey_responses r` joined to `customers c`. */
const RESPONSE_COLS = `r.id, r.survey_id, r.version, r.type, r.customer_id, c.user_id, r.account_id, r.channel, r.round, r.score::float8 AS score, r.band, r.sentiment, r.comment, r.responded_at`;
type ResponseRow = RowPick<
  typeof schema.surveyResponses,
  'id' | 'survey_id' | 'version' | 'type' | 'customer_id' | 'account_id' | 'channel' | 'round' | 'score' | 'band' | 'sentiment' | 'comment' | 'responded_at'
> &
  RowPick<typeof schema.customers, 'user_id'>;

const responseView = (r: ResponseRow): ResponseView => ({
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
});

/**
 * A survey's answers, newest first (by id: the order they were recorded), `limit` at a time:
 * of one sentiment when given, only those with a (non-blank) comment when `withComment`.
 * `next` is the `before` of the next page, null on the last one.
 */
export async function listResponses(
  db: Queryable,
  workspaceId: number,
  surveyId: string,
  q: z.output<typeof ResponsesQuery>,
): Promise<Result<z.output<typeof ResponseList>, { code: 'not_found'; message: string }>> {
  if (!(await findSurvey(db, workspaceId, surveyId))) return fail('not_found', `no survey "${surveyId}"`);
  const { rows } = await db.query<ResponseRow>(
    `SELECT ${RESPONSE_COLS} FROM survey_responses r JOIN customers c ON c.id = r.customer_id
      WHERE r.workspace_id = $1 AND r.survey_id = $2 AND ($3::text IS NULL OR r.sentiment = $3) AND (NOT $4 OR btrim(coalesce(r.comment, '')) <> '')
        AND ($5::bigint IS NULL OR r.id < $5)
      ORDER BY r.id DESC LIMIT $6`,
    [workspaceId, surveyId, q.sentiment ?? null, q.withComment === true, q.before ?? null, q.limit + 1],
  );
  const page = rows.slice(0, q.limit).map(responseView);
  return ok({ responses: page, next: rows.length > q.limit ? page[page.length - 1]!.id : null });
}

type TaskCols = RowPick<typeof schema.tasks, 'status' | 'title' | 'assignee_role' | 'assignee' | 'due_at' | 'created_at' | 'done_at'>;

/**
 * The follow-up queue: tasks made for negative answers (reason `survey:negative`) in one
 * status, with their answer and survey name, soonest due first. `overdue`: still open past its
 * due time at `now`.
 */
export async function followUpQueue(db: Queryable, workspaceId: number, q: z.output<typeof FollowUpQuery>, now: Date): Promise<Array<z.output<typeof FollowUpItem>>> {
  const { rows } = await db.query<ResponseRow & TaskCols & { task_id: number; survey_name: string }>(
    `SELECT t.id AS task_id, t.status, t.title, t.assignee_role, t.assignee, t.due_at, t.created_at, t.done_at, s.name AS survey_name, ${RESPONSE_COLS}
       FROM tasks t
       JOIN survey_responses r ON r.id = t.response_id AND r.workspace_id = t.workspace_id
       JOIN surveys s ON s.workspace_id = r.workspace_id AND s.id = r.survey_id
       JOIN customers c ON c.id = r.customer_id
      WHERE t.workspace_id = $1 AND t.reason = $2 AND t.status = $3
      ORDER BY t.due_at, t.id LIMIT $4`,
    [workspaceId, NEGATIVE_REASON, q.status, q.limit],
  );
  return rows.map((r) => ({
    taskId: Number(r.task_id),
    status: r.status,
    title: r.title,
    assigneeRole: r.assignee_role,
    assignee: r.assignee,
    dueAt: new Date(r.due_at).toISOString(),
    createdAt: new Date(r.created_at).toISOString(),
    doneAt: r.done_at === null ? null : new Date(r.done_at).toISOString(),
    overdue: r.status === 'open' && new Date(r.due_at).getTime() < now.getTime(),
    response: responseView(r),
    surveyName: r.survey_name,
  }));
}
