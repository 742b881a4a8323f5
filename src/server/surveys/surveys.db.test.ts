import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { getMessagingSettings } from '../channels/settings.repo.js';
import { SurveyDefinitionSchema } from '../../contracts/surveys.js';
import { createSurvey, saveSurveySettings, updateSurvey } from './surveys.repo.js';
import { insertStepInvitations } from './invitations.repo.js';
import { sendDueInvitations } from './survey-sender.js';
import { makeSurveyToken } from './survey-tokens.js';
import { recordAnswer, recordComment, recordDismissal, resolveSurveyLink } from './answers.js';
import { deliveryCounts } from './results.repo.js';

let seq = 0;
function identify(userId: string, traits: Record<string, unknown>, timestamp = '2026-01-01T00:00:00Z'): NormalizedEvent {
  const r = normalizeCall({ messageId: `sv-${seq++}`, userId, traits, timestamp }, 'identify', { receivedAt: new Date(), bodyBytes: 80 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}
const DAY = 86_400_000;

for (const target of dbTargets()) {
  describe(`surveys: invitations under fatigue rules, answers recorded once (${target.name})`, () => {
    let db: Db;
    let ws: number;
    let secret: string;
    const ids: Record<string, number> = {};
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'surveys')).workspace.id;
      await ingestEvents(db, ws, [identify('ann', { email: 'ann@example.com' }), identify('bob', { email: 'bob@example.com' }), identify('cid', {}), identify('dee', { email: 'dee@example.com' })]);
      for (const r of (await db.query<{ id: number; user_id: string }>(`SELECT id, user_id FROM customers WHERE workspace_id = $1`, [ws])).rows) ids[r.user_id] = Number(r.id);
      const made = await createSurvey(db, ws, {
        id: 'nps',
        name: 'Quarterly NPS',
        definition: SurveyDefinitionSchema.parse({ type: 'nps', question: 'How likely are you to recommend us?', followUp: { default: 'Why?' }, followUpTask: { dueHours: 24 } }),
      });
      assert.ok(made.ok);
      await saveSurveySettings(db, ws, { globalDays: 14, perTypeDays: { nps: 90, csat: 0, ces: 0 }, perChannelDays: { email: 0, sms: 0, inapp: 0 }, firstSurveyDelayDays: 0 });
      secret = (await getMessagingSettings(db, ws)).secret;
    });
    after(() => db.close());

    const step = (user: string, key: string, survey = 'nps', channel: 'email' | 'sms' | 'inapp' = 'email') => ({
      workspaceId: ws,
      customerId: ids[user]!,
      journeyId: 'j',
      runId: 1,
      key,
      surveyId: survey,
      channel,
    });
    const invitations = async () =>
      (
        await db.query<{ user_id: string; status: string; reason_code: string | null; reason: string | null; eligible_at: Date | null; message_id: string | null }>(
          `SELECT c.user_id, i.status, i.reason_code, i.reason, i.eligible_at, i.message_id FROM survey_invitations i JOIN customers c ON c.id = i.customer_id WHERE i.workspace_id = $1 ORDER BY i.id`,
          [ws],
        )
      ).rows;

    it('a draft survey is not sent: the invitation is skipped with the reason', async () => {
      const t0 = new Date('2026-12-01T10:00:00Z');
      assert.equal(await insertStepInvitations(db, [step('ann', 'draft-1')], t0), 1);
      const r = await sendDueInvitations(db, t0);
      assert.deepEqual({ claimed: r.claimed, queued: r.queued, skipped: r.skipped }, { claimed: 1, queued: 0, skipped: 1 });
      assert.equal((await invitations())[0]!.reason_code, 'survey_inactive');
      await db.query(`DELETE FROM survey_invitations WHERE workspace_id = $1`, [ws]);
    });

    it('sends when eligible (a queued message carrying the survey), holds the next one with its reason and until when, then sends it when due', async () => {
      assert.ok((await updateSurvey(db, ws, 'nps', { status: 'active' })).ok);
      const t0 = new Date('2026-12-01T10:00:00Z');
      // The same step replayed is one invitation; a survey that does not exist is recorded as skipped.
      assert.equal(await insertStepInvitations(db, [step('ann', 'k1'), step('ann', 'k1'), step('cid', 'k2'), step('bob', 'k3', 'nope')], t0), 3);
      const r = await sendDueInvitations(db, t0);
      assert.deepEqual({ claimed: r.claimed, queued: r.queued, skipped: r.skipped, held: r.held }, { claimed: 2, queued: 1, skipped: 1, held: 0 });
      const list = await invitations();
      assert.deepEqual(list.map((i) => [i.user_id, i.status, i.reason_code]).sort(), [
        ['ann', 'sent', null],
        ['bob', 'skipped', 'survey_missing'],
        ['cid', 'skipped', 'no_address'],
      ]);
      const sent = list.find((i) => i.status === 'sent')!;
      const { rows: msg } = await db.query<{ channel: string; template_id: string | null; context: { survey: { invitationId: number; surveyId: string } } }>(
        `SELECT channel, template_id, context FROM messages WHERE id = $1`,
        [sent.message_id],
      );
      assert.equal(msg[0]!.channel, 'email');
      assert.equal(msg[0]!.template_id, null);
      assert.equal(msg[0]!.context.survey.surveyId, 'nps');

      // Ten days later the journey asks again: the 90-day NPS rule holds it for 80 more days (it ends after the 14-day global one).
      const t1 = new Date(t0.getTime() + 10 * DAY);
      await insertStepInvitations(db, [step('ann', 'k4')], t1);
      const r1 = await sendDueInvitations(db, t1);
      assert.equal(r1.held, 1);
      const held = (await invitations()).at(-1)!;
      assert.equal(held.status, 'held');
      assert.equal(held.reason_code, 'fatigue_type');
      assert.equal(new Date(held.eligible_at!).toISOString(), new Date(t0.getTime() + 90 * DAY).toISOString());
      assert.match(held.reason!, /a NPS survey was sent on 2026-12-01 10:00 UTC; the rule allows one every 90 days/);
      // Not due before then; sent when it is.
      assert.equal((await sendDueInvitations(db, new Date(t0.getTime() + 89 * DAY))).claimed, 0);
      const r2 = await sendDueInvitations(db, new Date(t0.getTime() + 90 * DAY));
      assert.equal(r2.queued, 1);
      assert.equal((await invitations()).at(-1)!.status, 'sent');
    });

    it('an answer is recorded once per invitation: a second click returns the first answer; the comment lands on the same response; one follow-up task per customer', async () => {
      const inv = (await db.query<{ id: number }>(`SELECT id FROM survey_invitations WHERE workspace_id = $1 AND status = 'sent' ORDER BY id LIMIT 1`, [ws])).rows[0]!;
      const now = new Date('2026-12-02T09:00:00Z');
      const token = makeSurveyToken(secret, { w: ws, i: Number(inv.id), c: ids.ann! }, now.getTime() / 1000);
      const link = (await resolveSurveyLink(db, token, now))!;
      assert.equal(link.surveyName, 'Quarterly NPS');
      assert.equal(link.response, null);
      assert.equal(await resolveSurveyLink(db, token.slice(0, -2) + 'xx', now), null);

      const bad = await recordAnswer(db, link, { score: 11 }, now);
      assert.ok(!bad.ok && bad.code === 'validation_failed' && /0 to 10/.test(bad.message));
      const first = await recordAnswer(db, link, { score: 3 }, now);
      assert.ok(first.ok && first.value.created);
      assert.equal(first.value.response.band, 'detractor');
      const again = await recordAnswer(db, link, { score: 9 }, new Date(now.getTime() + 1000));
      assert.ok(again.ok && !again.value.created);
      assert.equal(again.value.response.id, first.value.response.id);
      assert.equal(again.value.response.score, 3);

      const c = await recordComment(db, link, 'Too slow to ship', new Date(now.getTime() + 5000));
      assert.ok(c.ok && c.value.id === first.value.response.id && c.value.comment === 'Too slow to ship');

      const { rows: ev } = await db.query<{ event: string; properties: Record<string, unknown>; type: string }>(
        `SELECT event, properties, type FROM events WHERE workspace_id = $1 AND customer_id = $2 AND event LIKE 'Survey%' ORDER BY timestamp`,
        [ws, ids.ann],
      );
      assert.deepEqual(
        ev.map((e) => e.event),
        ['Survey Responded', 'Survey Commented'],
      );
      assert.equal(ev[0]!.properties.score, 3);
      assert.equal(ev[0]!.properties.band, 'detractor');
      assert.equal(ev[0]!.properties.survey_id, 'nps');
      assert.equal(ev[0]!.properties.type, 'nps');
      assert.equal(ev[0]!.type, 'track');
      assert.equal(ev[1]!.properties.comment, 'Too slow to ship');
      // The stage and segment work was recorded with the answer.
      const { rows: work } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM derived_work WHERE workspace_id = $1 AND $2 = ANY(subject_ids)`, [ws, ids.ann]);
      assert.ok(work[0]!.n >= 1);

      const { rows: tasks } = await db.query<{ title: string; due_at: Date; reason: string; subject_key: string; note: string }>(
        `SELECT title, due_at, reason, subject_key, note FROM tasks WHERE workspace_id = $1`,
        [ws],
      );
      assert.equal(tasks.length, 1);
      assert.equal(tasks[0]!.reason, 'survey:negative');
      assert.equal(tasks[0]!.subject_key, `customer:${ids.ann}`);
      assert.equal(new Date(tasks[0]!.due_at).toISOString(), new Date(now.getTime() + 24 * 3_600_000).toISOString());
      assert.match(tasks[0]!.note, /Quarterly NPS: 3 \(detractor\).*Too slow to ship/);

      // A second detractor answer from the same customer (the later invitation) opens no second task while the first is open.
      const inv2 = (await db.query<{ id: number }>(`SELECT id FROM survey_invitations WHERE workspace_id = $1 AND status = 'sent' ORDER BY id DESC LIMIT 1`, [ws])).rows[0]!;
      const link2 = (await resolveSurveyLink(db, makeSurveyToken(secret, { w: ws, i: Number(inv2.id), c: ids.ann! }, now.getTime() / 1000), now))!;
      assert.ok((await recordAnswer(db, link2, { score: 1 }, now)).ok);
      assert.equal((await db.query(`SELECT 1 FROM tasks WHERE workspace_id = $1`, [ws])).rows.length, 1);
      // Done, then a new detractor answer may open a new one.
      await db.query(`UPDATE tasks SET status = 'done', done_at = now() WHERE workspace_id = $1`, [ws]);
      assert.equal((await db.query(`SELECT 1 FROM survey_responses WHERE workspace_id = $1`, [ws])).rows.length, 2);
    });

    it('the response rate counts an unanswered invitation as sent only when its message went out', async () => {
      const scope = { workspaceId: ws, surveyId: 'nps', from: null, to: null };
      const before = await deliveryCounts(db, scope);
      // Two more invitations "sent" by the survey sender: one message delivered, one skipped by consent.
      for (const [key, status] of [
        ['rr-ok', 'sent'],
        ['rr-skip', 'skipped'],
      ] as const) {
        const { rows } = await db.query<{ id: number }>(
          `INSERT INTO messages (workspace_id, customer_id, channel, idempotency_key, status, created_at) VALUES ($1, $2, 'email', $3, $4, now()) RETURNING id`,
          [ws, ids.bob, key, status],
        );
        await db.query(
          `INSERT INTO survey_invitations (workspace_id, survey_id, version, type, customer_id, channel, source, round, idempotency_key, status, message_id, created_at, sent_at)
           VALUES ($1, 'nps', 1, 'nps', $2, 'email', 'api', 'r', $3, 'sent', $4, now(), now())`,
          [ws, ids.bob, key, rows[0]!.id],
        );
      }
      const after = await deliveryCounts(db, scope);
      assert.equal(after.sent - before.sent, 1);
      assert.equal(after.answered, before.answered);
    });

    it('a dismissal is recorded once and is not an answer', async () => {
      const t = new Date('2026-12-03T10:00:00Z');
      await insertStepInvitations(db, [step('dee', 'in-app', 'nps', 'inapp')], t);
      await saveSurveySettings(db, ws, { globalDays: 0, perTypeDays: { nps: 0, csat: 0, ces: 0 }, perChannelDays: { email: 0, sms: 0, inapp: 0 }, firstSurveyDelayDays: 0 });
      assert.equal((await sendDueInvitations(db, t)).queued, 1);
      const inv = (await db.query<{ id: number }>(`SELECT id FROM survey_invitations WHERE workspace_id = $1 AND customer_id = $2`, [ws, ids.dee])).rows[0]!;
      const link = (await resolveSurveyLink(db, makeSurveyToken(secret, { w: ws, i: Number(inv.id), c: ids.dee! }, t.getTime() / 1000), t))!;
      assert.equal(await recordDismissal(db, link, t), true);
      assert.equal(await recordDismissal(db, link, t), false);
      const { rows } = await db.query<{ status: string }>(`SELECT status FROM survey_invitations WHERE id = $1`, [inv.id]);
      assert.equal(rows[0]!.status, 'dismissed');
      assert.equal((await db.query(`SELECT 1 FROM survey_responses WHERE customer_id = $1`, [ids.dee])).rows.length, 0);
    });
  });
}
