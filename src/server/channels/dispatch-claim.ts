import { LOCK } from '../db/locks.js';
import type { Channel } from '../../contracts/journey.js';
import type { Queryable } from '../db/client.js';
import type { Failure, Result } from '../lib/result.js';
import { decide, type PolicyFacts, type Verdict } from './policy.js';
import type { SettingsCache } from './settings.repo.js';
import { compiledTemplates } from './templates.repo.js';
import type { renderTemplate } from './templates.js';
import { loadRenderFacts } from './render-context.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/**
 * The dispatcher's claim (./dispatcher.ts): due messages taken FOR UPDATE SKIP LOCKED,
 * decided by policy, and the lease on those it will send, renewed while they are sent.
 */

/** A message row as the dispatcher reads it. */
export type MessageRow = RowPick<
  typeof schema.messages,
  'id' | 'workspace_id' | 'customer_id' | 'journey_id' | 'step_id' | 'variant' | 'channel' | 'template_id' | 'group_id' | 'transactional' | 'idempotency_key' | 'to_address' | 'context' | 'attempts',
  {
    channel: Channel;
    context: { journey?: { id: string; name: string; variant: string | null }; event?: Record<string, unknown> | null; body?: string | null; survey?: SurveyRef };
  }
>;

/**
 * Keep this batch's claim while it is being sent: every third of the lease, push
 * `lease_until` of its messages not yet answered a lease further on (measured from the
 * batch's `now` plus the time that has passed, so a test clock keeps working). Without
 * this, a batch slower than the lease (a slow provider, a loaded machine) would be taken
 * and sent again by another worker while this one is still sending it. A worker that dies
 * stops renewing, and its messages are retried when the lease runs out, as before.
 */
export function renewLeases(db: Queryable, ids: number[], answered: ReadonlyArray<{ id: number }>, now: Date, leaseMs: number): { stop(): Promise<void> } {
  const started = Date.now();
  let renewing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(
    () => {
      const done = new Set(answered.map((o) => o.id));
      const open = ids.filter((id) => !done.has(id));
      if (open.length === 0) return;
      const until = new Date(now.getTime() + (Date.now() - started) + leaseMs);
      // Best effort: if it fails, the lease simply runs out as it would have without renewal.
      renewing = renewing
        .then(() => db.query(`UPDATE messages SET lease_until = $2 WHERE id = ANY($1::bigint[]) AND status = 'sending' AND lease_until < $2`, [open, until.toISOString()]))
        .catch(() => undefined);
    },
    Math.max(50, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await renewing;
    },
  };
}

/** The survey invitation a message carries (the survey sender queued it; no template). */
export interface SurveyRef {
  invitationId: number;
  surveyId: string;
  version: number;
}

/** What a survey message is rendered with, per channel (the surveys folder provides it: channels know no survey). */
export interface SurveyMessage {
  render(
    channel: Channel,
    input: { vars: Record<string, unknown>; secret: string; publicUrl: string; nowSec: number; unsubscribeUrl: string },
  ): Result<{ subject: string; html?: string; text: string }, Failure<'validation_failed'>>;
}

/** Loads survey messages' content in the claim's transaction, keyed by invitation id. */
export interface SurveyMessages {
  load(tx: Queryable, refs: Array<SurveyRef & { workspaceId: number; customerId: number }>): Promise<Map<number, SurveyMessage>>;
}

/** A claimed message ready to render and send, with what rendering needs. */
export interface Sending {
  row: MessageRow;
  to: string | null;
  secret: string;
  from: string | null;
  template: { channel: Channel; compiled: Parameters<typeof renderTemplate>[0] } | null;
  vars: Record<string, unknown>;
  /** A survey message's content (null: not a survey, or its survey is gone). */
  survey: SurveyMessage | null;
}

/** Step 1 of dispatchDue: claim due and expired messages, decide each, lease those to send (in the caller's transaction). */
export async function claim(
  tx: Queryable,
  exclusive: boolean,
  settingsCache: SettingsCache,
  now: Date,
  batch: number,
  leaseMs: number,
  surveys?: SurveyMessages,
): Promise<{ all: number; skipped: number; delayed: number; sending: Sending[] }> {
  const { rows } = await tx.query<MessageRow>(
    `SELECT id, workspace_id, customer_id, journey_id, step_id, variant, channel, template_id, group_id, transactional, idempotency_key, to_address, context, attempts
       FROM messages
      WHERE status IN ('queued', 'sending') AND next_attempt_at <= $1 AND (status = 'queued' OR lease_until < $1)
      ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now.toISOString(), batch],
  );
  const out = { all: rows.length, skipped: 0, delayed: 0, sending: [] as Sending[] };
  if (rows.length === 0) return out;
  const customers = [...new Set(rows.map((r) => r.customer_id))].sort((a, b) => a - b);
  // Caps are counted per customer: hold each customer's lock (in id order) while deciding.
  if (!exclusive) await tx.query(`SELECT pg_advisory_xact_lock(${LOCK.sendCustomer}, (c % 2147483647)::int) FROM unnest($1::bigint[]) AS c ORDER BY c`, [customers]);
  const decisions: Array<{ row: MessageRow; verdict: Verdict }> = [];
  const byWs = new Map<number, MessageRow[]>();
  for (const r of rows) byWs.set(r.workspace_id, [...(byWs.get(r.workspace_id) ?? []), r]);
  for (const [ws, list] of byWs) {
    const { settings, secret } = await settingsCache.get(tx, ws);
    const ids = [...new Set(list.map((r) => r.customer_id))];
    const facts = await loadPolicyFacts(
      tx,
      ws,
      ids,
      now,
      settings.caps.map((c) => c.within),
    );
    const templates = await compiledTemplates(tx, ws, [...new Set(list.map((r) => r.template_id).filter((t): t is string => t !== null))]);
    const vars = await loadRenderFacts(tx, ws, ids);
    const surveyRefs = list.flatMap((r) => (r.context.survey ? [{ ...r.context.survey, workspaceId: ws, customerId: r.customer_id }] : []));
    const surveyContent = surveyRefs.length > 0 && surveys ? await surveys.load(tx, surveyRefs) : new Map<number, SurveyMessage>();
    for (const r of list) {
      const f = facts.get(r.customer_id);
      const verdict: Verdict = f
        ? decide({ channel: r.channel, groupId: r.group_id, transactional: r.transactional, toAddress: r.to_address }, f, settings, now)
        : { kind: 'skip', code: 'no_customer', reason: 'the customer no longer exists' };
      decisions.push({ row: r, verdict });
      if (verdict.kind === 'send') {
        // Counted at once: the next message of this customer in this batch sees it.
        if (f && !r.transactional) (f.sentTimes as Map<Channel, number[]>).set(r.channel, [...(f.sentTimes.get(r.channel) ?? []), now.getTime()]);
        const t = r.template_id ? templates.get(r.template_id) : undefined;
        const survey = r.context.survey ? (surveyContent.get(r.context.survey.invitationId) ?? null) : null;
        out.sending.push({ row: r, to: verdict.to, secret, from: settings.emailFrom, template: t ?? null, vars: vars.get(r.customer_id) ?? {}, survey });
      }
    }
  }
  const pick = <T>(fn: (d: { row: MessageRow; verdict: Verdict }) => T) => decisions.map(fn);
  await tx.query(
    `UPDATE messages m SET status = x.status, reason_code = x.code, reason = x.reason, to_address = coalesce(x.addr, m.to_address),
            next_attempt_at = x.next, lease_until = x.lease, attempts = m.attempts + x.tried, sent_at = x.sent
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::int[], $9::timestamptz[])
         AS x(id, status, code, reason, addr, next, lease, tried, sent)
      WHERE m.id = x.id`,
    [
      pick((d) => d.row.id),
      pick((d) => (d.verdict.kind === 'send' ? 'sending' : d.verdict.kind === 'delay' ? 'queued' : 'skipped')),
      pick((d) => (d.verdict.kind === 'send' ? null : d.verdict.code)),
      pick((d) => (d.verdict.kind === 'send' ? null : d.verdict.reason)),
      pick((d) => (d.verdict.kind === 'send' ? d.verdict.to : null)),
      pick((d) => (d.verdict.kind === 'delay' ? d.verdict.until.toISOString() : now.toISOString())),
      pick((d) => (d.verdict.kind === 'send' ? new Date(now.getTime() + leaseMs).toISOString() : null)),
      pick((d) => (d.verdict.kind === 'send' ? 1 : 0)),
      pick((d) => (d.verdict.kind === 'send' ? now.toISOString() : null)),
    ],
  );
  out.skipped = decisions.filter((d) => d.verdict.kind === 'skip').length;
  out.delayed = decisions.filter((d) => d.verdict.kind === 'delay').length;
  return out;
}

/** Traits, consents, suppressions, groups and recent sends of these customers. */
async function loadPolicyFacts(tx: Queryable, ws: number, ids: number[], now: Date, windows: Array<{ amount: number; unit: string }>): Promise<Map<number, PolicyFacts>> {
  const { rows: custs } = await tx.query<RowPick<typeof schema.customers, 'id' | 'traits', { traits: Record<string, unknown> }>>(
    `SELECT id, traits FROM customers WHERE workspace_id = $1 AND id = ANY($2::bigint[])`,
    [ws, ids],
  );
  const { rows: groups } = await tx.query<RowPick<typeof schema.subscriptionGroups, 'id' | 'opt_in' | 'channel'>>(`SELECT id, opt_in, channel FROM subscription_groups WHERE workspace_id = $1`, [ws]);
  const groupMap = new Map(groups.map((g) => [g.id, { optIn: g.opt_in, channel: g.channel }]));
  const { rows: consents } = await tx.query<RowPick<typeof schema.consents, 'customer_id' | 'group_id' | 'subscribed'>>(
    `SELECT customer_id, group_id, subscribed FROM consents WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[])`,
    [ws, ids],
  );
  const addresses = custs.flatMap((c) => [c.traits.email, c.traits.phone, c.traits.phone_number].filter((v): v is string => typeof v === 'string').map((v) => v.trim().toLowerCase()));
  const { rows: supp } = await tx.query<RowPick<typeof schema.suppressions, 'channel' | 'address'>>(`SELECT channel, address FROM suppressions WHERE workspace_id = $1 AND address = ANY($2::text[])`, [
    ws,
    addresses,
  ]);
  const longest = Math.max(0, ...windows.map((w) => w.amount * ({ minutes: 60_000, hours: 3_600_000, days: 86_400_000, weeks: 604_800_000 }[w.unit] ?? 0)));
  const { rows: sent } =
    longest > 0
      ? await tx.query<RowPick<typeof schema.messages, 'customer_id' | 'channel', { channel: Channel }> & { t: number[] }>(
          `SELECT customer_id, channel, array_agg(extract(epoch FROM sent_at) * 1000) AS t FROM messages
            WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[]) AND NOT transactional AND status IN ('sending', 'sent', 'outboxed', 'delivered') AND sent_at > $3
            GROUP BY customer_id, channel`,
          [ws, ids, new Date(now.getTime() - longest).toISOString()],
        )
      : { rows: [] };
  const out = new Map<number, PolicyFacts>();
  for (const c of custs) {
    const consent = new Map<string, boolean>();
    for (const x of consents) if (x.customer_id === c.id) consent.set(x.group_id, x.subscribed);
    const sentTimes = new Map<Channel, number[]>();
    for (const s of sent) if (s.customer_id === c.id) sentTimes.set(s.channel, s.t.map(Number));
    const suppressed = new Set<string>();
    for (const s of supp) suppressed.add(s.address);
    out.set(c.id, { traits: c.traits, consent, suppressed, groups: groupMap, sentTimes });
  }
  return out;
}
