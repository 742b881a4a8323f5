/**
 * Worker lag seen from outside the server, by polling its database: when does what an
 * event causes (a lifecycle stage move, a segment entry, a journey run and its first
 * step) become visible, counted from the moment the event's request was acknowledged?
 * And when has the background work caught up after a burst (no derived work left, the
 * journey trigger scanner at the last event, no due journey steps or messages)?
 *
 * The server runs in another process (bench/lib/server-child.ts), so nothing is hooked:
 * one separate connection polls, batched over every pending probe. Resolution is the
 * poll interval; a poll's time is when its query was sent (the snapshot it reads is
 * taken just after, so what it sees had committed by then, give or take a millisecond).
 */
import { randomUUID } from 'node:crypto';
import type { Conn } from './bench-db.js';
import { round1 } from './http-load.js';

/** p50/p95/p99/max of `xs` (ms, one decimal), nearest rank. */
export function percentilesOf(xs: readonly number[]): { p50: number; p95: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => round1(s[Math.min(s.length - 1, Math.ceil((s.length * p) / 100) - 1)] ?? NaN);
  return { p50: at(50), p95: at(95), p99: at(99), max: round1(s[s.length - 1] ?? NaN) };
}

/**
 * One kind of effect to watch: SQL that returns the customer ids (column `id`) among
 * `$2::bigint[]` for which the effect is visible, in workspace `$1`.
 */
export interface LagKind {
  key: string;
  label: string;
  sql: string;
}

/** The effects of one `Signed Up` from a new person, with the default lifecycle model and the demo's examples. */
export function signUpKinds(opts: { segments: boolean; journeys: boolean }): LagKind[] {
  const kinds: LagKind[] = [
    {
      key: 'stage',
      label: 'event → stage (first stage_transitions row)',
      sql: `SELECT DISTINCT subject_id AS id FROM stage_transitions WHERE workspace_id = $1 AND scope = 'customer' AND subject_id = ANY($2::bigint[])`,
    },
  ];
  if (opts.segments) {
    kinds.push({
      key: 'segment',
      label: 'event → segment entry ("Signed up, never ordered" member)',
      sql: `SELECT customer_id AS id FROM segment_members WHERE workspace_id = $1 AND segment_id = 'seg_signed_up_never_ordered' AND customer_id = ANY($2::bigint[])`,
    });
  }
  if (opts.journeys) {
    kinds.push({
      key: 'journeyRun',
      label: 'event → journey run ("Welcome and onboarding" entered)',
      sql: `SELECT DISTINCT customer_id AS id FROM journey_runs WHERE workspace_id = $1 AND journey_id = 'jny_welcome' AND customer_id = ANY($2::bigint[])`,
    });
    kinds.push({
      key: 'journeyStep',
      label: 'event → first journey step (its welcome message row)',
      sql: `SELECT DISTINCT customer_id AS id FROM messages WHERE workspace_id = $1 AND journey_id = 'jny_welcome' AND customer_id = ANY($2::bigint[])`,
    });
  }
  return kinds;
}

/** A probe: one fresh person's `identify` (with an email) and `Signed Up`, in one /v1/batch body. */
export function signUpProbeBody(userId: string): Buffer {
  const now = new Date().toISOString();
  const ctx = { library: { name: 'tenure-bench-probe', version: '1' } };
  return Buffer.from(
    JSON.stringify({
      batch: [
        { type: 'identify', messageId: randomUUID(), userId, timestamp: now, traits: { email: `${userId}@probe.example`, first_name: 'Probe' }, context: ctx },
        { type: 'track', messageId: randomUUID(), userId, event: 'Signed Up', timestamp: now, properties: { method: 'email' }, context: ctx },
      ],
      sentAt: now,
    }),
  );
}

export const PROBE_EVENTS = 2;

interface Probe {
  userId: string;
  ackAt: number;
  customerId?: number;
  seen: Map<string, number>;
}

export interface KindResult {
  key: string;
  label: string;
  probes: number;
  seen: number;
  unseen: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Watches acknowledged probes until every kind is seen for each (or `giveUpMs` after its
 * ack: then it counts as unseen, a failure).
 */
export class LagWatcher {
  private readonly probes: Probe[] = [];
  private readonly pending = new Set<Probe>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  polls = 0;
  pollMs: number[] = [];
  errors = 0;
  firstError = '';

  constructor(
    private readonly conn: Conn,
    private readonly workspaceId: number,
    private readonly kinds: LagKind[],
    private readonly opts: { everyMs: number; giveUpMs: number },
  ) {}

  start(): void {
    const loop = async () => {
      if (this.busy) return;
      this.busy = true;
      try {
        await this.poll();
      } catch (err) {
        if (this.errors++ === 0) this.firstError = String(err);
      } finally {
        this.busy = false;
      }
    };
    this.timer = setInterval(() => void loop(), this.opts.everyMs);
  }

  /** A probe whose request was acknowledged (200) at `ackAt` (performance.now()). */
  acked(userId: string, ackAt: number): void {
    const p: Probe = { userId, ackAt, seen: new Map() };
    this.probes.push(p);
    this.pending.add(p);
  }

  get outstanding(): number {
    return this.pending.size;
  }

  private async poll(): Promise<void> {
    if (this.pending.size === 0) return;
    const sentAt = performance.now();
    const list = [...this.pending];
    const unresolved = list.filter((p) => p.customerId === undefined);
    if (unresolved.length > 0) {
      const { rows } = await this.conn.query(`SELECT user_id, id FROM customers WHERE workspace_id = $1 AND user_id = ANY($2::text[])`, [this.workspaceId, unresolved.map((p) => p.userId)]);
      const byUser = new Map(rows.map((r) => [String(r.user_id), Number(r.id)]));
      for (const p of unresolved) p.customerId = byUser.get(p.userId);
    }
    const ids = list.flatMap((p) => (p.customerId === undefined ? [] : [p.customerId]));
    if (ids.length > 0) {
      const union = this.kinds.map((k, i) => `SELECT ${i} AS k, x.id FROM (${k.sql}) x`).join(' UNION ALL ');
      const { rows } = await this.conn.query(union, [this.workspaceId, ids]);
      const byCustomer = new Map(list.filter((p) => p.customerId !== undefined).map((p) => [p.customerId!, p]));
      for (const r of rows) {
        const p = byCustomer.get(Number(r.id));
        const kind = this.kinds[Number(r.k)]!;
        if (p && !p.seen.has(kind.key)) p.seen.set(kind.key, Math.max(0, sentAt - p.ackAt));
      }
    }
    const now = performance.now();
    for (const p of list) if (p.seen.size === this.kinds.length || now - p.ackAt > this.opts.giveUpMs) this.pending.delete(p);
    this.polls++;
    this.pollMs.push(performance.now() - sentAt);
  }

  /** Wait until every probe is seen or given up. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await new Promise((r) => setTimeout(r, this.opts.everyMs));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  results(): KindResult[] {
    return this.kinds.map((k) => {
      const lags = this.probes.flatMap((p) => (p.seen.has(k.key) ? [p.seen.get(k.key)!] : []));
      return { key: k.key, label: k.label, probes: this.probes.length, seen: lags.length, unseen: this.probes.length - lags.length, ...percentilesOf(lags) };
    });
  }
}

/** What the background work still has to do, read from the database. */
export interface Backlog {
  /** derived_work rows not parked (claimable now or after a backoff), and the subjects in them. */
  workRows: number;
  workSubjects: number;
  parkedRows: number;
  maxEventId: number;
  /** Events past the journey trigger scanner's cursor, counted (null: no cursor yet). */
  journeyBehind: number | null;
  /** Events past the KPI facts cursor (null: no cursor yet). */
  analyticsBehind: number | null;
  /** Journey runs whose timer has come, messages queued and due. */
  dueRuns: number;
  dueMessages: number;
}

export async function readBacklog(conn: Conn): Promise<Backlog> {
  const { rows } = await conn.query(
    `SELECT (SELECT count(*) FROM derived_work WHERE parked_at IS NULL)::int AS work_rows,
            (SELECT coalesce(sum(cardinality(subject_ids)), 0) FROM derived_work WHERE parked_at IS NULL)::int AS work_subjects,
            (SELECT count(*) FROM derived_work WHERE parked_at IS NOT NULL)::int AS parked,
            (SELECT coalesce(max(id), 0) FROM events)::bigint AS max_event,
            (SELECT count(*) FROM events WHERE id > (SELECT max(high_water) FROM journey_cursor))::int AS journey_behind,
            (SELECT count(*) FROM events WHERE id > (SELECT max(high_water) FROM analytics_cursor))::int AS analytics_behind,
            EXISTS (SELECT 1 FROM journey_cursor) AS has_journey, EXISTS (SELECT 1 FROM analytics_cursor) AS has_analytics,
            (SELECT count(*) FROM journey_runs WHERE wake_at IS NOT NULL AND wake_at <= now() AND status IN ('active', 'waiting'))::int AS due_runs,
            (SELECT count(*) FROM messages WHERE status = 'queued' AND (next_attempt_at IS NULL OR next_attempt_at <= now()))::int AS due_messages`,
  );
  const r = rows[0]!;
  return {
    workRows: Number(r.work_rows),
    workSubjects: Number(r.work_subjects),
    parkedRows: Number(r.parked),
    maxEventId: Number(r.max_event),
    journeyBehind: r.has_journey ? Number(r.journey_behind) : null,
    analyticsBehind: r.has_analytics ? Number(r.analytics_behind) : null,
    dueRuns: Number(r.due_runs),
    dueMessages: Number(r.due_messages),
  };
}

export function backlogLine(b: Backlog): string {
  return (
    `derived work ${b.workRows} rows / ${b.workSubjects} subjects${b.parkedRows ? ` (${b.parkedRows} parked)` : ''}; ` +
    `events behind the journey scanner ${b.journeyBehind ?? 'n/a'}, behind the KPI facts ${b.analyticsBehind ?? 'n/a'}; due journey runs ${b.dueRuns}, due messages ${b.dueMessages}`
  );
}

export interface CatchUp {
  /** Seconds from `from` until each part was first seen caught up (null: not within the limit). */
  derivedWorkS: number | null;
  journeyScannerS: number | null;
  journeyStepsS: number | null;
  analyticsS: number | null;
  /** derived work, journey scanner and due steps/messages all at once (the KPI facts apart). */
  allS: number | null;
  atEnd: Backlog;
  polls: number;
}

/**
 * Poll the backlog every `everyMs` until the background work is done (derived work,
 * journey scanner, due steps and messages all clear in one reading) and then at most
 * `kpiWaitS` more for the KPI facts to catch up, or until `limitS` has passed. Times
 * count from `from` (performance.now()).
 */
export async function waitCaughtUp(conn: Conn, from: number, opts: { everyMs: number; limitS: number; kpiWaitS: number }): Promise<CatchUp> {
  const out: CatchUp = { derivedWorkS: null, journeyScannerS: null, journeyStepsS: null, analyticsS: null, allS: null, atEnd: await readBacklog(conn), polls: 0 };
  const since = () => round1((performance.now() - from) / 1000);
  for (;;) {
    const b = out.polls === 0 ? out.atEnd : await readBacklog(conn);
    out.polls++;
    out.atEnd = b;
    const work = b.workRows === 0;
    const scanner = b.journeyBehind === 0;
    const steps = b.dueRuns === 0 && b.dueMessages === 0;
    const kpi = b.analyticsBehind === 0;
    if (work && out.derivedWorkS === null) out.derivedWorkS = since();
    if (scanner && out.journeyScannerS === null) out.journeyScannerS = since();
    if (steps && out.journeyStepsS === null) out.journeyStepsS = since();
    if (kpi && out.analyticsS === null) out.analyticsS = since();
    if (work && scanner && steps && out.allS === null) out.allS = since();
    const elapsed = (performance.now() - from) / 1000;
    if ((out.allS !== null && (out.analyticsS !== null || elapsed >= out.allS + opts.kpiWaitS)) || elapsed > opts.limitS) return out;
    await new Promise((r) => setTimeout(r, opts.everyMs));
  }
}

/**
 * The same probes by the server's own clocks: from the probe event's `received_at` to the
 * time the worker stamped on what it wrote (segment_members.entered_at, journey_runs.entered_at,
 * messages.created_at). `received_at` is the request's arrival (before the events' commit
 * and the ack); the stamps are the worker's "now" when it began the work (before its
 * commit). So this counts the request's own time and leaves out the worker's; the polled
 * lag counts from the ack and includes the worker's work and commit.
 * (stage_transitions.at is the event's time, not the move's: no server-clock figure for stages.)
 */
export async function serverClockLags(conn: Conn, workspaceId: number, userPrefix: string): Promise<Array<{ key: string; n: number; p50: number; p95: number; p99: number; max: number }>> {
  const { rows } = await conn.query(
    `WITH p AS (
       SELECT customer_id, min(received_at) AS r FROM events
        WHERE workspace_id = $1 AND type = 'track' AND event = 'Signed Up' AND user_id LIKE $2 GROUP BY customer_id
     )
     SELECT 'segment' AS k, extract(epoch FROM m.entered_at - p.r) * 1000 AS ms
       FROM p JOIN segment_members m ON m.workspace_id = $1 AND m.segment_id = 'seg_signed_up_never_ordered' AND m.customer_id = p.customer_id
     UNION ALL
     SELECT 'journeyRun', extract(epoch FROM min(j.entered_at) - min(p.r)) * 1000
       FROM p JOIN journey_runs j ON j.workspace_id = $1 AND j.journey_id = 'jny_welcome' AND j.customer_id = p.customer_id GROUP BY p.customer_id
     UNION ALL
     SELECT 'journeyStep', extract(epoch FROM min(x.created_at) - min(p.r)) * 1000
       FROM p JOIN messages x ON x.workspace_id = $1 AND x.journey_id = 'jny_welcome' AND x.customer_id = p.customer_id GROUP BY p.customer_id`,
    [workspaceId, `${userPrefix}%`],
  );
  const by = new Map<string, number[]>();
  for (const r of rows) {
    const k = String(r.k);
    if (!by.has(k)) by.set(k, []);
    by.get(k)!.push(Number(r.ms));
  }
  return [...by].map(([key, xs]) => ({ key, n: xs.length, ...percentilesOf(xs) }));
}
