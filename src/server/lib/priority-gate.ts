/**
 * Requests first, background work after: the ingestion writers report when they are busy
 * (`begin` / `end`, one per lane write), and background loops (stage and segment
 * evaluation, the journey loops, the KPI fact sync, the loyalty and referral processors)
 * `wait` before each batch. While the writers are near saturation, a loop holds back, so a
 * burst is taken at the request path's full speed and the derived work (durable, recorded
 * with each commit) is caught up after it. A loop never waits more than `maxWaitMs` for one
 * batch, so sustained overload still moves the background on, at a lower share.
 *
 * Near saturation means both, averaged over about `tauMs` (exponential moving averages, so
 * one long transaction does not stop the background and a short pause in a burst does not
 * release it): the writer lanes busy at least `high` of the time, AND requests' events
 * waiting for a writer (`queued`) at least `minQueued` on average. Busy alone is not enough:
 * on a machine loaded by something else every transaction is slow and the lanes look busy
 * at any rate; a queue that stays behind them is what says requests arrive faster than
 * they are written.
 *
 * The gate also reads, without acting on them, the events in flight (submitted, not yet
 * answered) and how busy this process's event loop is (`reading`, printed by
 * bench/segments-ingest.ts). A rule "loop busy ≥ 0.9 with ≥ 500 events in flight" was tried (issue #27)
 * and dropped: at half the maximum rate of bench/ingest.ts the server's loop is that busy,
 * and the rule held the stage worker back (event → stage p99 3.8 s instead of 0.38 s)
 * without raising the maximum; in bench/segments-ingest.ts the loop was 62–66% busy at
 * the maximum, so the thread was not what ran out.
 */
export interface PriorityGateOptions {
  /** Averaging time of the busy share (ms; default 500). */
  tauMs?: number;
  /** Busy share from which background loops hold back (default 0.85). */
  high?: number;
  /** Average events waiting for a writer from which background loops hold back (default 500: half a transaction). */
  minQueued?: number;
  /** Longest hold of one background batch (ms; default 2,000). */
  maxWaitMs?: number;
  /** How often a held loop looks again (ms; default 25). */
  stepMs?: number;
  /**
   * Background batches of this process run at once, at most (default unlimited; taken first
   * come, first served through `enter`). Each batch holds a pooled database connection: with
   * every loop free to start, they could hold all of them, and ingestion's transactions
   * waited for one (roles/wiring.ts `backgroundSlots` picks the number).
   */
  slots?: number;
  /** The clock in ms (tests). */
  now?: () => number;
  /** Waits (tests). */
  sleep?: (ms: number) => Promise<void>;
  /** The event loop's busy and idle time so far, in ms (tests; default `performance.eventLoopUtilization()`). */
  loopTime?: () => { active: number; idle: number };
}

/** What the gate sees now (smoothed), for benchmarks. */
export interface GateReading {
  /** Share of writer lanes busy, 0–1. */
  busy: number;
  /** Events waiting for a writer. */
  queued: number;
  /** Requests' events not yet answered. */
  inFlight: number;
  /** Share of time the event loop was busy, 0–1. */
  loop: number;
  /** Whether background loops hold back now. */
  saturated: boolean;
}

/** What a background loop sees of the gate. */
export interface BackgroundGate {
  /** Resolves when this loop may run its next batch; returns how long it held back (ms). */
  wait(): Promise<number>;
  /** Whether the request path is near saturation now (a loop released by `maxWaitMs` should take a small batch). */
  saturated(): boolean;
  /** Resolves when a background slot is free (first come, first served); call the function it gives when the batch is done. */
  enter?(): Promise<() => void>;
}

export class PriorityGate implements BackgroundGate {
  private lanes = 1;
  private active = 0;
  private share = 0;
  private queue = 0;
  private queueAvg = 0;
  private flight = 0;
  private flightAvg = 0;
  private loopAvg = 0;
  private loopLast: { active: number; idle: number };
  private readonly loopTime: () => { active: number; idle: number };
  private readonly minQueued: number;
  private last: number;
  private readonly tau: number;
  private readonly high: number;
  private readonly maxWait: number;
  private readonly step: number;
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Milliseconds background loops have held back in all, and how many holds (for /metrics and benchmarks). */
  readonly held = { ms: 0, times: 0 };
  private readonly slots: number;
  private inSlots = 0;
  private readonly slotQueue: Array<() => void> = [];

  constructor(opts: PriorityGateOptions = {}) {
    this.tau = opts.tauMs ?? 500;
    this.high = opts.high ?? 0.85;
    this.minQueued = opts.minQueued ?? 500;
    this.maxWait = opts.maxWaitMs ?? 2_000;
    this.step = opts.stepMs ?? 25;
    this.slots = opts.slots !== undefined && opts.slots > 0 ? opts.slots : Infinity;
    this.clock = opts.now ?? (() => performance.now());
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.loopTime = opts.loopTime ?? (() => performance.eventLoopUtilization());
    this.last = this.clock();
    this.loopLast = this.loopTime();
  }

  /** How many writers the request path has (the ingest queue's lanes). */
  setLanes(n: number): void {
    this.advance();
    this.lanes = Math.max(1, n);
  }

  /** A writer started a transaction. */
  begin(): void {
    this.advance();
    this.active++;
  }

  /** A writer's transaction ended. */
  end(): void {
    this.advance();
    this.active = Math.max(0, this.active - 1);
  }

  /** Events now waiting for a writer (the ingest queue's backlog). */
  queued(events: number): void {
    this.advance();
    this.queue = Math.max(0, events);
  }

  /** Requests' events now submitted and not yet answered (the ingest queue's). */
  inFlight(events: number): void {
    this.advance();
    this.flight = Math.max(0, events);
  }

  /** The smoothed events waiting for a writer. */
  queuedAverage(): number {
    this.advance();
    return this.queueAvg;
  }

  /** The smoothed share of writer lanes busy, 0–1. */
  busyShare(): number {
    this.advance();
    return this.share;
  }

  saturated(): boolean {
    return this.busyShare() >= this.high && this.queueAvg >= this.minQueued;
  }

  /** What the gate sees now. */
  reading(): GateReading {
    const saturated = this.saturated();
    return { busy: this.share, queued: this.queueAvg, inFlight: this.flightAvg, loop: this.loopAvg, saturated };
  }

  async wait(): Promise<number> {
    if (!this.saturated()) return 0;
    const t0 = this.clock();
    while (this.saturated() && this.clock() - t0 < this.maxWait) await this.sleep(this.step);
    const ms = this.clock() - t0;
    this.held.ms += ms;
    this.held.times++;
    return ms;
  }

  enter(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.inSlots++;
        let left = false;
        resolve(() => {
          if (left) return;
          left = true;
          this.inSlots--;
          this.slotQueue.shift()?.();
        });
      };
      if (this.inSlots < this.slots) grant();
      else this.slotQueue.push(grant);
    });
  }

  /** Background batches running now, and waiting for a slot. */
  slotUse(): { running: number; waiting: number } {
    return { running: this.inSlots, waiting: this.slotQueue.length };
  }

  private advance(): void {
    const now = this.clock();
    const dt = now - this.last;
    if (dt <= 0) return;
    this.last = now;
    const k = Math.exp(-dt / this.tau);
    this.share = this.share * k + Math.min(1, this.active / this.lanes) * (1 - k);
    this.queueAvg = this.queueAvg * k + this.queue * (1 - k);
    this.flightAvg = this.flightAvg * k + this.flight * (1 - k);
    const loop = this.loopTime();
    const active = loop.active - this.loopLast.active;
    const idle = loop.idle - this.loopLast.idle;
    this.loopLast = loop;
    if (active + idle > 0) this.loopAvg = this.loopAvg * k + (active / (active + idle)) * (1 - k);
  }
}
