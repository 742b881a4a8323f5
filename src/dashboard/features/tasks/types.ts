/** A task as GET /api/tasks and PATCH /api/tasks/:id return it (messaging.routes.ts TaskView). */
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
  dueAt: string;
  overdue: boolean;
  createdAt: string;
  doneAt: string | null;
}
export type TaskStatus = 'open' | 'done' | 'cancelled';

/** The most tasks GET /api/tasks returns at once (its `limit` maximum); the page pages through them. */
export const FETCH_LIMIT = 500;
export const PAGE_SIZE = 20;
