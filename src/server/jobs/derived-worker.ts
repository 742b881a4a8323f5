import type { Db, Queryable } from '../db/client.js';
import type { Logger } from '../log.js';
import type { Change, ChangeBus, ChangeKind } from '../lib/change-bus.js';
import { claimWork, compactWork, failWork, finishWork, recordWork, type Changes, type WorkKind, type WorkRow, type WorkScope } from './derived-work.repo.js';
import { Poller } from './poller.js';
import type { BackgroundGate } from '../lib/priority-gate.js';

/**
 * The machinery of a worker that does durable derived work (see derived-work.repo.ts):
 * it claims rows of its kind, does them and deletes them in one transaction, so work is
 * neither lost (a crash rolls the claim back) nor done twice by two processes (`SKIP
 * LOCKED`). A failed claim is booked (split, counted, parked after too many failures) and
 * retried after a pause. Changes published on this process's bus (`connect`) wake it after a
 * commit; other processes' work is found by polling. A periodic sweep handles what time alone
 * changes.
 * Subclasses say what a claim is (`process`) and what a sweep does (`sweepOnce`).
 */
/** How long `stop` waits for a sweep under way before leaving it. */
const SWEEP_WAIT_MS = 2_000;

export abstract class DerivedWorker {
  /** One poller per lane: claims run side by side, each in its own transaction (rows are claimed with SKIP LOCKED). */
  private readonly pollers: Poller[];
  private readonly writes = new Set<Promise<void>>();
  private sweeping: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Set by `stop`: sweeps end after the batch in hand (what they leave is found by the next sweep). */
  protected stopping = false;
  /** After a failure, claim one row at a time until a claim succeeds (to isolate the row at fault). */
  private careful = false;
  /** Where this worker tells what it did (set by `connect`). */
  protected bus: ChangeBus | null = null;

  protected constructor(
    protected readonly db: Db,
    private readonly kind: WorkKind,
    /** What the worker does, for log lines ("stage evaluation"). */
    private readonly what: string,
    protected readonly log: Logger | undefined,
    /** About how many subjects one claim takes. */
    protected readonly batch: number,
    pollMs: number,
    /** Gives way to the request path before each claim (lib/priority-gate.ts). */
    gate?: BackgroundGate,
    /**
     * Claims in flight at once (default 1). Two let the database work on one batch while this
     * process replays another. PGlite has one connection: always 1 there.
     */
    lanes = 1,
  ) {
    const n = db.kind === 'pglite' ? 1 : Math.max(1, lanes);
    this.pollers = Array.from({ length: n }, (_, i) => new Poller(n > 1 ? `${what} (lane ${i + 1})` : what, () => this.claimOnce(), { pollMs, log, gate }));
  }

  /** Do the claimed rows inside `tx` (the transaction that deletes them). Returns what to do after commit, if anything. */
  protected abstract process(tx: Queryable, rows: WorkRow[]): Promise<(() => void) | void>;

  /** One sweep; returns how many subjects (or segments) it handled. */
  protected abstract sweepOnce(): Promise<number>;

  /**
   * Record work outside any transaction (for callers whose change is already committed)
   * and look at it soon. Callers inside a transaction use `recordWork` with their `tx`.
   */
  protected enqueue(workspaceId: number, ids: Iterable<number>, opts: { scope?: WorkScope; changes?: Changes | Set<string> } = {}): void {
    const list = [...ids];
    if (list.length === 0) return;
    const write = recordWork(this.db, workspaceId, this.kind, list, opts).then(
      () => this.kick(),
      (err: unknown) => this.log?.error({ err, workspaceId, subjects: list.length }, `${this.what}: could not record work`),
    );
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }

  /** The changes that may have recorded work for this worker. */
  protected abstract readonly wakesOn: readonly ChangeKind[];

  /** Of those, the ones that did (default: all). */
  protected wakesFor(_change: Change): boolean {
    return true;
  }

  /** Wake on the bus's changes that make work for this worker, and publish what it does there. */
  connect(bus: ChangeBus): void {
    this.bus = bus;
    bus.on(this.wakesOn, (c) => {
      if (this.wakesFor(c)) this.kick();
    });
  }

  /**
   * Look for work now (after a commit that recorded some): an idle lane looks; with every
   * lane busy, the first looks again after its batch.
   */
  kick(): void {
    (this.pollers.find((p) => !p.busy) ?? this.pollers[0]!).kick();
  }

  /** Resolves when the work recorded so far that can be claimed now, and any sweep under way, is done. */
  async idle(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes]);
    await Promise.all(this.pollers.map((p) => p.drainNow()));
    while (this.sweeping) await this.sweeping;
  }

  /** Claim, do and delete one batch of rows; false when there was nothing to claim. */
  private async claimOnce(): Promise<boolean> {
    let claimed: WorkRow[] = [];
    const then: { after?: (() => void) | void } = {};
    const skipLocked = this.db.kind !== 'pglite';
    if (!this.careful) {
      // A backlog names many customers several times: merge it first (its own short transaction).
      try {
        await this.db.transaction((tx) => compactWork(tx, this.kind, this.batch, { skipLocked }));
      } catch (err) {
        this.log?.warn({ err }, `${this.what}: could not compact the backlog`);
      }
    }
    try {
      const done = await this.db.transaction(async (tx) => {
        // Background work takes what the request path leaves: no parallel workers for its
        // per-batch reads (on two cores they only take CPU from ingestion's transactions).
        if (this.db.kind === 'postgres') await tx.query('SET LOCAL max_parallel_workers_per_gather = 0');
        claimed = await claimWork(tx, this.kind, this.batch, { single: this.careful, skipLocked });
        if (claimed.length === 0) return false;
        then.after = await this.process(tx, claimed);
        await finishWork(tx, claimed);
        return true;
      });
      if (!done) return false;
      this.careful = false;
      then.after?.();
      return true;
    } catch (err) {
      if (claimed.length === 0) throw err; // the claim itself failed (database away): the poller backs off
      this.careful = true;
      const parked = await failWork(this.db, claimed, errorText(err));
      const subjects = claimed.reduce((n, r) => n + r.subjectIds.length, 0);
      if (parked > 0) this.log?.error({ err, rows: claimed.map((r) => r.id), subjects }, `${this.what} failed too often; parked (see GET /api/work), retry with POST /api/work/retry`);
      else this.log?.warn({ err, rows: claimed.map((r) => r.id), subjects }, `${this.what} failed; will retry`);
      return true;
    }
  }

  /** Start polling for work every pollMs and sweeping every `everyMs` (no sweep when 0 or less). */
  protected startWorking(everyMs: number): void {
    this.stopping = false;
    for (const p of this.pollers) p.start();
    if (everyMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.sweep().catch((err: unknown) => this.log?.error({ err }, `${this.what} sweep failed`)), everyMs);
    this.timer.unref();
  }

  /** Stop polling and sweeping and finish the claim in hand (unclaimed work stays recorded). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.writes.size > 0) await Promise.all([...this.writes]);
    await Promise.all(this.pollers.map((p) => p.stop()));
    // A sweep is repeatable (nothing depends on it but freshness): wait a little, then leave
    // it; its open transaction rolls back when the process's connections close.
    if (this.sweeping) {
      const left = await Promise.race([this.sweeping.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), SWEEP_WAIT_MS).unref())]);
      if (left) this.log?.info(`${this.what}: leaving the sweep in hand at shutdown (the next sweep does it again; nothing recorded is lost)`);
    }
  }

  /** True while a sweep runs (one left at `stop` keeps its connection until it ends or the process exits). */
  get sweepInProgress(): boolean {
    return this.sweeping !== null;
  }

  /** Sweep now (one at a time: a sweep asked for while one runs waits for it and reports 0). */
  sweep(): Promise<number> {
    if (this.sweeping) return this.sweeping.then(() => 0);
    let count = 0;
    this.sweeping = this.sweepOnce()
      .then((n) => {
        count = n;
      })
      .finally(() => {
        this.sweeping = null;
      });
    return this.sweeping.then(() => count);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.message}${(err as { code?: string }).code ? ` (${(err as { code?: string }).code})` : ''}` : String(err);
}
