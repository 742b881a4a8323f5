import type { TaskView } from '../../../contracts/messaging.js';
import type { MemberView } from '../../../contracts/team.js';

/** A task as GET /api/tasks and PATCH /api/tasks/:id return it. */
export type Task = TaskView;
export type TaskStatus = Task['status'];

/** The most tasks GET /api/tasks returns at once (its `limit` maximum); the page pages through them. */
export const FETCH_LIMIT = 500;
export const PAGE_SIZE = 20;

/** A member of the workspace a task can be assigned to (GET /api/members). */
export type Member = MemberView;
