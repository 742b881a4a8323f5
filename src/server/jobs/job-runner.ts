import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import { isPassingDbError } from '../db/db-errors.js';
import { claimJob, finishJob, reportProgress, requeueJob, retryJob, type Job } from './jobs.repo.js';

/** Runs of one job at most when each ends in a failure that passes (a timeout, a deadlock, a lost connection). */
export const JOB_MAX_ATTEMPTS = 5;

/** Thrown from a job's progress report once the runner is stopping: the job ends there and is queued again. */
export class JobInterrupted extends Error {
  constructor() {
    super('the process is shutting down');
  }
}

/** Does one kind of job; reports progress as (done, total). */
export type JobHandler = (job: Job, progress: (done: number, total: number | null) => void) => Promise<void>;

/**
 * Runs queued jobs in this process, one at a time: claimed from the `jobs` table (so
 * several processes share the work), progress written at most once a second, failures
 * stored with their message. A failure that passes (a statement timeout, a deadlock, a
 * dropped connection) queues the job again after `retryDelayMs` (doubling each time), up
 * to JOB_MAX_ATTEMPTS runs: a segment's first computation or a stage recompute that met a
 * busy database is done later, not left failed (a segment never computed is never kept up
 * to date by the segment worker). Polls every `pollMs` and at once when `kick`ed.
 */
export class JobRunner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopping = false;
  private current: Job | null = null;

  constructor(
    private readonly db: Db,
    private readonly handlers: Record<string, JobHandler>,
    private readonly opts: { log?: Logger; pollMs?: number; retryDelayMs?: number } = {},
  ) {}

  start(): void {
    if (this.timer) return;
    this.stopping = false;
    this.timer = setInterval(() => this.kick(), this.opts.pollMs ?? 5_000);
    this.timer.unref();
    this.kick();
  }

  /** Look for work now. */
  kick(): void {
    if (this.stopping) return;
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

  /**
   * Stop taking jobs. The job in hand ends at its next progress report (and is queued
   * again); one that has not ended after `waitMs` is queued again here and left to the exit.
   */
  async stop(waitMs = 2_500): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!this.running) return;
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([this.idle().then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), waitMs)))]);
    clearTimeout(timer);
    const job = this.current;
    if (ended || !job) return;
    await requeueJob(this.db, job).catch(() => undefined);
    this.opts.log?.info({ job: job.id, kind: job.kind }, 'left the job in hand at shutdown; it is queued again');
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopping) return;
      const job = await claimJob(this.db, Object.keys(this.handlers));
      if (!job) return;
      this.current = job;
      let last = 0;
      let writing: Promise<void> = Promise.resolve();
      const progress = (done: number, total: number | null) => {
        if (this.stopping) throw new JobInterrupted();
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
        if (err instanceof JobInterrupted || this.stopping) {
          await requeueJob(this.db, job);
          this.opts.log?.info({ job: job.id, kind: job.kind }, 'job stopped at shutdown; it is queued again');
          return;
        }
        const message = err instanceof Error ? err.message : String(err);
        if (isPassingDbError(err) && (await retryJob(this.db, job, message, this.opts.retryDelayMs ?? 30_000, JOB_MAX_ATTEMPTS))) {
          this.opts.log?.warn({ err, job: job.id, kind: job.kind }, 'job failed in passing; queued again');
          continue;
        }
        this.opts.log?.error({ err, job: job.id, kind: job.kind }, 'job failed');
        await finishJob(this.db, job.id, message);
      } finally {
        this.current = null;
      }
    }
  }
}
