/** Messages between the main thread (./pglite-client.ts) and the PGlite worker (./pglite-worker.ts). */
export type WorkerRequest =
  | { id: number; op: 'query'; text: string; params?: unknown[] }
  | { id: number; op: 'copy'; target: string; data: string }
  | { id: number; op: 'migrate'; folder: string }
  | { id: number; op: 'close' };

/**
 * `id` 0 is the worker's start-up answer. A result travels as `payload`, serialised with
 * node:v8 by the worker, so the main thread deserialises it itself and can answer the
 * right id when that fails.
 */
export type WorkerReply =
  | { id: number; result: unknown; payload?: undefined; error?: undefined }
  | { id: number; payload: Uint8Array; result?: undefined; error?: undefined }
  | { id: number; error: Record<string, unknown>; result?: undefined; payload?: undefined };

/** Error code of a reply whose result could not be copied to the main thread (e.g. a jsonb value nested thousands of levels deep). */
export const RESULT_NOT_TRANSFERABLE = 'TENURE_RESULT_NOT_TRANSFERABLE';

/** Error code of a call the worker did not answer in time (see PgliteSessionOptions.callTimeoutMs). */
export const CALL_TIMED_OUT = 'TENURE_DB_CALL_TIMEOUT';
