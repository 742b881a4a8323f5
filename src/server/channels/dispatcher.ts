import type { Db, Queryable } from '../db/client.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import { claim, renewLeases, type Sending, type SurveyMessages } from './dispatch-claim.js';
import { makeToken, type LinkPurpose } from './link-tokens.js';
import { allGroupsKey } from './policy.js';
import type { SendResult } from './send-result.js';
import type { SettingsCache } from './settings.repo.js';
import { renderTemplate } from './templates.js';
import { addOpenPixel, rewriteLinks } from './tracking-html.js';
import { EV, type TenureEventName, type TenureEventProps } from '../../contracts/events.js';
import { timelineIdSql, type TimelineKey } from '../timeline/timeline-id.js';
import { derivedWorkOfInserted, timelineInsertSql, writeTimeline, type TimelineEvent } from '../timeline/timeline-writer.js';

/** The events delivery writes back on the customer's timeline. */
export const EMAIL_DELIVERED = EV.emailDelivered;
export const EMAIL_BOUNCED = EV.emailBounced;
export const SMS_DELIVERED = EV.smsDelivered;
export const MESSAGE_FAILED = EV.messageFailed;

/** Where messages go. A channel without a provider (null) goes to the outbox: rendered and stored, viewable, not sent. */
export interface Senders {
  email: { send(m: { to: string; from?: string; subject: string; html?: string; text: string; headers?: Record<string, string>; messageId: string }): Promise<SendResult> } | null;
  sms: { send(m: { to: string; body: string; idempotencyKey: string }): Promise<SendResult> } | null;
  webhook: (req: { url: string; body: string; secret: string; idempotencyKey: string; nowSec: number }) => Promise<SendResult>;
  /** The From of emails when the workspace sets none. */
  emailFrom: string;
  /** A workspace's own senders (the providers it connected in Settings; see provider-senders.ts), looked up per batch. */
  forWorkspace?: (db: Queryable, workspaceId: number) => Promise<Senders>;
}

export interface DispatchOptions {
  now: Date;
  /** Most messages claimed per batch (default 200). */
  batch?: number;
  /** Messages handed to providers at once (default 20). */
  concurrency?: number;
  /** Base URL of this server as customers reach it (links in messages). */
  publicUrl: string;
  /** How long a claim lasts before another worker may try the message again (default 60 s). */
  leaseMs?: number;
  /** Attempts before a transient failure becomes permanent (default 8). */
  maxAttempts?: number;
  /** Renders survey invitations (messages without a template that carry a survey); without it they fail with `survey_unavailable`. */
  surveys?: SurveyMessages;
}

export interface DispatchResult {
  claimed: number;
  sent: number;
  /** Kept in the outbox: no provider connected for the channel (not sent). */
  outboxed: number;
  skipped: number;
  delayed: number;
  failed: number;
  retrying: number;
  more: boolean;
  /** Customers whose timeline got an event (for the stage/segment engines). */
  customers: Map<number, number[]>;
}

interface Outcome {
  id: number;
  status: 'sent' | 'outboxed' | 'delivered' | 'failed' | 'bounced' | 'queued';
  reasonCode: string | null;
  reason: string | null;
  subject: string | null;
  html: string | null;
  text: string | null;
  providerId: string | null;
  nextAttemptAt: Date | null;
}

/**
 * Deliver due messages, a batch at a time:
 * 1. claim (one transaction): take queued messages whose time has come, and messages whose
 *    claim expired (a worker died mid-send), FOR UPDATE SKIP LOCKED; with the customers'
 *    advisory locks held (caps are counted per customer), decide each by consent,
 *    suppression, quiet hours and frequency caps (./policy.ts): skipped ones are stored
 *    with their reason, held ones get a later time, the rest become `sending` with a lease;
 * 2. render and hand each to its channel, outside any transaction, with the message's
 *    idempotency key (the email Message-ID, the SMS and webhook idempotency headers), so a
 *    retry after a crash is recognisable downstream as the same message;
 * 3. record (one transaction): sent, retry later (exponential backoff), failed or bounced
 *    (the address is suppressed), and the timeline events.
 */
export async function dispatchDue(db: Db, senders: Senders, settingsCache: SettingsCache, opts: DispatchOptions): Promise<DispatchResult> {
  const now = opts.now;
  const batch = opts.batch ?? 200;
  const leaseMs = opts.leaseMs ?? 60_000;
  const result: DispatchResult = { claimed: 0, sent: 0, outboxed: 0, skipped: 0, delayed: 0, failed: 0, retrying: 0, more: false, customers: new Map() };
  const claimed = await db.transaction(async (tx) => claim(tx, db.kind === 'pglite', settingsCache, now, batch, leaseMs, opts.surveys));
  result.claimed = claimed.all;
  result.skipped = claimed.skipped;
  result.delayed = claimed.delayed;
  result.more = claimed.all >= batch;
  if (claimed.sending.length === 0) return result;

  // Each workspace's providers (saved in Settings), read now: a provider saved since the last batch is used.
  const bySpace = new Map<number, Senders>();
  for (const { row } of claimed.sending) if (!bySpace.has(row.workspace_id)) bySpace.set(row.workspace_id, senders.forWorkspace ? await senders.forWorkspace(db, row.workspace_id) : senders);
  // Each outcome is recorded as soon as it is known (whatever finished meanwhile goes in
  // one transaction), so a crash leaves as few handed-over messages unrecorded as possible:
  // those are sent again when their lease ends, under the same idempotency key.
  const outcomes: Outcome[] = [];
  let unrecorded: Outcome[] = [];
  const lease = renewLeases(
    db,
    claimed.sending.map((s) => s.row.id),
    outcomes,
    now,
    leaseMs,
  );
  let recording: Promise<void> = Promise.resolve();
  const flush = () => {
    recording = recording.then(async () => {
      const take = unrecorded;
      unrecorded = [];
      if (take.length > 0) await record(db, claimed.sending, take, now, opts.maxAttempts ?? 8);
    });
    return recording;
  };
  const queue = [...claimed.sending];
  const work = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const o = await deliver(job, bySpace.get(job.row.workspace_id)!, opts);
      outcomes.push(o);
      unrecorded.push(o);
      void flush().catch(() => undefined); // a failure surfaces from the last flush below
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 20, queue.length) }, work));
  } finally {
    await lease.stop();
  }
  await flush();
  for (const o of outcomes) {
    if (o.status === 'sent' || o.status === 'delivered') result.sent++;
    else if (o.status === 'outboxed') result.outboxed++;
    else if (o.status === 'queued') result.retrying++;
    else result.failed++;
  }
  for (const s of claimed.sending) result.customers.set(s.row.workspace_id, [...(result.customers.get(s.row.workspace_id) ?? []), s.row.customer_id]);
  return result;
}

/** Render one message and hand it to its channel; never throws. */
async function deliver(s: Sending, senders: Senders, opts: DispatchOptions): Promise<Outcome> {
  const r = s.row;
  const base: Outcome = { id: r.id, status: 'failed', reasonCode: null, reason: null, subject: null, html: null, text: null, providerId: null, nextAttemptAt: null };
  try {
    const nowSec = Math.floor(opts.now.getTime() / 1000);
    const link = (kind: string, purpose: LinkPurpose, extra: Partial<{ u: string }> = {}) =>
      `${opts.publicUrl}/${kind}/${makeToken(s.secret, purpose, { w: r.workspace_id, m: r.id, c: r.customer_id, ...extra }, nowSec)}`;
    const unsubscribe = link('u', 'unsubscribe');
    const preferences = link('preferences', 'preferences');
    const vars: Record<string, unknown> = {
      ...s.vars,
      event: r.context.event ?? null,
      journey: r.context.journey ?? null,
      message: { id: r.id },
      unsubscribe_url: unsubscribe,
      preferences_url: preferences,
    };
    if (r.channel === 'webhook') {
      const body = r.context.body ? renderWebhookBody(r.context.body, vars) : ok(JSON.stringify({ customer: vars.customer, journey: vars.journey, event: vars.event, messageId: r.idempotency_key }));
      if (!body.ok) return { ...base, reasonCode: 'template_error', reason: body.message };
      const sent = await senders.webhook({ url: s.to!, body: body.value, secret: s.secret, idempotencyKey: r.idempotency_key, nowSec: Math.floor(opts.now.getTime() / 1000) });
      return fromResult(base, sent, { text: body.value });
    }
    let out: { subject: string; html?: string; text: string };
    if (r.context.survey) {
      // A survey invitation: its content comes from the survey, with the answer links in it.
      if (!s.survey) return { ...base, reasonCode: 'survey_unavailable', reason: `survey "${r.context.survey.surveyId}" (version ${r.context.survey.version}) cannot be rendered here` };
      const rendering = s.survey.render(r.channel, { vars, secret: s.secret, publicUrl: opts.publicUrl, nowSec, unsubscribeUrl: unsubscribe });
      if (!rendering.ok) return { ...base, reasonCode: 'template_error', reason: rendering.message };
      out = rendering.value;
    } else {
      if (!s.template) return { ...base, reasonCode: 'template_missing', reason: `template "${r.template_id}" does not exist` };
      if (s.template.channel !== r.channel) return { ...base, reasonCode: 'template_error', reason: `template "${r.template_id}" is for ${s.template.channel}, not ${r.channel}` };
      const rendering = renderTemplate(s.template.compiled, vars);
      if (!rendering.ok) return { ...base, reasonCode: 'template_error', reason: rendering.message };
      out = rendering.value;
    }
    if (r.channel === 'inapp') return { ...base, status: 'delivered', subject: out.subject || null, text: out.text, html: out.html ?? null, providerId: 'inbox' };
    if (r.channel === 'sms') {
      if (!senders.sms) return { ...base, status: 'outboxed', providerId: 'outbox', text: out.text };
      return fromResult(base, await senders.sms.send({ to: s.to!, body: out.text, idempotencyKey: r.idempotency_key }), { text: out.text });
    }
    // Email: tracked links, an open pixel, one-click unsubscribe.
    // Unsubscribe, preferences and survey answer links go straight to their page (a score link through the click redirect would be a second hop for nothing).
    const skip = (u: string) => u.startsWith(`${opts.publicUrl}/u/`) || u.startsWith(`${opts.publicUrl}/preferences/`) || u.startsWith(`${opts.publicUrl}/s/`);
    let html = out.html ? rewriteLinks(out.html, (url) => link('t/c', 'click', { u: url }), { skip }) : undefined;
    if (html) html = addOpenPixel(html, `${link('t/o', 'open')}.gif`);
    const rendered = { subject: out.subject, html: html ?? null, text: out.text };
    if (!senders.email) return { ...base, status: 'outboxed', providerId: 'outbox', ...rendered };
    const headers = { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'X-Tenure-Message': String(r.id) };
    const sent = await senders.email.send({ to: s.to!, from: s.from ?? senders.emailFrom, subject: out.subject, html, text: out.text, headers, messageId: r.idempotency_key });
    return fromResult(base, sent, rendered);
  } catch (err) {
    // A bug, not a provider's answer: try again later rather than lose the message.
    return { ...base, status: 'queued', reasonCode: 'internal', reason: err instanceof Error ? err.message : String(err) };
  }
}

function renderWebhookBody(body: string, vars: Record<string, unknown>): Result<string, Failure<'validation_failed'>> {
  const r = renderTemplate({ v: 1, channel: 'webhook', subject: '', text: body }, vars);
  if (!r.ok) return r;
  try {
    JSON.parse(r.value.text);
  } catch {
    return fail('validation_failed', 'the webhook body template did not produce JSON');
  }
  return ok(r.value.text);
}

function fromResult(base: Outcome, r: SendResult, rendered: { subject?: string | null; html?: string | null; text?: string | null }): Outcome {
  const o = { ...base, subject: rendered.subject ?? null, html: rendered.html ?? null, text: rendered.text ?? null };
  if (r.ok) return { ...o, status: 'sent', providerId: r.value.providerId };
  if (r.permanent) return { ...o, status: r.bounce ? 'bounced' : 'failed', reasonCode: r.bounce ? 'bounced' : 'provider_rejected', reason: r.message };
  return { ...o, status: 'queued', reasonCode: 'provider_unavailable', reason: r.message, nextAttemptAt: r.retryAfterMs !== undefined ? new Date(Date.now() + r.retryAfterMs) : null };
}

/**
 * Store what became of messages, in ONE statement (so it commits on its own, as soon as
 * possible after the channel answered: the shorter that gap, the fewer messages a crash
 * leaves handed over but unrecorded): the statuses, the suppression of hard-bounced
 * addresses, and the timeline events of emails and SMS.
 */
async function record(db: Queryable, sending: Sending[], outcomes: Outcome[], now: Date, maxAttempts: number): Promise<void> {
  const byId = new Map(sending.map((s) => [s.row.id, s]));
  for (const o of outcomes) {
    if (o.status !== 'queued') continue;
    const s = byId.get(o.id)!;
    const attempts = s.row.attempts + 1;
    if (attempts >= maxAttempts) {
      o.status = 'failed';
      o.reasonCode = 'retries_exhausted';
      o.reason = `gave up after ${attempts} attempts: ${o.reason}`;
    } else {
      // 30 s, 1, 2, 4 … minutes (at most an hour), with jitter so retries do not arrive together.
      const backoff = Math.min(3_600_000, 30_000 * 2 ** (attempts - 1)) * (0.8 + Math.random() * 0.4);
      o.nextAttemptAt = new Date(Math.max(o.nextAttemptAt?.getTime() ?? 0, now.getTime() + backoff));
    }
  }
  const eventOf = (o: Outcome, s: Sending): string | null => {
    if ((s.row.channel !== 'email' && s.row.channel !== 'sms') || o.status === 'queued' || o.status === 'outboxed') return null;
    if (o.status === 'sent') return s.row.channel === 'email' ? EMAIL_DELIVERED : SMS_DELIVERED;
    return o.status === 'bounced' ? EMAIL_BOUNCED : MESSAGE_FAILED;
  };
  const rows = outcomes.map((o) => ({ o, s: byId.get(o.id)! }));
  await db.query(
    `WITH x AS (
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::text[], $11::jsonb[], $12::text[])
         AS x(id, status, code, reason, subject, html, text, provider, next, ev, props, suppress)
     ),
     upd AS (
       UPDATE messages m SET status = x.status, reason_code = x.code, reason = x.reason, subject = coalesce(x.subject, m.subject), body_html = coalesce(x.html, m.body_html),
              body_text = coalesce(x.text, m.body_text), provider_id = x.provider, next_attempt_at = coalesce(x.next, m.next_attempt_at), lease_until = NULL,
              sent_at = CASE WHEN x.status IN ('sent', 'outboxed', 'delivered') THEN $13::timestamptz ELSE m.sent_at END
         FROM x WHERE m.id = x.id
       RETURNING m.id, m.workspace_id, m.customer_id, m.channel
     ),
     sup AS (
       INSERT INTO suppressions (workspace_id, channel, address, reason)
       SELECT u.workspace_id, u.channel, x.suppress, 'hard bounce of message ' || u.id FROM upd u JOIN x ON x.id = u.id WHERE x.suppress IS NOT NULL
       ON CONFLICT DO NOTHING
     ),
     ins AS (
       ${timelineInsertSql({
         workspaceId: 'u.workspace_id',
         customerId: 'u.customer_id',
         messageId: timelineIdSql('message', { message: 'u.id', what: 'x.ev' }),
         event: 'x.ev',
         userId: 'cu.user_id',
         at: '$13::timestamptz',
         properties: 'x.props',
         from: 'upd u JOIN x ON x.id = u.id JOIN customers cu ON cu.id = u.customer_id',
         where: 'x.ev IS NOT NULL',
         returning: 'workspace_id, customer_id, event',
       })}
     )
     ${derivedWorkOfInserted(['segment'])}`,
    [
      rows.map(({ o }) => o.id),
      rows.map(({ o }) => o.status),
      rows.map(({ o }) => o.reasonCode),
      rows.map(({ o }) => o.reason),
      rows.map(({ o }) => o.subject),
      rows.map(({ o }) => o.html),
      rows.map(({ o }) => o.text),
      rows.map(({ o }) => o.providerId),
      rows.map(({ o }) => o.nextAttemptAt?.toISOString() ?? null),
      rows.map(({ o, s }) => eventOf(o, s)),
      rows.map(({ o, s }) =>
        JSON.stringify({
          messageId: s.row.id,
          channel: s.row.channel,
          journeyId: s.row.journey_id,
          stepId: s.row.step_id,
          templateId: s.row.template_id,
          variant: s.row.variant,
          ...(o.reason ? { reason: o.reason } : {}),
        }),
      ),
      rows.map(({ o, s }) => (o.status === 'bounced' ? s.to : null)),
      new Date().toISOString(),
    ],
  );
}

/** A message event: the message it is about, and its key unless one per message and event name. */
export type MessageEvent = {
  [E in TenureEventName]: { workspaceId: number; customerId: number; messageId: number; name: E; properties: TenureEventProps[E]; type: 'tenure' | 'track'; key?: TimelineKey };
}[TenureEventName];

/**
 * Message events on customers' timelines, once each (keyed by message and event name
 * unless a key is given). The customers' stages and segments are looked at again: recorded
 * in the same statement (durable derived work).
 */
export async function writeMessageEvents(tx: Queryable, events: MessageEvent[], now: Date): Promise<number> {
  const rows = events.map(
    (e) =>
      ({
        workspaceId: e.workspaceId,
        customerId: e.customerId,
        event: e.name,
        properties: e.properties,
        at: now,
        type: e.type,
        key: e.key ?? { kind: 'message', message: e.messageId, what: e.name },
      }) as TimelineEvent,
  );
  return writeTimeline(tx, rows, { derivedWork: ['stage', 'segment'] });
}

export { allGroupsKey };
