import type { Logger } from '../log.js';

/**
 * The machinery of an in-process worker that re-evaluates the ids handed to it
 * (`touch`), in batches, off the request path, plus a periodic sweep: pending ids are
 * kept per key (a workspace, a workspace and scope…), drained a batch at a time by one
 * loop; a batch that fails goes back in the queue and the loop pauses, the pause growing
 * while failures last; a batch that failed 6 times in a row is dropped (logged), so one
 * bad subject cannot hold up everyone — its next event or the sweep tries again.
 * Subclasses say what a batch is (`process`) and what a sweep does (`sweepOnce`).
 */
export abstract class TouchWorker {
  private readonly pending = new Map<string, Set<number>>();
  private running: Promise<void> | null = null;
  private sweeping: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;

  protected constructor(
    /** What the worker does, for log lines ("stage evaluation"). */
    private readonly what: string,
    protected readonly log: Logger | undefined,
    /** Most ids per batch. */
    protected readonly batch: number,
  ) {}

  /** Work out one batch of ids of one key. */
  protected abstract process(key: string, ids: number[]): Promise<void>;

  /** One sweep; returns how many subjects (or segments) it handled. */
  protected abstract sweepOnce(): Promise<number>;

  /** Queue ids under a key and make sure the loop runs. */
  protected enqueue(key: string, ids: Iterable<number>): void {
    let set = this.pending.get(key);
    if (!set) this.pending.set(key, (set = new Set()));
    for (const id of ids) set.add(id);
    if (set.size === 0) this.pending.delete(key);
    this.running ??= this.drain().finally(() => {
      this.running = null;
      if (this.pending.size > 0) this.enqueue(key, []); // work that came in as the loop ended
    });
  }

  /** Resolves when everything queued so far, and any sweep under way, is done. */
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
      try {
        await this.process(key, ids);
        this.failures = 0;
      } catch (err) {
        this.failures++;
        const giveUp = this.failures > 6;
        this.log?.error({ err, key, ids: ids.length, attempt: this.failures }, `${this.what} failed; ${giveUp ? 'giving up on this batch' : 'will retry'}`);
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

  /** Start sweeping every `everyMs` (nothing when 0 or less, or already started). */
  protected startSweeping(everyMs: number): void {
    if (everyMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.sweep().catch((err: unknown) => this.log?.error({ err }, `${this.what} sweep failed`)), everyMs);
    this.timer.unref();
  }

  /** Stop sweeping and finish the work in hand. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.idle();
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
