/**
 * Worker thread that owns the embedded PGlite database, so Postgres (compiled to WASM)
 * runs on its own core instead of the thread that serves HTTP. It takes one request per
 * message and answers `{ id, result }` or `{ id, error }`; the main thread's side is
 * ./pglite-client.ts. PGlite runs its statements one at a time, in arrival order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serialize } from 'node:v8';
import { PGlite } from '@electric-sql/pglite';
import { RESULT_NOT_TRANSFERABLE, type WorkerReply, type WorkerRequest } from './pglite-protocol.js';

const port = parentPort!;
const { dir } = workerData as { dir: string };

/**
 * PGlite runs Postgres single-user, where no checkpoint is ever triggered by WAL volume;
 * an explicit CHECKPOINT (see db/checkpoint.ts) then keeps up to max_wal_size of old
 * segments for reuse. Postgres's default of 1 GB made a fresh demo data dir 1 GB larger
 * than its data; 64 MB keeps the WAL near that after each checkpoint.
 */
const WAL_PARAMS = ['-c', 'max_wal_size=64MB', '-c', 'min_wal_size=32MB'];

let db: PGlite;
try {
  // int8 and numeric as JS numbers, as the pg driver is set up in client.ts.
  db = await PGlite.create(dir, { parsers: { 20: (v: string) => Number(v), 1700: (v: string) => Number(v) }, startParams: [...PGlite.defaultStartParams, ...WAL_PARAMS] });
  port.postMessage({ id: 0, result: 'ready' } satisfies WorkerReply);
} catch (err) {
  port.postMessage({ id: 0, error: errorFields(err) } satisfies WorkerReply);
  process.exit(1);
}

port.on('message', (req: WorkerRequest) => {
  // Every request gets exactly one answer: a main thread waiting on an id that is never
  // answered would wait forever (and every later call queues behind it).
  let pending: Promise<unknown>;
  try {
    pending = handle(req);
  } catch (err) {
    pending = Promise.reject(err);
  }
  pending
    .then(
      (result) => reply(req.id, result),
      (err) => replyError(req.id, errorFields(err)),
    )
    .catch((err: unknown) => replyError(req.id, { message: `the embedded database could not answer: ${String((err as Error)?.message ?? err)}` }));
});

/**
 * Send a result, serialised here so that a result the main thread cannot take apart (a
 * jsonb value nested thousands of levels deep overflows the stack of the deserialiser)
 * fails on the main thread with this request's id (see pglite-client.ts), not as a lost
 * message. A result that cannot even be serialised is answered with an error.
 */
function reply(id: number, result: unknown): void {
  let payload: Buffer;
  try {
    payload = serialize(result);
  } catch (err) {
    const why = err instanceof RangeError ? 'nested too deeply' : String((err as Error)?.message ?? err);
    replyError(id, { message: `the result could not be passed back: ${why}`, code: RESULT_NOT_TRANSFERABLE });
    return;
  }
  const own = payload.byteOffset === 0 && payload.byteLength === payload.buffer.byteLength;
  port.postMessage({ id, payload } satisfies WorkerReply, own ? [payload.buffer as ArrayBuffer] : []);
}

/** Send an error; its fields are plain strings and numbers, so this cannot fail the way a result can (a last plain message if it does). */
function replyError(id: number, error: Record<string, unknown>): void {
  try {
    port.postMessage({ id, error } satisfies WorkerReply);
  } catch {
    port.postMessage({ id, error: { message: String(error.message ?? 'the embedded database failed') } } satisfies WorkerReply);
  }
}

async function handle(req: WorkerRequest): Promise<unknown> {
  switch (req.op) {
    case 'query': {
      const r = await db.query(req.text, req.params ?? []);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    }
    case 'copy': {
      const r = await db.query(`COPY ${req.target} FROM '/dev/blob'`, [], { blob: new Blob([req.data]) });
      return r.affectedRows ?? 0;
    }
    case 'migrate': {
      const { drizzle } = await import('drizzle-orm/pglite');
      const { migrate } = await import('drizzle-orm/pglite/migrator');
      await migrate(drizzle(db), { migrationsFolder: req.folder });
      return null;
    }
    case 'close':
      await db.close();
      return null;
  }
}

/** What survives the trip to the main thread of a (Postgres) error. */
function errorFields(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const out: Record<string, unknown> = { message: err.message, name: err.name };
  for (const k of ['code', 'constraint', 'detail', 'hint', 'severity', 'table', 'column', 'schema', 'position', 'where']) {
    const v = (err as unknown as Record<string, unknown>)[k];
    if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  }
  return out;
}
