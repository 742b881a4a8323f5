import type { Db } from '../db/client.js';
import { IdentityCache } from '../ingest/identity-cache.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import type { NormalizedEvent } from '../ingest/normalize.js';

/** A row the database refused, with the line it came from. */
export interface StoreRejection {
  line: number;
  message: string;
}

/**
 * PostgreSQL errors caused by the data of one event rather than by the database: class 22
 * (data exception: a value out of range, a character Postgres cannot store) and 54000
 * (a value too large for an index). Anything else is an outage or a bug and is thrown.
 */
function isDataError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code === '54000');
}

/**
 * Collects normalised events and stores them `size` at a time through `ingestEvents`, the
 * Segment API's path (one transaction per batch). If Postgres refuses a batch because of
 * the data in it, the batch is retried one event at a time so only the offending rows are
 * rejected and the rest are kept.
 */
export class BatchWriter {
  accepted = 0;
  duplicates = 0;
  /** Customers whose events were stored (their lifecycle stages are rebuilt after the import). */
  readonly touched = new Set<number>();
  private events: NormalizedEvent[] = [];
  private lines: number[] = [];
  /** Customers of identities already seen in this file skip identity resolution, as in the server. */
  private readonly cache = new IdentityCache();

  constructor(
    private readonly db: Db,
    private readonly workspaceId: number,
    private readonly size: number,
    private readonly reject: (r: StoreRejection) => void,
    private readonly opts: { derivedWork?: boolean } = {},
  ) {}

  /** True when the batch is full and `flush()` should be awaited before adding more. */
  get full(): boolean {
    return this.events.length >= this.size;
  }

  /** Queue one event (from the row starting at `line`). */
  add(event: NormalizedEvent, line: number): void {
    this.events.push(event);
    this.lines.push(line);
  }

  /** Store the queued events; resolves once they are committed. */
  async flush(): Promise<void> {
    const events = this.events;
    const lines = this.lines;
    this.events = [];
    this.lines = [];
    if (events.length === 0) return;
    try {
      this.count(await ingestEvents(this.db, this.workspaceId, events, { cache: this.cache, derivedWork: this.opts.derivedWork === true }));
    } catch (err) {
      if (!isDataError(err)) throw err;
      for (const [i, event] of events.entries()) {
        try {
          this.count(await ingestEvents(this.db, this.workspaceId, [event], { cache: this.cache, derivedWork: this.opts.derivedWork === true }));
        } catch (one) {
          if (!isDataError(one)) throw one;
          this.reject({ line: lines[i]!, message: `the database refused this row: ${one.message}` });
        }
      }
    }
  }

  private count(r: { inserted: number; duplicates: number; customerIds?: number[] }): void {
    for (const id of r.customerIds ?? []) this.touched.add(id);
    this.accepted += r.inserted;
    this.duplicates += r.duplicates;
  }
}
