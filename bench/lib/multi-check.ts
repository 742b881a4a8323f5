/**
 * The correctness check of bench/multi-process.ts, run after the load and the catch-up on
 * the database the processes shared (all in SQL, plus the SMTP sink's log): every
 * acknowledged event stored once, every stage move / segment entry / journey entry / email
 * exactly once, each derived state equal to a fresh computation, nothing left behind.
 * Each finding is a line; a violation is a MISMATCH (the benchmark then exits 1).
 * Run it with the server processes stopped (a quiescent database).
 */
import type { Db } from '../../src/server/db/client.js';
import { ModelCache } from '../../src/server/lifecycle/models.repo.js';
import { advanceStagesIn } from '../../src/server/lifecycle/stage-service.js';
import { listSegments } from '../../src/server/segments/segments.repo.js';
import { syncMembers } from '../../src/server/segments/segment-sync.js';
import { keyFromMessageId } from '../../src/server/channels/email-transport.js';
import { EV } from '../../src/contracts/events.js';
import type { SunkMail } from './multi-smtp.js';

export interface Finding {
  ok: boolean;
  what: string;
  detail: string;
}

/** What the load sent: every messageId, and who signed up (userIds). */
export interface Sent {
  messageIds: number;
  signups: number;
}

class Rollback extends Error {}

/** Run `fn` in a transaction that is always rolled back (a scratch computation on the real data). */
async function scratch<T>(db: Db, fn: Parameters<Db['transaction']>[0]): Promise<T> {
  let out: T | undefined;
  try {
    await db.transaction(async (tx) => {
      out = (await fn(tx)) as T;
      throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  return out as T;
}

const n = async (db: Db, sql: string, params: unknown[] = []): Promise<number> => Number((await db.query<{ n: string | number }>(sql, params)).rows[0]!.n);

export async function checkAll(db: Db, sent: Sent, mails: SunkMail[]): Promise<Finding[]> {
  const out: Finding[] = [];
  const expect = (what: string, got: number, want: number, detail = '') =>
    out.push({ ok: got === want, what, detail: `${got.toLocaleString('en-US')}${got === want ? '' : ` (expected ${want.toLocaleString('en-US')})`}${detail ? `; ${detail}` : ''}` });
  const ws = await n(db, `SELECT id AS n FROM workspaces ORDER BY id LIMIT 1`);

  // 1. Events: every acknowledged one stored once.
  const stored = (await db.query<{ total: number; distinct: number }>(`SELECT count(*)::int AS total, count(DISTINCT message_id)::int AS distinct FROM events WHERE type <> 'tenure'`)).rows[0]!;
  expect('events stored (acknowledged messageIds)', stored.distinct, sent.messageIds, `${(sent.messageIds - stored.distinct).toLocaleString('en-US')} lost`);
  expect('event rows per messageId (duplicates)', stored.total - stored.distinct, 0);

  // 2. Stage moves.
  expect(
    'duplicate stage moves (same subject, from, to, at)',
    await n(db, `SELECT count(*) AS n FROM (SELECT 1 FROM stage_transitions GROUP BY workspace_id, scope, subject_id, from_stage, to_stage, at HAVING count(*) > 1) d`),
    0,
  );
  const moves = await n(db, `SELECT count(*) AS n FROM stage_transitions WHERE scope = 'customer'`);
  const stageEvents = (
    await db.query<{ total: number; distinct: number }>(`SELECT count(*)::int AS total, count(DISTINCT message_id)::int AS distinct FROM events WHERE type = 'tenure' AND event = $1`, [
      EV.stageChanged,
    ])
  ).rows[0]!;
  expect(`'${EV.stageChanged}' events = stage_transitions rows`, stageEvents.total, moves);
  expect(`'${EV.stageChanged}' events with a repeated messageId`, stageEvents.total - stageEvents.distinct, 0);
  expect(
    'customers whose stage-change events differ in number from their moves',
    await n(
      db,
      `SELECT count(*) AS n FROM
         (SELECT subject_id AS id, count(*) AS k FROM stage_transitions WHERE scope = 'customer' GROUP BY 1) t
         FULL JOIN (SELECT customer_id AS id, count(*) AS k FROM events WHERE type = 'tenure' AND event = $1 GROUP BY 1) e USING (id)
        WHERE t.k IS DISTINCT FROM e.k`,
      [EV.stageChanged],
    ),
    0,
  );
  expect('customers without a stage', await n(db, `SELECT count(*) AS n FROM customers c WHERE NOT EXISTS (SELECT 1 FROM stage_states s WHERE s.scope = 'customer' AND s.subject_id = c.id)`), 0);
  // The stored stages and histories against a fresh replay of every customer from their events
  // (rolled back; `exclusive`: the servers are stopped, and the subject locks of one
  // transaction over every customer would outgrow PostgreSQL's lock table).
  const replayed = await scratch<{ stageDiff: number; historyDiff: number; subjects: number; examples: string[] }>(db, async (tx) => {
    const snapshot = async () => {
      const { rows } = await tx.query<{ id: string; stage: string; hist: string }>(
        `SELECT s.subject_id::text AS id, s.stage,
                coalesce((SELECT string_agg(coalesce(t.from_stage, '-') || '>' || t.to_stage || '@' || (extract(epoch FROM t.at) * 1000)::bigint, ' ' ORDER BY t.at, t.id)
                            FROM stage_transitions t WHERE t.workspace_id = s.workspace_id AND t.scope = 'customer' AND t.subject_id = s.subject_id), '') AS hist
           FROM stage_states s WHERE s.scope = 'customer'`,
      );
      return new Map(rows.map((r) => [r.id, r]));
    };
    const before = await snapshot();
    const ids = (await tx.query<{ id: string }>(`SELECT id::text AS id FROM customers WHERE workspace_id = $1 ORDER BY id`, [ws])).rows.map((r) => Number(r.id));
    const models = new ModelCache();
    const now = new Date();
    for (let i = 0; i < ids.length; i += 2_000) await advanceStagesIn(tx, true, ws, 'customer', ids.slice(i, i + 2_000), { now, models, rebuild: true });
    const after = await snapshot();
    let stageDiff = 0;
    let historyDiff = 0;
    const examples: string[] = [];
    for (const id of new Set([...before.keys(), ...after.keys()])) {
      const b = before.get(id);
      const a = after.get(id);
      if (b?.stage !== a?.stage) stageDiff++;
      if (b?.hist !== a?.hist) {
        historyDiff++;
        if (examples.length < 3) examples.push(`customer ${id}: stored [${b?.hist ?? 'none'}] vs replay [${a?.hist ?? 'none'}]`);
      }
    }
    return { stageDiff, historyDiff, subjects: ids.length, examples };
  });
  expect('customers whose stage differs from a fresh replay', replayed.stageDiff, 0, `${replayed.subjects.toLocaleString('en-US')} replayed`);
  // Not a violation: an event that arrives after the customer was evaluated past its timestamp
  // (batches sent concurrently, each event up to 10 s old) counts from the evaluation, not
  // back in history (stage-service.ts evaluateSubjects); a replay from nothing places it at its
  // timestamp. Duplicates are caught above; the final stage must agree.
  out.push({
    ok: true,
    what: 'customers whose move times differ from a fresh replay (late events; not a violation)',
    detail: `${replayed.historyDiff.toLocaleString('en-US')}${replayed.examples.length ? `; e.g. ${replayed.examples[0]}` : ''}`,
  });

  // 3. Segment entries.
  expect(
    'segment stays open twice (segment, customer)',
    await n(db, `SELECT count(*) AS n FROM (SELECT 1 FROM segment_history WHERE exited_at IS NULL GROUP BY workspace_id, segment_id, customer_id HAVING count(*) > 1) d`),
    0,
  );
  expect(
    'overlapping segment stays',
    await n(
      db,
      `SELECT count(*) AS n FROM segment_history a JOIN segment_history b
          ON b.workspace_id = a.workspace_id AND b.segment_id = a.segment_id AND b.customer_id = a.customer_id AND b.id > a.id
       WHERE a.entered_at < coalesce(b.exited_at, 'infinity') AND b.entered_at < coalesce(a.exited_at, 'infinity')`,
    ),
    0,
  );
  expect(
    'members without an open stay, or open stays without a member',
    await n(
      db,
      `SELECT count(*) AS n FROM segment_members m FULL JOIN (SELECT * FROM segment_history WHERE exited_at IS NULL) h
          ON h.workspace_id = m.workspace_id AND h.segment_id = m.segment_id AND h.customer_id = m.customer_id
       WHERE m.customer_id IS NULL OR h.customer_id IS NULL`,
    ),
    0,
  );
  const segMoves = async (event: string, exitedOnly: boolean) =>
    n(
      db,
      `SELECT count(*) AS n FROM
         (SELECT segment_id AS s, customer_id AS c, count(*) AS k FROM segment_history h
            JOIN segments g ON g.workspace_id = h.workspace_id AND g.id = h.segment_id AND g.scope = 'customer'
           ${exitedOnly ? 'WHERE h.exited_at IS NOT NULL' : ''} GROUP BY 1, 2) h
         FULL JOIN (SELECT properties->>'segmentId' AS s, customer_id AS c, count(*) AS k FROM events WHERE type = 'tenure' AND event = $1 GROUP BY 1, 2) e USING (s, c)
        WHERE h.k IS DISTINCT FROM e.k`,
      [event],
    );
  const historyRows = await n(db, `SELECT count(*) AS n FROM segment_history`);
  expect(`(segment, customer) pairs whose '${EV.segmentEntered}' events differ from their stays`, await segMoves(EV.segmentEntered, false), 0, `${historyRows.toLocaleString('en-US')} stays`);
  expect(`(segment, customer) pairs whose '${EV.segmentExited}' events differ from their closed stays`, await segMoves(EV.segmentExited, true), 0);
  // Each dynamic segment's stored members against the SQL compiler's answer now (a full sync in a rolled-back transaction must change nothing).
  const segs = (await listSegments(db, ws)).filter((s) => s.kind === 'dynamic' && s.condition);
  const drift = await scratch<Array<{ id: string; entered: number; exited: number }>>(db, async (tx) => {
    const now = new Date();
    const r: Array<{ id: string; entered: number; exited: number }> = [];
    for (const s of segs) {
      const d = await syncMembers(tx, s, now, null);
      if (d.entered + d.exited > 0) r.push({ id: s.id, ...d });
    }
    return r;
  });
  expect(`dynamic segments (of ${segs.length}) whose members differ from a full computation now`, drift.length, 0, drift.map((d) => `${d.id}: +${d.entered} −${d.exited}`).join(', '));
  const members = await n(db, `SELECT count(*) AS n FROM segment_members`);
  out.push({ ok: true, what: 'segment members now', detail: members.toLocaleString('en-US') });

  // 4. Journeys: entries and sends.
  expect(
    '(journey, customer) pairs entered more than once (every re-entry rule here is ≥ 7 days)',
    await n(db, `SELECT count(*) AS n FROM (SELECT 1 FROM journey_runs GROUP BY workspace_id, journey_id, customer_id HAVING count(*) > 1) d`),
    0,
  );
  const missed = async (journey: string, who: string, params: unknown[]) =>
    n(db, `SELECT count(*) AS n FROM (${who}) w WHERE NOT EXISTS (SELECT 1 FROM journey_runs r WHERE r.journey_id = $1 AND r.customer_id = w.id)`, [journey, ...params]);
  const signedUp = await n(db, `SELECT count(DISTINCT customer_id) AS n FROM events WHERE type = 'track' AND event = $1`, [EV.signedUp]);
  expect(
    'customers who signed up and did not enter the welcome journey',
    await missed('jny_welcome', `SELECT DISTINCT customer_id AS id FROM events WHERE type = 'track' AND event = $2`, [EV.signedUp]),
    0,
    `${signedUp} signed up (${sent.signups} sign-ups sent)`,
  );
  expect(
    'customers who ordered and did not enter the review journey',
    await missed('jny_review', `SELECT DISTINCT customer_id AS id FROM events WHERE type = 'track' AND event = $2`, [EV.orderCompleted]),
    0,
  );
  for (const [journey, stage] of [
    ['jny_referral', 'loyalty'],
    ['jny_winback', 'at_risk'],
  ] as const) {
    const moved = await n(db, `SELECT count(DISTINCT subject_id) AS n FROM stage_transitions WHERE scope = 'customer' AND to_stage = $1`, [stage]);
    expect(
      `customers who moved to ${stage} and did not enter ${journey}`,
      await missed(journey, `SELECT DISTINCT subject_id AS id FROM stage_transitions WHERE scope = 'customer' AND to_stage = $2`, [stage]),
      0,
      `${moved} moved`,
    );
  }
  const runs = (await db.query<{ journey_id: string; n: number }>(`SELECT journey_id, count(*)::int AS n FROM journey_runs GROUP BY 1 ORDER BY 1`)).rows;
  out.push({ ok: true, what: 'journey runs', detail: runs.map((r) => `${r.journey_id} ${r.n}`).join(', ') || 'none' });
  const msgs = (await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM messages WHERE channel = 'email' GROUP BY 1 ORDER BY 1`)).rows;
  out.push({ ok: true, what: 'email messages by status', detail: msgs.map((r) => `${r.status} ${r.n}`).join(', ') || 'none' });
  expect('messages still queued or sending', await n(db, `SELECT count(*) AS n FROM messages WHERE status IN ('queued', 'sending')`), 0);
  expect('messages per (run, step) more than one', await n(db, `SELECT count(*) AS n FROM (SELECT 1 FROM messages WHERE run_id IS NOT NULL GROUP BY run_id, step_id HAVING count(*) > 1) d`), 0);
  const byId = new Map<string, number>();
  for (const m of mails) byId.set(m.messageId, (byId.get(m.messageId) ?? 0) + 1);
  expect('emails the SMTP server received twice (same Message-ID)', [...byId.values()].filter((k) => k > 1).length, 0, `${mails.length.toLocaleString('en-US')} received`);
  const sentRows = (
    await db.query<{ id: string; key: string }>(`SELECT id::text AS id, idempotency_key AS key FROM messages WHERE channel = 'email' AND status IN ('sent', 'delivered', 'opened', 'clicked')`)
  ).rows;
  expect('emails received = email messages marked sent', mails.length, sentRows.length);
  const keyOf = new Map(sentRows.map((r) => [r.id, r.key]));
  let unmatched = 0;
  for (const m of mails) if (keyOf.get(m.tenureMessage) !== keyFromMessageId(m.messageId)) unmatched++;
  expect('emails whose Message-ID is not the idempotency key of a sent message (X-Tenure-Message)', unmatched, 0);

  // 5. Nothing lost or left.
  expect('derived work left (claimable)', await n(db, `SELECT count(*) AS n FROM derived_work WHERE parked_at IS NULL`), 0);
  expect('derived work parked', await n(db, `SELECT count(*) AS n FROM derived_work WHERE parked_at IS NOT NULL`), 0);
  const cursor = (await db.query<{ high: string; gaps: unknown[] }>(`SELECT high_water::text AS high, gaps FROM journey_cursor WHERE id = 1`)).rows[0];
  const maxId = await n(db, `SELECT coalesce(max(id), 0) AS n FROM events`);
  const inGaps = await n(
    db,
    `SELECT count(*) AS n FROM journey_cursor jc CROSS JOIN LATERAL jsonb_to_recordset(jc.gaps) AS g("from" bigint, "to" bigint) JOIN events e ON e.id BETWEEN g."from" AND g."to"`,
  );
  expect(
    'events the journey trigger scanner has not read (max id − high water, + events inside its gaps)',
    Math.max(0, maxId - Number(cursor?.high ?? 0)) + inGaps,
    0,
    `${cursor?.gaps.length ?? 0} gaps (ids of rolled-back inserts) open`,
  );
  expect('journey signals not applied', await n(db, `SELECT count(*) AS n FROM journey_signals`), 0);
  expect('journey runs active (due and not run)', await n(db, `SELECT count(*) AS n FROM journey_runs WHERE status = 'active'`), 0);
  const open = (await db.query<{ kind: string; n: number }>(`SELECT kind, count(*)::int AS n FROM jobs WHERE status IN ('queued', 'running') GROUP BY 1 ORDER BY 1`)).rows;
  // Shown, not failed: the prediction schedule queues its own jobs now and then.
  out.push({ ok: true, what: 'jobs queued or running', detail: open.map((r) => `${r.kind} ${r.n}`).join(', ') || 'none' });
  const failed = (await db.query<{ kind: string; n: number }>(`SELECT kind, count(*)::int AS n FROM jobs WHERE status = 'failed' GROUP BY 1 ORDER BY 1`)).rows;
  // The prediction schedule's jobs fail by design on a workspace with minutes of history (too few repeat buyers to fit).
  if (failed.length > 0) out.push({ ok: true, what: 'jobs failed (predictions need months of history)', detail: failed.map((r) => `${r.kind} ${r.n}`).join(', ') });
  return out;
}
