import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/client.js';
import { buildServer } from '../roles/server.js';
import type { Wiring } from '../roles/wiring.js';
import { createLogger } from '../log.js';
import { JourneyWorker } from '../journeys/journey-worker.js';
import { basic, dbTargets, http, makeWorkspace, until } from '../../test-support/harness.js';
import { freePort } from '../../test-support/child-server.js';
import { startSmtpSink, type ReceivedMail } from '../../test-support/smtp-sink.js';
import { startOidcProvider, type TestOidcProvider } from '../../test-support/oidc-provider.js';
import { mailerOver, type Mailer } from '../team/mailer.js';
import { createEmailTransport } from '../channels/email-transport.js';
const testMailer = (url: string) => mailerOver(createEmailTransport({ url, from: 'Tenure <no-reply@localhost>' }), { closeTransport: true });
import { OidcSignIn } from '../team/oidc.js';
import { addMembership, createUser } from '../team/users.repo.js';
import { signInAs, signInWithHttp, type SignedInMember } from '../../test-support/team.js';

/**
 * The team over real HTTP with a real SMTP server and a real OpenID Connect provider:
 * invitations by email, accepting them, password resets, single sign-on, and tasks assigned
 * to people (by PATCH and by a journey's task step) reaching them by email.
 */
for (const target of dbTargets()) {
  describe(`team over HTTP (${target.name})`, () => {
    let db: Db;
    let app: FastifyInstance & { wiring: Wiring };
    let url: string;
    let admin: string;
    let write: string;
    let ws: number;
    let sink: Awaited<ReturnType<typeof startSmtpSink>>;
    let mailer: Mailer;
    let idp: TestOidcProvider;
    let worker: JourneyWorker;
    let owner: SignedInMember;

    before(async () => {
      db = await target.open();
      const keys = await makeWorkspace(db, 'acme');
      ws = keys.workspace.id;
      admin = `Bearer ${keys.adminKey}`;
      write = basic(keys.writeKey);
      sink = await startSmtpSink();
      mailer = testMailer(sink.url);
      idp = await startOidcProvider();
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
      const oidc = new OidcSignIn({ issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, name: 'Acme SSO', redirectUri: `${url}/api/auth/oidc/callback` });
      worker = new JourneyWorker(db, { log, senders: { email: null, sms: null, webhook: null as never, emailFrom: 'x@y.test' }, publicUrl: url, pollMs: 100 });
      app = await buildServer({ db, log, journeys: worker, sweepMs: 0, segmentSweepMs: 0, mailer, oidc, publicUrl: url, predictionSchedule: false });
      await app.listen({ port, host: '127.0.0.1' });
      owner = await signInAs(url, db, ws, 'owner', { email: 'owner@acme.test', name: 'Olga' });
      await api('PUT', '/api/messaging/settings', { caps: [], quietHours: null });
    });
    after(async () => {
      await app.close();
      mailer.close();
      await sink.close();
      await idp.close();
      await db.close();
    });

    /** As the owner (signed in), or as `who`. */
    const call = (method: string, path: string, body?: unknown, who: Record<string, string> = owner.headers) => http(`${url}${path}`, { method, body, headers: who });
    async function api(method: string, path: string, body?: unknown) {
      const r = await call(method, path, body);
      assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    }
    const mailTo = (to: string, subject: RegExp) => until(`mail to ${to}`, async () => sink.mails.find((m: ReceivedMail) => m.to.includes(to) && subject.test(m.subject)));
    const linkIn = (m: ReceivedMail, path: string) => {
      const found = new RegExp(`${url.replace(/[.]/g, '\\.')}${path}/([A-Za-z0-9_-]{43})`).exec(m.text);
      assert.ok(found, `no ${path} link in: ${m.text}`);
      return found[1]!;
    };

    it('an invitation goes out by email, its link accepts once and signs in; the members list shows the new member', async () => {
      const inv = await api('POST', '/api/invitations', { email: 'Nia@Acme.test', role: 'marketer' });
      assert.equal(inv.emailStatus, 'sent');
      assert.equal(inv.email, 'nia@acme.test');
      const mail = await mailTo('nia@acme.test', /invited to acme/);
      const token = linkIn(mail, '/invite');
      assert.equal(inv.link, `${url}/invite/${token}`);
      // Not sent when asked not to: the link is in the answer only.
      const quiet = await api('POST', '/api/invitations', { email: 'quiet@acme.test', role: 'analyst', send: false });
      assert.equal(quiet.emailStatus, 'not_requested');
      assert.match(quiet.link, /\/invite\/[A-Za-z0-9_-]{43}$/);
      assert.deepEqual((await api('GET', '/api/invitations')).invitations.map((i: { email: string }) => i.email).sort(), ['nia@acme.test', 'quiet@acme.test']);
      assert.equal((await call('DELETE', `/api/invitations/${quiet.id}`)).status, 204);
      assert.equal((await call('DELETE', `/api/invitations/${quiet.id}`)).status, 404);

      const preview = await call('GET', `/api/auth/invitations/${token}`);
      assert.deepEqual(preview.body, { email: 'nia@acme.test', role: 'marketer', workspace: 'acme', hasAccount: false });
      const short = await call('POST', '/api/auth/invitations/accept', { token, password: 'short' });
      assert.equal(short.status, 400);
      const res = await fetch(`${url}/api/auth/invitations/accept`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, name: 'Nia', password: 'nia password 1' }),
      });
      assert.equal(res.status, 200);
      const signedIn = (await res.json()) as { user: { email: string; name: string }; workspaces: Array<{ slug: string; role: string }>; csrfToken: string };
      assert.deepEqual([signedIn.user.email, signedIn.user.name], ['nia@acme.test', 'Nia']);
      assert.deepEqual(
        signedIn.workspaces.map((w) => [w.slug, w.role]),
        [['acme', 'marketer']],
      );
      assert.match(res.headers.get('set-cookie') ?? '', /^tenure_session=[^;]+;.*HttpOnly/);
      const reuse = await call('POST', '/api/auth/invitations/accept', { token, password: 'nia password 1' });
      assert.equal(reuse.status, 404);
      assert.match(reuse.body.error.message, /already used/);
      assert.equal((await call('GET', `/api/auth/invitations/${token}`)).status, 404);
      const members = await api('GET', '/api/members');
      assert.deepEqual(
        members.members.map((m: { email: string; role: string }) => [m.email, m.role]),
        [
          ['owner@acme.test', 'owner'],
          ['nia@acme.test', 'marketer'],
        ],
      );
      // Nia signs in with her password: a marketer may write templates, not invite.
      const nia = await signInWithHttp(url, 'nia@acme.test', 'nia password 1', ws);
      const tpl = await call('POST', '/api/templates', { id: 'nia-hello', name: 'Hello', channel: 'inapp', subject: 'Hi', body: 'Hello' }, nia.headers);
      assert.equal(tpl.status, 201, JSON.stringify(tpl.body));
      const invite = await call('POST', '/api/invitations', { email: 'x@acme.test', role: 'analyst' }, nia.headers);
      assert.equal(invite.status, 403);
      assert.equal((await call('GET', '/api/members', undefined, nia.headers)).body.invitations.length, 0, 'a marketer sees no invitations');
    });

    it('the last owner can be neither demoted nor removed (409); only an owner names or removes an owner (403)', async () => {
      const self = await call('PATCH', `/api/members/${owner.userId}`, { role: 'admin' });
      assert.equal(self.status, 409);
      assert.match(self.body.error.message, /last owner/);
      assert.equal((await call('DELETE', `/api/members/${owner.userId}`)).status, 409);
      const admin2 = await signInAs(url, db, ws, 'admin');
      assert.equal((await call('PATCH', `/api/members/${owner.userId}`, { role: 'admin' }, admin2.headers)).status, 403);
      assert.equal((await call('PATCH', `/api/members/${admin2.userId}`, { role: 'owner' }, admin2.headers)).status, 403);
      assert.equal((await call('POST', '/api/invitations', { email: 'o2@acme.test', role: 'owner', send: false }, admin2.headers)).status, 403);
      const promoted = await call('PATCH', `/api/members/${admin2.userId}`, { role: 'owner' });
      assert.equal(promoted.status, 200);
      assert.equal((await call('PATCH', `/api/members/${owner.userId}`, { role: 'admin' }, admin2.headers)).status, 200, 'two owners: one may step down');
      assert.equal((await call('PATCH', `/api/members/${owner.userId}`, { role: 'owner' }, admin2.headers)).status, 200);
      assert.equal((await call('DELETE', `/api/members/${admin2.userId}`)).status, 204);
      // Removed: their session no longer reaches the workspace.
      assert.equal((await call('GET', '/api/members', undefined, admin2.headers)).status, 403);
    });

    it('password reset: 202 whatever the email, a link by email, used once', async () => {
      const before = sink.mails.length;
      const unknown = await call('POST', '/api/auth/password-reset/request', { email: 'nobody@acme.test' });
      assert.equal(unknown.status, 202);
      const known = await call('POST', '/api/auth/password-reset/request', { email: 'nia@acme.test' });
      assert.equal(known.status, 202);
      assert.deepEqual(known.body, unknown.body);
      const mail = await mailTo('nia@acme.test', /Reset your Tenure password/);
      assert.equal(sink.mails.length, before + 1, 'nothing to the unknown address');
      const token = linkIn(mail, '/reset-password');
      const done = await call('POST', '/api/auth/password-reset', { token, password: 'nia password 2' });
      assert.equal(done.status, 200);
      const again = await call('POST', '/api/auth/password-reset', { token, password: 'nia password 3' });
      assert.equal(again.status, 404);
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'nia@acme.test'`);
      assert.equal(rows[0]!.n, 0, 'the reset ended the sessions the invitation opened');
      // The new password signs in; the one before it no longer does.
      assert.equal((await call('POST', '/api/auth/signin', { email: 'nia@acme.test', password: 'nia password 2' })).status, 200);
      assert.equal((await call('POST', '/api/auth/signin', { email: 'nia@acme.test', password: 'nia password 1' })).status, 401);
    });

    /** The browser's part of single sign-on: follow the redirects by hand, as a browser would. */
    async function sso(): Promise<{ location: string; cookie: string | null }> {
      const start = await fetch(`${url}/api/auth/oidc/start`, { redirect: 'manual' });
      assert.equal(start.status, 302);
      const authorize = start.headers.get('location')!;
      assert.ok(authorize.startsWith(`${idp.issuer}/authorize?`), authorize);
      const q = new URL(authorize).searchParams;
      assert.equal(q.get('code_challenge_method'), 'S256');
      assert.ok(q.get('nonce') && q.get('state'));
      const atIdp = await fetch(authorize, { redirect: 'manual' });
      assert.equal(atIdp.status, 302);
      const callback = atIdp.headers.get('location')!;
      assert.ok(callback.startsWith(`${url}/api/auth/oidc/callback?`));
      const back = await fetch(callback, { redirect: 'manual' });
      assert.equal(back.status, 302);
      return { location: back.headers.get('location')!, cookie: back.headers.get('set-cookie') };
    }

    it('single sign-on: strangers are refused, invited people get in, the identity is linked; a forged token is refused', async () => {
      assert.deepEqual((await call('GET', '/api/auth/oidc')).body, { enabled: true, name: 'Acme SSO' });
      idp.signIn = { sub: 'stranger-1', email: 'stranger@else.test', email_verified: true };
      const stranger = await sso();
      assert.equal(stranger.cookie, null);
      assert.match(decodeURIComponent(stranger.location), /\/signin\?error=there is no Tenure account for stranger@else\.test/);

      await api('POST', '/api/invitations', { email: 'omar@acme.test', role: 'support', send: false });
      idp.signIn = { sub: 'omar-sub', email: 'omar@acme.test', email_verified: false };
      const unverified = await sso();
      assert.match(decodeURIComponent(unverified.location), /did not confirm your email/);
      idp.signIn = { sub: 'omar-sub', email: 'omar@acme.test', email_verified: true, name: 'Omar' };
      const omar = await sso();
      assert.equal(omar.location, `${url}/`);
      assert.match(omar.cookie ?? '', /^tenure_session=/);
      const members = await api('GET', '/api/members');
      assert.ok(members.members.some((m: { email: string; role: string; name: string }) => m.email === 'omar@acme.test' && m.role === 'support' && m.name === 'Omar'));
      // Next time the subject alone finds him, whatever the email says now.
      idp.signIn = { sub: 'omar-sub', email: 'omar.new@acme.test', email_verified: false };
      assert.match((await sso()).cookie ?? '', /^tenure_session=/);

      idp.forge = { otherKey: true };
      const forged = await sso();
      assert.equal(forged.cookie, null);
      assert.match(decodeURIComponent(forged.location), /could not be verified/);
      idp.forge = { audience: 'someone-else' };
      assert.equal((await sso()).cookie, null);
      idp.forge = { nonce: 'replayed' };
      assert.equal((await sso()).cookie, null);
      idp.forge = {};
      // A state is good once.
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM oidc_states`);
      assert.equal(rows[0]!.n, 0);
    });

    it('tasks: a journey step naming a member and a PATCH both email the assignee; others are refused', async () => {
      const mia = await signInAs(url, db, ws, 'support', { email: 'mia@acme.test', name: 'Mia' });
      const miaId = mia.userId;
      const j = await api('POST', '/api/journeys', {
        name: 'VIP hand-off',
        definition: {
          trigger: { event: { name: 'Big Order' } },
          start: 'call',
          steps: [
            { id: 'call', type: 'task', title: 'Call the VIP', assigneeRole: 'support', assignee: 'Mia@Acme.test', due: { amount: 1, unit: 'days' }, next: 'e' },
            { id: 'e', type: 'exit' },
          ],
        },
      });
      await api('POST', `/api/journeys/${j.id}/publish`);
      const sent = await http(`${url}/v1/batch`, { auth: write, body: { batch: [{ type: 'track', userId: 'vip-1', event: 'Big Order' }] } });
      assert.equal(sent.status, 200);
      await until('the task', async () => {
        await worker.drain();
        const t = (await api('GET', '/api/tasks')).tasks.find((x: { title: string }) => x.title === 'Call the VIP');
        return t;
      });
      const task = (await api('GET', '/api/tasks')).tasks.find((x: { title: string }) => x.title === 'Call the VIP');
      assert.deepEqual([task.assigneeUserId, task.assigneeName, task.assignee], [miaId, 'Mia', 'mia@acme.test']);
      await app.wiring.taskNotices!.drainNow();
      const mail = await mailTo('mia@acme.test', /Task assigned to you: Call the VIP/);
      assert.match(mail.text, new RegExp(`${url.replace(/[.]/g, '\\.')}/tasks\\?task=${task.id}`));

      const sam = await createUser(db, { email: 'sam@acme.test', name: '' });
      const refused = await call('PATCH', `/api/tasks/${task.id}`, { assigneeUserId: sam.id });
      assert.equal(refused.status, 400);
      assert.match(refused.body.error.message, /assigneeUserId: user \d+ is not a member/);
      await addMembership(db, ws, sam.id, 'support');
      const moved = await api('PATCH', `/api/tasks/${task.id}`, { assigneeUserId: sam.id });
      assert.deepEqual([moved.assigneeUserId, moved.assigneeName], [sam.id, 'sam@acme.test']);
      await app.wiring.taskNotices!.drainNow();
      await mailTo('sam@acme.test', /Task assigned to you: Call the VIP/);
      const unassigned = await api('PATCH', `/api/tasks/${task.id}`, { assigneeUserId: null });
      assert.equal(unassigned.assigneeUserId, null);
      const back = await api('PATCH', `/api/tasks/${task.id}`, { assigneeUserId: miaId });
      assert.equal(back.assigneeUserId, miaId);
      const queue = await call('GET', '/api/tasks/mine', undefined, mia.headers);
      assert.equal(queue.status, 200);
      assert.deepEqual(
        queue.body.tasks.map((t: { id: number }) => t.id),
        [task.id],
      );
      assert.deepEqual((await call('GET', '/api/tasks/mine')).body.tasks, [], 'the owner has none');
      const mine = await call('GET', '/api/tasks/mine', undefined, { authorization: admin });
      assert.equal(mine.status, 400, 'a key has no queue of its own');
      assert.match(mine.body.error.message, /API key has no task queue/);
    });
  });
}
