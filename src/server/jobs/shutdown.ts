import type { Logger } from '../log.js';

/** One part of a process to stop at shutdown: what it is (for the log) and how to stop it. */
export type StopPart = [what: string, stop: () => Promise<void>];

/** How long, by default, shutdown waits for each part's batch in hand. */
export const STOP_WAIT_MS = 3_000;

/**
 * Stop every part at once and wait at most `waitMs` for each. Every loop here works over
 * durable tables in transactions (derived work, cursors, runs, jobs), so a batch still
 * running when the wait is over is left: the process's connections close at exit, its
 * transaction rolls back and the work is still recorded for the next process. Returns the
 * parts left running.
 */
export async function stopAll(parts: readonly StopPart[], log: Logger | undefined, waitMs = STOP_WAIT_MS): Promise<string[]> {
  const left: string[] = [];
  await Promise.all(
    parts.map(async ([what, stop]) => {
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        stop().then(
          () => true,
          (err: unknown) => {
            log?.warn({ err }, `stopping ${what} failed`);
            return true;
          },
        ),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), waitMs);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
      if (!finished) left.push(what);
    }),
  );
  if (left.length > 0) {
    log?.info({ left }, `left the batch in hand of ${left.join(', ')} at shutdown (its transaction rolls back; the work stays recorded and is done after restart)`);
  }
  return left;
}
