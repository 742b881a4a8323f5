/** Messages between the main thread (./pglite-client.ts) and the PGlite worker (./pglite-worker.ts). */
export type WorkerRequest =
  | { id: number; op: 'query'; text: string; params?: unknown[] }
  | { id: number; op: 'copy'; target: string; data: string }
  | { id: number; op: 'migrate'; folder: string }
  | { id: number; op: 'close' };

/** `id` 0 is the worker's start-up answer. */
export type WorkerReply = { id: number; result: unknown; error?: undefined } | { id: number; error: Record<string, unknown>; result?: undefined };
