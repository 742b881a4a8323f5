import { isTimeBased } from '../../contracts/segment-definition.js';
import type { Db, Queryable } from '../db/client.js';
import { recordWork, type WorkRow } from '../jobs/derived-work.repo.js';
import { DerivedWorker } from '../jobs/derived-worker.js';
import type { Logger } from '../log.js';
import type { BackgroundGate } from '../lib/priority-gate.js';
import type { Change, ChangeKind } from '../lib/change-bus.js';
import { RFM_GROUPS, RFM_ORDER_EVENT, runRfm } from './rfm.js';
import { computeSegment, segmentsBusy, syncMany } from './segment-sync.js';
import { dependencyOrder, reads } from './segment-reads.js';
import { listSegments, type StoredSegment } from './segments.repo.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

export interface SegmentWorkerOptions {
  log?: Logger;
  /** Gives way to the request path before each claim (lib/priority-gate.ts). */
  gate?: BackgroundGate;
  /**
   * This process's stage worker evaluates the same customers first (roles/wiring.ts): wake on
   * its evaluations instead of on new events, so a customer's new events and the stage move
   * they cause are claimed together and decided in one pass, not one pass each.
   */
  afterStages?: boolean;
  /** How often the sweep looks for segments that change with time (default 60 s; 0: never). */
  sweepMs?: number;
  /** A time-based segment is worked out in full again once its last computation is this old (default 5 minutes). */
  refreshMs?: number;
  /** How long customers wait to be evaluated again for a segment being worked out in full when their change came (ms; default 5 s). */
  againAfterComputationMs?: number;
  /** How often RFM is scored again (default 1 hour; on the first sweep for a workspace with orders and no scores). */
  rfmRefreshMs?: number;
  /** How often other processes' recorded work is looked for (ms; default 1 s). */
  pollMs?: number;
  /** Most customers re-evaluated in one transaction (default 500). */
  batch?: number;
  /** The clock; a parameter so tests can move time. */
  clock?: () => Date;
}

/**
 * Keeps segment membership current. Ingestion (and the stage engine, when stages move)
 * records, in its own transaction, the customers it touched and what changed for each
 * (event names, traits, stage…) as durable work (jobs/derived-work.repo.ts); this worker
 * claims it (here or in any other process) and, per batch, decides in memory every computed
 * dynamic segment of the workspace that reads one of those changes, in dependency order,
 * and writes the memberships that differ, in the transaction that deletes the work. A
 * sweep works out time-based segments (rolling windows, silences, stage/segment/score
 * leaves) in full once their last computation is `refreshMs` old, so members leave "no
 * order within 60 days" with no new event.
 */
export class SegmentWorker extends DerivedWorker {
  /** What records segment work: new events, traits a journey changed, stage moves, a retry of parked work. */
  protected readonly wakesOn: readonly ChangeKind[] = ['events', 'traits', 'stage', 'work-retried'];
  /**
   * A stage evaluation records segment work only for customers who moved; after one (with
   * `afterStages`), the events' own segment work is ready to be claimed with it.
   */
  protected override wakesFor(c: Change): boolean {
    // Ingestion's events (they carry what changed) recorded stage work too: the stage worker's evaluation wakes this one.
    if (c.kind === 'events') return !(this.opts.afterStages === true && c.changes !== undefined);
    if (c.kind === 'stage') return c.scope === 'customer' && (c.moves > 0 || this.opts.afterStages === true);
    return true;
  }
  private readonly clock: () => Date;

  constructor(
    db: Db,
    private readonly opts: SegmentWorkerOptions = {},
  ) {
    super(db, 'segment', 'segment evaluation', opts.log, opts.batch ?? 500, opts.pollMs ?? 1_000, opts.gate);
    this.clock = opts.clock ?? (() => new Date());
  }

  /**
   * Customers whose data just changed: re-evaluate their memberships soon (recorded
   * durably, then looked at). `changes` says what changed per customer (event names,
   * `$traits`, `$stage`…), so only the segments reading it are evaluated; without it,
   * every segment is.
   */
  touch(workspaceId: number, customerIds: Iterable<number>, changes?: Map<number, Set<string>> | Set<string>): void {
    this.enqueue(workspaceId, customerIds, { changes });
  }

  protected async process(tx: Queryable, rows: WorkRow[]): Promise<() => void> {
    const byWorkspace = new Map<number, Map<number, Set<string>>>();
    for (const r of rows) {
      let changes = byWorkspace.get(r.workspaceId);
      if (!changes) byWorkspace.set(r.workspaceId, (changes = new Map()));
      for (const id of r.subjectIds) {
        let set = changes.get(id);
        if (!set) changes.set(id, (set = new Set()));
        const add = r.changes ? r.changes.get(id) : undefined;
        if (!add) set.add('$all');
        else for (const k of add) set.add(k);
      }
    }
    const done: Array<[number, number[], number, number]> = [];
    for (const [ws, changes] of byWorkspace) {
      const ids = [...changes.keys()].sort((a, b) => a - b);
      const r = await this.syncIn(tx, ws, ids, changes);
      done.push([ws, ids, r.entered, r.exited]);
    }
    return () => {
      for (const [workspaceId, customerIds, entered, exited] of done) this.bus?.publish({ kind: 'segment', workspaceId, customerIds, entered, exited });
    };
  }

  private async syncIn(tx: Queryable, ws: number, ids: number[], changes: Map<number, Set<string>>): Promise<{ entered: number; exited: number }> {
    const now = this.clock();
    const dynamic = (await listSegments(tx, ws)).filter((s) => s.kind === 'dynamic');
    // Only segments already worked out in full: a new or edited one gets everyone from its job.
    const segs = dependencyOrder(dynamic.filter((s) => s.computedVersion === s.version));
    const people = segs.filter((s) => s.scope === 'customer');
    const accountSegs = segs.filter((s) => s.scope === 'account');
    // PGlite: one session, nothing runs beside this transaction; no locks needed.
    const exclusive = this.db.kind === 'pglite';
    if (!exclusive)
      await this.againAfterComputations(
        tx,
        ws,
        dynamic.filter((s) => s.condition !== null && s.computedVersion !== s.version),
        ids,
        changes,
      );
    const r = await syncMany(tx, people, now, ids, changes, { exclusive });
    if (accountSegs.length > 0) {
      // The touched customers' accounts.
      const { rows } = await tx.query<RowPick<typeof schema.accountMembers, 'account_id'>>(
        `SELECT DISTINCT account_id FROM account_members WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[]) ORDER BY 1`,
        [ws, ids],
      );
      const a = await syncMany(
        tx,
        accountSegs,
        now,
        rows.map((x) => x.account_id),
        undefined,
        { exclusive },
      );
      r.entered += a.entered;
      r.exited += a.exited;
    }
    return { entered: r.entered, exited: r.exited };
  }

  /**
   * A segment being worked out in full right now (a new or edited segment's job) is left out
   * of this batch's decisions, and its computation may have read these customers before the
   * changes this batch carries (its one statement sees what was committed when it began):
   * they would keep a membership decided on older data until their next change. So the
   * customers it reads are evaluated again a few seconds on (recorded work, claimed when the
   * computation is likely done; recorded again if it is still running). A segment whose
   * computation has not begun its diff needs nothing: it reads everything committed before
   * it, and this transaction holds it back until this batch has committed (`segmentsBusy`).
   */
  private async againAfterComputations(tx: Queryable, ws: number, computing: StoredSegment[], ids: number[], changes: Map<number, Set<string>>): Promise<void> {
    if (computing.length === 0) return;
    const busy = new Set(
      await segmentsBusy(
        tx,
        ws,
        computing.map((s) => s.id),
      ),
    );
    if (busy.size === 0) return;
    const waiting = computing.filter((s) => busy.has(s.id));
    // Account segments are decided for the touched customers' accounts, whatever changed.
    const again = waiting.some((s) => s.scope === 'account') ? ids : ids.filter((id) => waiting.some((s) => reads(s, changes.get(id))));
    if (again.length === 0) return;
    await recordWork(tx, ws, 'segment', again, { changes, afterMs: this.opts.againAfterComputationMs ?? 5_000 });
  }

  /** Start claiming work and the periodic sweep. */
  start(): void {
    this.startWorking(this.opts.sweepMs ?? 60_000);
  }

  /**
   * Score RFM where it is due (moving the RFM groups), then work out in full every
   * time-based segment whose last computation is older than `refreshMs`; returns how many
   * segments it computed.
   */
  protected async sweepOnce(): Promise<number> {
    let count = 0;
    const now = this.clock();
    const refreshMs = this.opts.refreshMs ?? 300_000;
    const rfmEvery = this.opts.rfmRefreshMs ?? 3_600_000;
    const { rows: runs } = await this.db.query<RowPick<typeof schema.workspaces, 'id'> & { computed_at: Date | null; has_orders: boolean }>(
      `SELECT w.id, r.computed_at,
              r.computed_at IS NULL AND EXISTS (SELECT 1 FROM events e WHERE e.workspace_id = w.id AND e.event = $1) AS has_orders
         FROM workspaces w LEFT JOIN rfm_runs r ON r.workspace_id = w.id ORDER BY w.id`,
      [RFM_ORDER_EVENT],
    );
    for (const w of runs) {
      const due = w.computed_at ? now.getTime() - w.computed_at.getTime() >= rfmEvery : w.has_orders;
      if (!due) continue;
      await runRfm(this.db, w.id, now);
      count += RFM_GROUPS.length;
    }
    const { rows } = await this.db.query<RowPick<typeof schema.segments, 'workspace_id'>>(`SELECT DISTINCT workspace_id FROM segments WHERE kind = 'dynamic' ORDER BY 1`);
    for (const { workspace_id: ws } of rows) {
      const due = dependencyOrder(await listSegments(this.db, ws)).filter(
        (s: StoredSegment) =>
          s.kind === 'dynamic' && s.condition !== null && isTimeBased(s.condition) && s.computedVersion === s.version && now.getTime() - (s.computedAt?.getTime() ?? 0) >= refreshMs,
      );
      for (const seg of due) {
        if (this.stopping) return count;
        await computeSegment(this.db, ws, seg.id, now);
        count++;
      }
    }
    return count;
  }
}
