import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import type { ChangeBus } from '../lib/change-bus.js';
import { Poller } from '../jobs/poller.js';
import type { BackgroundGate } from '../lib/priority-gate.js';
import { processLoyaltyEvents } from './loyalty-processor.js';
import { sweepLoyalty } from './loyalty-sweep.js';

export interface LoyaltyWorkerOptions {
  log?: Logger;
  /** How often the processor looks for events when nothing kicked it (default 250 ms on PostgreSQL, 5 s on PGlite). */
  pollMs?: number;
  /** How often the time sweep runs: releases, expiries, birthdays, tier reviews (default 60 s). */
  sweepMs?: number;
  batch?: number;
  /** The clock; a parameter so tests can move time. */
  clock?: () => Date;
  /** Gives way to the request path before each batch of the processor (lib/priority-gate.ts). */
  gate?: BackgroundGate;
}

/**
 * Loyalty in this process: the event processor (events → enrolments, earns, reversals,
 * releases; kicked by the bus when events are committed) and the slower sweep (releases and
 * expiries due, birthdays, tier reviews). Both are safe in many processes: the processor holds
 * its cursor row, the sweep's ledger moves are keyed. What they change is published on the bus
 * as events (the ledger writes `Points …` on the timeline), so stages, segments and journeys see it.
 */
export class LoyaltyWorker {
  /** What this worker did since it was made. */
  readonly totals = { earned: 0, reversed: 0, released: 0, expired: 0, enrolled: 0 };
  private readonly clock: () => Date;
  private readonly processor: Poller;
  private readonly sweeper: Poller;
  private bus: ChangeBus | null = null;

  constructor(
    private readonly db: Db,
    private readonly opts: LoyaltyWorkerOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date());
    const log = opts.log;
    this.processor = new Poller(
      'loyalty processor',
      async () => {
        const r = await processLoyaltyEvents(db, { now: this.clock(), batch: opts.batch });
        if (!r) return false;
        this.totals.earned += r.earned;
        this.totals.reversed += r.reversed;
        this.totals.released += r.released;
        this.totals.enrolled += r.enrolled;
        for (const f of r.refused) log?.warn({ ...f }, 'a loyalty ledger move was refused');
        this.publish(r.touched);
        return r.more;
      },
      { pollMs: opts.pollMs ?? (db.kind === 'pglite' ? 5_000 : 250), log, gate: opts.gate },
    );
    this.sweeper = new Poller(
      'loyalty sweep',
      async () => {
        const r = await sweepLoyalty(db, this.clock());
        this.totals.released += r.released;
        this.totals.expired += r.expired;
        this.publish(r.touched);
        return r.more;
      },
      { pollMs: opts.sweepMs ?? 60_000, log },
    );
  }

  /** Wake the processor when events are committed. */
  connect(bus: ChangeBus): void {
    this.bus = bus;
    bus.on('events', () => this.processor.kick());
  }

  private publish(touched: Map<number, number[]>): void {
    for (const [workspaceId, customerIds] of touched) if (customerIds.length > 0) this.bus?.publish({ kind: 'events', workspaceId, customerIds });
  }

  start(): void {
    this.processor.start();
    if (this.opts.sweepMs !== 0) this.sweeper.start();
  }

  /** New events were committed: look at them now. */
  kick(): void {
    this.processor.kick();
  }

  /** Run the processor until it has no more work, then one sweep (tests, one-shot commands). */
  async drainNow(): Promise<void> {
    await this.processor.drainNow();
    await this.sweeper.drainNow();
  }

  async stop(): Promise<void> {
    await Promise.all([this.processor.stop(), this.sweeper.stop()]);
  }
}
