import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { basic, dbTargets, http, makeWorkspace, startServer } from '../../test-support/harness.js';
import { signInAs, signInWithHttp } from '../../test-support/team.js';
import { addMembership, createUser } from '../team/users.repo.js';
import { purgeNextDue } from '../workspaces/workspace-admin.js';

for (const target of dbTargets()) {
  describe(`sign-in, sessions, API keys and workspaces (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let ws: { id: number; slug: string };
    let adminKey: string;
    let writeKey: string;

    before(async () => {
      db = await target.open();
      ({ workspace: ws, adminKey, writeKey } = await makeWorkspace(db, 'auth-http'));
      server = await startServer(db, { stages: null, segments: null });
      const ana = await createUser(db, { email: 'Ana@Example.com ', name: 'Ana', password: 'ana-password-1' });
      await addMembership(db, ws.id, ana.id, 'marketer');
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('signs in with email and password: an HTTP-only, SameSite cookie, and the same answer for a wrong password and an unknown email', async () => {
      const res = await fetch(`${server.url}/api/auth/signin`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ana@example.com', password: 'ana-password-1' }),
      });
      assert.equal(res.status, 200);
      const cookie = res.headers.get('set-cookie') ?? '';
      assert.match(cookie, /^tenure_session=[A-Za-z0-9_-]{43};/);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      assert.doesNotMatch(cookie, /Secure/, 'plain HTTP on loopback: no Secure flag, or the browser would drop the cookie');
      const body = (await res.json()) as { user: { email: string; name: string }; workspaces: Array<{ slug: string; role: string }>; csrfToken: string };
      assert.deepEqual(body.user.email, 'ana@example.com');
      assert.deepEqual(
        body.workspaces.map((w) => [w.slug, w.role]),
        [['auth-http', 'marketer']],
      );
      assert.ok(body.csrfToken.length >= 30);

      const wrong = await http(`${server.url}/api/auth/signin`, { body: { email: 'ana@example.com', password: 'nope-nope-nope' } });
      const unknown = await http(`${server.url}/api/auth/signin`, { body: { email: 'nobody@example.com', password: 'nope-nope-nope' } });
      assert.equal(wrong.status, 401);
      assert.deepEqual(wrong.body, unknown.body);
      const bad = await http(`${server.url}/api/auth/signin`, { body: { email: 'not an email', password: 'x' } });
      assert.equal(bad.status, 400);
    });

    it('says who a session and a key are, and what they may do', async () => {
      const ana = await signInWithHttp(server.url, 'ana@example.com', 'ana-password-1');
      const me = await http(`${server.url}/api/auth/me`, { headers: { cookie: ana.cookie } });
      assert.equal(me.status, 200);
      assert.equal(me.body.user.email, 'ana@example.com');
      assert.equal(me.body.role, 'marketer');
      assert.equal(me.body.workspace.slug, 'auth-http');
      assert.ok(me.body.permissions.includes('marketing.write'));
      assert.ok(!me.body.permissions.includes('settings.write'));
      assert.equal(me.body.csrfToken, ana.csrf);
      const key = await http(`${server.url}/api/auth/me`, { auth: `Bearer ${adminKey}` });
      assert.equal(key.status, 200);
      assert.deepEqual({ user: key.body.user, scope: key.body.key.scope, name: key.body.key.name, role: key.body.role }, { user: null, scope: 'admin', name: 'workspace admin key', role: null });
    });

    it('signs out: the session stops working at once', async () => {
      const ana = await signInWithHttp(server.url, 'ana@example.com', 'ana-password-1');
      assert.equal((await http(`${server.url}/api/segments`, { headers: { cookie: ana.cookie } })).status, 200);
      const out = await fetch(`${server.url}/api/auth/signout`, { method: 'POST', headers: { cookie: ana.cookie, 'x-csrf-token': ana.csrf } });
      assert.equal(out.status, 204);
      assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
      const after = await http(`${server.url}/api/segments`, { headers: { cookie: ana.cookie } });
      assert.equal(after.status, 401);
      assert.match(after.body.error.message, /session has ended/);
    });

    it('chooses the workspace by header, and refuses one the user is not a member of', async () => {
      const other = await makeWorkspace(db, 'auth-other');
      const ana = await signInWithHttp(server.url, 'ana@example.com', 'ana-password-1');
      const refused = await http(`${server.url}/api/workspace`, { headers: { cookie: ana.cookie, 'x-tenure-workspace': String(other.workspace.id) } });
      assert.equal(refused.status, 403);
      assert.match(refused.body.error.message, /not a member of workspace/);
      const anaId = (await http(`${server.url}/api/auth/me`, { headers: { cookie: ana.cookie } })).body.user.id as number;
      await addMembership(db, other.workspace.id, anaId, 'analyst');
      const there = await http(`${server.url}/api/workspace`, { headers: { cookie: ana.cookie, 'x-tenure-workspace': String(other.workspace.id) } });
      assert.equal(there.body.slug, 'auth-other');
      // An analyst there: no change, though a marketer here.
      const change = await http(`${server.url}/api/segments`, {
        method: 'POST',
        headers: { ...ana.headers, 'x-tenure-workspace': String(other.workspace.id) },
        body: { id: 'x', name: 'X', definition: { all: [] } },
      });
      assert.equal(change.status, 403);
      assert.match(change.body.error.message, /your role in auth-other \(analyst\) does not allow changing segments/);
    });

    it('makes named keys with scopes: shown once, listed by prefix with last use, revoked at once', async () => {
      const made = await http(`${server.url}/api/keys`, { auth: `Bearer ${adminKey}`, body: { name: 'BI tool', scope: 'read' } });
      assert.equal(made.status, 201);
      const secret = made.body.secret as string;
      assert.match(secret, /^tr_/);
      assert.equal(made.body.key.prefix, `${secret.slice(0, 8)}…`);
      assert.equal(made.body.key.lastUsedAt, null);
      assert.equal((await http(`${server.url}/api/segments`, { auth: `Bearer ${secret}` })).status, 200);
      const write = await http(`${server.url}/api/segments`, { auth: `Bearer ${secret}`, body: { id: 'x', name: 'X', definition: { all: [] } } });
      assert.equal(write.status, 403);
      assert.match(write.body.error.message, /the key "BI tool" cannot do this: its scope \(read\) does not allow changing segments/);
      assert.equal((await http(`${server.url}/v1/track`, { auth: basic(secret), body: { userId: 'u', event: 'E' } })).status, 403);
      const listed = await http(`${server.url}/api/keys`, { auth: `Bearer ${adminKey}` });
      const row = listed.body.keys.find((k: { id: number }) => k.id === made.body.key.id);
      assert.ok(row.lastUsedAt, 'last used is recorded');
      assert.ok(!JSON.stringify(listed.body).includes(secret), 'the key itself is never listed');

      const ingest = await http(`${server.url}/api/keys`, { auth: `Bearer ${adminKey}`, body: { name: 'Server SDK', scope: 'ingest' } });
      assert.equal((await http(`${server.url}/v1/track`, { auth: basic(ingest.body.secret), body: { userId: 'u', event: 'E' } })).status, 200);
      assert.equal((await http(`${server.url}/api/segments`, { auth: `Bearer ${ingest.body.secret}` })).status, 403);

      const revoked = await http(`${server.url}/api/keys/${made.body.key.id}`, { method: 'DELETE', auth: `Bearer ${adminKey}` });
      assert.equal(revoked.status, 200);
      assert.ok(revoked.body.revokedAt);
      assert.equal((await http(`${server.url}/api/segments`, { auth: `Bearer ${secret}` })).status, 401);
      assert.equal((await http(`${server.url}/api/keys/999999`, { method: 'DELETE', auth: `Bearer ${adminKey}` })).status, 404);
      assert.equal((await http(`${server.url}/api/keys`, { auth: `Bearer ${adminKey}`, body: { name: ' ', scope: 'read' } })).status, 400);
    });

    it('creates a workspace for its owner, deletes it with its slug typed, refuses its events in the grace period, restores it, and purges it after', async () => {
      const owner = await signInAs(server.url, db, ws.id, 'owner');
      const made = await http(`${server.url}/api/workspaces`, { headers: owner.headers, body: { name: 'Café Crème' } });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.deepEqual({ slug: made.body.workspace.slug, role: made.body.workspace.role }, { slug: 'cafe-creme', role: 'owner' });
      const again = await http(`${server.url}/api/workspaces`, { headers: owner.headers, body: { name: 'Café Crème' } });
      assert.equal(again.body.workspace.slug, 'cafe-creme-2');
      assert.equal((await http(`${server.url}/api/workspaces`, { headers: owner.headers, body: { name: 'X', slug: 'cafe-creme' } })).status, 409);
      const mine = await http(`${server.url}/api/workspaces`, { headers: owner.headers });
      assert.deepEqual(
        mine.body.workspaces.map((w: { slug: string }) => w.slug),
        ['auth-http', 'cafe-creme', 'cafe-creme-2'],
      );
      assert.equal((await http(`${server.url}/api/workspaces`, { auth: `Bearer ${adminKey}`, body: { name: 'By key' } })).status, 400);

      const id = made.body.workspace.id as number;
      const key = made.body.writeKey as string;
      const there = { ...owner.headers, 'x-tenure-workspace': String(id) };
      assert.equal((await http(`${server.url}/v1/track`, { auth: basic(key), body: { userId: 'c1', event: 'Signed Up' } })).status, 200);
      const wrong = await http(`${server.url}/api/workspace`, { method: 'DELETE', headers: there, body: { confirm: 'auth-http' } });
      assert.equal(wrong.status, 400);
      assert.match(wrong.body.error.message, /type its slug "cafe-creme"/);
      const del = await http(`${server.url}/api/workspace`, { method: 'DELETE', headers: there, body: { confirm: 'cafe-creme' } });
      assert.equal(del.status, 200);
      const days = (Date.parse(del.body.purgeAfter) - Date.now()) / 86_400_000;
      assert.ok(days > 6.99 && days <= 7, `purge after ${days} days`);
      const refused = await http(`${server.url}/v1/track`, { auth: basic(key), body: { userId: 'c1', event: 'Order Completed' } });
      assert.equal(refused.status, 403);
      assert.match(refused.body.error.message, /being deleted/);
      // A marketer may not delete or restore.
      const marketer = await signInAs(server.url, db, id, 'marketer');
      assert.equal((await http(`${server.url}/api/workspace/restore`, { method: 'POST', headers: { ...marketer.headers, 'x-tenure-workspace': String(id) }, body: {} })).status, 403);
      assert.equal((await http(`${server.url}/api/workspace/restore`, { method: 'POST', headers: there, body: {} })).status, 200);
      assert.equal((await http(`${server.url}/v1/track`, { auth: basic(key), body: { userId: 'c1', event: 'Order Completed' } })).status, 200);

      await http(`${server.url}/api/workspace`, { method: 'DELETE', headers: there, body: { confirm: 'cafe-creme' } });
      assert.equal(await purgeNextDue(db, new Date(Date.now() + 6 * 86_400_000)), null, 'not before the grace period ends');
      // Let the ingestion queue land the two events first.
      await new Promise((r) => setTimeout(r, 300));
      const purged = await purgeNextDue(db, new Date(Date.now() + 8 * 86_400_000));
      assert.equal(purged?.slug, 'cafe-creme');
      assert.ok((purged?.removed.memberships ?? 0) >= 2);
      const { rows } = await db.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM workspaces WHERE id = $1) + (SELECT count(*) FROM memberships WHERE workspace_id = $1) + (SELECT count(*) FROM events WHERE workspace_id = $1) + (SELECT count(*) FROM customers WHERE workspace_id = $1) AS n`,
        [id],
      );
      assert.equal(Number(rows[0]!.n), 0);
      const { rows: audit } = await db.query<{ action: string; actor_kind: string }>(`SELECT action, actor_kind FROM audit_log WHERE workspace_id = $1 ORDER BY id DESC LIMIT 1`, [id]);
      assert.deepEqual(audit[0], { action: 'workspace.purge', actor_kind: 'system' }, 'the audit log keeps the purge');
      assert.equal((await http(`${server.url}/v1/track`, { auth: basic(key), body: { userId: 'c1', event: 'E' } })).status, 401);
      // The other workspaces are untouched.
      assert.equal((await http(`${server.url}/v1/track`, { auth: basic(writeKey), body: { userId: 'c1', event: 'E' } })).status, 200);
    });

    it('slows password guessing per email', async () => {
      let last = 0;
      for (let i = 0; i < 12; i++) last = (await http(`${server.url}/api/auth/signin`, { body: { email: 'target@example.com', password: `guess-${i}` } })).status;
      assert.equal(last, 429);
    });
  });
}
