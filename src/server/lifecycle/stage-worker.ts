import type { Db } from '../db/client.js';
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
export class StageWorker {
  private readonly pending = new Map<string, Set<number>>();
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private readonly models: ModelCache;
  private readonly batch: number;
  private readonly clock: () => Date;
  private failures = 0;
  private lastUnevaluatedScan = -Infinity;

  constructor(
    private readonly db: Db,
    private readonly opts: StageWorkerOptions = {},
  ) {
    this.models = opts.models ?? new ModelCache();
    this.batch = opts.batch ?? 500;
    this.clock = opts.clock ?? (() => new Date());
  }

  /** Customers whose events were just committed: re-evaluate them soon. */
  touch(workspaceId: number, customerIds: Iterable<number>, scope: Scope = 'customer'): void {
    const key = `${workspaceId}:${scope}`;
    let set = this.pending.get(key);
    if (!set) this.pending.set(key, (set = new Set()));
    for (const id of customerIds) set.add(id);
    if (set.size === 0) this.pending.delete(key);
    this.running ??= this.drain().finally(() => {
      this.running = null;
      if (this.pending.size > 0) this.touch(workspaceId, [], scope); // work that came in as the loop ended
    });
  }

  /** Resolves when everything touched so far is evaluated. */
  async idle(): Promise<void> {
    while (this.running || this.sweeping) await (this.running ?? this.sweeping);
  }

  private async drain(): Promise<void> {
    await Promise.resolve(); // let the current tick's touches gather
    while (this.pending.size > 0) {
      const [key, set] = this.pending.entries().next().value as [string, Set<number>];
      const ids = [...set].slice(0, this.batch);
      for (const id of ids) set.delete(id);
      if (set.size === 0) this.pending.delete(key);
      const [ws, scope] = key.split(':') as [string, Scope];
      try {
        const r = await advanceStages(this.db, Number(ws), scope, ids, { now: this.clock(), models: this.models });
        this.opts.onAdvanced?.(Number(ws), scope, ids, r.moves);
        if (r.accounts.length > 0) this.touch(Number(ws), r.accounts, 'account');
        this.failures = 0;
      } catch (err) {
        // A conflict or an outage: put the work back and pause, growing the pause while it
        // lasts. A batch that keeps failing is dropped after 6 tries (logged), so one bad
        // subject cannot hold up everyone; its next event or check retries it.
        this.failures++;
        const giveUp = this.failures > 6;
        this.opts.log?.error({ err, workspaceId: ws, scope, subjects: ids.length, attempt: this.failures }, giveUp ? 'stage evaluation failed; giving up on this batch' : 'stage evaluation failed; will retry');
        if (giveUp) {
          this.failures = 0;
          continue;
        }
        const back = this.pending.get(key) ?? new Set<number>();
        for (const id of ids) back.add(id);
        this.pending.set(key, back);
        await new Promise((r) => setTimeout(r, Math.min(30_000, 100 * 2 ** this.failures)));
      }
    }
  }

  /** The models this worker evaluates with (shared with the admin API, which invalidates it on edits). */
  get modelCache(): ModelCache {
    return this.models;
  }

  /** Start the periodic sweep. */
  start(): void {
    const every = this.opts.sweepMs ?? 30_000;
    if (every <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.sweep().catch((err: unknown) => this.opts.log?.error({ err }, 'stage sweep failed')), every);
    this.timer.unref();
  }

  /** Stop the sweep and finish the work in hand. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.idle();
  }

  /**
   * Advance every subject whose next check has come, and every customer without a stage;
   * resolves once they are evaluated. Returns how many subjects it handed over.
   */
  sweep(): Promise<number> {
    if (this.sweeping) return this.sweeping.then(() => 0);
    let count = 0;
    const run = (async () => {
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
    })();
    this.sweeping = run.finally(() => {
      this.sweeping = null;
    });
    return this.sweeping.then(() => count);
  }
}
