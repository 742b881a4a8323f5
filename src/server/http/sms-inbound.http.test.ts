import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/client.js';
import { buildServer } from '../roles/server.js';
import { createLogger } from '../log.js';
import { ok } from '../lib/result.js';
import { basic, dbTargets, http, makeWorkspace, until } from '../../test-support/harness.js';
import { twilioSignature } from '../channels/sms-inbound.js';

/** SMS survey replies: a Twilio-signed inbound message answers the customer's SMS survey. */
for (const target of dbTargets()) {
  describe(`SMS replies to surveys (${target.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let url: string;
    let admin: string;
    let ws: number;
    const TOKEN = 'twilio-auth-token-123';

    before(async () => {
      db = await target.open();
      const keys = await makeWorkspace(db, 'acme');
      ws = keys.workspace.id;
      admin = `Bearer ${keys.adminKey}`;
      app = await buildServer({
        db,
        log: createLogger('silent'),
        sweepMs: 0,
        segmentSweepMs: 0,
        analyticsSyncMs: 0,
        predictionSchedule: false,
        serverSecret: ok({ secret: 'a-test-server-secret-of-forty-characters!', source: 'env' }),
        publicUrl: 'https://tenure.example.com',
      });
      url = await app.listen({ port: 0, host: '127.0.0.1' });
      const api = async (method: string, path: string, body: unknown) => {
        const r = await http(`${url}${path}`, { method, auth: admin, body });
        assert.ok(r.status < 300, `${path}: ${r.status} ${JSON.stringify(r.body)}`);
        return r.body;
      };
      await api('PUT', '/api/providers/sms', { kind: 'http', apiUrl: 'https://api.twilio.example', accountSid: 'AC1', from: '+15550001111', authToken: TOKEN });
      await api('POST', '/api/surveys', {
        id: 'csat',
        name: 'Support CSAT',
        definition: { type: 'csat', question: 'How satisfied were you?', followUp: { default: 'What could we do better?' }, thankYou: { default: 'Thanks!' } },
      });
      await api('PUT', '/api/surveys/csat', { status: 'active' });
      assert.equal((await http(`${url}/v1/identify`, { auth: basic(keys.writeKey), body: { userId: 'pat', traits: { phone: '+1 (555) 123-4567' } } })).status, 200);
      const c = await until('the customer', async () => (await db.query<{ id: number }>(`SELECT id FROM customers WHERE workspace_id = $1 AND user_id = 'pat'`, [ws])).rows[0]);
      await db.query(
        `INSERT INTO survey_invitations (workspace_id, survey_id, version, type, customer_id, channel, source, round, idempotency_key, status, created_at, sent_at)
         VALUES ($1, 'csat', 1, 'csat', $2, 'sms', 'journey', '2026-Q4', 'k1', 'sent', now(), now())`,
        [ws, c.id],
      );
    });
    after(async () => {
      await app.close();
      await db.close();
    });

    const inbound = (params: Record<string, string>, signature?: string) => {
      const path = '/webhooks/sms/acme';
      const sig = signature ?? twilioSignature(TOKEN, `https://tenure.example.com${path}`, params);
      return fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig }, body: new URLSearchParams(params).toString() });
    };
    const responses = async () => (await db.query<{ score: number; comment: string | null; band: string }>(`SELECT score, comment, band FROM survey_responses WHERE workspace_id = $1`, [ws])).rows;

    it('Twilio’s signature: a known test vector, and a forged request changes nothing', async () => {
      // Twilio's documented example (auth token 12345, its URL and parameters) gives 0/KCTR6DLpKmkAf8muzZqo1nDgQ=.
      const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
      assert.equal(twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params), '0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
      const forged = await inbound({ From: '+15551234567', Body: '1' }, 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=');
      assert.equal(forged.status, 401);
      assert.deepEqual(await responses(), []);
    });

    it('a digit answers the SMS survey (text after it is the comment) and the reply thanks; a second number changes nothing', async () => {
      const r = await inbound({ From: '+15551234567', Body: '2 - the wait was long' });
      assert.equal(r.status, 200);
      assert.match(await r.text(), /<Response><Message>Thanks!<\/Message><\/Response>/);
      assert.deepEqual(await responses(), [{ score: 2, comment: 'the wait was long', band: 'unsatisfied' }]);
      const again = await inbound({ From: '+15551234567', Body: '5' });
      assert.equal(again.status, 200);
      assert.doesNotMatch(await again.text(), /<Message>/);
      assert.equal((await responses())[0]!.score, 2);
      // A text with no number within a day is the comment, on the same response.
      await inbound({ From: '+15551234567', Body: 'And nobody called back' });
      assert.deepEqual(await responses(), [{ score: 2, comment: 'And nobody called back', band: 'unsatisfied' }]);
      // An unknown number answers nothing.
      const stranger = await inbound({ From: '+15559999999', Body: '5' });
      assert.equal(stranger.status, 200);
      assert.equal((await responses()).length, 1);
    });

    it('STOP unsubscribes the number’s customer from all SMS, with the text as the proof; it is no survey answer', async () => {
      const before = await responses();
      const r = await inbound({ From: '+15551234567', Body: ' Stop ' });
      assert.equal(r.status, 200);
      assert.doesNotMatch(await r.text(), /<Message>/);
      const { rows } = await db.query<{ group_id: string; subscribed: boolean; source: string; text_shown: string; context: Record<string, unknown> }>(
        `SELECT group_id, subscribed, source, text_shown, context FROM consent_records WHERE workspace_id = $1`,
        [ws],
      );
      assert.deepEqual(rows, [{ group_id: '$all:sms', subscribed: false, source: 'sms_stop', text_shown: 'Stop', context: { from: '+15551234567' } }]);
      const { rows: k } = await db.query<{ subscribed: boolean }>(`SELECT subscribed FROM consents WHERE workspace_id = $1 AND group_id = '$all:sms'`, [ws]);
      assert.deepEqual(k, [{ subscribed: false }]);
      assert.deepEqual(await responses(), before);
    });
  });
}
