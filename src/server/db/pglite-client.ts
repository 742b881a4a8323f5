/**
 * The embedded database, seen from the main thread: PGlite runs in a worker thread
 * (./pglite-worker.ts), so its Postgres work uses the second core and never stalls HTTP.
 * PGlite is one session: a transaction holds it from BEGIN to COMMIT, so every statement
 * outside a transaction waits for the open one to finish (as PGlite's own transaction()
 * does in-process).
 */
import { Worker } from 'node:worker_threads';
import type { Queryable } from './client.js';
import type { WorkerReply, WorkerRequest } from './pglite-protocol.js';

type Request = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** The worker-backed PGlite session. */
export interface PgliteSession extends Queryable {
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Apply drizzle migrations from `folder` inside the worker. */
  migrate(folder: string): Promise<void>;
  /** Milliseconds since the session last had work (0 while it has some). */
  idleMs(): number;
  close(): Promise<void>;
}

/** A Postgres error from the worker, with its fields (code, constraint, …) as the pg driver has them. */
export class PgliteError extends Error {
  code?: string;
  constraint?: string;
  detail?: string;
}

/** Start the worker on the PGlite data directory `dir` (or `memory://`) and wait until the database is open. */
export async function openPgliteSession(dir: string): Promise<PgliteSession> {
  // From the TypeScript sources (tests and benchmarks run under tsx) the worker registers
  // tsx itself first: Node 20 workers do not inherit the loader hooks of --import.
  const fromSource = import.meta.url.endsWith('.ts');
  const file = new URL(fromSource ? './pglite-worker.ts' : './pglite-worker.js', import.meta.url);
  const worker = fromSource
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}); })`, { eval: true, workerData: { dir } })
    : new Worker(file, { workerData: { dir } });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let dead: Error | null = null;

  const failAll = (err: Error) => {
    dead ??= err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('message', (m: WorkerReply) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.error) w.reject(Object.assign(new PgliteError(String(m.error.message)), m.error));
    else w.resolve(m.result);
  });
  worker.on('error', (err) => failAll(new Error(`the embedded database stopped: ${err.message}`, { cause: err })));
  worker.on('exit', (code) => failAll(new Error(`the embedded database stopped (worker exit code ${code})`)));

  const call = <T>(req: Request): Promise<T> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...req, id });
    });
  };

  await new Promise<void>((resolve, reject) => {
    waiting.set(0, { resolve: () => resolve(), reject });
  });

  // One session: a transaction owns it until it ends; everything else queues behind.
  let tail: Promise<unknown> = Promise.resolve();
  let queued = 0;
  let idleSince = Date.now();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    queued++;
    const run = tail.then(fn).finally(() => {
      if (--queued === 0) idleSince = Date.now();
    });
    tail = run.catch(() => undefined);
    return run;
  };
  const direct: Queryable = {
    query: <T>(text: string, params?: unknown[]) => call<{ rows: T[]; rowCount: number }>({ op: 'query', text, params }),
    copyFrom: (target, data) => call<number>({ op: 'copy', target, data }),
  };

  return {
    query: (text, params) => serial(() => direct.query(text, params)),
    copyFrom: (target, data) => serial(() => direct.copyFrom(target, data)),
    transaction: (fn) =>
      serial(async () => {
        await direct.query('BEGIN');
        try {
          const result = await fn(direct);
          await direct.query('COMMIT');
          return result;
        } catch (err) {
          await direct.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    idleMs: () => (queued > 0 ? 0 : Date.now() - idleSince),
    migrate: (folder) => serial(() => call<null>({ op: 'migrate', folder }).then(() => undefined)),
    close: () =>
      serial(async () => {
        if (!dead) await call({ op: 'close' }).catch(() => undefined);
        await worker.terminate();
      }),
  };
}
