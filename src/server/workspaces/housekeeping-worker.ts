import type { Db } from '../db/client.js';
import { Poller } from '../jobs/poller.js';
import type { Logger } from '../log.js';
import { deleteExpiredSessions } from '../team/sessions.repo.js';
import { purgeNextDue } from './workspace-admin.js';

/**
 * Team housekeeping in the worker role: purges workspaces whose deletion grace period has
 * ended (one at a time, safe in many processes) and forgets expired sessions.
 */
export class HousekeepingWorker {
  private readonly poller: Poller;
  /** Workspaces purged by this process (for tests and logs). */
  readonly purged: Array<{ workspaceId: number; slug: string; removed: Record<string, number> }> = [];

  constructor(db: Db, opts: { log?: Logger; pollMs?: number; clock?: () => Date } = {}) {
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
        return false;
      },
      { pollMs: opts.pollMs ?? 600_000, log: opts.log },
    );
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
