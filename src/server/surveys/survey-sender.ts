import type { Queryable, Db } from '../db/client.js';
import { LOCK } from '../db/locks.js';
import type { SurveyDefinition, SurveySettings, SurveyStatus, SurveyType } from '../../contracts/surveys.js';
import { decideInvitation, type FatigueVerdict, type SentBefore } from './fatigue.js';
import { getSurveySettings, surveyVersion } from './surveys.repo.js';

/**
 * The survey sender: pending invitations (and held ones whose time has come) are decided
 * under the fatigue rules (./fatigue.ts) and the survey's state, one transaction per batch:
 * claimed FOR UPDATE SKIP LOCKED, each customer's lock held while deciding (two workers
 * never both send to one customer past a rule), and for each one to send, the message is
 * queued in the same transaction (channels/dispatcher.ts renders and sends it, under consent,
 * quiet hours and caps). Held ones keep their reason and the time they are looked at again.
 */

export interface SendSurveysResult {
  claimed: number;
  /** Invitations turned into queued messages. */
  queued: number;
  held: number;
  skipped: number;
  more: boolean;
}

interface Claimed {
  id: number;
  workspace_id: number;
  survey_id: string;
  version: number;
  type: SurveyType;
  customer_id: number;
  channel: 'email' | 'sms' | 'inapp' | 'link';
  journey_id: string | null;
  run_id: number | null;
}

/** Decide the due invitations, a batch at a time. */
export async function sendDueInvitations(db: Db, now: Date, batch = 200): Promise<SendSurveysResult> {
  return db.transaction(async (tx) => decideBatch(tx, db.kind === 'pglite', now, batch));
}

async function decideBatch(tx: Queryable, exclusive: boolean, now: Date, batch: number): Promise<SendSurveysResult> {
  const { rows: raw } = await tx.query<Claimed>(
    `SELECT id, workspace_id, survey_id, version, type, customer_id, channel, journey_id, run_id FROM survey_invitations
      WHERE status IN ('pending', 'held') AND eligible_at <= $1 ORDER BY eligible_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now.toISOString(), batch],
  );
  const rows = raw.map((r) => ({ ...r, id: Number(r.id), customer_id: Number(r.customer_id), run_id: r.run_id === null ? null : Number(r.run_id) }));
  const out: SendSurveysResult = { claimed: rows.length, queued: 0, held: 0, skipped: 0, more: rows.length >= batch };
  if (rows.length === 0) return out;
  const customers = [...new Set(rows.map((r) => r.customer_id))].sort((a, b) => a - b);
  if (!exclusive) await tx.query(`SELECT pg_advisory_xact_lock(${LOCK.surveyCustomer}, (c % 2147483647)::int) FROM unnest($1::bigint[]) AS c ORDER BY c`, [customers]);

  const settings = new Map<number, SurveySettings>();
  const versions = new Map<string, { status: SurveyStatus; definition: SurveyDefinition } | null>();
  for (const ws of new Set(rows.map((r) => r.workspace_id))) settings.set(ws, await getSurveySettings(tx, ws));
  for (const r of rows) {
    const k = `${r.workspace_id}:${r.survey_id}:${r.version}`;
    if (!versions.has(k)) versions.set(k, await surveyVersion(tx, r.workspace_id, r.survey_id, r.version));
  }
  const { rows: facts } = await tx.query<{ id: string | number; traits: Record<string, unknown>; first_seen: Date }>(
    `SELECT c.id, c.traits, LEAST(c.created_at, coalesce((SELECT min(e.timestamp) FROM events e WHERE e.workspace_id = c.workspace_id AND e.customer_id = c.id), c.created_at)) AS first_seen
       FROM customers c WHERE c.id = ANY($1::bigint[])`,
    [customers],
  );
  const customer = new Map(facts.map((f) => [Number(f.id), { traits: f.traits, firstSeen: new Date(f.first_seen) }]));
  const { rows: prior } = await tx.query<{ customer_id: string | number; survey_id: string; type: SurveyType; channel: string; sent_at: Date }>(
    `SELECT customer_id, survey_id, type, channel, sent_at FROM survey_invitations
      WHERE customer_id = ANY($1::bigint[]) AND status IN ('sent', 'answered', 'dismissed') AND sent_at IS NOT NULL AND sent_at > $2`,
    [customers, new Date(now.getTime() - 3650 * 86_400_000).toISOString()],
  );
  const sent = new Map<number, SentBefore[]>();
  for (const p of prior) {
    const c = Number(p.customer_id);
    sent.set(c, [...(sent.get(c) ?? []), { surveyId: p.survey_id, type: p.type, channel: p.channel, sentAt: new Date(p.sent_at) }]);
  }

  const decisions: Array<{ row: Claimed; verdict: FatigueVerdict; group: string | null }> = [];
  for (const r of rows) {
    const v = versions.get(`${r.workspace_id}:${r.survey_id}:${r.version}`) ?? null;
    const c = customer.get(r.customer_id);
    const verdict = ((): FatigueVerdict => {
      if (!c) return { kind: 'skip', code: 'no_address', reason: 'the customer no longer exists', until: null };
      if (!v || v.status !== 'active') return { kind: 'skip', code: 'survey_inactive', reason: `the survey is ${v ? v.status : 'gone'}, not active`, until: null };
      if (r.channel === 'email' && !stringTrait(c.traits, ['email'])) return { kind: 'skip', code: 'no_address', reason: 'the customer has no email address', until: null };
      if (r.channel === 'sms' && !stringTrait(c.traits, ['phone', 'phone_number'])) return { kind: 'skip', code: 'no_address', reason: 'the customer has no phone number', until: null };
      return decideInvitation(
        { invitationId: r.id, surveyId: r.survey_id, type: r.type, channel: r.channel, firstSeenAt: c.firstSeen, sent: sent.get(r.customer_id) ?? [] },
        v.definition,
        settings.get(r.workspace_id)!,
        now,
      );
    })();
    // Counted at once: the customer's next invitation in this batch sees this one.
    if (verdict.kind === 'send') sent.set(r.customer_id, [...(sent.get(r.customer_id) ?? []), { surveyId: r.survey_id, type: r.type, channel: r.channel, sentAt: now }]);
    decisions.push({ row: r, verdict, group: v?.definition.group ?? null });
  }

  const toSend = decisions.filter((d) => d.verdict.kind === 'send' && d.row.channel !== 'link');
  const messageOf = new Map<number, number>();
  if (toSend.length > 0) {
    const { rows: made } = await tx.query<{ id: string | number; idempotency_key: string }>(
      `INSERT INTO messages (workspace_id, customer_id, journey_id, run_id, channel, group_id, transactional, idempotency_key, context, status, next_attempt_at, created_at)
       SELECT ws, c, j, r, ch, g, false, k, ctx, 'queued', $8::timestamptz, $8::timestamptz
         FROM unnest($1::int[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $9::jsonb[]) AS x(ws, c, j, r, ch, g, k, ctx)
       ON CONFLICT (workspace_id, idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
       RETURNING id, idempotency_key`,
      [
        toSend.map((d) => d.row.workspace_id),
        toSend.map((d) => d.row.customer_id),
        toSend.map((d) => d.row.journey_id),
        toSend.map((d) => d.row.run_id),
        toSend.map((d) => d.row.channel),
        toSend.map((d) => d.group),
        toSend.map((d) => `survey:${d.row.id}`),
        now.toISOString(),
        toSend.map((d) =>
          JSON.stringify({ survey: { invitationId: d.row.id, surveyId: d.row.survey_id, version: d.row.version }, ...(d.row.journey_id ? { journey: { id: d.row.journey_id } } : {}) }),
        ),
      ],
    );
    for (const m of made) messageOf.set(Number(m.idempotency_key.slice('survey:'.length)), Number(m.id));
  }
  const pick = <T>(fn: (d: (typeof decisions)[number]) => T) => decisions.map(fn);
  await tx.query(
    `UPDATE survey_invitations i SET status = x.status, reason_code = x.code, reason = x.reason, eligible_at = x.eligible, message_id = x.msg, sent_at = x.sent
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bigint[], $7::timestamptz[]) AS x(id, status, code, reason, eligible, msg, sent)
      WHERE i.id = x.id`,
    [
      pick((d) => d.row.id),
      pick((d) => (d.verdict.kind === 'send' ? 'sent' : d.verdict.kind === 'hold' ? 'held' : 'skipped')),
      pick((d) => (d.verdict.kind === 'send' ? null : d.verdict.code)),
      pick((d) => (d.verdict.kind === 'send' ? null : d.verdict.reason)),
      // Held: looked at again when the rule ends; skipped: when it would have been eligible (shown, never acted on).
      pick((d) => (d.verdict.kind === 'send' ? null : (d.verdict.until?.toISOString() ?? null))),
      pick((d) => messageOf.get(d.row.id) ?? null),
      pick((d) => (d.verdict.kind === 'send' ? now.toISOString() : null)),
    ],
  );
  out.queued = messageOf.size;
  out.held = decisions.filter((d) => d.verdict.kind === 'hold').length;
  out.skipped = decisions.filter((d) => d.verdict.kind === 'skip').length;
  return out;
}

function stringTrait(traits: Record<string, unknown>, names: string[]): string | null {
  for (const n of names) {
    const v = traits[n];
    if (typeof v === 'string' && v.trim() !== '') return v;
  }
  return null;
}
