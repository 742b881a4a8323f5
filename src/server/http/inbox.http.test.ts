import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/client.js';
import { findCustomerId } from '../identity/customers.read.js';
import { inboxUserHash } from '../workspaces/inbox-verification.js';
import { basic, dbTargets, http, makeWorkspace, startServer } from '../../test-support/harness.js';

/**
 * The in-app inbox's identity verification over real HTTP: the write key is public, so a
 * workspace that verifies identities (every new one) answers only for a userId signed with
 * its inbox secret; the admin API shows the secret, switches verification and rotates it.
 */
for (const target of dbTargets()) {
  describe(`in-app inbox identity verification (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let a: Awaited<ReturnType<typeof makeWorkspace>>;
    let b: Awaited<ReturnType<typeof makeWorkspace>>;
    let ids: number[] = [];

    const admin = (ws: { adminKey: string }, method: string, path: string, body?: unknown) => http(`${server.url}${path}`, { method, auth: `Bearer ${ws.adminKey}`, body });
    const secretOf = async (ws: { adminKey: string }) => {
      const r = await admin(ws, 'GET', '/api/workspace/inbox');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.secret as string;
    };
    const inbox = (query: string, opts: { key?: string; hash?: string } = {}) =>
      http(`${server.url}/v1/inbox?${query}`, { auth: basic(opts.key ?? a.writeKey), headers: opts.hash ? { 'x-tenure-user-hash': opts.hash } : {} });
    const readAt = async (id: number) => (await db.query<{ read_at: Date | null; dismissed_at: Date | null }>(`SELECT read_at, dismissed_at FROM messages WHERE id = $1`, [id])).rows[0]!;

    before(async () => {
      db = await target.open();
      a = await makeWorkspace(db, 'inbox-a');
      b = await makeWorkspace(db, 'inbox-b');
      server = await startServer(db, { stages: null, segments: null });
      for (const ws of [a, b]) {
        const r = await http(`${server.url}/v1/batch`, {
          auth: basic(ws.writeKey),
          body: {
            batch: [
              { type: 'identify', userId: 'ivy', traits: { first_name: 'Ivy' } },
              { type: 'track', anonymousId: 'anon-1', event: 'Page Viewed' },
            ],
          },
        });
        assert.equal(r.status, 200);
      }
      const ivy = await findCustomerId(db, a.workspace.id, 'ivy');
      const anon = await findCustomerId(db, a.workspace.id, 'anon-1');
      assert.ok(ivy && anon);
      const insert = async (customer: number, key: string, subject: string) =>
        (
          await db.query<{ id: number }>(
            `INSERT INTO messages (workspace_id, customer_id, channel, idempotency_key, status, subject, body_text, created_at)
             VALUES ($1, $2, 'inapp', $3, 'delivered', $4, 'hello', now()) RETURNING id`,
            [a.workspace.id, customer, key, subject],
          )
        ).rows[0]!.id;
      ids = [await insert(ivy, 'm1', 'First'), await insert(ivy, 'm2', 'Second'), await insert(anon, 'm3', 'For the visitor')];
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('a new workspace verifies identities and has a 32-byte hex secret', async () => {
      const r = await admin(a, 'GET', '/api/workspace/inbox');
      assert.equal(r.status, 200);
      assert.equal(r.body.verification, true);
      assert.match(r.body.secret, /^[0-9a-f]{64}$/);
      assert.notEqual(r.body.secret, await secretOf(b), 'each workspace has its own secret');
    });

    it('refuses a read without the hash or with a wrong one; accepts the right one in the header or the query', async () => {
      const secret = await secretOf(a);
      const missing = await inbox('userId=ivy');
      assert.equal(missing.status, 401);
      assert.equal(missing.body.error.code, 'unauthorized');
      assert.match(missing.body.error.message, /X-Tenure-User-Hash/);
      assert.equal(JSON.stringify(missing.body).includes('First'), false);

      const wrong = await inbox('userId=ivy', { hash: inboxUserHash(secret, 'eve') });
      assert.equal(wrong.status, 401, "another customer's hash");
      assert.equal((await inbox('userId=ivy', { hash: inboxUserHash('not-the-secret', 'ivy') })).status, 401, 'signed with another secret');
      assert.equal((await inbox('userId=ivy&userHash=abc')).status, 401, 'garbage');

      const ok = await inbox('userId=ivy', { hash: inboxUserHash(secret, 'ivy') });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.deepEqual(ok.body.messages.map((m: { title: string }) => m.title).sort(), ['First', 'Second']);
      const viaQuery = await inbox(`userId=ivy&userHash=${inboxUserHash(secret, 'ivy')}`);
      assert.equal(viaQuery.status, 200);
      assert.equal(viaQuery.body.unread, 2);
    });

    it('refuses an anonymous visitor, whom no backend can vouch for', async () => {
      const secret = await secretOf(a);
      const r = await inbox('anonymousId=anon-1', { hash: inboxUserHash(secret, 'anon-1') });
      assert.equal(r.status, 401);
      assert.match(r.body.error.message, /anonymous/);
    });

    it('read and dismiss need the hash too, and change nothing without it', async () => {
      const secret = await secretOf(a);
      const [first, second] = ids as [number, number];
      const post = (path: string, body: unknown, hash?: string) => http(`${server.url}${path}`, { auth: basic(a.writeKey), body, headers: hash ? { 'x-tenure-user-hash': hash } : {} });

      assert.equal((await post(`/v1/inbox/${first}/read`, { userId: 'ivy' })).status, 401);
      assert.equal((await post(`/v1/inbox/${second}/dismiss`, { userId: 'ivy', userHash: inboxUserHash(secret, 'eve') })).status, 401);
      assert.deepEqual(await readAt(first), { read_at: null, dismissed_at: null });
      assert.equal((await readAt(second)).dismissed_at, null);

      assert.equal((await post(`/v1/inbox/${first}/read`, { userId: 'ivy' }, inboxUserHash(secret, 'ivy'))).status, 200, 'header');
      assert.notEqual((await readAt(first)).read_at, null);
      assert.equal((await post(`/v1/inbox/${second}/dismiss?userHash=${inboxUserHash(secret, 'ivy')}`, { userId: 'ivy' })).status, 200, 'query');
      assert.notEqual((await readAt(second)).dismissed_at, null);
      const left = await inbox('userId=ivy', { hash: inboxUserHash(secret, 'ivy') });
      assert.deepEqual([left.body.messages.map((m: { title: string }) => m.title), left.body.unread], [['First'], 0]);
    });

    it('the write key comes first: no key is 401 even for a malformed request; with the key the request is validated', async () => {
      const noKey = await http(`${server.url}/v1/inbox?userId=ivy&limit=100000`);
      assert.equal(noKey.status, 401);
      assert.match(noKey.body.error.message, /write key/);
      assert.equal((await http(`${server.url}/v1/inbox/1/read`, { body: 'not an object' })).status, 401);
      const bad = await inbox('userId=ivy&limit=100000', { hash: inboxUserHash(await secretOf(a), 'ivy') });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.field, 'limit');
    });

    it("another workspace's write key with a hash valid for this workspace is refused", async () => {
      const hashForA = inboxUserHash(await secretOf(a), 'ivy');
      const r = await inbox('userId=ivy', { key: b.writeKey, hash: hashForA });
      assert.equal(r.status, 401);
      // And with its own hash, B sees its own (empty) inbox, never A's messages.
      const own = await inbox('userId=ivy', { key: b.writeKey, hash: inboxUserHash(await secretOf(b), 'ivy') });
      assert.deepEqual([own.status, own.body.messages], [200, []]);
    });

    it('rotating the secret invalidates hashes signed with the old one at once', async () => {
      const old = await secretOf(a);
      assert.equal((await inbox('userId=ivy', { hash: inboxUserHash(old, 'ivy') })).status, 200);
      const rotated = await admin(a, 'POST', '/api/workspace/inbox/rotate');
      assert.equal(rotated.status, 200);
      assert.match(rotated.body.secret, /^[0-9a-f]{64}$/);
      assert.notEqual(rotated.body.secret, old);
      assert.equal(await secretOf(a), rotated.body.secret);
      assert.equal((await inbox('userId=ivy', { hash: inboxUserHash(old, 'ivy') })).status, 401);
      assert.equal((await inbox('userId=ivy', { hash: inboxUserHash(rotated.body.secret, 'ivy') })).status, 200);
    });

    it('switched off (development), the inbox answers without a hash, anonymous visitors included; switched on, it needs it again', async () => {
      const off = await admin(a, 'PATCH', '/api/workspace/inbox', { verification: false });
      assert.equal(off.status, 200);
      assert.equal(off.body.verification, false);
      assert.equal((await inbox('userId=ivy')).status, 200);
      const visitor = await inbox('anonymousId=anon-1');
      assert.deepEqual([visitor.status, visitor.body.messages.map((m: { title: string }) => m.title)], [200, ['For the visitor']]);
      assert.equal((await inbox('userId=ivy', { key: b.writeKey })).status, 401, 'the switch is per workspace');

      assert.equal((await admin(a, 'PATCH', '/api/workspace/inbox', { verification: true })).body.verification, true);
      assert.equal((await inbox('userId=ivy')).status, 401);
    });

    it('the admin routes need the admin key and a valid body', async () => {
      assert.equal((await http(`${server.url}/api/workspace/inbox`)).status, 401);
      assert.equal((await http(`${server.url}/api/workspace/inbox`, { auth: `Bearer ${a.writeKey}` })).status, 403, 'the write key cannot read the secret');
      assert.equal((await http(`${server.url}/api/workspace/inbox/rotate`, { method: 'POST', auth: `Bearer ${a.writeKey}` })).status, 403);
      assert.equal((await http(`${server.url}/api/workspace/inbox`, { method: 'PATCH', body: { verification: 'yes' } })).status, 401, 'key before body');
      const bad = await admin(a, 'PATCH', '/api/workspace/inbox', { verification: 'yes' });
      assert.deepEqual([bad.status, bad.body.error.code, bad.body.error.field], [400, 'validation_failed', 'verification']);
      assert.equal((await admin(a, 'PATCH', '/api/workspace/inbox', { verification: false, extra: 1 })).status, 400);
      assert.equal((await admin(a, 'GET', '/api/workspace/inbox')).body.verification, true, 'nothing changed');
    });

    it('a workspace from before verification keeps working unverified and gets its secret on first use', async () => {
      const legacy = await makeWorkspace(db, 'inbox-legacy');
      await db.query(`UPDATE workspaces SET inbox_secret = NULL, inbox_verification = false WHERE id = $1`, [legacy.workspace.id]);
      assert.equal((await inbox('userId=ivy', { key: legacy.writeKey })).status, 200);
      const s = await admin(legacy, 'GET', '/api/workspace/inbox');
      assert.deepEqual([s.status, s.body.verification], [200, false]);
      assert.match(s.body.secret, /^[0-9a-f]{64}$/);
      assert.equal(await secretOf(legacy), s.body.secret, 'made once, then kept');
      await admin(legacy, 'PATCH', '/api/workspace/inbox', { verification: true });
      assert.equal((await inbox('userId=ivy', { key: legacy.writeKey })).status, 401);
      assert.equal((await inbox('userId=ivy', { key: legacy.writeKey, hash: inboxUserHash(s.body.secret, 'ivy') })).status, 200);
    });
  });
}
