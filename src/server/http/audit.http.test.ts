/**
 * The audit log over real HTTP: each kind of change recorded with who, what, which object,
 * before and after (hand-checked values); failed requests record nothing; no secret reaches
 * the log (a provider's password, rotated keys, the inbox secret); a customer's subscriptions
 * are recorded by internal id, never by their email; GET /api/audit searches and pages and
 * GET /api/audit.csv exports (and is itself recorded).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/client.js';
import { createLogger } from '../log.js';
import { buildServer } from '../roles/server.js';
import { ok } from '../lib/result.js';
import { basic, dbTargets, http, makeWorkspace, until } from '../../test-support/harness.js';
import { signInAs } from '../../test-support/team.js';
import { AUDITED_ROUTES } from './audited-routes.js';

const PASSWORD = 'Pl4nted-SMTP-passw0rd';

for (const target of dbTargets()) {
  describe(`audit log over HTTP (${target.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let url: string;
    let admin: string;
    let write: string;
    let wsId: number;
    const planted: string[] = [PASSWORD];

    before(async () => {
      db = await target.open();
      const keys = await makeWorkspace(db, 'audit-http');
      admin = `Bearer ${keys.adminKey}`;
      write = basic(keys.writeKey);
      planted.push(keys.adminKey, keys.writeKey);
      wsId = keys.workspace.id;
      app = await buildServer({
        db,
        log: createLogger('silent'),
        sweepMs: 0,
        segmentSweepMs: 0,
        analyticsSyncMs: 0,
        predictionSchedule: false,
        serverSecret: ok({ secret: 'a-test-server-secret-of-forty-characters!', source: 'env' }),
      });
      url = await app.listen({ port: 0, host: '127.0.0.1' });
    });
    after(async () => {
      await app.close();
      await db.close();
    });

    async function api(method: string, path: string, body?: unknown, status?: number) {
      const r = await http(`${url}${path}`, { method, auth: admin, body });
      if (status !== undefined) assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
      else assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    }
    /** The newest entry with this action (and object id). */
    async function latest(action: string, objectId?: string) {
      const q = new URLSearchParams({ action, ...(objectId ? { objectId } : {}), limit: '1' });
      const page = await api('GET', `/api/audit?${q}`);
      assert.equal(page.entries.length, 1, `an entry ${action} ${objectId ?? ''}`);
      return page.entries[0];
    }
    const adminKey = { kind: 'key', id: null, label: 'workspace admin key' };

    it('records each kind of change with before and after', async () => {
      // Segment "A" → "B".
      const condition = { trait: { path: 'plan', op: 'eq', value: 'pro' } };
      const seg = (await api('POST', '/api/segments', { name: 'A', condition }, 201)).segment;
      await api('PUT', `/api/segments/${seg.id}`, { name: 'B', condition }, 202);
      let e = await latest('segment.create', seg.id);
      assert.deepEqual([e.objectType, e.before, e.after.name, e.after.condition], ['segment', null, 'A', condition]);
      e = await latest('segment.update', seg.id);
      assert.deepEqual(e.actor, adminKey);
      assert.equal(e.ip, '127.0.0.1');
      assert.deepEqual([e.before.name, e.after.name, e.before.version, e.after.version], ['A', 'B', 1, 2]);

      // Journey: renamed, then published (draft → live).
      const definition = { trigger: { event: { name: 'Signed Up' } }, start: 'e', steps: [{ id: 'e', type: 'exit' }] };
      const j = await api('POST', '/api/journeys', { name: 'Welcome', definition }, 201);
      await api('PUT', `/api/journeys/${j.id}`, { name: 'Welcome v2', definition });
      await api('POST', `/api/journeys/${j.id}/publish`);
      e = await latest('journey.update', j.id);
      assert.deepEqual([e.before.name, e.after.name], ['Welcome', 'Welcome v2']);
      e = await latest('journey.publish', j.id);
      assert.deepEqual([e.objectType, e.before.status, e.after.status, e.after.name], ['journey', 'draft', 'live', 'Welcome v2']);

      // Template subject "Hi" → "Hello".
      await api('POST', '/api/templates', { id: 'welcome', name: 'Welcome', channel: 'inapp', subject: 'Hi', body: 'Welcome aboard' }, 201);
      await api('PUT', '/api/templates/welcome', { name: 'Welcome', channel: 'inapp', subject: 'Hello', body: 'Welcome aboard' });
      e = await latest('template.update', 'welcome');
      assert.deepEqual([e.before.subject, e.after.subject, e.after.body], ['Hi', 'Hello', 'Welcome aboard']);
      assert.equal(e.after.compiled, undefined, 'the compiled form is left out');

      // Lifecycle model: the first stage renamed; version 0 (the default) → 1.
      const { model } = await api('GET', '/api/lifecycle/model');
      const renamed = { ...model, stages: model.stages.map((s: any, i: number) => (i === 0 ? { ...s, name: 'Brand new' } : s)) };
      await api('PUT', '/api/lifecycle/model', renamed, 202);
      e = await latest('lifecycle_model.update');
      assert.deepEqual([e.before.version, e.after.version], [0, 1]);
      assert.deepEqual([e.before.model.stages[0].name, e.after.model.stages[0].name], [model.stages[0].name, 'Brand new']);
      assert.notEqual(model.stages[0].name, 'Brand new');

      // Workspace name "audit-http" → "Brewline".
      const ws = await api('PATCH', '/api/workspace', { name: 'Brewline' });
      e = await latest('workspace.update');
      assert.deepEqual([e.objectId, e.before.name, e.after.name, e.after.slug], [String(ws.id), 'audit-http', 'Brewline', 'audit-http']);

      // Messaging settings: the two default caps → none.
      await api('PUT', '/api/messaging/settings', { caps: [], quietHours: null });
      e = await latest('messaging_settings.update');
      assert.deepEqual(
        e.before.caps.map((c: any) => [c.channel, c.max]),
        [
          ['email', 5],
          ['sms', 3],
        ],
      );
      assert.deepEqual([e.after.caps, e.after.quietHours], [[], null]);

      // Provider: none → SMTP with a password (never recorded).
      await api('PUT', '/api/providers/email', { kind: 'smtp', host: '127.0.0.1', port: 2525, security: 'none', username: 'mailer', password: PASSWORD, from: 'hello@brewline.test' });
      e = await latest('provider.save', 'email');
      assert.equal(e.before, null);
      assert.deepEqual(e.after, { channel: 'email', kind: 'smtp', settings: { host: '127.0.0.1', port: 2525, security: 'none', username: 'mailer', from: 'hello@brewline.test' }, hasSecret: true });

      // Sources: any origin → one shop.
      await api('PATCH', '/api/sources', { allowedOrigins: ['https://shop.example'] });
      e = await latest('sources.update');
      assert.deepEqual([e.before, e.after], [{ allowedOrigins: ['*'] }, { allowedOrigins: ['https://shop.example'] }]);

      // Deleting a segment: the definition before, nothing after.
      await api('DELETE', `/api/segments/${seg.id}`, undefined, 204);
      e = await latest('segment.delete', seg.id);
      assert.deepEqual([e.before.name, e.after], ['B', null]);
    });

    it('records nothing for a refused or failed request', async () => {
      const before = (await api('GET', '/api/audit?limit=500')).entries.length;
      await api('PUT', '/api/segments/seg_nope', { name: 'x', condition: { trait: { path: 'plan', op: 'exists' } } }, 404);
      await api('PATCH', '/api/workspace', { name: '' }, 400);
      const r = await http(`${url}/api/workspace`, { method: 'PATCH', auth: write, body: { name: 'nope' } });
      assert.ok(r.status === 401 || r.status === 403, String(r.status));
      assert.equal((await api('GET', '/api/audit?limit=500')).entries.length, before);
    });

    it('keeps secrets out: rotated keys, the inbox secret, provider passwords', async () => {
      const rotated = await api('POST', '/api/workspace/keys/rotate', { write: true });
      planted.push(rotated.writeKey);
      write = basic(rotated.writeKey);
      const inbox = await api('POST', '/api/workspace/inbox/rotate');
      planted.push(inbox.secret);
      const e = await latest('inbox_settings.rotate_secret');
      assert.deepEqual([e.before.hasSecret, e.after.hasSecret], [true, true]);
      assert.deepEqual((await latest('workspace_keys.rotate')).after, { request: { write: true, admin: false } });
      const { rows } = await db.query<{ t: string }>(`SELECT string_agg(row_to_json(a)::text, '\n') AS t FROM audit_log a`);
      for (const secret of planted) {
        assert.ok(secret.length >= 8);
        assert.ok(!rows[0]!.t.includes(secret), `the log holds a secret (${secret.slice(0, 4)}…)`);
      }
    });

    it("records a customer's subscriptions by internal id and group, never their email", async () => {
      await http(`${url}/v1/identify`, { auth: write, body: { userId: 'ana@example.com', traits: { email: 'ana@example.com', first_name: 'Ana' } } }).then((r) => assert.equal(r.status, 200));
      await api('POST', '/api/subscription-groups', { id: 'news', name: 'Newsletter', channel: 'email' }, 201);
      await api('PUT', `/api/customers/${encodeURIComponent('ana@example.com')}/subscriptions`, { groups: { news: false } });
      const { rows } = await db.query<{ id: number }>(`SELECT id FROM customers WHERE user_id = 'ana@example.com'`);
      const e = await latest('customer.subscriptions');
      assert.deepEqual([e.objectType, e.objectId, e.before, e.after], ['customer', String(rows[0]!.id), null, { groups: { news: false }, all: {} }]);
      const all = JSON.stringify((await api('GET', '/api/audit?limit=500')).entries);
      assert.ok(!all.includes('ana@example.com') && !all.includes('Ana'), 'no profile data in the log');
    });

    it('records the other settings through their own reads', async () => {
      // Inbox verification on (new workspaces) → off.
      await api('PATCH', '/api/workspace/inbox', { verification: false });
      let e = await latest('inbox_settings.update');
      assert.deepEqual(
        [e.before, e.after],
        [
          { verification: true, hasSecret: true },
          { verification: false, hasSecret: true },
        ],
      );

      // Subscription group renamed.
      await api('POST', '/api/subscription-groups', { id: 'offers', name: 'Offers', channel: 'email' }, 201);
      await api('PUT', '/api/subscription-groups/offers', { name: 'Deals' });
      e = await latest('subscription_group.update', 'offers');
      assert.deepEqual([e.before.name, e.after.name, e.after.channel], ['Offers', 'Deals', 'email']);

      // Loyalty reward renamed.
      await api('POST', '/api/loyalty/rewards', { id: 'tote', name: 'Tote bag', kind: 'custom', cost: 50 }, 201);
      await api('PUT', '/api/loyalty/rewards/tote', { id: 'tote', name: 'Big tote', kind: 'custom', cost: 60 });
      e = await latest('loyalty_reward.update', 'tote');
      assert.deepEqual([e.before.name, e.before.cost, e.after.name, e.after.cost], ['Tote bag', 50, 'Big tote', 60]);

      // Referral settings: none → enabled.
      await api('PUT', '/api/referrals/settings', { enabled: true, landingUrl: 'https://shop.example/r', friendReward: { points: 100 }, advocateReward: { points: 250 } });
      e = await latest('referral_settings.update');
      assert.deepEqual([e.before, e.after.enabled, e.after.advocateReward], [null, true, { points: 250 }]);

      // Helpdesk connection: the generated secret, shown once in the answer, is not in the log.
      const conn = await api('POST', '/api/helpdesk/connections', { name: 'Desk', kind: 'generic' }, 200);
      assert.ok(typeof conn.secret === 'string' && conn.secret.length >= 8);
      await api('PUT', `/api/helpdesk/connections/${conn.id}`, { name: 'Front desk', secret: 'Another-planted-secret' });
      e = await latest('helpdesk_connection.update', conn.id);
      assert.deepEqual(
        [e.before, e.after],
        [
          { id: conn.id, name: 'Desk', kind: 'generic', enabled: true },
          { id: conn.id, name: 'Front desk', kind: 'generic', enabled: true },
        ],
      );
      const { rows } = await db.query<{ t: string }>(`SELECT string_agg(row_to_json(a)::text, '\n') AS t FROM audit_log a`);
      assert.ok(!rows[0]!.t.includes(conn.secret) && !rows[0]!.t.includes('Another-planted-secret'));
    });

    it('records keys and workspaces by the signed-in user who changed them, without the key', async () => {
      const owner = await signInAs(url, db, wsId, 'owner', { email: 'olga@example.test' });
      const as = async (method: string, path: string, body: unknown, status: number, headers = owner.headers) => {
        const r = await http(`${url}${path}`, { method, body, headers });
        assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
        return r.body;
      };
      const olga = { kind: 'user', id: owner.userId, label: 'olga@example.test' };

      const made = await as('POST', '/api/keys', { name: 'CI deploy', scope: 'admin' }, 201);
      planted.push(made.secret);
      let e = await latest('key.create', String(made.key.id));
      assert.deepEqual([e.actor, e.objectType, e.after.key.name, e.after.key.scope], [olga, 'api_key', 'CI deploy', 'admin']);
      await as('DELETE', `/api/keys/${made.key.id}`, undefined, 200);
      e = await latest('key.revoke', String(made.key.id));
      assert.deepEqual([e.actor, e.after.response.name], [olga, 'CI deploy']);
      assert.equal(typeof e.after.response.revokedAt, 'string');

      // A new workspace: its entries are in it, and only there.
      const created = await as('POST', '/api/workspaces', { name: 'Second shop', slug: 'second-shop' }, 201);
      planted.push(created.writeKey);
      const second = { ...owner.headers, 'x-tenure-workspace': String(created.workspace.id) };
      await as('DELETE', '/api/workspace', { confirm: 'second-shop' }, 200, second);
      await as('POST', '/api/workspace/restore', undefined, 200, second);
      const page = await as('GET', '/api/audit', undefined, 200, second);
      assert.deepEqual(
        page.entries.map((x: any) => [x.action, x.objectId, x.actor.label]),
        [
          ['workspace.restore', String(created.workspace.id), 'olga@example.test'],
          ['workspace.delete', String(created.workspace.id), 'olga@example.test'],
          ['workspace.create', String(created.workspace.id), 'olga@example.test'],
        ],
      );
      assert.deepEqual(page.entries[2].after, { request: { name: 'Second shop', slug: 'second-shop' } });
      assert.equal(page.entries[1].after.deleting, true);
      assert.equal((await api('GET', '/api/audit?action=workspace.create')).entries.length, 0, 'not in the first workspace');

      // The member routes (PATCH/DELETE /api/members/:userId) read the membership before and after.
      const member = AUDITED_ROUTES['PATCH /api/members/:userId']!.read!;
      assert.deepEqual(await member(db, wsId, String(owner.userId)), { userId: owner.userId, email: 'olga@example.test', role: 'owner' });
      assert.equal(await member(db, created.workspace.id + 1000, String(owner.userId)), null);

      const { rows } = await db.query<{ t: string }>(`SELECT string_agg(row_to_json(a)::text, '\n') AS t FROM audit_log a`);
      for (const secret of planted) assert.ok(!rows[0]!.t.includes(secret), `the log holds a secret (${secret.slice(0, 4)}…)`);
    });

    it('records members, invitations and erasures: roles before and after, the invited address, an erasure by counts only', async () => {
      const owner = await signInAs(url, db, wsId, 'owner', { email: 'omar@example.test' });
      const as = async (method: string, path: string, body: unknown, status: number) => {
        const r = await http(`${url}${path}`, { method, body, headers: owner.headers });
        assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
        return r.body;
      };
      const omar = { kind: 'user', id: owner.userId, label: 'omar@example.test' };
      const analyst = await signInAs(url, db, wsId, 'analyst', { email: 'ann@example.test' });

      await as('PATCH', `/api/members/${analyst.userId}`, { role: 'marketer' }, 200);
      let e = await latest('member.role', String(analyst.userId));
      assert.deepEqual([e.actor, e.before.role, e.after.role, e.after.email], [omar, 'analyst', 'marketer', 'ann@example.test']);
      await as('DELETE', `/api/members/${analyst.userId}`, undefined, 204);
      e = await latest('member.remove', String(analyst.userId));
      assert.deepEqual([e.before.role, e.after], ['marketer', null]);

      const inv = await as('POST', '/api/invitations', { email: 'new@example.test', role: 'support', send: false }, 201);
      e = await latest('member.invite', String(inv.id));
      assert.deepEqual([e.actor, e.after.email, e.after.role], [omar, 'new@example.test', 'support']);
      assert.ok(!JSON.stringify(e).includes(inv.link.split('/').pop()), 'the invitation token is not in the log');

      // An erasure: who and how many rows, never the person's identifiers.
      await http(`${url}/v1/identify`, { auth: write, body: { userId: 'erase-me-42', traits: { email: 'erase.me@example.test' } } });
      await until('the customer', async () => ((await http(`${url}/api/customers/erase-me-42`, { auth: admin })).status === 200 ? true : undefined));
      const receipt = await as('POST', '/api/customers/erase-me-42/erase', { suppress: true }, 200);
      e = await latest('privacy.erase');
      assert.equal(e.actor.label, 'omar@example.test');
      assert.equal(e.after.customers, receipt.customers);
      const text = JSON.stringify(e);
      assert.ok(!text.includes('erase-me-42') && !text.includes('erase.me@example.test'), text);
    });

    it('searches and pages over HTTP, exports CSV, and records the export', async () => {
      const hit = await api('GET', `/api/audit?q=${encodeURIComponent('brewline')}&objectType=workspace`);
      assert.deepEqual(
        hit.entries.map((x: any) => x.action),
        ['workspace.update'],
      );
      const p1 = await api('GET', '/api/audit?limit=3');
      const p2 = await api('GET', `/api/audit?limit=3&before=${p1.next}`);
      assert.equal(p1.entries.length, 3);
      assert.ok(p2.entries[0].id < p1.entries[2].id);
      const bad = await http(`${url}/api/audit?limit=0`, { auth: admin });
      assert.equal(bad.status, 400);

      const res = await fetch(`${url}/api/audit.csv?action=segment.`, { headers: { authorization: admin } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
      const csv = await res.text();
      const lines = csv.trimEnd().split('\n');
      assert.equal(lines[0], 'id,at,actor_kind,actor_id,actor,action,object_type,object_id,before,after,ip');
      assert.deepEqual(
        lines.slice(1).map((l) => l.split(',')[5]),
        ['segment.delete', 'segment.update', 'segment.create'],
      );
      const e = await latest('audit.export');
      assert.deepEqual(e.after, { query: { action: 'segment.' } });
    });
  });
}
