/**
 * The monthly partitions of `events` (migration 0028; docs/scaling.md, "Partitioned events
 * and retention"): `events_YYYY_MM` holds the events whose timestamp falls in that UTC
 * calendar month, and `events_default` catches a row of a month with no partition yet (an
 * import of old history, a clock far off), so no writer ever fails for want of one.
 *
 * - `prepareEventPartitions` (housekeeping, at start and then periodically): creates this
 *   month's and next month's partitions, so live traffic never lands in the default, and
 *   moves whatever the default holds into partitions of its own months.
 * - `applyEventRetention`: drops whole months older than the retention, with the facts
 *   derived from their events, each month in one transaction. Never a partial month, never
 *   the current one.
 *
 * All of it under the `eventPartitions` advisory lock, each month in its own short
 * transaction. Creating an empty month's partition ATTACHes it (SHARE UPDATE EXCLUSIVE on
 * `events`: appends go on). A month with rows waiting in the default is moved under an
 * ACCESS EXCLUSIVE lock on `events` (see ensureEventPartitions): reads and appends wait
 * for the move of that month (about a second per 50,000 events), never see it half done.
 */
import type { Db, Queryable } from './client.js';
import { LOCK } from './locks.js';

/**
 * How long a partition change waits for the locks it needs (ATTACH: the default partition;
 * DROP: all of `events`, behind any long query on it). Past it the change fails with 55P03
 * and housekeeping tries again on its next pass, rather than queue every append behind it.
 */
const LOCK_TIMEOUT = '10s';

/** The first instant (UTC) of the month `d` falls in, `add` months on. */
export function monthStart(d: Date, add = 0): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + add, 1));
}

/** `events_2026_11` for November 2026. */
export function partitionName(month: Date): string {
  return `events_${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The month a partition named by `partitionName` holds; null for any other name (events_default). */
export function partitionMonth(name: string): Date | null {
  const m = /^events_(\d{4})_(\d{2})$/.exec(name);
  return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)) : null;
}

/** The monthly partitions of `events`, oldest first, with their row estimate. */
export async function listEventPartitions(db: Queryable): Promise<Array<{ name: string; month: Date }>> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'events'::regclass ORDER BY 1`,
  );
  const out: Array<{ name: string; month: Date }> = [];
  for (const r of rows) {
    const month = partitionMonth(r.name);
    if (month) out.push({ name: r.name, month });
  }
  return out.sort((a, b) => a.month.getTime() - b.month.getTime());
}

/**
 * Make sure each month named (any instant in it) has its partition; returns the names
 * created. Each month in its own transaction under the partitions lock: rows of that month
 * waiting in the default partition move into the new one, which is then attached.
 */
export async function ensureEventPartitions(db: Db, months: Date[]): Promise<string[]> {
  const wanted = new Map<string, Date>();
  for (const d of months) wanted.set(partitionName(monthStart(d)), monthStart(d));
  const existing = new Set((await listEventPartitions(db)).map((p) => p.name));
  const created: string[] = [];
  for (const [name, month] of wanted) {
    if (existing.has(name)) continue;
    const made = await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock($1, 0)`, [LOCK.eventPartitions]);
      await tx.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
      const { rows } = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_inherits WHERE inhrelid = to_regclass($1) AND inhparent = 'events'::regclass`, [`"${name}"`]);
      if (rows[0]!.n > 0) return false; // another process made it meanwhile
      const from = month.toISOString();
      const to = monthStart(month, 1).toISOString();
      await tx.query(`CREATE TABLE "${name}" (LIKE events INCLUDING DEFAULTS)`);
      // Rows to move: no statement on events may run beside the move. A statement planned
      // before the ATTACH commits reads the old list of partitions, and executed after it
      // finds the moved rows gone from the default and not in its plan: seen as a segment
      // decided without a customer's survey answers, and a stage rebuild's delete missing
      // the timeline events it then wrote again (23505). An empty month needs no such lock.
      const { rows: waiting } = await tx.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM events_default WHERE timestamp >= $1::timestamptz AND timestamp < $2::timestamptz) AS any`, [
        month.toISOString(),
        monthStart(month, 1).toISOString(),
      ]);
      if (waiting[0]!.any) await tx.query(`LOCK TABLE events IN ACCESS EXCLUSIVE MODE`);
      // Statements on a partition by name fire none of events' statement triggers: the
      // moved rows keep their ids and their messageIds stay in event_message_ids.
      await tx.query(
        `WITH moved AS (DELETE FROM events_default WHERE timestamp >= $1::timestamptz AND timestamp < $2::timestamptz RETURNING *)
         INSERT INTO "${name}" SELECT * FROM moved`,
        [from, to],
      );
      await tx.query(`ALTER TABLE events ATTACH PARTITION "${name}" FOR VALUES FROM ('${from}') TO ('${to}')`);
      return true;
    });
    if (made) created.push(name);
  }
  return created;
}

/** How far back (in months) ingestion makes a missing month's partition itself; older rows go to the default, for housekeeping. */
export const INGEST_PARTITION_MONTHS_BACK = 120;

/** Per database handle: the partitions known to exist (by name), so a batch of known months costs no query. */
const knownPartitions = new WeakMap<Db, Set<string>>();

/**
 * PostgreSQL, before a batch is appended: make the missing partitions of its events'
 * months, so history sent now (an import, a backfill over the API) lands in its own month
 * and not in the default. Left in the default, housekeeping would move it later under an
 * ACCESS EXCLUSIVE lock on `events`, every append and read waiting behind each month's
 * move (seconds per month for a large import); made now, the month is empty, and its ATTACH
 * only scans the default. Months more than INGEST_PARTITION_MONTHS_BACK back or after next
 * month still go to the default (a clock far off must not make partitions at will).
 * PGlite keeps past months in the default unless a retention is set (see housekeeping):
 * nothing to do there. A partition change that cannot get its locks in time (55P03) is left
 * to housekeeping: the events are stored either way.
 */
export async function ensurePartitionsFor(db: Db, timestamps: Iterable<Date>, now = new Date()): Promise<string[]> {
  if (db.kind !== 'postgres') return [];
  const lo = monthStart(now, -INGEST_PARTITION_MONTHS_BACK).getTime();
  const hi = monthStart(now, 2).getTime();
  let known = knownPartitions.get(db);
  // Most events fall in the month of the one before: test that range first.
  let from = 0;
  let to = 0;
  const missing = new Map<string, Date>();
  for (const t of timestamps) {
    const ms = t.getTime();
    if (ms >= from && ms < to) continue;
    if (ms < lo || ms >= hi) continue;
    const month = monthStart(t);
    from = month.getTime();
    to = monthStart(month, 1).getTime();
    const name = partitionName(month);
    if (!known?.has(name)) missing.set(name, month);
  }
  if (missing.size === 0) return [];
  if (!known) knownPartitions.set(db, (known = new Set()));
  for (const p of await listEventPartitions(db)) known.add(p.name);
  // No partition at all: `events` is not partitioned yet (a database before migration 0028).
  if (known.size === 0) return [];
  const months = [...missing].filter(([name]) => !known.has(name)).map(([, month]) => month);
  if (months.length === 0) return [];
  try {
    const created = await ensureEventPartitions(db, months);
    for (const m of months) known.add(partitionName(m));
    return created;
  } catch (err) {
    if ((err as { code?: string }).code === '55P03') return [];
    throw err;
  }
}

/** The months (their first instant) of the rows waiting in the default partition. */
export async function defaultPartitionMonths(db: Queryable): Promise<Date[]> {
  const { rows } = await db.query<{ m: Date }>(`SELECT DISTINCT date_trunc('month', timestamp AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m FROM events_default`);
  return rows.map((r) => r.m);
}

/**
 * Housekeeping: this month's and next month's partitions exist, and the default partition
 * is emptied into partitions of its rows' months. Returns the partitions created.
 */
export async function prepareEventPartitions(db: Db, now: Date): Promise<string[]> {
  const waiting = await defaultPartitionMonths(db);
  const created = await ensureEventPartitions(db, [monthStart(now), monthStart(now, 1), ...waiting]);
  // Rows moved out leave the default's indexes full of dead entries until a VACUUM, and
  // every query not pruned to a month walks them: `SELECT max(id) FROM events` (the event
  // cursors' end) took 1.1 s after 5M rows had moved, against a millisecond once vacuumed.
  if (waiting.length > 0) await db.query('VACUUM (ANALYZE) events_default');
  return created;
}

/** What retention dropped (or, dry, would drop). */
export interface RetentionResult {
  /** Events older than this are gone: the first instant of the oldest month kept. */
  cutoff: Date;
  /**
   * Partitions dropped, oldest first, with their events and the facts removed with them:
   * analytics_orders rows, and analytics_days / analytics_months rows wholly before the month's end.
   */
  dropped: Array<{ partition: string; events: number; orders: number; days: number; months: number }>;
}

/**
 * Keep the current month and the `months` before it: drop every monthly partition that
 * ends on or before the cutoff (the first instant of the month `months` before the
 * current one), each in one transaction with everything derived from its events:
 * - analytics_orders rows of its events (keyed by event id),
 * - event_message_ids of its events (a dropped partition fires no DELETE trigger),
 * - analytics_days and analytics_months rows wholly before the month's end in their
 *   workspace's timezone (a day straddling it holds kept events too, and is kept).
 * Rows waiting in the default partition are moved into their months first, so old rows
 * there go too. `dryRun` counts and drops nothing (its day and month counts are cumulative:
 * each month's counts those before it too).
 */
export async function applyEventRetention(db: Db, months: number, now: Date, opts: { dryRun?: boolean } = {}): Promise<RetentionResult> {
  if (!Number.isInteger(months) || months < 1) throw new Error(`events retention must be a whole number of months ≥ 1, not ${months}`);
  const cutoff = monthStart(now, -months);
  const result: RetentionResult = { cutoff, dropped: [] };
  if (!opts.dryRun) await prepareEventPartitions(db, now);
  const old = (await listEventPartitions(db)).filter((p) => monthStart(p.month, 1).getTime() <= cutoff.getTime());
  for (const p of old) {
    const counted = await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock($1, 0)`, [LOCK.eventPartitions]);
      await tx.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
      const { rows: still } = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_inherits WHERE inhrelid = to_regclass($1) AND inhparent = 'events'::regclass`, [`"${p.name}"`]);
      if (still[0]!.n === 0) return null; // dropped by another process meanwhile
      const events = (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${p.name}"`)).rows[0]!.n;
      // Customer-days and -months wholly before the month's end, in the timezone they were
      // cut in (a day straddling it also holds events of the next month, and is kept).
      const end = [monthStart(p.month, 1).toISOString()];
      const local = `(SELECT ($1::timestamptz AT TIME ZONE coalesce((SELECT timezone FROM analytics_timezones z WHERE z.workspace_id = f.workspace_id), 'UTC'))::date)`;
      const daysWhere = `FROM analytics_days f WHERE f.day < ${local}`;
      const monthsWhere = `FROM analytics_months f WHERE f.month < date_trunc('month', ${local})::date`;
      if (opts.dryRun) {
        const count = async (sql: string, params: unknown[] = []) => (await tx.query<{ n: number }>(`SELECT count(*)::int AS n ${sql}`, params)).rows[0]!.n;
        return { events, orders: await count(`FROM analytics_orders o JOIN "${p.name}" e ON e.id = o.event_id`), days: await count(daysWhere, end), months: await count(monthsWhere, end) };
      }
      const orders = (await tx.query(`DELETE FROM analytics_orders o USING "${p.name}" e WHERE o.event_id = e.id`)).rowCount;
      await tx.query(`DELETE FROM event_message_ids d USING "${p.name}" e WHERE d.workspace_id = e.workspace_id AND d.message_id = e.message_id`);
      const days = (await tx.query(`DELETE ${daysWhere}`, end)).rowCount;
      const months = (await tx.query(`DELETE ${monthsWhere}`, end)).rowCount;
      await tx.query(`DROP TABLE "${p.name}"`);
      return { events, orders, days, months };
    });
    if (counted) result.dropped.push({ partition: p.name, ...counted });
  }
  if (opts.dryRun) {
    // Old rows still waiting in the default partition (a real run moves them into their months first).
    const { rows } = await db.query<{ m: Date; events: number; orders: number }>(
      `SELECT date_trunc('month', e.timestamp AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m, count(*)::int AS events, count(o.event_id)::int AS orders
         FROM events_default e LEFT JOIN analytics_orders o ON o.event_id = e.id WHERE e.timestamp < $1 GROUP BY 1 ORDER BY 1`,
      [cutoff.toISOString()],
    );
    for (const r of rows) result.dropped.push({ partition: `${partitionName(r.m)} (in events_default)`, events: r.events, orders: r.orders, days: 0, months: 0 });
  }
  return result;
}
