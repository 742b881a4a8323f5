import type { Queryable } from '../db/client.js';

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
  status: TaskStatus;
  dueAt: Date;
  createdAt: Date;
  doneAt: Date | null;
}

const TASK_COLS = `t.id, t.customer_id AS "customerId", c.user_id AS "userId", t.journey_id AS "journeyId", t.title, t.note, t.assignee_role AS "assigneeRole", t.assignee, t.status,
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
 * Assign, complete or cancel a task (an absent field stays as it was; a null assignee
 * unassigns); the task as it now is, or null when there is none.
 */
export async function updateTask(db: Queryable, workspaceId: number, id: number, change: { status?: TaskStatus; assignee?: string | null }): Promise<Task | null> {
  const { rowCount } = await db.query(
    `UPDATE tasks SET status = coalesce($3, status), assignee = CASE WHEN $4 THEN $5 ELSE assignee END,
            done_at = CASE WHEN $3 = 'done' THEN now() WHEN $3 IS NOT NULL THEN NULL ELSE done_at END
      WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, id, change.status ?? null, change.assignee !== undefined, change.assignee ?? null],
  );
  if (rowCount === 0) return null;
  const { rows } = await db.query<Task>(`SELECT ${TASK_COLS} FROM tasks t JOIN customers c ON c.id = t.customer_id WHERE t.workspace_id = $1 AND t.id = $2`, [workspaceId, id]);
  return rows[0]!;
}
