import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/client.js';
import { buildServer } from '../roles/server.js';
import { createLogger } from '../log.js';
import { JourneyWorker } from '../journeys/journey-worker.js';
import { createSmsTransport } from '../channels/sms-transport.js';
import { verifySignature, webhookSender } from '../channels/webhook-transport.js';
import { destinationPolicy } from '../channels/destinations.js';
import { basic, dbTargets, http, makeWorkspace } from '../../test-support/harness.js';
import { inboxUserHash } from '../workspaces/inbox-verification.js';
import { freePort } from '../../test-support/child-server.js';
import { httpRecorder } from '../../test-support/http-recorder.js';

/**
 * The journey admin API and the other channels over real HTTP: in-app inbox, tasks,
 * preview and test send, the preference page, versions and pause, webhooks (signed) and SMS
 * (a Twilio-compatible API), with the journey engine's clock under the test's control.
 */
for (const target of dbTargets()) {
  describe(`journeys over HTTP (${target.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let url: string;
    let admin: string;
    let write: string;
    let ws: number;
    let offset = 0;
    let worker: JourneyWorker;
    const provider = httpRecorder();
    let providerUrl: string;

    before(async () => {
      db = await target.open();
      const keys = await makeWorkspace(db);
      ws = keys.workspace.id;
      admin = `Bearer ${keys.adminKey}`;
      write = basic(keys.writeKey);
      providerUrl = await provider.start();
      provider.respond = (req, res) => {
        if (req.url?.includes('/Messages.json')) res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: `SM${provider.seen.length}` }));
        else res.writeHead(200).end('ok');
      };
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
      const sms = createSmsTransport({ baseUrl: providerUrl, accountSid: 'AC1', authToken: 'tok', from: '+15550000000' });
      worker = new JourneyWorker(db, {
        log,
        senders: { email: null, sms, webhook: webhookSender(destinationPolicy([{ ip: '127.0.0.1', prefix: 32, family: 4 }])), emailFrom: 'x@y.test' },
        publicUrl: url,
        clock: () => new Date(Date.now() + offset),
        pollMs: 100,
      });
      app = await buildServer({ db, log, journeys: worker, sweepMs: 0, segmentSweepMs: 0 });
      await app.listen({ port, host: '127.0.0.1' });
      await api('PUT', '/api/messaging/settings', { caps: [], quietHours: null });
    });
    after(async () => {
      await app.close();
      await provider.stop();
      await db.close();
    });

    async function api(method: string, path: string, body?: unknown) {
      const r = await http(`${url}${path}`, { method, auth: admin, body });
      assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    }
    const track = (calls: Array<Record<string, unknown>>) => http(`${url}/v1/batch`, { auth: write, body: { batch: calls } }).then((r) => assert.equal(r.status, 200));
    /** The inbox as the customer's page calls it: write key plus the userId signed by the customer's backend. */
    const inbox = async (path: string, userId: string, body?: unknown) => {
      const { secret } = await api('GET', '/api/workspace/inbox');
      return http(`${url}${path}`, { auth: write, body, headers: { 'x-tenure-user-hash': inboxUserHash(secret, userId) } });
    };
    const publish = async (name: string, definition: unknown) => {
      const j = await api('POST', '/api/journeys', { name, definition });
      await api('POST', `/api/journeys/${j.id}/publish`);
      return j.id as string;
    };

    it('in-app messages reach the inbox, which marks them read and dismisses them; a task lands in the task list', async () => {
      await api('POST', '/api/templates', { id: 'hello-inapp', name: 'Hello', channel: 'inapp', subject: 'Hi {{ traits.first_name }}', body: 'Welcome aboard, {{ traits.first_name }}.' });
      await publish('Hand-off', {
        trigger: { event: { name: 'Big Order' } },
        start: 'note',
        steps: [
          { id: 'note', type: 'send', channel: 'inapp', template: 'hello-inapp', next: 'call' },
          { id: 'call', type: 'task', title: 'Call about the big order', assigneeRole: 'sales', due: { amount: 1, unit: 'days' }, next: 'e' },
          { id: 'e', type: 'exit' },
        ],
      });
      await track([
        { type: 'identify', userId: 'ivy', traits: { first_name: 'Ivy' } },
        { type: 'track', userId: 'ivy', event: 'Big Order' },
      ]);
      await worker.drain();
      const list = await inbox('/v1/inbox?userId=ivy', 'ivy');
      assert.equal(list.status, 200);
      assert.equal(list.body.unread, 1);
      assert.deepEqual([list.body.messages[0].title, list.body.messages[0].body], ['Hi Ivy', 'Welcome aboard, Ivy.']);
      const id = list.body.messages[0].id;
      assert.equal((await inbox(`/v1/inbox/${id}/read`, 'ivy', { userId: 'ivy' })).status, 200);
      assert.equal((await inbox('/v1/inbox?userId=ivy', 'ivy')).body.unread, 0);
      assert.equal((await inbox(`/v1/inbox/${id}/dismiss`, 'someone-else', { userId: 'someone-else' })).status, 404, "one customer cannot touch another's inbox");
      assert.equal((await inbox(`/v1/inbox/${id}/dismiss`, 'ivy', { userId: 'ivy' })).status, 200);
      assert.equal((await inbox('/v1/inbox?userId=ivy', 'ivy')).body.messages.length, 0);
      const events = (await api('GET', '/api/customers/ivy/events')).events.map((e: { event: string }) => e.event);
      assert.ok(events.includes('In-App Message Read') && events.includes('In-App Message Dismissed'));

      const tasks = (await api('GET', '/api/tasks?role=sales')).tasks;
      assert.equal(tasks.length, 1);
      assert.deepEqual([tasks[0].title, tasks[0].userId, tasks[0].status, tasks[0].overdue], ['Call about the big order', 'ivy', 'open', false]);
      const done = await api('PATCH', `/api/tasks/${tasks[0].id}`, { status: 'done', assignee: 'sam' });
      assert.deepEqual([done.status, done.assignee], ['done', 'sam']);
      assert.equal((await api('GET', '/api/tasks?role=sales')).tasks.length, 0);
    });

    it('a webhook step POSTs a signed body the receiver can verify; an SMS goes through the Twilio-compatible API', async () => {
      await api('POST', '/api/templates', { id: 'sms-hi', name: 'SMS', channel: 'sms', body: 'Hi {{ traits.first_name }}, your order shipped.' });
      await publish('Shipping', {
        trigger: { event: { name: 'Order Shipped' } },
        start: 'hook',
        steps: [
          { id: 'hook', type: 'webhook', url: `${providerUrl}/hooks/shipped`, body: '{"user": {{ customer.userId | json }}, "order": {{ event.properties.order | json }}}', next: 'text' },
          { id: 'text', type: 'send', channel: 'sms', template: 'sms-hi', transactional: true, next: 'e' },
          { id: 'e', type: 'exit' },
        ],
      });
      provider.seen.length = 0;
      await track([
        { type: 'identify', userId: 'jon', traits: { first_name: 'Jon', phone: '+15551234567' } },
        { type: 'track', userId: 'jon', event: 'Order Shipped', properties: { order: 'o-77' } },
      ]);
      await worker.drain();
      const hook = provider.seen.find((r) => r.path === '/hooks/shipped')!;
      assert.deepEqual(JSON.parse(hook.body), { user: 'jon', order: 'o-77' });
      const { rows } = await db.query<{ settings: { secret: string } }>(`SELECT settings FROM messaging_settings WHERE workspace_id = $1`, [ws]);
      const secret = rows[0]!.settings.secret;
      assert.equal(verifySignature(secret, String(hook.headers['tenure-signature']), hook.body, { nowSec: Math.floor(Date.now() / 1000) + offset / 1000 }), true);
      assert.equal(verifySignature('wrong', String(hook.headers['tenure-signature']), hook.body, { nowSec: Math.floor(Date.now() / 1000) + offset / 1000 }), false);
      assert.match(String(hook.headers['idempotency-key']), /^r\d+:hook:0$/);
      const sms = provider.seen.find((r) => r.path.endsWith('/Messages.json'))!;
      const form = new URLSearchParams(sms.body);
      assert.deepEqual([form.get('To'), form.get('Body')], ['+15551234567', 'Hi Jon, your order shipped.']);
      const ms = (await api('GET', '/api/customers/jon/messages')).messages;
      assert.deepEqual(ms.map((m: { channel: string; status: string }) => `${m.channel}:${m.status}`).sort(), ['sms:sent', 'webhook:sent']);
    });

    it('webhooks to internal addresses fail at once (allow list 127.0.0.1/32 only); a failing endpoint leaves only its status line in the reason', async () => {
      provider.respond = (req, res) => {
        if (req.url === '/hooks/broken') res.writeHead(500, 'SECRET-status-text').end('stack trace: SECRET-aws-key-AKIA123');
        else res.writeHead(200).end('ok');
      };
      await publish('Internal hooks', {
        trigger: { event: { name: 'Hook Test' } },
        start: 'internal',
        steps: [
          { id: 'internal', type: 'webhook', url: 'http://127.0.0.2:9/metadata', body: '{}', next: 'broken' },
          { id: 'broken', type: 'webhook', url: `${providerUrl}/hooks/broken`, body: '{}', next: 'e' },
          { id: 'e', type: 'exit' },
        ],
      });
      await track([{ type: 'track', userId: 'hal', event: 'Hook Test' }]);
      await worker.drain();
      const ms = (await api('GET', '/api/customers/hal/messages')).messages as Array<{ stepId: string; status: string; reason: string | null }>;
      const internal = ms.find((m) => m.stepId === 'internal')!;
      assert.equal(internal.status, 'failed', 'refused for good, not retried');
      assert.equal(internal.reason, 'destination 127.0.0.2 is a loopback address; webhooks may not reach internal networks (allow it with TENURE_WEBHOOK_ALLOW)');
      const broken = ms.find((m) => m.stepId === 'broken')!;
      assert.equal(broken.reason, 'HTTP 500 Internal Server Error');
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages m WHERE workspace_id = $1 AND m::text LIKE '%SECRET%'`, [ws]);
      assert.equal(rows[0]!.n, 0, 'nothing the endpoint said is stored');
      assert.ok(!JSON.stringify(ms).includes('SECRET'));
    });

    it('preview renders with a real customer; test-send delivers to them; a template error is refused with its line', async () => {
      await api('POST', '/api/templates', {
        id: 'promo',
        name: 'Promo',
        channel: 'email',
        subject: 'For you, {{ traits.first_name | default: "friend" }}',
        body: '<mjml><mj-body><mj-section><mj-column><mj-text>{% if segments.vip %}VIP{% else %}Hello{% endif %} {{ stage }}</mj-text></mj-column></mj-section></mj-body></mjml>',
      });
      const p = await api('POST', '/api/templates/promo/preview', { customerId: 'ivy' });
      assert.equal(p.subject, 'For you, Ivy');
      assert.match(p.html, /Hello/);
      const bad = await http(`${url}/api/templates/promo/preview`, { auth: admin, body: { customerId: 'nobody' } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /no customer with userId or anonymousId "nobody"/);
      await track([{ type: 'identify', userId: 'ivy', traits: { email: 'ivy@example.test' } }]);
      const sent = await api('POST', '/api/templates/promo/test-send', { customerId: 'ivy' });
      await worker.drain();
      const m = await api('GET', `/api/messages/${sent.messageId}`);
      assert.deepEqual([m.status, m.subject, m.to], ['outboxed', 'For you, Ivy', 'ivy@example.test']);
      assert.match(m.html, /Hello/);
      const err = await http(`${url}/api/templates/promo`, { method: 'PUT', auth: admin, body: { name: 'Promo', channel: 'email', subject: 'Hi {{ x', body: '<mjml><mj-body></mj-body></mjml>' } });
      assert.equal(err.status, 400);
      assert.match(err.body.error.message, /^body\.subject: line 1, column \d+/);

      // An unsaved draft renders the same way, and nothing is stored.
      const countTemplates = async () => (await api('GET', '/api/templates')).templates.length;
      const before = await countTemplates();
      const draft = {
        name: 'Draft',
        channel: 'email',
        subject: 'Draft for {{ traits.first_name }}',
        body: '<mjml><mj-body><mj-section><mj-column><mj-text>Stage: {{ stage }}; order {{ event.properties.order_id }}</mj-text></mj-column></mj-section></mj-body></mjml>',
      };
      const d = await api('POST', '/api/templates/preview', { template: draft, customerId: 'ivy', event: { name: 'Order Completed', properties: { order_id: 'A-17' } } });
      assert.equal(d.subject, 'Draft for Ivy');
      assert.match(d.html, /order A-17/);
      assert.match(d.text, /order A-17/);
      const sms = await api('POST', '/api/templates/preview', { template: { name: 'S', channel: 'sms', body: 'Hi {{ traits.first_name }}!' }, customerId: 'ivy' });
      assert.deepEqual([sms.subject, sms.html, sms.text], [null, null, 'Hi Ivy!']);
      const broken = await http(`${url}/api/templates/preview`, { auth: admin, body: { template: { ...draft, body: '<mjml><mj-body>\n{% if x %}</mj-body></mjml>' }, customerId: 'ivy' } });
      assert.equal(broken.status, 400);
      assert.equal(broken.body.error.code, 'validation_failed');
      assert.match(broken.body.error.message, /line \d+, column \d+/);
      const noBody = await http(`${url}/api/templates/preview`, { auth: admin, body: { template: { ...draft, body: '' }, customerId: 'ivy' } });
      assert.equal(noBody.status, 400);
      assert.match(noBody.body.error.message, /a template needs a body/);
      const nobody = await http(`${url}/api/templates/preview`, { auth: admin, body: { template: draft, customerId: 'nobody' } });
      assert.equal(nobody.status, 400);
      assert.equal(nobody.body.error.field, 'customerId');
      assert.equal(await countTemplates(), before, 'previews store nothing');
    });

    it('the preference page shows the groups and saves choices; unsubscribing from all stops marketing', async () => {
      await api('POST', '/api/subscription-groups', { id: 'tips', name: 'Tips', channel: 'email' });
      await api('POST', '/api/subscription-groups', { id: 'beta', name: 'Beta news', channel: 'email', optIn: true });
      const sent = await api('POST', '/api/templates/promo/test-send', { customerId: 'ivy' });
      await worker.drain();
      // The promo template has no preferences link: make the one a template's {{ preferences_url }} would hold.
      const { rows } = await db.query<{ settings: { secret: string } }>(`SELECT settings FROM messaging_settings WHERE workspace_id = $1`, [ws]);
      const { makeToken } = await import('../channels/link-tokens.js');
      const { rows: c } = await db.query<{ customer_id: number }>(`SELECT customer_id FROM messages WHERE id = $1`, [sent.messageId]);
      const token = makeToken(rows[0]!.settings.secret, 'preferences', { w: ws, m: sent.messageId, c: c[0]!.customer_id }, Math.floor(Date.now() / 1000));
      const page = await fetch(`${url}/preferences/${token}`);
      const html = await page.text();
      assert.match(html, /name="group" value="tips" checked/, 'an opt-out group is on by default');
      assert.match(html, /name="group" value="beta">/, 'an opt-in group is off until chosen');
      const saved = await fetch(`${url}/preferences/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'group=beta' });
      assert.match(await saved.text(), /Saved/);
      const subs = await api('GET', '/api/customers/ivy/subscriptions');
      const by = Object.fromEntries(subs.groups.map((g: { id: string; subscribed: boolean }) => [g.id, g.subscribed]));
      assert.deepEqual(by, { beta: true, tips: false });
      await fetch(`${url}/preferences/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'group=beta&all=off' });
      assert.deepEqual((await api('GET', '/api/customers/ivy/subscriptions')).unsubscribedFromAll, ['email']);
      const forged = await fetch(`${url}/preferences/${token.slice(0, -2)}xx`);
      assert.equal(forged.status, 404);
    });

    it('publishing an edit makes a new version; customers in flight stay on theirs; a paused journey holds its runs', async () => {
      await api('POST', '/api/templates', { id: 'v1', name: 'v1', channel: 'inapp', body: 'version one' });
      await api('POST', '/api/templates', { id: 'v2', name: 'v2', channel: 'inapp', body: 'version two' });
      const def = (template: string) => ({
        trigger: { event: { name: 'Joined Club' } },
        start: 'w',
        steps: [
          { id: 'w', type: 'wait', duration: { amount: 10, unit: 'minutes' }, next: 's' },
          { id: 's', type: 'send', channel: 'inapp', template, next: 'e' },
          { id: 'e', type: 'exit' },
        ],
      });
      const id = await publish('Club', def('v1'));
      await track([{ type: 'track', userId: 'kim', event: 'Joined Club' }]);
      await worker.drain();
      const edited = await api('PUT', `/api/journeys/${id}`, { name: 'Club', definition: def('v2') });
      assert.deepEqual([edited.version, edited.liveVersion], [2, 1]);
      await api('POST', `/api/journeys/${id}/publish`);
      await track([{ type: 'track', userId: 'lee', event: 'Joined Club' }]);
      await worker.drain();
      await api('POST', `/api/journeys/${id}/pause`);
      offset += 11 * 60_000;
      await worker.drain();
      const { rows: held } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE journey_id = $1`, [id]);
      assert.equal(held[0]!.n, 0, 'paused: nobody moves');
      await api('POST', `/api/journeys/${id}/publish`);
      await worker.drain();
      const body = async (u: string) => (await inbox(`/v1/inbox?userId=${u}`, u)).body.messages.map((m: { body: string }) => m.body);
      assert.deepEqual(await body('kim'), ['version one'], 'kim entered version 1 and stays on it');
      assert.deepEqual(await body('lee'), ['version two']);
      const stats = await api('GET', `/api/journeys/${id}/stats`);
      assert.deepEqual([stats.entered, stats.completed, stats.messages.inapp.delivered], [2, 2, 2]);
      const runs = (await api('GET', '/api/customers/kim/journeys')).runs;
      assert.deepEqual(
        runs.map((r: { journeyName: string; version: number; status: string; endReason: string }) => [r.journeyName, r.version, r.status, r.endReason]),
        [['Club', 1, 'completed', 'exit:e']],
      );
    });

    it('publish with enterCurrent enters the segment’s current members, counted beforehand by GET …/audience; a bad body is a 400', async () => {
      await track([
        { type: 'identify', userId: 'cur-1' },
        { type: 'identify', userId: 'cur-2' },
      ]);
      await db.query(`INSERT INTO segments (workspace_id, id, name, kind) SELECT workspace_id, 'seg_current', 'Current', 'static' FROM customers WHERE user_id = 'cur-1'`);
      await db.query(
        `INSERT INTO segment_members (workspace_id, segment_id, customer_id, entered_at) SELECT workspace_id, 'seg_current', id, now() FROM customers WHERE user_id IN ('cur-1', 'cur-2')`,
      );
      const j = await api('POST', '/api/journeys', { name: 'Reach now', definition: { trigger: { segmentEntered: { segment: 'seg_current' } }, start: 'e', steps: [{ id: 'e', type: 'exit' }] } });
      assert.deepEqual(await api('GET', `/api/journeys/${j.id}/audience`), { kind: 'segment', target: 'seg_current', count: 2 });
      const bad = await http(`${url}/api/journeys/${j.id}/publish`, { method: 'POST', auth: admin, body: { enterCurrent: 'yes' } });
      assert.equal(bad.status, 400);
      const published = await api('POST', `/api/journeys/${j.id}/publish`, { enterCurrent: true });
      assert.deepEqual([published.status, published.enteredNow], ['live', 2]);
    });
  });
}
