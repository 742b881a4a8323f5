import type { Db } from '../db/client.js';
import { applyEventRetention, prepareEventPartitions } from '../db/event-partitions.js';
import { Poller } from '../jobs/poller.js';
import type { Logger } from '../log.js';
import { deleteExpiredSessions } from '../team/sessions.repo.js';
import { purgeNextDue } from './workspace-admin.js';

/**
 * Housekeeping in the worker role: purges workspaces whose deletion grace period has
 * ended (one at a time, safe in many processes), forgets expired sessions, and looks after
 * the monthly partitions of `events` (db/event-partitions.ts): this and next month's
 * exist, rows waiting in the default partition move to their months (on PostgreSQL, or on
 * PGlite when a retention is set), and, with
 * `eventsRetentionMonths` (TENURE_EVENTS_RETENTION_MONTHS), months older than that are
 * dropped with the facts derived from them.
 */
export class HousekeepingWorker {
  private readonly poller: Poller;
  /** Workspaces purged by this process (for tests and logs). */
  readonly purged: Array<{ workspaceId: number; slug: string; removed: Record<string, number> }> = [];

  /** What the last events retention pass dropped (for tests and logs). */
  readonly retention: Array<{ partition: string; events: number }> = [];

  constructor(db: Db, opts: { log?: Logger; pollMs?: number; clock?: () => Date; eventsRetentionMonths?: number } = {}) {
    const clock = opts.clock ?? (() => new Date());
    this.poller = new Poller(
      'housekeeping',
      async () => {
        const done = await purgeNextDue(db, clock());
        if (done) {
          this.purged.push(done);
          opts.log?.info({ workspace: done.slug, removed: done.removed }, 'purged a deleted workspace after its grace period');
          return true;
        }
        await deleteExpiredSessions(db, clock());
        await this.eventPartitions(db, clock(), opts);
        return false;
      },
      { pollMs: opts.pollMs ?? 600_000, log: opts.log },
    );
  }

  /** Partitions of `events`: prepared, and old months dropped when a retention is set. A failure is logged, not thrown (the rest of housekeeping goes on). */
  private async eventPartitions(db: Db, now: Date, opts: { log?: Logger; eventsRetentionMonths?: number }): Promise<void> {
    // PGlite (one laptop, one connection) keeps past months in the default partition unless
    // a retention needs them apart: moving the demo's 18 months took 23 s under an exclusive
    // lock on events, and every per-customer read then visits each month's index (churn
    // training 2.3 → 4–6.6 s, a stage recompute 3–4.6 → 5.7–12 s; docs/scaling.md).
    if (db.kind === 'pglite' && opts.eventsRetentionMonths === undefined) return;
    try {
      const created = await prepareEventPartitions(db, now);
      if (created.length > 0) opts.log?.info({ created }, 'created partitions of events');
      if (opts.eventsRetentionMonths === undefined) return;
      const r = await applyEventRetention(db, opts.eventsRetentionMonths, now);
      for (const d of r.dropped) {
        this.retention.push({ partition: d.partition, events: d.events });
        opts.log?.info({ ...d, cutoff: r.cutoff.toISOString() }, 'events retention: dropped a month of events and the facts derived from them');
      }
    } catch (err) {
      opts.log?.error({ err }, 'events partition housekeeping failed');
    }
  }

  /** Run now (tests, and after a deletion is scheduled in the past). */
  kick(): void {
    this.poller.kick();
  }

  start(): void {
    this.poller.start();
  }

  stop(): Promise<void> {
    return this.poller.stop();
  }
}
