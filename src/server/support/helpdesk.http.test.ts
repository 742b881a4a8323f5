/**
 * The helpdesk receivers over real HTTP on both databases: Chatwoot's and Zendesk's documented
 * payloads signed as they sign them (the signature computed here from a known secret), the
 * generic shape, refusals recorded with their reason, retries stored once, ratings as CSAT, and
 * requesters matched by external id, email and phone — or kept and matched later.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { Db } from '../db/client.js';
import { basic, dbTargets, http, makeWorkspace, startServer } from '../../test-support/harness.js';

const CHATWOOT_SECRET = 'cw-secret-0123456789';
const ZENDESK_SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
const GENERIC_SECRET = 'generic-secret-abcdef';

/** Chatwoot (lib/webhooks/trigger.rb): sha256=<hex HMAC-SHA256 of "<unix seconds>.<body>">. */
function chatwootHeaders(body: string, delivery: string, at = new Date()): Record<string, string> {
  const ts = String(Math.floor(at.getTime() / 1000));
  const sig = createHmac('sha256', CHATWOOT_SECRET).update(`${ts}.${body}`).digest('hex');
  return { 'content-type': 'application/json', 'x-chatwoot-signature': `sha256=${sig}`, 'x-chatwoot-timestamp': ts, 'x-chatwoot-delivery': delivery };
}

/** Zendesk: base64 HMAC-SHA256 of "<timestamp><body>", the timestamp in ISO 8601. */
function zendeskHeaders(body: string, at = new Date()): Record<string, string> {
  const ts = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const sig = createHmac('sha256', ZENDESK_SECRET)
    .update(ts + body)
    .digest('base64');
  return { 'content-type': 'application/json', 'x-zendesk-webhook-signature': sig, 'x-zendesk-webhook-signature-timestamp': ts, 'x-zendesk-webhook-id': '01GK8E6BKWMJZD2T8Y5AXJQMG5' };
}

function genericHeaders(body: string, at = new Date()): Record<string, string> {
  const ts = String(Math.floor(at.getTime() / 1000));
  return { 'content-type': 'application/json', 'x-tenure-signature': `sha256=${createHmac('sha256', GENERIC_SECRET).update(`${ts}.${body}`).digest('hex')}`, 'x-tenure-timestamp': ts };
}

const T0 = Math.floor(Date.now() / 1000) * 1000 - 3 * 3_600_000;
const iso = (plusSeconds: number) => new Date(T0 + plusSeconds * 1000).toISOString();

/** A contact as Chatwoot's webhook data has it (conversation.meta.sender). */
const contact = (over: Record<string, unknown>) => ({ id: 7, name: 'Ann', type: 'contact', email: null, phone_number: null, identifier: null, additional_attributes: {}, ...over });
const conversation = (id: number, sender: Record<string, unknown>, status = 'open') => ({
  id,
  status,
  inbox_id: 1,
  created_at: Math.floor(T0 / 1000),
  meta: { sender, assignee: null, team: null, hmac_verified: false },
  messages: [],
});

for (const target of dbTargets()) {
  describe(`helpdesk receivers (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let admin: string;
    let writeKey: string;
    let ids: { chatwoot: string; zendesk: string; generic: string };
    const api = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${server.url}${path}`, { auth: admin, ...init });
    const post = (id: string, body: string, headers: Record<string, string>) => http(`${server.url}/webhooks/helpdesk/${id}`, { method: 'POST', rawBody: body, headers });
    const eventsOf = async (userId: string) =>
      (
        await db.query<{ event: string; type: string; properties: Record<string, any> }>(
          `SELECT e.event, e.type, e.properties FROM events e JOIN customers c ON c.id = e.customer_id WHERE c.user_id = $1 AND (e.event LIKE 'Ticket %' OR e.event = 'Survey Responded') ORDER BY e.timestamp, (e.event = 'Survey Responded'), e.id`,
          [userId],
        )
      ).rows;

    before(async () => {
      db = await target.open();
      const keys = await makeWorkspace(db, 'helpdesk');
      admin = `Bearer ${keys.adminKey}`;
      writeKey = keys.writeKey;
      server = await startServer(db, { stages: null, segments: null });
      const batch = [
        { type: 'identify', userId: 'ann', traits: { email: 'Ann@Acme.com' } },
        { type: 'identify', userId: 'bob', traits: { phone: '+33 6 12 34 56 78' } },
        { type: 'identify', userId: 'carl-42', traits: { plan: 'pro' } },
        { type: 'group', userId: 'ann', groupId: 'acme', traits: { domain: 'acme.com' } },
      ];
      assert.equal((await http(`${server.url}/v1/batch`, { auth: basic(writeKey), body: { batch } })).status, 200);
      const make = async (kind: string, secret?: string) => {
        const r = await api('/api/helpdesk/connections', { body: { name: kind, kind, ...(secret ? { secret } : {}) } });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.match(r.body.webhookUrl, new RegExp(`/webhooks/helpdesk/${r.body.id}$`));
        return r.body.id as string;
      };
      ids = { chatwoot: await make('chatwoot', CHATWOOT_SECRET), zendesk: await make('zendesk', ZENDESK_SECRET), generic: await make('generic', GENERIC_SECRET) };
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('Chatwoot: a conversation through created, first agent reply, resolved, reopened, resolved and CSAT, for the contact matched by email', async () => {
      const sender = contact({ email: 'ann@acme.com' });
      const deliveries: Array<[string, unknown]> = [
        ['d-1', { event: 'conversation_created', ...conversation(101, sender) }],
        // An incoming message (the customer) and a private note make no reply; the agent's public one is the first response, 600 s after opening.
        ['d-2', { event: 'message_created', id: 9001, content: 'help', message_type: 'incoming', private: false, created_at: iso(60), sender, conversation: conversation(101, sender) }],
        [
          'd-3',
          {
            event: 'message_created',
            id: 9002,
            content: 'note',
            message_type: 'outgoing',
            private: true,
            created_at: iso(300),
            sender: { id: 2, type: 'user', name: 'Agent' },
            conversation: conversation(101, sender),
          },
        ],
        [
          'd-4',
          {
            event: 'message_created',
            id: 9003,
            content: 'on it',
            message_type: 'outgoing',
            private: false,
            created_at: iso(600),
            sender: { id: 2, type: 'user', name: 'Agent' },
            conversation: conversation(101, sender),
          },
        ],
        [
          'd-5',
          {
            event: 'message_created',
            id: 9004,
            content: 'done?',
            message_type: 'outgoing',
            private: false,
            created_at: iso(900),
            sender: { id: 2, type: 'user', name: 'Agent' },
            conversation: conversation(101, sender),
          },
        ],
        ['d-6', { event: 'conversation_status_changed', ...conversation(101, sender, 'resolved'), changed_attributes: [{ status: { previous_value: 'open', current_value: 'resolved' } }] }],
        ['d-7', { event: 'conversation_status_changed', ...conversation(101, sender, 'open'), changed_attributes: [{ status: { previous_value: 'resolved', current_value: 'open' } }] }],
        ['d-8', { event: 'conversation_status_changed', ...conversation(101, sender, 'resolved') }],
        [
          'd-9',
          {
            event: 'message_updated',
            id: 9010,
            content_type: 'input_csat',
            message_type: 'template',
            private: false,
            content_attributes: { submitted_values: { csat_survey_response: { rating: 4, feedback_message: 'quick, thanks' } } },
            sender: { id: 2, type: 'user' },
            conversation: conversation(101, sender, 'resolved'),
          },
        ],
      ];
      for (const [delivery, payload] of deliveries) {
        const body = JSON.stringify(payload);
        const r = await post(ids.chatwoot, body, chatwootHeaders(body, delivery));
        assert.equal(r.status, 200, `${delivery}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.status, 'accepted', delivery);
      }
      const events = await eventsOf('ann');
      assert.deepEqual(
        events.map((e) => e.event),
        ['Ticket Created', 'Ticket Replied', 'Ticket Replied', 'Ticket Solved', 'Ticket Reopened', 'Ticket Solved', 'Ticket Rated', 'Survey Responded'],
      );
      assert.ok(events.every((e) => e.type === 'track'));
      const [created, first, second, solved, reopened, solved2, rated, csat] = events;
      assert.deepEqual(created!.properties, { source: 'chatwoot', connection_id: ids.chatwoot, ticket_id: '101' });
      assert.equal(first!.properties.first_response_seconds, 600);
      assert.equal(first!.properties.first_response, true);
      assert.equal(second!.properties.first_response, false);
      assert.equal(second!.properties.first_response_seconds, undefined);
      assert.equal(solved!.properties.solve, 1);
      assert.equal(reopened!.properties.reopens, 1);
      assert.equal(solved2!.properties.solve, 2);
      // Rating 4 on 1–5 is (4 − 1) / (5 − 1) = 0.75; as CSAT 1 + 4 × 0.75 = 4, "satisfied".
      assert.deepEqual(
        { score: rated!.properties.score, raw: rated!.properties.raw_score, min: rated!.properties.scale_min, max: rated!.properties.scale_max, comment: rated!.properties.comment },
        { score: 0.75, raw: 4, min: 1, max: 5, comment: 'quick, thanks' },
      );
      assert.deepEqual(
        {
          type: csat!.properties.type,
          score: csat!.properties.score,
          band: csat!.properties.band,
          sentiment: csat!.properties.sentiment,
          source: csat!.properties.source,
          ticket: csat!.properties.ticket_id,
        },
        { type: 'csat', score: 4, band: 'satisfied', sentiment: 'positive', source: 'chatwoot', ticket: '101' },
      );
      const t = await db.query<{ account_id: number | null; reopens: number; solves: number; rating: number }>(
        `SELECT account_id, reopens, solves, rating FROM support_tickets WHERE ticket_id = '101'`,
      );
      assert.deepEqual({ reopens: t.rows[0]!.reopens, solves: t.rows[0]!.solves, rating: t.rows[0]!.rating }, { reopens: 1, solves: 2, rating: 0.75 });
      assert.notEqual(t.rows[0]!.account_id, null, 'the domain acme.com names the account acme');
    });

    it('a retried delivery is stored once and makes no second event; a bad signature and a stale timestamp are 401 and recorded', async () => {
      const sender = contact({ identifier: 'carl-42' });
      const body = JSON.stringify({ event: 'conversation_created', ...conversation(202, sender) });
      const headers = chatwootHeaders(body, 'retry-1');
      assert.equal((await post(ids.chatwoot, body, headers)).body.status, 'accepted');
      const again = await post(ids.chatwoot, body, chatwootHeaders(body, 'retry-1'));
      assert.equal(again.status, 200);
      assert.equal(again.body.status, 'duplicate');
      assert.deepEqual(
        (await eventsOf('carl-42')).map((e) => e.event),
        ['Ticket Created'],
      );
      const stored = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM helpdesk_deliveries WHERE connection_id = $1 AND delivery_id = 'retry-1'`, [ids.chatwoot]);
      assert.equal(stored.rows[0]!.n, 1);

      const forged = await post(ids.chatwoot, body.replace('202', '203'), headers);
      assert.equal(forged.status, 401);
      assert.equal(forged.body.error.code, 'webhook_signature_invalid');
      const old = await post(ids.chatwoot, body, chatwootHeaders(body, 'retry-2', new Date(Date.now() - 10 * 60_000)));
      assert.equal(old.status, 401);
      assert.equal(old.body.error.code, 'webhook_timestamp_stale');
      const unsigned = await post(ids.chatwoot, body, { 'content-type': 'application/json' });
      assert.equal(unsigned.status, 401);

      const list = await api(`/api/helpdesk/connections/${ids.chatwoot}/deliveries?limit=3`);
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.body.deliveries.map((d: { status: string; reasonCode: string | null }) => [d.status, d.reasonCode]),
        [
          ['rejected', 'webhook_signature_invalid'],
          ['rejected', 'webhook_timestamp_stale'],
          ['rejected', 'webhook_signature_invalid'],
        ],
      );
      assert.match(list.body.deliveries[1].reason, /away from this server's clock/);
      const view = await api(`/api/helpdesk/connections/${ids.chatwoot}`);
      assert.equal(view.body.rejected, 3);
      assert.equal((await eventsOf('carl-42')).length, 1, 'nothing refused made an event');

      const unknown = await post('hd_nope', body, headers);
      assert.equal(unknown.status, 404);
    });

    it('Zendesk: ticket events signed as Zendesk signs them; the requester named by a trigger in the generic shape, matched by phone; a good/bad rating as CSAT', async () => {
      const ticket = { id: '35436', status: 'OPEN', requester_id: '20978392', organization_id: '0', created_at: iso(0), updated_at: iso(0), via: { channel: 'web' } };
      const send = async (payload: unknown) => {
        const body = JSON.stringify(payload);
        const r = await post(ids.zendesk, body, zendeskHeaders(body));
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body;
      };
      const created = await send({
        type: 'zen:event-type:ticket.created',
        account_id: 88888888,
        id: 'ev-1',
        time: iso(0),
        zendesk_event_version: '2022-11-06',
        subject: 'zen:ticket:35436',
        detail: ticket,
        event: {},
      });
      assert.equal(created.status, 'unmatched', 'ticket events name the requester by Zendesk id only');
      // A trigger on the same webhook tells who the requester is (and the reply below finds them).
      assert.equal((await send({ event: 'created', ticket_id: 35436, delivery_id: 'trg-1', requester: { phone: '+33612345678' } })).status, 'accepted');
      await send({
        type: 'zen:event-type:ticket.comment_added',
        account_id: 88888888,
        id: 'ev-2',
        time: iso(1800),
        subject: 'zen:ticket:35436',
        detail: ticket,
        event: { comment: { id: '555', body: 'Hello', is_public: true, author: { id: '1', is_staff: true, name: 'Agent' } } },
      });
      await send({
        type: 'zen:event-type:ticket.status_changed',
        account_id: 88888888,
        id: 'ev-3',
        time: iso(7200),
        subject: 'zen:ticket:35436',
        detail: ticket,
        event: { current: 'SOLVED', previous: 'OPEN' },
      });
      await send({ event: 'rated', ticket_id: '35436', delivery_id: 'trg-2', score: 'bad', occurred_at: iso(7300) });
      const ignored = await send({ type: 'zen:event-type:user.active_changed', id: 'ev-4', time: iso(0), detail: {}, event: {} });
      assert.equal(ignored.status, 'ignored');

      const events = await eventsOf('bob');
      assert.deepEqual(
        events.map((e) => e.event),
        ['Ticket Created', 'Ticket Replied', 'Ticket Solved', 'Ticket Rated', 'Survey Responded'],
      );
      assert.equal(events[1]!.properties.first_response_seconds, 1800);
      assert.equal(events[2]!.properties.resolution_seconds, 7200);
      assert.deepEqual([events[3]!.properties.score, events[3]!.properties.raw_score, events[3]!.properties.scale_max], [0, 0, 1]);
      assert.deepEqual([events[4]!.properties.score, events[4]!.properties.band], [1, 'unsatisfied']);
    });

    it('generic: unmatched tickets are kept and written once the customer is known (rematch), and once only', async () => {
      const send = async (payload: unknown) => {
        const body = JSON.stringify(payload);
        const r = await post(ids.generic, body, genericHeaders(body));
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body;
      };
      const first = await send({ event: 'created', ticket_id: 'HS-1', occurred_at: iso(0), requester: { email: 'dora@example.org' } });
      assert.equal(first.status, 'unmatched');
      await send({ event: 'solved', ticket_id: 'HS-1', occurred_at: iso(3600) });
      assert.equal((await api(`/api/helpdesk/connections/${ids.generic}`)).body.unmatched, 2);

      // Dora signs up: the rematch writes the kept events, and a second rematch writes nothing.
      assert.equal((await http(`${server.url}/v1/identify`, { auth: basic(writeKey), body: { userId: 'dora', traits: { email: 'dora@example.org' } } })).status, 200);
      const r = await api(`/api/helpdesk/connections/${ids.generic}/rematch`, { method: 'POST' });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { matched: 1, events: 2, stillUnmatched: 0 });
      assert.deepEqual(
        (await eventsOf('dora')).map((e) => [e.event, e.properties.resolution_seconds]),
        [
          ['Ticket Created', undefined],
          ['Ticket Solved', 3600],
        ],
      );
      assert.deepEqual((await api(`/api/helpdesk/connections/${ids.generic}/rematch`, { method: 'POST' })).body, { matched: 0, events: 0, stillUnmatched: 0 });

      // Unmatched, then matched by the next delivery of the same ticket.
      assert.equal((await send({ event: 'created', ticket_id: 'HS-2', occurred_at: iso(0), requester: { external_id: 'erin' } })).status, 'unmatched');
      assert.equal((await http(`${server.url}/v1/identify`, { auth: basic(writeKey), body: { userId: 'erin' } })).status, 200);
      assert.equal((await send({ event: 'replied', ticket_id: 'HS-2', occurred_at: iso(120), ref: 'r1' })).status, 'accepted');
      assert.deepEqual(
        (await eventsOf('erin')).map((e) => [e.event, e.properties.first_response_seconds]),
        [
          ['Ticket Created', undefined],
          ['Ticket Replied', 120],
        ],
      );
    });

    it('generic: a bearer secret is taken; a payload that does not fit is 400 and recorded; the admin API lists, updates and deletes', async () => {
      const body = JSON.stringify({ event: 'rated', ticket_id: 'HS-3', score: 11, scale_min: 0, scale_max: 10 });
      const bad = await post(ids.generic, body, { 'content-type': 'application/json', authorization: `Bearer ${GENERIC_SECRET}` });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'validation_failed');
      const wrong = await post(ids.generic, body, { 'content-type': 'application/json', authorization: 'Bearer nope' });
      assert.equal(wrong.status, 401);
      const [latest] = (await api(`/api/helpdesk/connections/${ids.generic}/deliveries?limit=2`)).body.deliveries;
      assert.equal(latest.reasonCode, 'webhook_signature_invalid');

      const made = await api('/api/helpdesk/connections', { body: { name: 'Freshdesk', kind: 'generic' } });
      assert.equal(made.status, 200);
      assert.match(made.body.secret, /^[0-9a-f]{48}$/, 'a generated secret is shown once');
      assert.equal((await api(`/api/helpdesk/connections/${made.body.id}`)).body.secret, undefined);
      const off = await api(`/api/helpdesk/connections/${made.body.id}`, { method: 'PUT', body: { enabled: false, name: 'Freshdesk EU' } });
      assert.deepEqual([off.body.enabled, off.body.name], [false, 'Freshdesk EU']);
      const ok = JSON.stringify({ event: 'created', ticket_id: 'F-1' });
      assert.equal((await post(made.body.id, ok, { 'content-type': 'application/json', authorization: `Bearer ${made.body.secret}` })).status, 404, 'a disabled connection takes nothing');
      assert.equal((await api('/api/helpdesk/connections')).body.connections.length, 4);
      assert.equal((await api(`/api/helpdesk/connections/${made.body.id}`, { method: 'DELETE' })).status, 204);
      assert.equal((await api(`/api/helpdesk/connections/${made.body.id}`)).status, 404);
      assert.equal((await api('/api/helpdesk/connections', { body: { name: 'x', kind: 'freshdesk' } })).status, 400);
      assert.equal((await http(`${server.url}/api/helpdesk/connections`)).status, 401);
    });
  });
}
