import type { Queryable } from './client.js';

/** Resolves when the database answers a trivial query (the health check times it). */
export async function pingDatabase(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}
