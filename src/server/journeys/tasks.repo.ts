import type { Db, Queryable } from '../db/client.js';
import { fail, ok, type Result } from '../lib/result.js';

export type TaskStatus = 'open' | 'done' | 'cancelled';

/** A hand-off to a person that a journey created. */
export interface Task {
  id: number;
  customerId: number;
  userId: string | null;
  journeyId: string | null;
  title: string;
  note: string | null;
  assigneeRole: string;
  assignee: string | null;
  /** The Tenure user (users.id) the task is assigned to, and their name (or email when they gave none). */
  assigneeUserId: number | null;
  assigneeName: string | null;
  status: TaskStatus;
  dueAt: Date;
  createdAt: Date;
  doneAt: Date | null;
}

const TASK_COLS = `t.id, t.customer_id AS "customerId", c.user_id AS "userId", t.journey_id AS "journeyId", t.title, t.note, t.assignee_role AS "assigneeRole", t.assignee, t.assignee_user_id AS "assigneeUserId",
    (SELECT coalesce(nullif(u.name, ''), u.email) FROM users u WHERE u.id = t.assignee_user_id) AS "assigneeName", t.status,
    t.due_at AS "dueAt", t.created_at AS "createdAt", t.done_at AS "doneAt"`;

/** Tasks in one status (for one assignee role, if given), soonest due first. */
export async function listTasks(db: Queryable, workspaceId: number, f: { status: TaskStatus; role?: string; limit: number }): Promise<Task[]> {
  const { rows } = await db.query<Task>(
    `SELECT ${TASK_COLS} FROM tasks t JOIN customers c ON c.id = t.customer_id WHERE t.workspace_id = $1 AND t.status = $2 AND ($3::text IS NULL OR t.assignee_role = $3) ORDER BY t.due_at, t.id LIMIT $4`,
    [workspaceId, f.status, f.role ?? null, f.limit],
  );
  return rows;
}

/**
 * Assign, complete or cancel a task (an absent field stays as it was; a null assignee or
 * assigneeUserId unassigns). A task newly assigned to a user gets its notification row
 * (task_notifications) in the same statement's transaction: pass a transaction. The task as
 * it now is, or null when there is none. The caller checks the user is a member.
 */
export async function updateTask(db: Queryable, workspaceId: number, id: number, change: { status?: TaskStatus; assignee?: string | null; assigneeUserId?: number | null }): Promise<Task | null> {
  const { rows: before } = await db.query<{ assigneeUserId: number | null }>(`SELECT assignee_user_id AS "assigneeUserId" FROM tasks WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, [
    workspaceId,
    id,
  ]);
  if (before.length === 0) return null;
  await db.query(
    `UPDATE tasks SET status = coalesce($3, status), assignee = CASE WHEN $4 THEN $5 ELSE assignee END,
            assignee_user_id = CASE WHEN $6 THEN $7::int ELSE assignee_user_id END,
            done_at = CASE WHEN $3 = 'done' THEN now() WHEN $3 IS NOT NULL THEN NULL ELSE done_at END
      WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, id, change.status ?? null, change.assignee !== undefined, change.assignee ?? null, change.assigneeUserId !== undefined, change.assigneeUserId ?? null],
  );
  const to = change.assigneeUserId;
  if (to !== undefined && to !== null && to !== before[0]!.assigneeUserId) await queueTaskNotifications(db, [{ taskId: id, userId: to }]);
  const { rows } = await db.query<Task>(`SELECT ${TASK_COLS} FROM tasks t JOIN customers c ON c.id = t.customer_id WHERE t.workspace_id = $1 AND t.id = $2`, [workspaceId, id]);
  return rows[0]!;
}

/** Record that these users are to be told of their tasks (sent by the task notifier, team/task-notify.ts); a pair already recorded stays as it is. */
export async function queueTaskNotifications(db: Queryable, list: Array<{ taskId: number; userId: number }>): Promise<void> {
  if (list.length === 0) return;
  await db.query(`INSERT INTO task_notifications (task_id, user_id) SELECT * FROM unnest($1::bigint[], $2::int[]) ON CONFLICT (task_id, user_id) DO NOTHING`, [
    list.map((x) => x.taskId),
    list.map((x) => x.userId),
  ]);
}

/** One user's tasks in a workspace (their own queue), soonest due first. */
export async function listUserTasks(db: Queryable, workspaceId: number, userId: number, f: { status: TaskStatus; limit: number }): Promise<Task[]> {
  const { rows } = await db.query<Task>(
    `SELECT ${TASK_COLS} FROM tasks t JOIN customers c ON c.id = t.customer_id WHERE t.workspace_id = $1 AND t.assignee_user_id = $2 AND t.status = $3 ORDER BY t.due_at, t.id LIMIT $4`,
    [workspaceId, userId, f.status, f.limit],
  );
  return rows;
}

/** Change a task (status, free-text assignee, assigned user): the user must be a member of the workspace. Null when there is no such task. */
export async function changeTask(
  db: Db,
  workspaceId: number,
  id: number,
  change: { status?: TaskStatus; assignee?: string | null; assigneeUserId?: number | null },
): Promise<Result<Task | null, { code: 'validation_failed'; message: string; field: string }>> {
  return db.transaction(async (tx: Queryable) => {
    const to = change.assigneeUserId;
    if (to !== undefined && to !== null && (await tx.query(`SELECT 1 FROM memberships WHERE workspace_id = $1 AND user_id = $2`, [workspaceId, to])).rows.length === 0) {
      return fail('validation_failed', `body.assigneeUserId: user ${to} is not a member of this workspace`, { field: 'assigneeUserId' });
    }
    return ok(await updateTask(tx, workspaceId, id, change));
  });
}
