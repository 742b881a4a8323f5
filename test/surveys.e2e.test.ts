import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../src/server/db/client.js';
import { buildServer } from '../src/server/roles/server.js';
import { createLogger } from '../src/server/log.js';
import { JourneyWorker } from '../src/server/journeys/journey-worker.js';
import { createEmailTransport, type EmailTransport } from '../src/server/channels/email-transport.js';
import { webhookSender } from '../src/server/channels/webhook-transport.js';
import { destinationPolicy } from '../src/server/channels/destinations.js';
import { basic, dbTargets, http, makeWorkspace, until } from '../src/test-support/harness.js';
import { startSmtpSink } from '../src/test-support/smtp-sink.js';

/**
 * Surveys end to end: a journey sends an NPS survey through a real SMTP server; the score
 * links in the email are followed over HTTP as a mail scanner and a person would; the
 * answer, its comment, the follow-up task, the fatigue rule and the results are read back
 * through the admin API.
 */

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

for (const target of dbTargets()) {
  describe(`surveys end to end over SMTP (${target.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let url: string;
    let admin: string;
    let write: string;
    let email: EmailTransport;
    let smtp: Awaited<ReturnType<typeof startSmtpSink>>;

    before(async () => {
      db = await target.open();
      const keys = await makeWorkspace(db);
      admin = `Bearer ${keys.adminKey}`;
      write = basic(keys.writeKey);
      smtp = await startSmtpSink();
      email = createEmailTransport({ url: smtp.url, from: 'Acme <hello@acme.test>', maxConnections: 2 });
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
      const worker = new JourneyWorker(db, {
        log,
        senders: { email, sms: null, webhook: webhookSender(destinationPolicy([{ ip: '127.0.0.1', prefix: 32, family: 4 }])), emailFrom: 'Acme <hello@acme.test>' },
        publicUrl: url,
        pollMs: 100,
      });
      app = await buildServer({ db, log, journeys: worker, sweepMs: 0, segmentSweepMs: 0, publicUrl: url });
      await app.listen({ port, host: '127.0.0.1' });
      await api('PUT', '/api/messaging/settings', { caps: [], quietHours: null });
      await api('PUT', '/api/survey-settings', { globalDays: 14, perTypeDays: { nps: 90, csat: 0, ces: 0 }, perChannelDays: { email: 0, sms: 0, inapp: 0 }, firstSurveyDelayDays: 0 });
    });
    after(async () => {
      await app.close();
      email.close();
      await smtp.close();
      await db.close();
    });

    async function api(method: string, path: string, body?: unknown, expect = [200, 201, 202, 204]) {
      const r = await http(`${url}${path}`, { method, auth: admin, body });
      assert.ok(expect.includes(r.status), `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    }
    const track = (calls: Array<Record<string, unknown>>) => http(`${url}/v1/batch`, { auth: write, body: { batch: calls } }).then((r) => assert.equal(r.status, 200, JSON.stringify(r.body)));
    const form = (link: string, fields: Record<string, string>) =>
      fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: new URLSearchParams(fields).toString() });
    const responses = async () => (await api('GET', '/api/surveys/nps/responses')).responses as Array<{ id: number; score: number; comment: string | null; band: string; userId: string }>;

    it('a journey emails an NPS survey; a prefetch records nothing, two clicks record one answer, the comment lands on it, one detractor task; the fatigue rule holds the next send with its reason', async () => {
      await api('POST', '/api/surveys', {
        id: 'nps',
        name: 'Post-purchase NPS',
        definition: {
          type: 'nps',
          question: 'How likely are you to recommend Acme to a friend, {{ customer.first_name }}?',
          followUp: { default: 'What is the main reason for your score?' },
          email: { subject: 'One quick question' },
        },
      });
      await api('PUT', '/api/surveys/nps', { status: 'active' });
      const j = await api('POST', '/api/journeys', {
        name: 'NPS after order',
        definition: {
          trigger: { event: { name: 'Order Completed' } },
          entry: { reentry: 'always' },
          start: 'ask',
          steps: [
            { id: 'ask', type: 'survey', survey: 'nps', channel: 'email', next: 'end' },
            { id: 'end', type: 'exit' },
          ],
        },
      });
      await api('POST', `/api/journeys/${j.id}/publish`);

      await track([
        { type: 'identify', userId: 'sam', traits: { email: 'sam@example.com', first_name: 'Sam' } },
        { type: 'track', userId: 'sam', event: 'Order Completed', properties: { order_id: 'o1', revenue: 40 } },
      ]);
      const mail = await until('the survey email', async () => smtp.mails.find((m) => m.to.includes('sam@example.com')), 20_000);
      assert.equal(mail.subject, 'One quick question');
      assert.match(mail.html, /How likely are you to recommend Acme to a friend, Sam\?/);
      const links = [...mail.html.matchAll(/href="([^"]*\/s\/[^"?]+\?score=(\d+))"/g)].map((m) => ({ url: m[1]!.replace(/&amp;/g, '&'), score: Number(m[2]) }));
      assert.deepEqual(
        links.map((l) => l.score),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      assert.ok(
        links.every((l) => l.url.startsWith(`${url}/s/`)),
        'the score links go straight to the answer page (not through the click redirect)',
      );
      const three = links[3]!.url;

      // A mail scanner prefetches every link (GET, HEAD): nothing is recorded.
      for (const l of links) assert.equal((await fetch(l.url)).status, 200);
      assert.equal((await fetch(three, { method: 'HEAD' })).status, 200);
      assert.deepEqual(await responses(), []);
      const page = await (await fetch(three)).text();
      assert.match(page, /<form method="post" action="\/s\/[^"]+"/);

      // The person clicks 3 (the page posts it), then clicks again: one answer.
      const posted = await form(three.replace(/\?score=\d+$/, ''), { score: '3' });
      assert.equal(posted.status, 200);
      assert.match(await posted.text(), /What is the main reason for your score\?/);
      const again = await form(three.replace(/\?score=\d+$/, ''), { score: '3' });
      assert.equal(again.status, 200);
      const nine = await form(links[9]!.url.replace(/\?score=\d+$/, ''), { score: '9' });
      assert.equal(nine.status, 200);
      let rs = await responses();
      assert.equal(rs.length, 1);
      assert.equal(rs[0]!.score, 3);
      assert.equal(rs[0]!.band, 'detractor');

      const commented = await form(`${three.replace(/\?score=\d+$/, '')}/comment`, { comment: 'Delivery took two weeks' });
      assert.equal(commented.status, 200);
      rs = await responses();
      assert.equal(rs.length, 1);
      assert.equal(rs[0]!.comment, 'Delivery took two weeks');

      const timeline = (await api('GET', '/api/customers/sam/events?limit=100')).events.map((e: { event: string | null }) => e.event) as string[];
      assert.equal(timeline.filter((e) => e === 'Survey Responded').length, 1);
      assert.equal(timeline.filter((e) => e === 'Survey Commented').length, 1);

      const follow = (await api('GET', '/api/survey-follow-ups')).items as Array<{ response: { id: number; comment: string | null } }>;
      assert.equal(follow.length, 1);
      assert.equal(follow[0]!.response.id, rs[0]!.id);

      // A second order a minute later: the journey asks again, the 90-day NPS rule holds it, with its reason and until when; no second email.
      await track([{ type: 'track', userId: 'sam', event: 'Order Completed', properties: { order_id: 'o2', revenue: 25 } }]);
      const held = await until(
        'the held invitation',
        async () => {
          const inv = (await api('GET', '/api/surveys/nps/invitations?status=held')).invitations as Array<{ reasonCode: string; reason: string; eligibleAt: string; sentAt: string | null }>;
          return inv[0];
        },
        20_000,
      );
      assert.equal(held.reasonCode, 'fatigue_type');
      assert.match(held.reason, /the rule allows one every 90 days/);
      const sent = (await api('GET', '/api/surveys/nps/invitations?status=answered')).invitations[0] as { sentAt: string };
      assert.equal(Date.parse(held.eligibleAt), Date.parse(sent.sentAt) + 90 * 86_400_000);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(smtp.mails.filter((m) => m.to.includes('sam@example.com')).length, 1);
    });

    it('results: NPS, its margin of error and the response rate match the hand-computed numbers', async () => {
      // Ten more customers get their own links (sent when made): eight answer, one dismisses, one ignores it.
      const scores = [10, 10, 9, 9, 8, 7, 6, 2];
      await track(Array.from({ length: 10 }, (_, i) => ({ type: 'identify', userId: `c${i}`, traits: { email: `c${i}@example.com` } })));
      await until('the customers', async () => ((await http(`${url}/api/customers/c9`, { auth: admin })).status === 200 ? true : undefined));
      for (let i = 0; i < 10; i++) {
        const { url: link } = await api('POST', '/api/surveys/nps/links', { userId: `c${i}` });
        if (i < 8) {
          const r = await http(link, { method: 'POST', body: { score: scores[i] }, headers: { accept: 'application/json' } });
          assert.equal(r.status, 201, JSON.stringify(r.body));
        } else if (i === 8) {
          assert.equal((await http(`${link}/dismiss`, { method: 'POST' })).status, 200);
        }
      }
      const res = await api('GET', '/api/surveys/nps/results');
      // Answers: Sam's 3 and the eight above = 9 respondents: promoters 10,10,9,9 (4); passives 8,7 (2); detractors 6,2,3 (3).
      // NPS = (4 − 3) / 9 × 100 = 11.11. Margin: p_P = 4/9, p_D = 3/9, var = 4/9 + 3/9 − (1/9)² = 0.765432;
      // sqrt(0.765432 / 9) = 0.291630; × 1.96 × 100 = 57.16 points. Fewer than 30 answers: flagged.
      assert.equal(res.overall.respondents, 9);
      assert.deepEqual([res.overall.positive, res.overall.neutral, res.overall.negative], [4, 2, 3]);
      assert.ok(Math.abs(res.overall.score - 11.11) < 0.01, String(res.overall.score));
      assert.ok(Math.abs(res.overall.marginOfError - 57.16) < 0.01, String(res.overall.marginOfError));
      assert.equal(res.overall.tooFew, true);
      // Sent: Sam's email + 10 links = 11 (the held one was not sent); answered 9; the dismissal apart; 9 / 11 = 0.8182.
      assert.deepEqual({ sent: res.delivery.sent, answered: res.delivery.answered, dismissed: res.delivery.dismissed }, { sent: 11, answered: 9, dismissed: 1 });
      assert.ok(Math.abs(res.delivery.responseRate - 9 / 11) < 1e-9);
      // Three detractors (Sam, 6 and 2): three follow-up tasks, none done yet.
      assert.equal(res.followUp.negative, 3);
      assert.equal(res.followUp.withTask, 3);
      assert.equal(res.followUp.followedUp, 0);
    });
  });
}
