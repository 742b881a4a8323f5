import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import type { ChangeBus } from '../lib/change-bus.js';
import { IdentityCache } from './identity-cache.js';
import { hash32 } from '../hash.js';
import { ingestEvents, type IngestResult } from './ingest.service.js';
import type { NormalizedEvent } from './normalize.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';

/** Told when a lane's write starts and ends (lib/priority-gate.ts: the background gives way while the writers are busy). */
export interface WriterLoad {
  setLanes(n: number): void;
  begin(): void;
  end(): void;
  /** Events now waiting for a writer. */
  queued(events: number): void;
  /** Events now submitted and not yet answered (waiting for a writer or being written). */
  inFlight?(events: number): void;
}

export interface IngestQueueOptions {
  /** Events allowed to wait for a writer before new requests are turned away (default 20,000: a few seconds of work). */
  maxBacklogEvents?: number;
  /** Most events written in one transaction (whole request parts are never split; default 1,000). */
  maxBatchEvents?: number;
  /**
   * Writer lanes: transactions in flight at once, each on its own connection (default 2
   * on PostgreSQL, 1 on PGlite, which has one connection). Every event goes to the lane
   * of its identity (the device's anonymousId, else the userId), so a device's whole
   * history, anonymous and identified, stays in one lane: lanes work on different
   * customers and seldom wait on each other's locks. A request is answered when all its
   * lanes committed.
   */
  lanes?: number;
  log?: Logger;
  /**
   * Record the stage and segment work each batch causes in its transaction (default true;
   * false for a store without stage or segment workers anywhere, such as benchmarks of
   * ingestion alone).
   */
  derivedWork?: boolean;
  /** Told after each commit which customers' events it stored (it wakes this process's workers; the work itself is recorded). */
  bus?: ChangeBus;
  /** Told when each lane's write starts and ends. */
  load?: WriterLoad;
}

/** One request's events bound for one lane. */
interface Part {
  workspaceId: number;
  events: NormalizedEvent[];
  done: (r: IngestResult | Error) => void;
  /** Receives the messageIds newly stored (the live debugger's accepted/duplicate), when given. */
  stored?: Set<string>;
  /** Receives the messageIds dropped because their person is suppressed (the live debugger shows none of them). */
  suppressed?: Set<string>;
}

/**
 * Group commit for ingestion. Requests hand over their validated events and wait; each
 * lane's writer takes everything that queued up for it meanwhile and stores it in one
 * transaction, then answers every request in it. Idle, a request is written at once;
 * under load, batches grow by themselves, which is what makes the database fast. A
 * request is answered only after the transactions holding its events committed, so a 200
 * still means "stored". If a combined transaction fails, its parts are retried one by
 * one, so one request's problem never fails another's. When a request spans lanes and one
 * lane fails, the request fails while the other lane's events may be stored: a client
 * retrying it stores the rest, the stored part being skipped by messageId.
 */
export class IngestQueue {
  private readonly lanes: Array<{ pending: Part[]; active: boolean }>;
  private readonly maxBatchEvents: number;
  private readonly cache = new IdentityCache();
  private waitingEvents = 0;
  private inFlightEvents = 0;
  private readonly maxBacklogEvents: number;

  constructor(
    private readonly db: Db,
    private readonly opts: IngestQueueOptions = {},
  ) {
    // 1,000 events already amortise the per-statement costs; larger batches only hold
    // more locks (PostgreSQL) or block the event loop longer (PGlite runs in-process).
    this.maxBatchEvents = opts.maxBatchEvents ?? 1000;
    this.maxBacklogEvents = opts.maxBacklogEvents ?? 20_000;
    const lanes = db.kind === 'pglite' ? 1 : Math.max(1, opts.lanes ?? 2);
    this.lanes = Array.from({ length: lanes }, () => ({ pending: [], active: false }));
    opts.load?.setLanes(lanes);
  }

  /**
   * Store these events; resolves once they are committed. `stored`, when given, receives the
   * messageIds newly stored. When the backlog is full it resolves at once to `unavailable`,
   * storing none of them: the caller should answer 503 with Retry-After so SDKs back off and
   * retry. A database failure rejects.
   */
  submit(workspaceId: number, events: NormalizedEvent[], stored?: Set<string>, suppressed?: Set<string>): Promise<Result<IngestResult, Failure<'unavailable'>>> {
    if (events.length === 0) return Promise.resolve(ok({ inserted: 0, duplicates: 0 }));
    if (this.waitingEvents > 0 && this.waitingEvents + events.length > this.maxBacklogEvents) {
      return Promise.resolve(fail('unavailable', `${this.waitingEvents} events are waiting to be written`));
    }
    this.waitingEvents += events.length;
    this.opts.load?.queued(this.waitingEvents);
    this.inFlightEvents += events.length;
    this.opts.load?.inFlight?.(this.inFlightEvents);
    const byLane = this.split(events);
    return new Promise((resolve, reject) => {
      let open = byLane.size;
      const total: IngestResult = { inserted: 0, duplicates: 0 };
      let failure: Error | null = null;
      const done = (r: IngestResult | Error) => {
        if (r instanceof Error) failure ??= r;
        else {
          total.inserted += r.inserted;
          total.duplicates += r.duplicates;
        }
        if (--open > 0) return;
        this.inFlightEvents -= events.length;
        this.opts.load?.inFlight?.(this.inFlightEvents);
        if (failure) reject(failure);
        else resolve(ok(total));
      };
      for (const [lane, laneEvents] of byLane) {
        this.lanes[lane]!.pending.push({ workspaceId, events: laneEvents, done, stored, suppressed });
        this.pump(lane);
      }
    });
  }

  /** Requests (or request parts) waiting for a writer. */
  get backlog(): number {
    return this.lanes.reduce((n, l) => n + l.pending.length, 0);
  }

  /** The events of a request by lane, each lane's in request order. */
  private split(events: NormalizedEvent[]): Map<number, NormalizedEvent[]> {
    const n = this.lanes.length;
    if (n === 1) return new Map([[0, events]]);
    const byLane = new Map<number, NormalizedEvent[]>();
    for (const e of events) {
      const lane = laneOf(e.anonymousId ?? e.userId ?? '', n);
      const list = byLane.get(lane);
      if (list) list.push(e);
      else byLane.set(lane, [e]);
    }
    return byLane;
  }

  private pump(lane: number): void {
    const l = this.lanes[lane]!;
    if (l.active || l.pending.length === 0) return;
    const group = this.take(l.pending);
    for (const p of group) this.waitingEvents -= p.events.length;
    this.opts.load?.queued(this.waitingEvents);
    l.active = true;
    this.opts.load?.begin();
    void this.write(group).finally(() => {
      this.opts.load?.end();
      l.active = false;
      this.pump(lane);
    });
  }

  /** The oldest part plus every later part of the same workspace that fits. */
  private take(pending: Part[]): Part[] {
    const first = pending.shift()!;
    const group = [first];
    let size = first.events.length;
    for (let i = 0; i < pending.length && size < this.maxBatchEvents;) {
      const p = pending[i]!;
      if (p.workspaceId === first.workspaceId && size + p.events.length <= this.maxBatchEvents) {
        group.push(p);
        size += p.events.length;
        pending.splice(i, 1);
      } else i++;
    }
    return group;
  }

  private async write(group: Part[]): Promise<void> {
    const workspaceId = group[0]!.workspaceId;
    const ingest = async (events: NormalizedEvent[], insertedIds?: Set<string>, suppressedIds?: Set<string>) => {
      const r = await ingestEvents(this.db, workspaceId, events, { cache: this.cache, insertedIds, suppressedIds, derivedWork: this.opts.derivedWork !== false });
      if (r.customerIds && r.customerIds.length > 0) this.opts.bus?.publish({ kind: 'events', workspaceId, customerIds: r.customerIds, changes: r.changes });
      return r;
    };
    if (group.length === 1) {
      const only = group[0]!;
      await ingest(only.events, only.stored, only.suppressed).then(only.done, (err) => only.done(asError(err)));
      return;
    }
    try {
      const inserted = new Set<string>();
      const dropped = new Set<string>();
      await ingest(
        group.flatMap((p) => p.events),
        inserted,
        dropped,
      );
      if (dropped.size > 0) for (const p of group) for (const e of p.events) if (dropped.has(e.messageId)) p.suppressed?.add(e.messageId);
      for (const p of group) {
        const n = p.events.filter((e) => inserted.delete(e.messageId) && (p.stored?.add(e.messageId) ?? true)).length;
        p.done({ inserted: n, duplicates: p.events.length - n });
      }
    } catch (err) {
      this.opts.log?.warn({ err, requests: group.length }, 'combined ingest transaction failed; retrying its requests one by one');
      for (const p of group) await ingest(p.events, p.stored, p.suppressed).then(p.done, (e) => p.done(asError(e)));
    }
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** The lane of an identity (see hash32). */
export function laneOf(id: string, lanes: number): number {
  return hash32(id) % lanes;
}
