/**
 * The embedded database, seen from the main thread: PGlite runs in a worker thread
 * (./pglite-worker.ts), so its Postgres work uses the second core and never stalls HTTP.
 * PGlite is one session: a transaction holds it from BEGIN to COMMIT, so every statement
 * outside a transaction waits for the open one to finish (as PGlite's own transaction()
 * does in-process).
 */
import { Worker } from 'node:worker_threads';
import { deserialize } from 'node:v8';
import type { Queryable } from './client.js';
import { CALL_TIMED_OUT, RESULT_NOT_TRANSFERABLE, type WorkerReply, type WorkerRequest } from './pglite-protocol.js';

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

/** Limits on how long the main thread waits for the worker. */
export interface PgliteSessionOptions {
  /**
   * Longest wait for one statement or COPY (ms; default 5 minutes; 0: no limit). A call
   * that takes longer rejects with code TENURE_DB_CALL_TIMEOUT; the worker may still be
   * running it, and later calls run after it there, so nothing runs out of order.
   */
  callTimeoutMs?: number;
  /** Longest wait for the migrations (ms; default 0: no limit, a large migration may take long). */
  migrateTimeoutMs?: number;
  /** On close, longest wait for queued work before the worker is stopped anyway (ms; default 10 s). */
  closeTimeoutMs?: number;
}

/** A Postgres error from the worker, with its fields (code, constraint, …) as the pg driver has them. */
export class PgliteError extends Error {
  code?: string;
  constraint?: string;
  detail?: string;
}

/** Start the worker on the PGlite data directory `dir` (or `memory://`) and wait until the database is open. */
export async function openPgliteSession(dir: string, opts: PgliteSessionOptions = {}): Promise<PgliteSession> {
  const callTimeoutMs = opts.callTimeoutMs ?? 5 * 60_000;
  const migrateTimeoutMs = opts.migrateTimeoutMs ?? 0;
  const closeTimeoutMs = opts.closeTimeoutMs ?? 10_000;
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
    else if (m.payload) {
      let result: unknown;
      try {
        result = deserialize(m.payload);
      } catch (err) {
        const why = err instanceof RangeError ? 'nested too deeply' : (err as Error).message;
        w.reject(Object.assign(new PgliteError(`the result could not be passed back: ${why}`), { code: RESULT_NOT_TRANSFERABLE }));
        return;
      }
      w.resolve(result);
    } else w.resolve(m.result);
  });
  worker.on('error', (err) => failAll(new Error(`the embedded database stopped: ${err.message}`, { cause: err })));
  worker.on('exit', (code) => failAll(new Error(`the embedded database stopped (worker exit code ${code})`)));

  // Every call waits at most `timeoutMs`: a worker that never answers (a bug, a statement
  // that runs for ever) must not hang the caller, nor every caller queued behind it.
  const call = <T>(req: Request, timeoutMs = callTimeoutMs): Promise<T> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              if (!waiting.delete(id)) return;
              const what = req.op === 'query' ? `the statement "${req.text.replace(/\s+/g, ' ').slice(0, 80)}"` : `the ${req.op}`;
              reject(
                Object.assign(new PgliteError(`the embedded database did not answer ${what} within ${timeoutMs < 10_000 ? (timeoutMs / 1000).toFixed(1) : Math.round(timeoutMs / 1000)} s`), {
                  code: CALL_TIMED_OUT,
                }),
              );
            }, timeoutMs)
          : undefined;
      const settle = (fn: () => void) => {
        if (timer) clearTimeout(timer);
        fn();
      };
      waiting.set(id, { resolve: (v) => settle(() => resolve(v as T)), reject: (e) => settle(() => reject(e)) });
      try {
        worker.postMessage({ ...req, id });
      } catch (err) {
        waiting.delete(id);
        settle(() => reject(err as Error));
      }
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
    migrate: (folder) => serial(() => call<null>({ op: 'migrate', folder }, migrateTimeoutMs).then(() => undefined)),
    // Queued work gets `closeTimeoutMs` to finish; a stuck call does not keep the process
    // from stopping: the worker is terminated (PGlite recovers its files on the next open).
    close: async () => {
      const settled = tail.then(async () => {
        if (!dead) await call({ op: 'close' }, closeTimeoutMs).catch(() => undefined);
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([settled, new Promise((r) => (timer = setTimeout(r, closeTimeoutMs)))]);
      clearTimeout(timer);
      dead ??= new Error('the embedded database is closed');
      await worker.terminate();
    },
  };
}
