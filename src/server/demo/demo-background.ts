import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import { seedDemo } from './demo.js';
import { DemoTracker, describeDemoStatus } from './demo-status.js';

/** How often the console hears how far the demo got (besides each new step). */
const CONSOLE_EVERY_MS = 5_000;

/** The demo being prepared behind a serving server: its tracker, and how to stop it. */
export interface BackgroundDemo {
  tracker: DemoTracker;
  /** Settles when the preparation ended (finished, failed or stopped); never rejects. */
  done: Promise<void>;
  /** Stop between two batches; what was committed stays (see docs/first-start.md). */
  stop(): void;
}

/**
 * Prepare the demo into an empty workspace while the server serves: data in short
 * transactions (DemoOptions.shared), progress in `tracker` (GET /api/demo/status) and
 * on the console (each step, and every few seconds). A failure is logged and shown as
 * `failed`; it never takes the server down.
 */
export function prepareDemoInBackground(db: Db, workspaceId: number, log: Logger, opts: { customers?: number; seed?: number; now?: Date; tracker?: DemoTracker } = {}): BackgroundDemo {
  const tracker = opts.tracker ?? new DemoTracker();
  const abort = new AbortController();
  let lastLine = 0;
  let lastPhase: string | null = null;
  tracker.start(workspaceId);
  const t0 = Date.now();
  const done = seedDemo(db, workspaceId, {
    customers: opts.customers,
    seed: opts.seed,
    now: opts.now,
    shared: true,
    signal: abort.signal,
    log,
    onProgress: (phase, d, total) => {
      tracker.progress(phase, d, total);
      const now = Date.now();
      if (phase !== lastPhase || now - lastLine >= CONSOLE_EVERY_MS) {
        lastPhase = phase;
        lastLine = now;
        log.info(describeDemoStatus(tracker.view()));
      }
    },
  }).then(
    (r) => {
      tracker.finish();
      log.info({ customers: r.customers, events: r.events, stageMoves: r.stageMoves, seconds: Math.round((Date.now() - t0) / 100) / 10 }, 'demo ready: the overview shows the demo business');
    },
    (err: unknown) => {
      if (abort.signal.aborted) {
        tracker.finish('stopped at shutdown');
        log.warn('demo preparation stopped at shutdown: the demo is incomplete (delete the data directory and start again for a full one)');
        return;
      }
      tracker.finish(err instanceof Error ? err.message : String(err));
      log.error({ err }, 'demo preparation failed; the server keeps serving what was loaded');
    },
  );
  return { tracker, done, stop: () => abort.abort() };
}
