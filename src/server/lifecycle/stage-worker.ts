import type { Db } from '../db/client.js';
import { TouchWorker } from '../jobs/touch-worker.js';
import type { Logger } from '../log.js';
import { ModelCache } from './models.repo.js';
import { advanceStages } from './stage-service.js';
import type { Scope } from './stages.repo.js';

export interface StageWorkerOptions {
  log?: Logger;
  models?: ModelCache;
  /** How often the sweep looks for time-based moves (default 30 s; 0: never). */
  sweepMs?: number;
  /**
   * How often a sweep also looks for customers never evaluated (a scan of all customers;
   * default 10 minutes, and on the first sweep). Customers ingested by a process with a
   * stage worker are evaluated at once; these are the ones stored while none ran.
   */
  unevaluatedEveryMs?: number;
  /** Most subjects advanced in one transaction (default 500). */
  batch?: number;
  /** The clock; a parameter so tests can move time. */
  clock?: () => Date;
  /** Called after each committed evaluation with the subjects evaluated and the moves stored (for benchmarks and metrics). */
  onAdvanced?: (workspaceId: number, scope: Scope, subjectIds: number[], moves: number) => void;
}

/**
 * Keeps stages current in this process. Ingestion hands over the customers a committed
 * batch touched (`touch`); they are re-evaluated right after, off the request path, in
 * batches. A sweep every `sweepMs` advances subjects whose `next_check_at` has come (a
 * silence grown long enough to mean at-risk or churned, a window closed) and customers
 * that have no stage yet (imported, or stored while no worker ran).
 */
export class StageWorker extends TouchWorker {
  private readonly models: ModelCache;
  private readonly clock: () => Date;
  private lastUnevaluatedScan = -Infinity;

  constructor(
    private readonly db: Db,
    private readonly opts: StageWorkerOptions = {},
  ) {
    super('stage evaluation', opts.log, opts.batch ?? 500);
    this.models = opts.models ?? new ModelCache();
    this.clock = opts.clock ?? (() => new Date());
  }

  /** Customers whose events were just committed: re-evaluate them soon. */
  touch(workspaceId: number, customerIds: Iterable<number>, scope: Scope = 'customer'): void {
    this.enqueue(`${workspaceId}:${scope}`, customerIds);
  }

  protected async process(key: string, ids: number[]): Promise<void> {
    const [ws, scope] = key.split(':') as [string, Scope];
    const r = await advanceStages(this.db, Number(ws), scope, ids, { now: this.clock(), models: this.models });
    this.opts.onAdvanced?.(Number(ws), scope, ids, r.moves);
    if (r.accounts.length > 0) this.touch(Number(ws), r.accounts, 'account');
  }

  /** The models this worker evaluates with (shared with the admin API, which invalidates it on edits). */
  get modelCache(): ModelCache {
    return this.models;
  }

  /** Start the periodic sweep. */
  start(): void {
    this.startSweeping(this.opts.sweepMs ?? 30_000);
  }

  /**
   * Advance every subject whose next check has come, and every customer without a stage
   * (on the first sweep and every `unevaluatedEveryMs`). Returns how many subjects it advanced.
   */
  protected async sweepOnce(): Promise<number> {
    let count = 0;
    const now = this.clock();
    const scanAll = Date.now() - this.lastUnevaluatedScan >= (this.opts.unevaluatedEveryMs ?? 600_000);
    if (scanAll) this.lastUnevaluatedScan = Date.now();
    for (;;) {
      const due = `SELECT workspace_id, scope, subject_id FROM stage_states WHERE next_check_at <= $1 ORDER BY next_check_at LIMIT $2`;
      const unevaluated = `SELECT c.workspace_id, 'customer', c.id FROM customers c
           WHERE NOT EXISTS (SELECT 1 FROM stage_states s WHERE s.workspace_id = c.workspace_id AND s.scope = 'customer' AND s.subject_id = c.id) LIMIT $2`;
      const { rows } = await this.db.query<{ workspace_id: number; scope: Scope; subject_id: number }>(scanAll ? `(${due}) UNION ALL (${unevaluated})` : due, [now.toISOString(), this.batch]);
      if (rows.length === 0) break;
      const groups = new Map<string, number[]>();
      for (const r of rows) {
        const key = `${r.workspace_id}:${r.scope}`;
        groups.set(key, [...(groups.get(key) ?? []), r.subject_id]);
      }
      for (const [key, ids] of groups) {
        const [ws, scope] = key.split(':') as [string, Scope];
        const r = await advanceStages(this.db, Number(ws), scope, ids, { now, models: this.models });
        this.opts.onAdvanced?.(Number(ws), scope, ids, r.moves);
        if (r.accounts.length > 0) this.touch(Number(ws), r.accounts, 'account');
      }
      count += rows.length;
      if (rows.length < this.batch) break;
    }
    return count;
  }
}
