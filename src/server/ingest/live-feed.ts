import type { LiveEvent } from '../../contracts/sources.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import { clipForDisplay } from './live-clip.js';
import type { NormalizedEvent } from './normalize.js';

/** Limits and clocks of the live event debugger (see docs/live-debugger.md). */
export interface LiveFeedOptions {
  /** Arrivals kept per workspace (default 500); the oldest is overwritten. */
  capacity?: number;
  /** How long recording goes on after the last look (a backlog read, a stream heartbeat); default 10 minutes. */
  watchMs?: number;
  /** Open streams allowed per workspace (default 5) and in all (default 100). */
  maxStreamsPerWorkspace?: number;
  maxStreams?: number;
  /** How long arrivals gather before they are sent to the streams (default 50 ms). */
  flushMs?: number;
  now?: () => number;
}

/** One open stream: the last id it was sent, and how to send it more. */
export interface LiveSubscriber {
  lastId: number;
  /** Write SSE frames (already framed); false when the client cannot keep up (the stream is then closed). */
  send(frames: string): boolean;
  close(): void;
}

/** An arrival as recorded: references only (the event and the raw call), presented when read. */
interface Entry {
  id: number;
  at: number;
  status: LiveEvent['status'];
  path: string;
  event: NormalizedEvent | null;
  /** Accepted: a reference to the raw call, clipped when read. Rejected: an already clipped copy. */
  raw: unknown;
  error: { code: string; message: string } | null;
  view?: LiveEvent;
  frame?: string;
}

interface WorkspaceFeed {
  ring: Array<Entry | undefined>;
  /** Where the next entry goes. */
  next: number;
  count: number;
  until: number;
  streams: Set<LiveSubscriber>;
  flushTimer: NodeJS.Timeout | null;
}

/** What a request being ingested hands its outcome to (see LiveFeed.tap). */
export interface LiveTap {
  /** Filled by the ingest queue with the messageIds it newly stored. */
  readonly stored: Set<string>;
  /** Filled by the ingest queue with the messageIds it dropped (a suppressed person's): not recorded at all. */
  readonly suppressed: Set<string>;
  /** The request's events were committed: record each as accepted or duplicate. `raws[i]` is the call `events[i]` came from. */
  record(events: NormalizedEvent[], raws: readonly unknown[]): void;
}

/**
 * The live event debugger's memory: per workspace, the last `capacity` arrivals on the
 * ingestion endpoints (accepted, duplicate, rejected), in this process only. It records
 * nothing for a workspace nobody has looked at in the last `watchMs` (the ingestion hot path
 * then pays one Map lookup); recording keeps references, and the truncation and JSON work
 * happen when a client reads. Streams get new arrivals every `flushMs`, many at a time.
 */
export class LiveFeed {
  private readonly feeds = new Map<number, WorkspaceFeed>();
  private lastId = 0;
  private streamCount = 0;
  private closed = false;
  readonly capacity: number;
  readonly watchMs: number;
  readonly maxStreamsPerWorkspace: number;
  readonly maxStreams: number;
  private readonly flushMs: number;
  private readonly now: () => number;

  constructor(opts: LiveFeedOptions = {}) {
    this.capacity = Math.max(1, opts.capacity ?? 500);
    this.watchMs = opts.watchMs ?? 10 * 60_000;
    this.maxStreamsPerWorkspace = opts.maxStreamsPerWorkspace ?? 5;
    this.maxStreams = opts.maxStreams ?? 100;
    this.flushMs = opts.flushMs ?? 50;
    this.now = opts.now ?? Date.now;
  }

  /** Is anyone watching any workspace? (One check before any per-request work.) */
  anyWatched(): boolean {
    return this.feeds.size > 0;
  }

  /** Is anyone watching this workspace? Drops the memory of a workspace whose watch ran out. */
  watching(workspaceId: number): boolean {
    if (this.feeds.size === 0) return false;
    const f = this.feeds.get(workspaceId);
    if (f === undefined) return false;
    if (f.streams.size > 0 || f.until > this.now()) return true;
    this.feeds.delete(workspaceId);
    return false;
  }

  /** Someone looked (read the backlog, opened a stream, a stream is still open): record for `watchMs` more. */
  look(workspaceId: number): { until: number } {
    const f = this.feeds.get(workspaceId) ?? this.create(workspaceId);
    f.until = this.now() + this.watchMs;
    return { until: f.until };
  }

  /** For the ingestion routes: null when nobody watches this workspace (record nothing). */
  tap(workspaceId: number, path: string): LiveTap | null {
    if (!this.watching(workspaceId)) return null;
    const stored = new Set<string>();
    const suppressed = new Set<string>();
    return {
      stored,
      suppressed,
      record: (events, raws) => {
        const f = this.feeds.get(workspaceId);
        if (!f) return;
        const at = this.now();
        // A messageId twice in one request: the first is stored, the second a duplicate.
        for (let i = 0; i < events.length; i++) {
          const e = events[i]!;
          if (suppressed.has(e.messageId)) continue;
          const fresh = stored.delete(e.messageId);
          this.push(f, { id: ++this.lastId, at, status: fresh ? 'accepted' : 'duplicate', path, event: e, raw: raws[i], error: null });
        }
        this.scheduleFlush(f);
      },
    };
  }

  /** A refused request (anything but a bad key), with what the client was told. `body` is clipped now: it may be large. */
  rejected(workspaceId: number, path: string, body: unknown, error: { code: string; message: string; index?: number }): void {
    if (!this.watching(workspaceId)) return;
    const f = this.feeds.get(workspaceId)!;
    let call = body;
    const batch = (body as { batch?: unknown } | null | undefined)?.batch;
    if (error.index !== undefined && Array.isArray(batch)) call = batch[error.index];
    this.push(f, { id: ++this.lastId, at: this.now(), status: 'rejected', path, event: null, raw: clipForDisplay(call), error: { code: error.code, message: error.message } });
    this.scheduleFlush(f);
  }

  /**
   * The backlog: arrivals after `after` (oldest first, at most `limit`), or without `after`
   * the newest `limit`. `missed` counts arrivals after `after` already overwritten.
   */
  recent(workspaceId: number, after: number | undefined, limit: number): { events: LiveEvent[]; missed: number; more: boolean } {
    const f = this.feeds.get(workspaceId);
    if (!f) return { events: [], missed: 0, more: false };
    const all = this.ordered(f);
    let from = 0;
    let missed = 0;
    if (after === undefined) from = Math.max(0, all.length - limit);
    else {
      while (from < all.length && all[from]!.id <= after) from++;
      if (all.length > 0 && all[0]!.id > after + 1 && after < this.lastId) missed = all[0]!.id - after - 1;
    }
    const picked = all.slice(from, from + limit);
    return { events: picked.map(present), missed, more: from + limit < all.length };
  }

  /** The id of the latest arrival in this process (0 before the first). */
  get latestId(): number {
    return this.lastId;
  }

  /**
   * Add a stream; it is sent (from the next flush, within `flushMs`) every arrival after
   * `sub.lastId` still in memory, then new ones.
   * Its value is the function that removes it. Refused (`rate_limited`, a reason in words) past the stream limits.
   */
  subscribe(workspaceId: number, sub: LiveSubscriber): Result<() => void, Failure<'rate_limited'>> {
    if (this.closed) return fail('rate_limited', 'the server is shutting down');
    const f = this.feeds.get(workspaceId) ?? this.create(workspaceId);
    if (f.streams.size >= this.maxStreamsPerWorkspace) {
      return fail('rate_limited', `${f.streams.size} live streams are already open for this workspace (the limit is ${this.maxStreamsPerWorkspace}); close a debugger tab and retry`);
    }
    if (this.streamCount >= this.maxStreams) return fail('rate_limited', `this server already serves ${this.streamCount} live streams (its limit); retry later`);
    f.streams.add(sub);
    this.streamCount++;
    f.until = this.now() + this.watchMs;
    // The backlog goes out with the next flush, after the caller has written the response head.
    this.scheduleFlush(f);
    let gone = false;
    return ok(() => {
      if (gone) return;
      gone = true;
      if (f.streams.delete(sub)) this.streamCount--;
      // Recording goes on for watchMs after the stream closes.
      f.until = this.now() + this.watchMs;
    });
  }

  /** Close every stream and stop recording (server shutdown). */
  close(): void {
    this.closed = true;
    for (const f of this.feeds.values()) {
      if (f.flushTimer) clearTimeout(f.flushTimer);
      f.flushTimer = null;
      for (const s of [...f.streams]) s.close();
      f.streams.clear();
    }
    this.streamCount = 0;
    this.feeds.clear();
  }

  private create(workspaceId: number): WorkspaceFeed {
    const f: WorkspaceFeed = { ring: new Array<Entry | undefined>(this.capacity), next: 0, count: 0, until: 0, streams: new Set(), flushTimer: null };
    if (!this.closed) this.feeds.set(workspaceId, f);
    return f;
  }

  private push(f: WorkspaceFeed, e: Entry): void {
    f.ring[f.next] = e;
    f.next = (f.next + 1) % f.ring.length;
    if (f.count < f.ring.length) f.count++;
  }

  private ordered(f: WorkspaceFeed): Entry[] {
    const out: Entry[] = [];
    const start = (f.next - f.count + f.ring.length) % f.ring.length;
    for (let i = 0; i < f.count; i++) out.push(f.ring[(start + i) % f.ring.length]!);
    return out;
  }

  private scheduleFlush(f: WorkspaceFeed): void {
    if (f.streams.size === 0 || f.flushTimer) return;
    f.flushTimer = setTimeout(() => {
      f.flushTimer = null;
      for (const s of [...f.streams]) this.flushTo(f, s);
    }, this.flushMs);
  }

  /** Send `sub` what it has not seen; one write. A client that cannot keep up is closed (it resumes with Last-Event-ID). */
  private flushTo(f: WorkspaceFeed, sub: LiveSubscriber): void {
    let frames = '';
    const all = this.ordered(f);
    if (all.length > 0 && all[0]!.id > sub.lastId + 1 && sub.lastId < this.lastId && sub.lastId > 0) {
      frames += `: ${all[0]!.id - sub.lastId - 1} arrivals were overwritten before they could be sent\n\n`;
    }
    for (const e of all) {
      if (e.id <= sub.lastId) continue;
      frames += e.frame ??= `id: ${e.id}\ndata: ${JSON.stringify(present(e))}\n\n`;
      sub.lastId = e.id;
    }
    if (frames && !sub.send(frames)) sub.close();
  }
}

/** The wire form of an entry, worked out once, when first read. */
function present(e: Entry): LiveEvent {
  if (e.view) return e.view;
  const receivedAt = new Date(e.at).toISOString();
  const path = e.path.split('?')[0]!;
  if (e.event) {
    const ev = e.event;
    e.view = {
      id: e.id,
      receivedAt,
      status: e.status,
      type: ev.type,
      name: ev.event,
      userId: ev.userId,
      anonymousId: ev.anonymousId,
      messageId: ev.messageId,
      library: libraryOf(ev.context),
      path,
      error: null,
      payload: clipForDisplay(e.raw),
    };
  } else {
    const call = (e.raw !== null && typeof e.raw === 'object' && !Array.isArray(e.raw) ? e.raw : {}) as Record<string, unknown>;
    const fromPath = /^\/v1\/(identify|track|page|screen|group|alias)$/.exec(path)?.[1] ?? null;
    const type = typeof call.type === 'string' ? call.type : fromPath;
    e.view = {
      id: e.id,
      receivedAt,
      status: e.status,
      type: type && type.length <= 40 ? type : null,
      name: str(type === 'track' ? call.event : (call.name ?? call.event)),
      userId: str(call.userId),
      anonymousId: str(call.anonymousId),
      messageId: str(call.messageId),
      library: libraryOf(call.context),
      path,
      error: e.error,
      payload: e.raw ?? null,
    };
  }
  return e.view;
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return v.length > 200 ? `${v.slice(0, 200)}…` : v;
  if (typeof v === 'number') return String(v);
  return null;
}

function libraryOf(context: unknown): string | null {
  const lib = (context as { library?: { name?: unknown; version?: unknown } } | null | undefined)?.library;
  if (!lib || typeof lib.name !== 'string') return null;
  return str(typeof lib.version === 'string' ? `${lib.name} ${lib.version}` : lib.name);
}
