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
import { basic, dbTargets, http, makeWorkspace } from '../src/test-support/harness.js';
import { startSmtpSink, type ReceivedMail } from '../src/test-support/smtp-sink.js';

/**
 * End to end: HTTP ingestion → journey → a real SMTP server, links followed over HTTP.
 * The journey engine's clock is real time plus an offset the test moves, so waits of
 * minutes pass at once; everything else runs as in production.
 */

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const MJML = (inner: string) => `<mjml><mj-body><mj-section><mj-column><mj-text>${inner}</mj-text></mj-column></mj-section></mj-body></mjml>`;

for (const target of dbTargets()) {
  describe(`journeys end to end over SMTP (${target.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let url: string;
    let admin: string;
    let write: string;
    let offset = 0;
    let worker: JourneyWorker;
    let email: EmailTransport;
    let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
    const MIN = 60_000;

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
      worker = new JourneyWorker(db, {
        log,
        senders: { email, sms: null, webhook: webhookSender(destinationPolicy([{ ip: '127.0.0.1', prefix: 32, family: 4 }])), emailFrom: 'Acme <hello@acme.test>' },
        publicUrl: url,
        clock: () => new Date(Date.now() + offset),
        pollMs: 100,
      });
      app = await buildServer({ db, log, journeys: worker, sweepMs: 0, segmentSweepMs: 0 });
      await app.listen({ port, host: '127.0.0.1' });
      await api('PUT', '/api/messaging/settings', { caps: [], quietHours: null });
      await api('POST', '/api/subscription-groups', { id: 'news', name: 'Newsletter', channel: 'email' });
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
    const template = (id: string, subject: string, inner: string) => api('POST', '/api/templates', { id, name: id, channel: 'email', subject, body: MJML(inner) });
    const publish = async (name: string, definition: unknown) => {
      const j = await api('POST', '/api/journeys', { name, definition });
      await api('POST', `/api/journeys/${j.id}/publish`);
      return j.id as string;
    };
    const mailsTo = (to: string) => smtp.mails.filter((m) => m.to.includes(to));
    const messages = async (userId: string) =>
      (await api('GET', `/api/customers/${userId}/messages`)).messages as Array<{ status: string; reasonCode: string | null; reason: string | null; templateId: string; stepId: string }>;
    const timeline = async (userId: string) => (await api('GET', `/api/customers/${userId}/events?limit=100`)).events.map((e: { event: string | null }) => e.event) as string[];

    it('a triggered journey delivers a personalised email whose tracking and unsubscribe links work; unsubscribing stops the next send', async () => {
      await template(
        'welcome',
        'Welcome, {{ traits.first_name | default: "friend" }}!',
        'Hi {{ traits.first_name }}, <a href="https://acme.test/start?x=1&amp;y=2">get started</a>. <a href="{{ unsubscribe_url }}">Unsubscribe</a>',
      );
      await template('followup', 'How is it going?', 'Still there, {{ traits.first_name }}?');
      await publish('Welcome series', {
        trigger: { event: { name: 'Signed Up' } },
        start: 'hello',
        steps: [
          { id: 'hello', type: 'send', channel: 'email', template: 'welcome', group: 'news', next: 'pause' },
          { id: 'pause', type: 'wait', duration: { amount: 2, unit: 'minutes' }, next: 'again' },
          { id: 'again', type: 'send', channel: 'email', template: 'followup', group: 'news', next: 'done' },
          { id: 'done', type: 'exit' },
        ],
      });
      await track([
        { type: 'identify', userId: 'ada', traits: { email: 'ada@example.test', first_name: 'Ada' } },
        { type: 'track', userId: 'ada', event: 'Signed Up' },
      ]);
      await worker.drain();
      const [mail] = mailsTo('ada@example.test') as [ReceivedMail];
      assert.ok(mail, 'the welcome email reached the SMTP server');
      assert.equal(mail.subject, 'Welcome, Ada!');
      assert.match(mail.html, /Hi Ada/);
      assert.match(mail.text, /Hi Ada/, 'a text part too');
      assert.equal(mail.headers.get('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');

      // The open pixel and the click redirect, over HTTP as a mail client would.
      const pixel = mail.html.match(/<img[^>]+src="([^"]+\/t\/o\/[^"]+)"/)![1]!;
      const opened = await fetch(pixel);
      assert.equal(opened.headers.get('content-type'), 'image/gif');
      const link = mail.html.match(/href="([^"]+\/t\/c\/[^"]+)"[^>]*>get started/)![1]!;
      const click = await fetch(link.replace(/&amp;/g, '&'), { redirect: 'manual' });
      assert.equal(click.status, 302);
      assert.equal(click.headers.get('location'), 'https://acme.test/start?x=1&y=2');
      const forged = await fetch(link.replace(/\.[^.]+$/, '.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), { redirect: 'manual' });
      assert.equal(forged.status, 404, 'a tampered link goes nowhere');
      const events = await timeline('ada');
      assert.ok(events.includes('Email Delivered') && events.includes('Email Opened') && events.includes('Email Link Clicked'), events.join(', '));

      // One-click unsubscribe (RFC 8058), as Gmail does it: POST to the List-Unsubscribe URL.
      const unsub = mail.headers.get('list-unsubscribe')!.replace(/^<|>$/g, '');
      const body = mail.html.match(/href="([^"]+\/u\/[^"]+)"/)![1]!;
      assert.equal(body.replace(/&amp;/g, '&'), unsub, 'the unsubscribe link in the body is the same, and is not click-tracked');
      const confirm = await fetch(unsub);
      assert.match(await confirm.text(), /Stop receiving “Newsletter” messages\?/);
      const r = await fetch(unsub, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      assert.equal(r.status, 200);
      assert.ok((await timeline('ada')).includes('Unsubscribed'));

      offset += 3 * MIN;
      await worker.drain();
      assert.equal(mailsTo('ada@example.test').length, 1, 'no second email after unsubscribing');
      const ms = await messages('ada');
      const follow = ms.find((m) => m.templateId === 'followup')!;
      assert.equal(follow.status, 'skipped');
      assert.equal(follow.reasonCode, 'unsubscribed');
      assert.match(follow.reason!, /unsubscribed from "news"/);
      const opens = ms.find((m) => m.templateId === 'welcome') as unknown as { openedAt: string | null; clickedAt: string | null };
      assert.ok(opens.openedAt && opens.clickedAt);
    });

    it('a frequency cap skips the send over it, with the reason recorded', async () => {
      await api('PUT', '/api/messaging/settings', { caps: [{ channel: 'email', max: 1, within: { amount: 7, unit: 'days' } }], quietHours: null });
      await template('trial1', 'Your trial', 'Day one');
      await template('trial2', 'Your trial, again', 'Day one, again');
      await publish('Trial nudge', {
        trigger: { event: { name: 'Trial Started' } },
        start: 'a',
        steps: [
          { id: 'a', type: 'send', channel: 'email', template: 'trial1', next: 'b' },
          { id: 'b', type: 'send', channel: 'email', template: 'trial2', next: 'receipt' },
          { id: 'receipt', type: 'send', channel: 'email', template: 'trial2', transactional: true, next: 'e' },
          { id: 'e', type: 'exit' },
        ],
      });
      await track([
        { type: 'identify', userId: 'bob', traits: { email: 'bob@example.test' } },
        { type: 'track', userId: 'bob', event: 'Trial Started' },
      ]);
      await worker.drain();
      const ms = await messages('bob');
      const by = (step: string) => ms.find((m) => m.stepId === step)!;
      assert.equal(by('a').status, 'sent');
      assert.equal(by('b').status, 'skipped');
      assert.equal(by('b').reasonCode, 'frequency_cap');
      assert.match(by('b').reason!, /at most 1/);
      assert.equal(by('receipt').status, 'sent', 'transactional messages are not capped');
      assert.equal(mailsTo('bob@example.test').length, 2);
    });

    it("quiet hours in the customer's timezone delay a send (or skip it), with the reason recorded", async () => {
      const now = new Date(Date.now() + offset);
      const hh = (h: number) => `${String(((h % 24) + 24) % 24).padStart(2, '0')}:00`;
      // Quiet from this UTC hour for two hours: a customer in UTC is in them now.
      await api('PUT', '/api/messaging/settings', { caps: [], quietHours: { start: hh(now.getUTCHours()), end: hh(now.getUTCHours() + 2), action: 'delay', channels: ['email'] } });
      await template('cart', 'You left something', 'Your cart misses you');
      await publish('Abandoned checkout', {
        trigger: { event: { name: 'Cart Abandoned' } },
        start: 's',
        steps: [
          { id: 's', type: 'send', channel: 'email', template: 'cart', next: 'e' },
          { id: 'e', type: 'exit' },
        ],
      });
      await track([
        { type: 'identify', userId: 'cy', traits: { email: 'cy@example.test', timezone: 'UTC' } },
        { type: 'track', userId: 'cy', event: 'Cart Abandoned' },
      ]);
      await worker.drain();
      let [m] = await messages('cy');
      assert.equal(m!.status, 'queued');
      assert.equal(m!.reasonCode, 'quiet_hours');
      assert.match(m!.reason!, /held for quiet hours .* until /);
      assert.equal(mailsTo('cy@example.test').length, 0);
      offset += 2 * 60 * MIN + MIN; // past the end of the quiet hours
      await worker.drain();
      [m] = await messages('cy');
      assert.equal(m!.status, 'sent');
      assert.equal(mailsTo('cy@example.test').length, 1);

      const later = new Date(Date.now() + offset);
      await api('PUT', '/api/messaging/settings', { caps: [], quietHours: { start: hh(later.getUTCHours()), end: hh(later.getUTCHours() + 1), action: 'skip', channels: ['email'] } });
      await track([
        { type: 'identify', userId: 'dee', traits: { email: 'dee@example.test' } },
        { type: 'track', userId: 'dee', event: 'Cart Abandoned' },
      ]);
      await worker.drain();
      const [d] = await messages('dee');
      assert.equal(d!.status, 'skipped');
      assert.equal(d!.reasonCode, 'quiet_hours');
      await api('PUT', '/api/messaging/settings', { caps: [], quietHours: null });
    });

    it('an A/B split with a holdout divides customers within tolerance; the holdout gets nothing; stats show it', async () => {
      await template('promo-a', 'Offer A', 'A');
      await template('promo-b', 'Offer B', 'B');
      const id = await publish('Promo test', {
        trigger: { event: { name: 'Promo Viewed' } },
        goal: { event: { name: 'Order Completed' } },
        start: 'split',
        steps: [
          {
            id: 'split',
            type: 'split',
            variants: [
              { key: 'a', weight: 40, next: 'sa' },
              { key: 'b', weight: 40, next: 'sb' },
            ],
            holdout: { weight: 20 },
          },
          { id: 'sa', type: 'send', channel: 'email', template: 'promo-a', next: 'w' },
          { id: 'sb', type: 'send', channel: 'email', template: 'promo-b', next: 'w' },
          { id: 'w', type: 'wait', duration: { amount: 10, unit: 'minutes' }, next: 'e' },
          { id: 'e', type: 'exit' },
        ],
      });
      const n = 300;
      const calls: Array<Record<string, unknown>> = [];
      for (let i = 0; i < n; i++) calls.push({ type: 'identify', userId: `ab${i}`, traits: { email: `ab${i}@example.test` } }, { type: 'track', userId: `ab${i}`, event: 'Promo Viewed' });
      await track(calls);
      await worker.drain();
      const stats = await api('GET', `/api/journeys/${id}/stats`);
      assert.equal(stats.entered, n);
      const count = (v: string) => stats.variants.find((x: { variant: string }) => x.variant === v)?.entered ?? 0;
      for (const [v, p] of [
        ['a', 0.4],
        ['b', 0.4],
        ['holdout', 0.2],
      ] as const) {
        const sd = Math.sqrt(n * p * (1 - p));
        assert.ok(Math.abs(count(v) - n * p) < 4 * sd, `${v}: ${count(v)} of ${n}`);
      }
      const sent = smtp.mails.filter((m) => m.to[0]!.startsWith('ab'));
      assert.equal(sent.length, count('a') + count('b'), 'the holdout got no email');
      assert.equal(sent.filter((m) => m.subject === 'Offer A').length, count('a'));
      // Some of each group buy: conversion per variant, and the holdout's, are counted.
      const buyers = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 === 0);
      await track(buyers.map((i) => ({ type: 'track', userId: `ab${i}`, event: 'Order Completed' })));
      await worker.drain();
      const after = await api('GET', `/api/journeys/${id}/stats`);
      assert.equal(after.converted, buyers.length);
      const conv = after.variants.reduce((s: number, v: { converted: number }) => s + v.converted, 0);
      assert.equal(conv, buyers.length);
      assert.ok(after.variants.find((v: { variant: string }) => v.variant === 'a').pValue !== null);
    });

    it('wait-for-event takes the event exit when the event comes, and the timeout exit when it does not', async () => {
      await template('thanks', 'Thanks for your order', 'Thanks');
      await template('nudge', 'Forgot something?', 'Come back');
      await publish('Checkout follow-up', {
        trigger: { event: { name: 'Checkout Started' } },
        start: 'w',
        steps: [
          { id: 'w', type: 'waitFor', event: { name: 'Order Completed' }, timeout: { amount: 5, unit: 'minutes' }, next: 'thanks', timeoutNext: 'nudge' },
          { id: 'thanks', type: 'send', channel: 'email', template: 'thanks', next: 'e' },
          { id: 'nudge', type: 'send', channel: 'email', template: 'nudge', next: 'e' },
          { id: 'e', type: 'exit' },
        ],
      });
      await track([
        { type: 'identify', userId: 'eve', traits: { email: 'eve@example.test' } },
        { type: 'identify', userId: 'fay', traits: { email: 'fay@example.test' } },
        { type: 'track', userId: 'eve', event: 'Checkout Started' },
        { type: 'track', userId: 'fay', event: 'Checkout Started' },
      ]);
      await worker.drain();
      assert.equal(mailsTo('eve@example.test').length + mailsTo('fay@example.test').length, 0, 'both wait');
      await track([{ type: 'track', userId: 'eve', event: 'Order Completed' }]);
      await worker.drain();
      assert.deepEqual(
        mailsTo('eve@example.test').map((m) => m.subject),
        ['Thanks for your order'],
      );
      assert.equal(mailsTo('fay@example.test').length, 0, 'fay still waits');
      offset += 6 * MIN;
      await worker.drain();
      assert.deepEqual(
        mailsTo('fay@example.test').map((m) => m.subject),
        ['Forgot something?'],
      );
      assert.deepEqual(mailsTo('eve@example.test').length, 1, 'eve got no nudge');
    });

    it('an invalid definition is refused naming the bad step; a template error names line and column', async () => {
      const r = await http(`${url}/api/journeys`, {
        auth: admin,
        body: { name: 'Broken', definition: { trigger: { event: { name: 'X' } }, start: 'a', steps: [{ id: 'a', type: 'send', channel: 'email', template: 'welcome', next: 'nowhere' }] } },
      });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, 'validation_failed');
      assert.equal(r.body.error.field, 'body.definition.steps.0.next');
      assert.match(r.body.error.message, /step "a": next "nowhere" is not the id of a step/);
      const t = await http(`${url}/api/templates`, { auth: admin, body: { name: 'bad', channel: 'email', subject: 'Hi', body: MJML('line one\n{{ traits.name | nosuchfilter }}') } });
      assert.equal(t.status, 400);
      assert.match(t.body.error.message, /^body\.body: line 2, column \d+: /);
    });
  });
}
