import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JourneyDefinitionSchema, type JourneyDefinitionInput } from '../../contracts/journey.js';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { compileTemplate } from '../channels/templates.js';
import { saveTemplate } from '../channels/templates.repo.js';
import { dispatchDue, type Senders } from '../channels/dispatcher.js';
import { SettingsCache } from '../channels/settings.repo.js';
import { sendFailure, type SendResult } from '../channels/send-result.js';
import { ok } from '../lib/result.js';
import { journeyStats } from './journey-stats.js';
import { JourneyWorker } from './journey-worker.js';
import { getJourney, insertJourney, publishJourney } from './journeys.repo.js';

let seq = 0;
function call(type: 'track' | 'identify', fields: Record<string, unknown>, at: Date): NormalizedEvent {
  const r = normalizeCall({ messageId: `jt-${seq++}`, timestamp: at.toISOString(), ...fields }, type, { receivedAt: at, bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

const DAY = 86_400_000;

/** A channel that records what it was handed (the SMTP path has its own end-to-end test). */
function recordingSenders() {
  const sent: Array<{ to: string; subject: string; html?: string; text: string; messageId: string; headers?: Record<string, string> }> = [];
  let failNext: SendResult | null = null;
  const senders: Senders = {
    email: {
      send: async (m) => {
        if (failNext) {
          const r = failNext;
          failNext = null;
          return r;
        }
        sent.push(m);
        return ok({ providerId: `p${sent.length}` });
      },
    },
    sms: null,
    webhook: async () => ok({ providerId: null }),
    emailFrom: 'Tenure <hello@example.test>',
  };
  return { senders, sent, failWith: (r: SendResult) => (failNext = r) };
}

for (const target of dbTargets()) {
  describe(`journeys in the database (${target.name})`, () => {
    let db: Db;
    let ws: number;
    let clock = new Date();
    const channel = recordingSenders();
    let worker: JourneyWorker;
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db)).workspace.id;
      await db.query(`INSERT INTO messaging_settings (workspace_id, settings) VALUES ($1, $2)`, [ws, JSON.stringify({ caps: [], quietHours: null, emailFrom: null, secret: 'test-secret' })]);
      worker = new JourneyWorker(db, { senders: channel.senders, publicUrl: 'http://tenure.test', clock: () => clock });
    });
    after(async () => {
      await worker.stop();
      await db.close();
    });

    const journey = async (id: string, d: JourneyDefinitionInput) => {
      const definition = JourneyDefinitionSchema.parse(d);
      await insertJourney(db, ws, id, { name: id, description: '', definition });
      await publishJourney(db, (await getJourney(db, ws, id))!, clock);
      worker.journeysChanged(ws);
    };
    const template = async (id: string, subject: string, body: string) => {
      const c = await compileTemplate({ channel: 'email', subject, body, format: 'mjml' });
      assert.ok(c.ok, JSON.stringify(c));
      await saveTemplate(db, ws, id, { name: id, channel: 'email', format: 'mjml', subject, body }, c.value);
    };

    it('an event enters a customer, who gets a personalised email, then the next after the wait', async () => {
      await template(
        'welcome',
        'Welcome, {{ traits.first_name | default: "friend" }}',
        '<mjml><mj-body><mj-section><mj-column><mj-text>Hi {{ traits.first_name }}, see <a href="https://example.test/start">start</a>. Unsubscribe: {{ unsubscribe_url }}</mj-text></mj-column></mj-section></mj-body></mjml>',
      );
      await template('tips', 'Tips for {{ event.properties.plan }}', '<mjml><mj-body><mj-section><mj-column><mj-text>Tips</mj-text></mj-column></mj-section></mj-body></mjml>');
      await journey('welcome', {
        trigger: { event: { name: 'Signed Up' } },
        start: 'hello',
        steps: [
          { id: 'hello', type: 'send', channel: 'email', template: 'welcome', next: 'pause' },
          { id: 'pause', type: 'wait', duration: { amount: 2, unit: 'days' }, next: 'tips' },
          { id: 'tips', type: 'send', channel: 'email', template: 'tips', next: 'done' },
          { id: 'done', type: 'exit' },
        ],
      });
      await ingestEvents(db, ws, [
        call('identify', { userId: 'ada', traits: { email: 'Ada@Example.test', first_name: 'Ada' } }, clock),
        call('track', { userId: 'ada', event: 'Signed Up', properties: { plan: 'pro' } }, clock),
      ]);
      await worker.drain();
      assert.equal(channel.sent.length, 1);
      const m = channel.sent[0]!;
      assert.equal(m.to, 'ada@example.test');
      assert.equal(m.subject, 'Welcome, Ada');
      assert.match(m.html!, /Hi Ada/);
      assert.match(m.html!, /href="http:\/\/tenure\.test\/t\/c\/[^"]+"/, 'links go through the click redirect');
      assert.doesNotMatch(m.html!, /href="https:\/\/example\.test\/start"/);
      assert.match(m.html!, /http:\/\/tenure\.test\/t\/o\/[^"]+\.gif/, 'an open pixel');
      assert.match(m.headers!['List-Unsubscribe']!, /^<http:\/\/tenure\.test\/u\/.+>$/);
      const { rows: runs } = await db.query<{ status: string; step: string }>(`SELECT status, step FROM journey_runs WHERE workspace_id = $1`, [ws]);
      assert.deepEqual(runs, [{ status: 'waiting', step: 'pause' }]);
      const { rows: msgs } = await db.query<{ status: string; subject: string; idempotency_key: string }>(`SELECT status, subject, idempotency_key FROM messages WHERE workspace_id = $1`, [ws]);
      assert.equal(msgs[0]!.status, 'sent');
      assert.equal(msgs[0]!.idempotency_key, m.messageId);
      // The delivery event's segment work was recorded in the statement that wrote it (durable, not a callback).
      const { rows: work } = await db.query<{ kind: string; changes: unknown }>(
        `SELECT w.kind, w.changes FROM derived_work w JOIN customers c ON c.id = ANY(w.subject_ids) AND c.user_id = 'ada' WHERE w.workspace_id = $1 ORDER BY w.id`,
        [ws],
      );
      const { rows: ada } = await db.query<{ id: number }>(`SELECT id::int FROM customers WHERE user_id = 'ada'`);
      assert.deepEqual(work, [{ kind: 'segment', changes: [[['Email Delivered'], [ada[0]!.id]]] }]);
      // Per step: through the first send; waiting in the pause (a wait counts when it ends).
      const early = await journeyStats(db, ws, 'welcome');
      assert.deepEqual(early.passedByStep, { hello: 1 });
      assert.deepEqual(early.activeByStep, { pause: 1 });

      // Nothing more until two days have passed.
      clock = new Date(clock.getTime() + DAY);
      await worker.drain();
      assert.equal(channel.sent.length, 1);
      clock = new Date(clock.getTime() + DAY + 1000);
      await worker.drain();
      assert.equal(channel.sent.length, 2);
      assert.equal(channel.sent[1]!.subject, 'Tips for pro', 'the triggering event is in the template context');
      const { rows: done } = await db.query<{ status: string; end_reason: string }>(`SELECT status, end_reason FROM journey_runs WHERE workspace_id = $1`, [ws]);
      assert.deepEqual(done, [{ status: 'completed', end_reason: 'exit:done' }]);
      const late = await journeyStats(db, ws, 'welcome');
      assert.deepEqual(late.passedByStep, { hello: 1, pause: 1, tips: 1, done: 1 }, 'every step once, not again on the drains that found nothing due');
      assert.deepEqual(late.activeByStep, {});
      const { rows: timeline } = await db.query<{ event: string }>(
        `SELECT e.event FROM events e JOIN customers c ON c.id = e.customer_id WHERE c.user_id = 'ada' AND e.type = 'tenure' AND e.event LIKE 'Journey%' OR e.event = 'Email Delivered' ORDER BY e.id`,
      );
      assert.deepEqual(
        timeline.map((t) => t.event),
        // The run ends when its last step queues the message; delivery follows.
        ['Journey Entered', 'Email Delivered', 'Journey Ended', 'Email Delivered'],
      );
    });

    it('the same event never enters twice and re-entry "never" keeps a customer out', async () => {
      const before = channel.sent.length;
      await ingestEvents(db, ws, [call('track', { userId: 'ada', event: 'Signed Up' }, clock)]);
      await worker.drain();
      assert.equal(channel.sent.length, before, 'ada already went through the welcome journey');
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journey_runs WHERE workspace_id = $1 AND journey_id = 'welcome'`, [ws]);
      assert.equal(rows[0]!.n, 1);
    });

    it('a run started by an anonymous visitor follows them when their profile merges into a known customer', async () => {
      await template('cart', 'Your cart', '<mjml><mj-body><mj-section><mj-column><mj-text>Cart</mj-text></mj-column></mj-section></mj-body></mjml>');
      await journey('cart', {
        trigger: { event: { name: 'Checkout Started' } },
        start: 'w',
        steps: [
          { id: 'w', type: 'waitFor', event: { name: 'Order Completed' }, timeout: { amount: 1, unit: 'hours' }, next: 'thanks', timeoutNext: 'nudge' },
          { id: 'thanks', type: 'updateTraits', set: { bought_after_checkout: true }, next: 'e' },
          { id: 'nudge', type: 'send', channel: 'email', template: 'cart', next: 'e' },
          { id: 'e', type: 'exit' },
        ],
      });
      await ingestEvents(db, ws, [call('identify', { userId: 'zed', traits: { email: 'zed@example.test' } }, clock)]);
      await ingestEvents(db, ws, [call('track', { anonymousId: 'anon-z', event: 'Checkout Started' }, clock)]);
      await worker.drain();
      const runOf = async () => (await db.query<{ customer_id: number; status: string; step: string }>(`SELECT customer_id, status, step FROM journey_runs WHERE journey_id = 'cart'`)).rows;
      const [before] = await runOf();
      assert.equal(before!.status, 'waiting');
      // The visitor logs in: the anonymous profile merges into zed's.
      await ingestEvents(db, ws, [call('identify', { userId: 'zed', anonymousId: 'anon-z' }, clock)]);
      const { rows: zed } = await db.query<{ id: number }>(`SELECT id FROM customers WHERE user_id = 'zed'`);
      const [moved] = await runOf();
      assert.equal(moved!.customer_id, zed[0]!.id, 'the run moved to the surviving profile');
      await ingestEvents(db, ws, [call('track', { userId: 'zed', event: 'Order Completed' }, clock)]);
      await worker.drain();
      const [after] = await runOf();
      assert.deepEqual([after!.status, after!.step], ['completed', 'e']);
      const { rows: traits } = await db.query<{ t: unknown; times: [string, string]; email: [string, string] }>(
        `SELECT traits -> 'bought_after_checkout' AS t, trait_times -> 'bought_after_checkout' AS times, trait_times -> 'email' AS email FROM customers WHERE user_id = 'zed'`,
      );
      assert.equal(traits[0]!.t, true, 'the event exit was taken (update traits), not the timeout');
      assert.deepEqual(traits[0]!.times, [clock.toISOString(), clock.toISOString()], 'when the trait was first and last set');
      assert.equal(traits[0]!.email.length, 2, 'other traits keep their times');
      // The trait change's stage and segment work was recorded in the runner's transaction.
      const { rows: work } = await db.query<{ kind: string; changes: unknown }>(`SELECT kind, changes FROM derived_work WHERE workspace_id = $1 AND $2::bigint = ANY(subject_ids) ORDER BY id`, [
        ws,
        zed[0]!.id,
      ]);
      assert.deepEqual(work, [
        { kind: 'stage', changes: null },
        { kind: 'segment', changes: [[['$traits'], [zed[0]!.id]]] },
      ]);
    });

    it('an exit event in the same request as the trigger ends the run it started; one sent just before the trigger does not', async () => {
      await template('nudge', 'Still thinking?', '<mjml><mj-body><mj-section><mj-column><mj-text>Your trial</mj-text></mj-column></mj-section></mj-body></mjml>');
      await journey('trial-nudge', {
        trigger: { event: { name: 'Trial Started' } },
        exitWhen: { event: { name: 'Plan Bought' } },
        start: 'pause',
        steps: [
          { id: 'pause', type: 'wait', duration: { amount: 1, unit: 'days' }, next: 'nudge' },
          { id: 'nudge', type: 'send', channel: 'email', template: 'nudge', next: 'done' },
          { id: 'done', type: 'exit' },
        ],
      });
      // One SDK flush each, read by the scanner in one pass: tri buys right after starting the
      // trial (the run it starts must hear of it), pre bought just before starting it.
      await ingestEvents(db, ws, [
        call('identify', { userId: 'tri', traits: { email: 'tri@example.test' } }, clock),
        call('track', { userId: 'tri', event: 'Trial Started' }, clock),
        call('track', { userId: 'tri', event: 'Plan Bought', properties: { plan: 'pro' } }, clock),
        call('identify', { userId: 'pre', traits: { email: 'pre@example.test' } }, clock),
        call('track', { userId: 'pre', event: 'Plan Bought', properties: { plan: 'pro' } }, clock),
        call('track', { userId: 'pre', event: 'Trial Started' }, clock),
      ]);
      await worker.drain();
      const runs = async () =>
        (
          await db.query<{ user_id: string; status: string; end_reason: string | null }>(
            `SELECT c.user_id, r.status, r.end_reason FROM journey_runs r JOIN customers c ON c.id = r.customer_id WHERE r.workspace_id = $1 AND r.journey_id = 'trial-nudge' ORDER BY c.user_id`,
            [ws],
          )
        ).rows;
      assert.deepEqual(await runs(), [
        { user_id: 'pre', status: 'waiting', end_reason: null },
        { user_id: 'tri', status: 'exited', end_reason: 'exit criteria' },
      ]);
      const before = channel.sent.length;
      clock = new Date(clock.getTime() + DAY + 1000);
      await worker.drain();
      assert.deepEqual(
        channel.sent.slice(before).map((m) => m.to),
        ['pre@example.test'],
        'the nudge goes only to the customer who has not bought',
      );
    });

    it('entry limits and re-entry after N days', async () => {
      await journey('limited', { trigger: { event: { name: 'Coupon Claimed' } }, entry: { limit: 2, reentry: 'always' }, start: 'e', steps: [{ id: 'e', type: 'exit' }] });
      await journey('monthly', { trigger: { event: { name: 'Visited' } }, entry: { reentry: { afterDays: 30 } }, start: 'e', steps: [{ id: 'e', type: 'exit' }] });
      const n = async (j: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journey_runs WHERE journey_id = $1`, [j])).rows[0]!.n;
      await ingestEvents(
        db,
        ws,
        ['l1', 'l2', 'l3'].map((u) => call('track', { userId: u, event: 'Coupon Claimed' }, clock)),
      );
      await worker.drain();
      assert.equal(await n('limited'), 2, 'the third customer finds the journey full');
      const { rows } = await db.query<{ entries: number }>(`SELECT entries FROM journeys WHERE id = 'limited'`);
      assert.equal(rows[0]!.entries, 2);
      await ingestEvents(db, ws, [call('track', { userId: 'l1', event: 'Coupon Claimed' }, clock)]);
      await worker.drain();
      assert.equal(await n('limited'), 2, 'still full, even for re-entry');

      await ingestEvents(db, ws, [call('track', { userId: 'mo', event: 'Visited' }, clock)]);
      await worker.drain();
      clock = new Date(clock.getTime() + 10 * DAY);
      await ingestEvents(db, ws, [call('track', { userId: 'mo', event: 'Visited' }, clock)]);
      await worker.drain();
      assert.equal(await n('monthly'), 1, 'ten days after: not yet');
      clock = new Date(clock.getTime() + 21 * DAY);
      await ingestEvents(db, ws, [call('track', { userId: 'mo', event: 'Visited' }, clock)]);
      await worker.drain();
      assert.equal(await n('monthly'), 2, 'thirty-one days after the run ended: again');
    });

    it('a date-trait trigger enters each customer once per date value, when trait date + offset comes', async () => {
      await template('renewal', 'Renewal on {{ event.properties.date }}', '<mjml><mj-body><mj-section><mj-column><mj-text>Renew</mj-text></mj-column></mj-section></mj-body></mjml>');
      const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
      const renewal = day(clock.getTime() + 20 * DAY);
      await ingestEvents(db, ws, [
        call('identify', { userId: 'ren', traits: { email: 'ren@example.test', renewal_date: renewal } }, clock),
        call('identify', { userId: 'odd', traits: { renewal_date: '2026-02-30' } }, clock),
      ]);
      await journey('renewal', {
        trigger: { dateTrait: { trait: 'renewal_date', offsetDays: -14, at: '09:00' } },
        entry: { reentry: 'always' },
        start: 's',
        steps: [
          { id: 's', type: 'send', channel: 'email', template: 'renewal', next: 'e' },
          { id: 'e', type: 'exit' },
        ],
      });
      const runs = async () => (await db.query<{ entry_key: string }>(`SELECT entry_key FROM journey_runs WHERE journey_id = 'renewal' ORDER BY id`)).rows.map((r) => r.entry_key);
      assert.equal(await worker.sweepTime(), 0);
      clock = new Date(Date.parse(`${day(Date.parse(renewal) - 14 * DAY)}T09:00:00Z`) + 1000);
      assert.equal(await worker.sweepTime(), 1, 'the moment came (and an impossible date is skipped, not fatal)');
      assert.equal(await worker.sweepTime(), 0, 'once');
      await worker.drain();
      assert.equal(channel.sent.at(-1)!.subject, `Renewal on ${renewal}`);
      assert.deepEqual(await runs(), [`date:renewal_date:${renewal}`]);
    });

    it('a schedule trigger enters every member of the segment at each occurrence', async () => {
      await db.query(`INSERT INTO segments (workspace_id, id, name, kind) VALUES ($1, 'seg_weekly', 'Weekly list', 'static')`, [ws]);
      await db.query(
        `INSERT INTO segment_members (workspace_id, segment_id, customer_id, entered_at) SELECT $1, 'seg_weekly', id, now() FROM customers WHERE workspace_id = $1 AND user_id IN ('ada', 'zed')`,
        [ws],
      );
      const next = new Date(clock.getTime() + 3_600_000);
      const at = `${String(next.getUTCHours()).padStart(2, '0')}:00`;
      await journey('digest', { trigger: { schedule: { segment: 'seg_weekly', at } }, entry: { reentry: 'always' }, start: 'e', steps: [{ id: 'e', type: 'exit' }] });
      const count = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journey_runs WHERE journey_id = 'digest'`)).rows[0]!.n;
      assert.equal(await worker.sweepTime(), 0, 'not yet: the first occurrence after publishing is within the hour');
      clock = new Date(Date.parse(`${next.toISOString().slice(0, 13)}:00:00Z`) + 60_000);
      assert.equal(await worker.sweepTime(), 2);
      assert.equal(await worker.sweepTime(), 0, 'an occurrence runs once');
      await worker.drain();
      clock = new Date(clock.getTime() + DAY);
      assert.equal(await worker.sweepTime(), 2, 'the next day, again (re-entry always)');
      assert.equal(await count(), 4);
    });

    it('a holdout run watched for the goal went through its split once: it is not also counted as waiting there', async () => {
      // Weights 1 : 1,000,000: every run lands in the holdout (the chance of another is one in a million per run).
      await journey('held', {
        trigger: { event: { name: 'Holdout Probe' } },
        goal: { event: { name: 'Probe Converted' }, holdoutWindow: { amount: 30, unit: 'days' } },
        start: 'test',
        steps: [
          { id: 'test', type: 'split', variants: [{ key: 'a', weight: 1, next: 'done' }], holdout: { weight: 1_000_000 } },
          { id: 'done', type: 'exit' },
        ],
      });
      await ingestEvents(
        db,
        ws,
        ['h1', 'h2', 'h3'].map((u) => call('track', { userId: u, event: 'Holdout Probe' }, clock)),
      );
      await worker.drain();
      const watched = await journeyStats(db, ws, 'held');
      // 3 entered, 3 through the split, 3 watched; before, activeByStep also held test: 3 (the canvas read 6 reached, 200% of entries).
      assert.equal(watched.entered, 3);
      assert.deepEqual(watched.passedByStep, { test: 3 });
      assert.deepEqual(watched.activeByStep, {});
      assert.equal(watched.holdoutWatching, 3);
      assert.equal(watched.active, 3);
      // One converts within the window; the other two leave when it ends.
      await ingestEvents(db, ws, [call('track', { userId: 'h1', event: 'Probe Converted' }, clock)]);
      await worker.drain();
      clock = new Date(clock.getTime() + 31 * DAY);
      await worker.drain();
      const after = await journeyStats(db, ws, 'held');
      assert.equal(after.holdoutWatching, 0);
      assert.deepEqual(after.activeByStep, {});
      assert.deepEqual(after.endedByReason, { goal: 1, holdout: 2 });
      assert.deepEqual(
        after.variants.map((v) => [v.variant, v.entered, v.converted]),
        [['holdout', 3, 1]],
      );
    });

    it('a transient failure is retried with backoff; a hard bounce suppresses the address and is visible on the message', async () => {
      await template('ping', 'Ping', '<mjml><mj-body><mj-section><mj-column><mj-text>Ping</mj-text></mj-column></mj-section></mj-body></mjml>');
      await journey('ping', {
        trigger: { event: { name: 'Pinged' } },
        entry: { reentry: 'always' },
        start: 's',
        steps: [
          { id: 's', type: 'send', channel: 'email', template: 'ping', transactional: true, next: 'e' },
          { id: 'e', type: 'exit' },
        ],
      });
      await ingestEvents(db, ws, [call('identify', { userId: 'bo', traits: { email: 'bo@example.test' } }, clock)]);
      channel.failWith(sendFailure('451 try later', false));
      await ingestEvents(db, ws, [call('track', { userId: 'bo', event: 'Pinged' }, clock)]);
      await worker.drain();
      const read = async () =>
        (
          await db.query<{ status: string; attempts: number; reason_code: string | null; next_attempt_at: Date }>(
            `SELECT status, attempts, reason_code, next_attempt_at FROM messages WHERE journey_id = 'ping' ORDER BY id`,
          )
        ).rows;
      let [m] = await read();
      assert.equal(m!.status, 'queued');
      assert.equal(m!.attempts, 1);
      assert.equal(m!.reason_code, 'provider_unavailable');
      assert.ok(m!.next_attempt_at.getTime() > clock.getTime() + 20_000, 'backed off');
      clock = new Date(clock.getTime() + 60_000);
      await worker.drain();
      [m] = await read();
      assert.equal(m!.status, 'sent');
      assert.equal(m!.attempts, 2);

      channel.failWith(sendFailure('550 no such user', true, { bounce: true }));
      await ingestEvents(db, ws, [call('track', { userId: 'bo', event: 'Pinged' }, clock)]);
      await worker.drain();
      const after = await read();
      assert.equal(after[1]!.status, 'bounced');
      const { rows: supp } = await db.query<{ address: string }>(`SELECT address FROM suppressions WHERE workspace_id = $1`, [ws]);
      assert.deepEqual(supp, [{ address: 'bo@example.test' }]);
      const sentBefore = channel.sent.length;
      await ingestEvents(db, ws, [call('track', { userId: 'bo', event: 'Pinged' }, clock)]);
      await worker.drain();
      const third = (await read())[2]!;
      assert.equal(third.status, 'skipped');
      assert.equal(third.reason_code, 'suppressed', 'even a transactional message never goes to a suppressed address');
      assert.equal(channel.sent.length, sentBefore);
    });

    it('a batch slower than its lease keeps its claim: a second worker does not send it again', async () => {
      await template('slow', 'Slow', '<mjml><mj-body><mj-section><mj-column><mj-text>Slow</mj-text></mj-column></mj-section></mj-body></mjml>');
      await journey('slow', {
        trigger: { event: { name: 'Slowed' } },
        start: 's',
        steps: [
          { id: 's', type: 'send', channel: 'email', template: 'slow', transactional: true, next: 'e' },
          { id: 'e', type: 'exit' },
        ],
      });
      await ingestEvents(db, ws, [call('identify', { userId: 'cy', traits: { email: 'cy@example.test' } }, clock), call('track', { userId: 'cy', event: 'Slowed' }, clock)]);
      // A provider that holds the message until released: far longer than the 300 ms lease.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let handedOver = 0;
      const slow: Senders = { ...channel.senders, email: { send: async () => (handedOver++, await held, ok({ providerId: 'slow' })) } };
      const first = new JourneyWorker(db, { senders: slow, publicUrl: 'http://tenure.test', clock: () => clock, leaseMs: 300 });
      const sending = first.drain();
      while (handedOver === 0) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 1500));
      // Another worker whose clock is past the original lease looks for work.
      const before = channel.sent.length;
      const other = await dispatchDue(db, channel.senders, new SettingsCache(), { now: new Date(clock.getTime() + 600), publicUrl: 'http://tenure.test', leaseMs: 300 });
      assert.equal(other.claimed, 0, 'the message being sent is still claimed');
      assert.equal(channel.sent.length, before);
      release();
      await sending;
      await first.stop();
      assert.equal(handedOver, 1);
      const { rows } = await db.query<{ status: string; lease_until: Date | null }>(`SELECT status, lease_until FROM messages WHERE journey_id = 'slow'`);
      assert.deepEqual(rows, [{ status: 'sent', lease_until: null }]);
    });
  });
}
