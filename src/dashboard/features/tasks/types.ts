import type { TaskView } from '../../../contracts/messaging.js';

/** A task as GET /api/tasks and PATCH /api/tasks/:id return it. */
export type Task = TaskView;
export type TaskStatus = Task['status'];

/** The most tasks GET /api/tasks returns at once (its `limit` maximum); the page pages through them. */
export const FETCH_LIMIT = 500;
export const PAGE_SIZE = 20;
