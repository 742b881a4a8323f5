import type { Db, Queryable } from '../db/client.js';
import type { WorkRow } from '../jobs/derived-work.repo.js';
import { DerivedWorker } from '../jobs/derived-worker.js';
import type { Logger } from '../log.js';
import type { BackgroundGate } from '../lib/priority-gate.js';
import { ModelCache } from './models.repo.js';
import { advanceStages, advanceStagesIn } from './stage-service.js';
import type { Scope } from '../rules/subjects.js';
import type { ChangeKind } from '../lib/change-bus.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

export interface StageWorkerOptions {
  log?: Logger;
  /** Gives way to the request path before each claim (lib/priority-gate.ts). */
  gate?: BackgroundGate;
  models?: ModelCache;
  /** How often the sweep looks for time-based moves (default 30 s; 0: never). */
  sweepMs?: number;
  /**
   * How often a sweep also looks for customers never evaluated (a scan of all customers;
   * default 10 minutes, and on the first sweep). Ingestion records stage work for every
   * customer it stores; these are customers stored by a path that recorded none (or before
   * stage work was recorded), whom no work would bring to a stage.
   */
  unevaluatedEveryMs?: number;
  /** How often other processes' recorded work is looked for (ms; default 1 s). Work recorded in this process is looked at at once. */
  pollMs?: number;
  /** Most subjects advanced in one transaction (default 500). */
  batch?: number;
  /** Claims advanced side by side on PostgreSQL (default 2; PGlite: 1). */
  lanes?: number;
  /** The clock; a parameter so tests can move time. */
  clock?: () => Date;
}

/**
 * Keeps stages current. Ingestion records, in the transaction that stores the events,
 * which customers to re-evaluate (durable work, see jobs/derived-work.repo.ts); this worker
 * claims that work (in this process or any other), replays the customers' stages in
 * batches and deletes the work in the same transaction. A sweep every `sweepMs` advances
 * subjects whose `next_check_at` has come (a silence grown long enough to mean at-risk or
 * churned, a window closed) and customers that have no stage yet (stored while no worker ran).
 */
export class StageWorker extends DerivedWorker {
  /** New events, and traits a journey changed, record stage work; so does a retry of parked work. */
  protected readonly wakesOn: readonly ChangeKind[] = ['events', 'traits', 'work-retried'];
  private readonly models: ModelCache;
  private readonly clock: () => Date;
  private lastUnevaluatedScan = -Infinity;

  constructor(
    db: Db,
    private readonly opts: StageWorkerOptions = {},
  ) {
    super(db, 'stage', 'stage evaluation', opts.log, opts.batch ?? 500, opts.pollMs ?? 1_000, opts.gate, opts.lanes ?? 2);
    this.models = opts.models ?? new ModelCache();
    this.clock = opts.clock ?? (() => new Date());
  }

  /** Re-evaluate these customers (or accounts) soon: records the work durably, then looks at it. */
  touch(workspaceId: number, customerIds: Iterable<number>, scope: Scope = 'customer'): void {
    this.enqueue(workspaceId, customerIds, { scope });
  }

  protected async process(tx: Queryable, rows: WorkRow[]): Promise<() => void> {
    const exclusive = this.db.kind === 'pglite';
    const groups = new Map<string, { ws: number; scope: Scope; ids: Set<number> }>();
    for (const r of rows) {
      const key = `${r.workspaceId}:${r.scope}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { ws: r.workspaceId, scope: r.scope, ids: new Set() }));
      for (const id of r.subjectIds) g.ids.add(id);
    }
    const done: Array<[number, Scope, number[], number]> = [];
    // Customers before accounts, workspaces in order: every lane takes subject locks in the
    // same order, so two claims holding customers and accounts cannot deadlock.
    const ordered = [...groups.values()].sort((a, b) => (a.scope === b.scope ? a.ws - b.ws : a.scope === 'customer' ? -1 : 1));
    for (const g of ordered) {
      const ids = [...g.ids];
      const r = await advanceStagesIn(tx, exclusive, g.ws, g.scope, ids, { now: this.clock(), models: this.models });
      done.push([g.ws, g.scope, ids, r.moves]);
    }
    return () => {
      for (const [ws, scope, ids, moves] of done) this.advanced(ws, scope, ids, moves);
    };
  }

  /** Stages evaluated and committed (the moves recorded segment and journey work with them). */
  private advanced(workspaceId: number, scope: Scope, subjectIds: number[], moves: number): void {
    this.bus?.publish({ kind: 'stage', workspaceId, scope, subjectIds, moves });
  }

  /** The models this worker evaluates with (shared with the admin API, which invalidates it on edits). */
  get modelCache(): ModelCache {
    return this.models;
  }

  /** Start claiming work and the periodic sweep. */
  start(): void {
    this.startWorking(this.opts.sweepMs ?? 30_000);
  }

  /**
   * Advance every subject whose next check has come, and every customer without a stage
   * (on the first sweep and every `unevaluatedEveryMs`). Returns how many subjects it advanced.
   */
  protected async sweepOnce(): Promise<number> {
    let count = 0;
    const scanAll = Date.now() - this.lastUnevaluatedScan >= (this.opts.unevaluatedEveryMs ?? 600_000);
    if (scanAll) this.lastUnevaluatedScan = Date.now();
    for (;;) {
      // The clock is read for each batch: a sweep over many subjects lasts a while, and
      // each batch is evaluated as of when it runs.
      const now = this.clock();
      const { rows } = await this.db.query<RowPick<typeof schema.stageStates, 'workspace_id' | 'scope' | 'subject_id', { scope: Scope }>>(
        `SELECT workspace_id, scope, subject_id FROM stage_states WHERE next_check_at <= $1 ORDER BY next_check_at LIMIT $2`,
        [now.toISOString(), this.batch],
      );
      if (rows.length === 0) break;
      count += await this.advanceGroups(rows, now);
      if (rows.length < this.batch || this.stopping) break;
    }
    if (scanAll && !this.stopping) count += await this.sweepUnevaluated();
    // Accounts of the customers advanced were recorded as work.
    if (count > 0) this.kick();
    return count;
  }

  /**
   * Customers with no stage whose stage work cannot still be waiting: stored before the
   * oldest stage work of their workspace not yet done (by the database's clock; a customer's
   * row and its work are written in one transaction, so they carry the same time). Customers stored since are
   * left to the work recorded with them: during a burst the waiting customers would otherwise
   * be evaluated twice, by this sweep and by the worker, and the scan repeated per batch. One
   * pass in id order over the customers, a batch at a time.
   */
  private async sweepUnevaluated(): Promise<number> {
    let count = 0;
    let after = 0;
    for (;;) {
      const now = this.clock();
      const { rows } = await this.db.query<{ workspace_id: number; scope: Scope; subject_id: number }>(
        `WITH waiting AS (SELECT workspace_id, min(created_at) AS since FROM derived_work WHERE kind = 'stage' AND parked_at IS NULL GROUP BY workspace_id)
         SELECT c.workspace_id, 'customer' AS scope, c.id AS subject_id FROM customers c LEFT JOIN waiting w ON w.workspace_id = c.workspace_id
          WHERE c.id > $1 AND c.created_at < coalesce(w.since, now())
            AND NOT EXISTS (SELECT 1 FROM stage_states s WHERE s.workspace_id = c.workspace_id AND s.scope = 'customer' AND s.subject_id = c.id)
          ORDER BY c.id LIMIT $2`,
        [after, this.batch],
      );
      if (rows.length === 0) break;
      after = Number(rows[rows.length - 1]!.subject_id);
      count += await this.advanceGroups(rows, now);
      if (rows.length < this.batch || this.stopping) break;
    }
    return count;
  }

  /** Advance subjects listed as (workspace, scope, id), a transaction per workspace and scope; returns how many. */
  private async advanceGroups(rows: ReadonlyArray<{ workspace_id: number; scope: Scope; subject_id: number }>, now: Date): Promise<number> {
    const groups = new Map<string, number[]>();
    for (const r of rows) {
      const key = `${r.workspace_id}:${r.scope}`;
      const ids = groups.get(key);
      if (ids) ids.push(Number(r.subject_id));
      else groups.set(key, [Number(r.subject_id)]);
    }
    for (const [key, ids] of groups) {
      const [ws, scope] = key.split(':') as [string, Scope];
      const r = await advanceStages(this.db, Number(ws), scope, ids, { now, models: this.models });
      this.advanced(Number(ws), scope, ids, r.moves);
    }
    return rows.length;
  }
}
