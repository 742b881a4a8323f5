import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import { claimJob, finishJob, reportProgress, type Job } from './jobs.repo.js';

/** Does one kind of job; reports progress as (done, total). */
export type JobHandler = (job: Job, progress: (done: number, total: number | null) => void) => Promise<void>;

/**
 * Runs queued jobs in this process, one at a time: claimed from the `jobs` table (so
 * several processes share the work), progress written at most once a second, failures
 * stored with their message. Polls every `pollMs` and at once when `kick`ed.
 */
export class JobRunner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly db: Db,
    private readonly handlers: Record<string, JobHandler>,
    private readonly opts: { log?: Logger; pollMs?: number } = {},
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.kick(), this.opts.pollMs ?? 5_000);
    this.timer.unref();
    this.kick();
  }

  /** Look for work now. */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err: unknown) => this.opts.log?.error({ err }, 'job runner failed'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves when no job is running here. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.idle();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const job = await claimJob(this.db, Object.keys(this.handlers));
      if (!job) return;
      let last = 0;
      let writing: Promise<void> = Promise.resolve();
      const progress = (done: number, total: number | null) => {
        const now = Date.now();
        if (now - last < 1_000 && done !== total) return;
        last = now;
        writing = writing.then(() => reportProgress(this.db, job.id, done, total)).catch(() => undefined);
      };
      try {
        await this.handlers[job.kind]!(job, progress);
        await writing;
        await finishJob(this.db, job.id, null);
        this.opts.log?.info({ job: job.id, kind: job.kind }, 'job done');
      } catch (err) {
        await writing;
        this.opts.log?.error({ err, job: job.id, kind: job.kind }, 'job failed');
        await finishJob(this.db, job.id, err instanceof Error ? err.message : String(err));
      }
    }
  }
}
