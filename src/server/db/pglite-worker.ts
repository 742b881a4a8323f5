/**
 * Worker thread that owns the embedded PGlite database, so Postgres (compiled to WASM)
 * runs on its own core instead of the thread that serves HTTP. It takes one request per
 * message and answers `{ id, result }` or `{ id, error }`; the main thread's side is
 * ./pglite-client.ts. PGlite runs its statements one at a time, in arrival order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import type { WorkerReply, WorkerRequest } from './pglite-protocol.js';

const port = parentPort!;
const { dir } = workerData as { dir: string };

let db: PGlite;
try {
  // int8 and numeric as JS numbers, as the pg driver is set up in client.ts.
  db = await PGlite.create(dir, { parsers: { 20: (v: string) => Number(v), 1700: (v: string) => Number(v) } });
  port.postMessage({ id: 0, result: 'ready' } satisfies WorkerReply);
} catch (err) {
  port.postMessage({ id: 0, error: errorFields(err) } satisfies WorkerReply);
  process.exit(1);
}

port.on('message', (req: WorkerRequest) => {
  void handle(req).then(
    (result) => port.postMessage({ id: req.id, result } satisfies WorkerReply),
    (err) => port.postMessage({ id: req.id, error: errorFields(err) } satisfies WorkerReply),
  );
});

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
    if (v !== undefined) out[k] = v;
  }
  return out;
}
