import type { Queryable } from '../db/client.js';

/**
 * Reading the events table in id order, once, from several consumers (the journey trigger
 * scanner, the analytics sync). Ids are not committed in order on PostgreSQL (two writers),
 * so ids skipped over are kept as gaps and read again until they appear or are `giveUpMs`
 * old (a rolled-back write).
 */
export interface Gap {
  from: number;
  to: number;
  /** When first seen missing (ms). */
  since: number;
}

export interface CursorState {
  highWater: number;
  gaps: Gap[];
}

/**
 * What a cursor keeps of its gaps: in all, at most MAX_GAP_IDS ids outside its
 * MAX_GAP_RANGES largest gaps. Two writers inserting rows at once interleave their ids, so
 * one pass past an open transaction can see a hundred gaps of one id each (measured: 134 in
 * one pass of bench/multi-process.ts, topology A): a cap on the number
 * of gaps (it was 200) dropped the oldest of them while their transactions were still open,
 * and their events were never read (journey entries missed under load). See splitGaps for
 * how a pass looks them up.
 */
const MAX_GAP_IDS = 20_000;
const MAX_GAP_RANGES = 100;

/**
 * How long a gap is read again before it is taken for a rolled-back write and given up:
 * longer than one statement may run (`statement_timeout`, 5 minutes by default), since a
 * transaction appending events can stay open that long (a segment's first computation
 * writes its entry events in one statement; an ingest batch waits on locks after its COPY).
 * It was a minute for three of the four readers, which then never read such an event.
 */
export const GAP_GIVE_UP_MS = 10 * 60_000;

/** The WHERE clause for the next ids: past the high-water mark, or in a gap. Parameters start at `$first`. */
export function nextIdsClause(state: CursorState, first: number): { sql: string; args: Array<number | number[]> } {
  const { ids, ranges } = splitGaps(state.gaps);
  const args: Array<number | number[]> = [state.highWater];
  let sql = `id > $${first}`;
  if (ids.length > 0) {
    args.push(ids);
    sql += ` OR id = ANY($${first + args.length - 1}::bigint[])`;
  }
  for (const r of ranges) {
    args.push(r.from, r.to);
    sql += ` OR id BETWEEN $${first + args.length - 2} AND $${first + args.length - 1}`;
  }
  return { sql: `(${sql})`, args };
}

const size = (g: Gap) => g.to - g.from + 1;

/**
 * The gaps as ranges (each up to MAX_GAP_RANGES largest of more than one id) and ids one by
 * one (the rest). Every id and every range is one probe of each monthly partition's index
 * (no time bound: an event in a gap may be of any date), so a gap of many ids costs one
 * probe as a range and one per id in the array: the segment worker's batches, open while
 * ingestion commits past them, leave gaps of hundreds of ids (their entry events), and
 * read as ids those cost hundreds of probes a partition, on every pass of every reader
 * (bench/segments-ingest.ts prints what the readers look up). The one-id gaps of
 * interleaved writers stay in the array (hundreds of ranges would each be a clause to plan).
 * Exported for the benchmarks (what a reader's next pass looks up).
 */
export function splitGaps(gaps: readonly Gap[]): { ids: number[]; ranges: Gap[] } {
  const ranges = new Set(
    [...gaps]
      .filter((g) => size(g) > 1)
      .sort((a, b) => size(b) - size(a))
      .slice(0, MAX_GAP_RANGES),
  );
  const ids: number[] = [];
  for (const g of gaps) if (!ranges.has(g)) for (let id = g.from; id <= g.to; id++) ids.push(id);
  return { ids, ranges: [...ranges] };
}

/** Whether a cursor can keep these gaps (see MAX_GAP_IDS). */
function gapsFit(gaps: readonly Gap[]): boolean {
  const sizes = gaps.map(size).sort((a, b) => b - a);
  return sizes.slice(MAX_GAP_RANGES).reduce((n, x) => n + x, 0) <= MAX_GAP_IDS;
}

/**
 * The cursor after reading `ids` (ascending): gaps filled are done, ids skipped over become
 * gaps, old gaps are given up. `batch`: the LIMIT of the read; a read that came back full
 * stopped at its last id, so a gap reaching past it may hold rows not read yet and is kept
 * however old (else a backlog of gap rows, after a stall longer than `giveUpMs`, lost all
 * but the first batch of them).
 */
export function advanceCursor(state: CursorState, ids: readonly number[], now: number, giveUpMs: number, batch = Infinity): CursorState {
  const fresh = ids.filter((id) => id > state.highWater);
  const seenOld = new Set(ids.filter((id) => id <= state.highWater));
  const readTo = ids.length >= batch ? ids[ids.length - 1]! : Infinity;
  const gaps: Gap[] = [];
  for (const g of state.gaps) {
    if (now - g.since >= giveUpMs && g.to < readTo) continue;
    let start = g.from;
    for (let id = g.from; id <= g.to; id++) {
      if (seenOld.has(id)) {
        if (id > start) gaps.push({ from: start, to: id - 1, since: g.since });
        start = id + 1;
      }
    }
    if (start <= g.to) gaps.push({ from: start, to: g.to, since: g.since });
  }
  let expect = state.highWater + 1;
  for (const id of fresh) {
    if (id > expect) gaps.push({ from: expect, to: id - 1, since: now });
    expect = id + 1;
  }
  // Past what a cursor can keep (thousands of open gaps: not seen in use), the oldest go.
  let from = 0;
  if (!gapsFit(gaps)) {
    // The fewest oldest gaps to leave (dropping more never makes the rest not fit).
    let lo = 1;
    let hi = gaps.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (gapsFit(gaps.slice(mid))) hi = mid;
      else lo = mid + 1;
    }
    from = lo;
  }
  return { highWater: fresh.length > 0 ? fresh[fresh.length - 1]! : state.highWater, gaps: gaps.slice(from) };
}

/** Whether a pass moved the cursor (an idle pass writes nothing). */
export function cursorMoved(a: CursorState, b: CursorState): boolean {
  return a.highWater !== b.highWater || JSON.stringify(a.gaps) !== JSON.stringify(b.gaps);
}

/**
 * Take a cursor row of `table` (columns id, high_water, gaps, updated_at), creating it at the
 * current end of the events on first use. `skipLocked`: null when another process holds it.
 */
export async function lockCursorRow(tx: Queryable, table: string, id: number, opts: { skipLocked: boolean; startAtEnd: boolean }): Promise<CursorState | null> {
  const take = async () => {
    const { rows } = await tx.query<{ high_water: number; gaps: Gap[] }>(`SELECT high_water, gaps FROM ${table} WHERE id = $1 FOR UPDATE${opts.skipLocked ? ' SKIP LOCKED' : ''}`, [id]);
    return rows[0] ? { highWater: Number(rows[0].high_water), gaps: rows[0].gaps } : null;
  };
  // The row exists on every pass but the first: one statement, not an upsert and a read.
  const held = await take();
  if (held) return held;
  // Missing, or held by another process (SKIP LOCKED): the INSERT makes it if it is missing
  // (and does nothing if it is held), the second read takes it or finds it held.
  await tx.query(`INSERT INTO ${table} (id, high_water) SELECT $1, ${opts.startAtEnd ? 'coalesce(max(id), 0) FROM events' : '0'} ON CONFLICT (id) DO NOTHING`, [id]);
  return take();
}

/** Store a cursor row's new state. */
export async function saveCursorRow(tx: Queryable, table: string, id: number, state: CursorState): Promise<void> {
  await tx.query(`UPDATE ${table} SET high_water = $2, gaps = $3, updated_at = now() WHERE id = $1`, [id, state.highWater, JSON.stringify(state.gaps)]);
}

/**
 * The span of these events' timestamps, as ISO instants `[from, to)`: `to` is 1 ms past the
 * latest, since a Date holds milliseconds and a stored timestamp may carry microseconds
 * (12:00:00.123456 arrives as 12:00:00.123). A consumer that looks events up
 * again by id names this span too: events is partitioned by month, and an id alone is
 * looked for in every month's index (a 20,000-id lookup over 21 months took 400 ms; pruned
 * to the months of a live batch, 60 ms).
 */
export function timeSpan(rows: ReadonlyArray<{ timestamp: Date }>): [string, string] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    const t = r.timestamp.getTime();
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return [new Date(lo).toISOString(), new Date(hi + 1).toISOString()];
}

/** SQL: the event (`alias`, none for a bare `timestamp`) lies in the span `[$2, $3)` that `timeSpan` gives; its ids are `$1`. */
export function inSpanSql(alias?: string): string {
  const ts = alias ? `${alias}.timestamp` : 'timestamp';
  return `${ts} >= $2::timestamptz AND ${ts} < $3::timestamptz`;
}
