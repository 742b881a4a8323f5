import type { Queryable } from './client.js';

/** WAL written since the last checkpoint past which a maintenance pass writes a new one. */
export const CHECKPOINT_AFTER_BYTES = 32 * 1024 * 1024;

/**
 * Write a checkpoint on PGlite, so the WAL written before it can be recycled (see
 * WAL_PARAMS in pglite-worker.ts). PGlite runs Postgres single-user, where nothing
 * triggers a checkpoint by volume: without one, the WAL keeps every byte written until
 * the database closes. On PostgreSQL the server checkpoints by itself; nothing to do.
 */
export async function checkpoint(db: Queryable & { kind: string }): Promise<void> {
  if (db.kind === 'pglite') await db.query('CHECKPOINT');
}

/** On PGlite, CHECKPOINT when more than `afterBytes` of WAL were written since the last one. Returns whether it did. */
export async function checkpointIfDue(db: Queryable & { kind: string }, afterBytes = CHECKPOINT_AFTER_BYTES): Promise<boolean> {
  if (db.kind !== 'pglite') return false;
  const { rows } = await db.query<{ bytes: number }>(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), redo_lsn)::float8 AS bytes FROM pg_control_checkpoint()`);
  if ((rows[0]?.bytes ?? 0) <= afterBytes) return false;
  await db.query('CHECKPOINT');
  return true;
}
