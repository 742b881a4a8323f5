/**
 * Tasks assigned to people: assigning one to a member (PATCH /api/tasks/:id, or a journey's
 * task step naming a member's email) records a task_notifications row in the same
 * transaction; the task notifier (worker role) sends "Task assigned to you: <title>" through
 * the system mailer, retrying with backoff.
 *
 * A row's `created_at` is when it is next due: a claim leases the row by moving it
 * LEASE_MS ahead (a worker that dies mid-send leaves it to be retried then), a failure moves
 * it by the backoff; `attempts` counts the tries, and a row stops after MAX_ATTEMPTS or a
 * permanent failure (the error is kept).
 */
import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import { Poller } from '../jobs/poller.js';
import type { Mailer } from './mailer.js';

export const MAX_ATTEMPTS = 8;
const LEASE_MS = 5 * 60_000;
const BATCH = 20;

/** Backoff after the n-th failed attempt (1-based): 30 s, 1 min, 2 min, … capped at 1 hour. */
export function backoffMs(attempt: number): number {
  return Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempt - 1));
}

interface Due {
  taskId: number;
  userId: number;
  attempts: number;
  email: string;
  title: string;
  note: string | null;
  dueAt: Date;
  customer: string | null;
  workspace: string;
  /** The task is still open and assigned to this user. */
  current: boolean;
}

/** Send the notifications that are due, one batch; true when there may be more. */
export async function sendDueTaskNotifications(db: Db, mailer: Mailer, opts: { publicUrl: string; now?: Date; log?: Logger }): Promise<boolean> {
  const now = opts.now ?? new Date();
  const { rows } = await db.query<Due>(
    `WITH due AS (
       SELECT task_id, user_id FROM task_notifications
        WHERE sent_at IS NULL AND attempts < $3 AND created_at <= $1
        ORDER BY created_at LIMIT $4 FOR UPDATE SKIP LOCKED),
     claimed AS (
       UPDATE task_notifications n SET attempts = n.attempts + 1, created_at = $2
         FROM due WHERE n.task_id = due.task_id AND n.user_id = due.user_id
       RETURNING n.task_id, n.user_id, n.attempts)
     SELECT c.task_id AS "taskId", c.user_id AS "userId", c.attempts, u.email, t.title, t.note, t.due_at AS "dueAt",
            cu.user_id AS customer, w.name AS workspace,
            (t.status = 'open' AND t.assignee_user_id = c.user_id AND u.disabled_at IS NULL) AS current
       FROM claimed c JOIN tasks t ON t.id = c.task_id JOIN users u ON u.id = c.user_id
       JOIN workspaces w ON w.id = t.workspace_id LEFT JOIN customers cu ON cu.id = t.customer_id`,
    [now, new Date(now.getTime() + LEASE_MS), MAX_ATTEMPTS, BATCH],
  );
  for (const n of rows) {
    if (!n.current) {
      await db.query(`UPDATE task_notifications SET attempts = $3, error = 'the task is no longer open and assigned to this user' WHERE task_id = $1 AND user_id = $2`, [
        n.taskId,
        n.userId,
        MAX_ATTEMPTS,
      ]);
      continue;
    }
    const link = `${opts.publicUrl.replace(/\/$/, '')}/tasks?task=${n.taskId}`;
    const r = await mailer.send({
      to: n.email,
      subject: `Task assigned to you: ${n.title}`,
      key: `task:${n.taskId}:${n.userId}`,
      text: [
        `A task in ${n.workspace} was assigned to you.`,
        '',
        n.title,
        ...(n.customer ? [`Customer: ${n.customer}`] : []),
        `Due: ${n.dueAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
        ...(n.note ? ['', n.note] : []),
        '',
        'Open it in Tenure:',
        link,
      ].join('\n'),
    });
    if (r.ok) {
      await db.query(`UPDATE task_notifications SET sent_at = $3, error = NULL WHERE task_id = $1 AND user_id = $2`, [n.taskId, n.userId, new Date()]);
    } else {
      const last = r.permanent || n.attempts >= MAX_ATTEMPTS;
      opts.log?.warn({ taskId: n.taskId, userId: n.userId, attempt: n.attempts, error: r.message }, last ? 'task notification failed for good' : 'task notification failed; will retry');
      await db.query(`UPDATE task_notifications SET error = $3, attempts = $4, created_at = $5 WHERE task_id = $1 AND user_id = $2`, [
        n.taskId,
        n.userId,
        r.message,
        last ? MAX_ATTEMPTS : n.attempts,
        new Date(now.getTime() + backoffMs(n.attempts)),
      ]);
    }
  }
  return rows.length === BATCH;
}

/** The worker role's task notifier: kicked when tasks are assigned, polling otherwise. */
export function taskNotifier(db: Db, opts: { mailer: Mailer; publicUrl: string; log?: Logger; pollMs: number }): Poller {
  return new Poller('task notifier', () => sendDueTaskNotifications(db, opts.mailer, { publicUrl: opts.publicUrl, log: opts.log }), { pollMs: opts.pollMs, log: opts.log });
}
