import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace, until } from '../../test-support/harness.js';
import { startSmtpSink } from '../../test-support/smtp-sink.js';
import { addMembership, createUser, findUserByEmail } from './users.repo.js';
import { createSession } from './sessions.repo.js';
import { verifyPassword } from './passwords.js';
import { acceptInvitation, createInvitation, listOpenInvitations, previewInvitation } from './invitations.js';
import { changeMemberRole, removeMember } from './members.js';
import { memberRows } from './members.repo.js';
import { changePassword, requestPasswordReset, resetPassword, RESETS_PER_HOUR } from './password-reset.js';
import { ensureFirstAdmin, printFirstAdmin } from './first-admin.js';
import { mailerOver } from './mailer.js';
import { createEmailTransport } from '../channels/email-transport.js';
const testMailer = (url: string) => mailerOver(createEmailTransport({ url, from: 'Tenure <no-reply@localhost>' }), { closeTransport: true });
import { backoffMs, MAX_ATTEMPTS, sendDueTaskNotifications } from './task-notify.js';
import { changeTask } from '../journeys/tasks.repo.js';

for (const target of dbTargets()) {
  describe(`team domain (${target.name})`, () => {
    let db: Db;
    let ws: number;
    const t0 = new Date('2026-03-01T10:00:00Z');
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'acme')).workspace.id;
    });
    after(() => db.close());

    const sessions = async (userId: number) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1`, [userId])).rows[0]!.n;

    it('invitations: only an owner invites an owner; re-inviting replaces; one use; expiry', async () => {
      const denied = await createInvitation(db, { workspaceId: ws, email: 'o@x.test', role: 'owner', invitedBy: null, inviterRole: 'admin', now: t0 });
      assert.equal(denied.ok, false);
      assert.equal(!denied.ok && denied.code, 'forbidden');

      const first = await createInvitation(db, { workspaceId: ws, email: ' Ana@X.test ', role: 'marketer', invitedBy: null, inviterRole: 'admin', now: t0 });
      assert.ok(first.ok);
      assert.equal(first.value.token.length, 43);
      assert.equal(first.value.invitation.email, 'ana@x.test');
      assert.equal(first.value.invitation.expiresAt.toISOString(), '2026-03-08T10:00:00.000Z');
      const second = await createInvitation(db, { workspaceId: ws, email: 'ana@x.test', role: 'analyst', invitedBy: null, inviterRole: 'admin', now: t0 });
      assert.ok(second.ok);
      const open = await listOpenInvitations(db, ws);
      assert.deepEqual(
        open.map((i) => [i.email, i.role]),
        [['ana@x.test', 'analyst']],
      );
      // The replaced link no longer works; only the token's hash is stored.
      const old = await previewInvitation(db, first.value.token, t0);
      assert.equal(!old.ok && old.message.includes('withdrawn'), true);
      const stored = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM invitations WHERE token_hash = $1`, [second.value.token]);
      assert.equal(stored.rows[0]!.n, 0);

      const preview = await previewInvitation(db, second.value.token, t0);
      assert.deepEqual(preview.ok && preview.value, { email: 'ana@x.test', role: 'analyst', workspace: 'acme', hasAccount: false });

      const noPassword = await acceptInvitation(db, { token: second.value.token, sessionUserId: null, now: t0 });
      assert.equal(!noPassword.ok && noPassword.code, 'validation_failed');
      const accepted = await acceptInvitation(db, { token: second.value.token, name: 'Ana', password: 'correct horse battery', sessionUserId: null, now: t0 });
      assert.ok(accepted.ok);
      assert.equal(accepted.value.created, true);
      const ana = (await findUserByEmail(db, 'ana@x.test'))!;
      assert.equal(ana.name, 'Ana');
      assert.equal(await verifyPassword('correct horse battery', ana.passwordHash), true);
      assert.deepEqual(
        (await memberRows(db, ws)).map((m) => [m.email, m.role]),
        [['ana@x.test', 'analyst']],
      );
      const again = await acceptInvitation(db, { token: second.value.token, password: 'correct horse battery', sessionUserId: null, now: t0 });
      assert.equal(!again.ok && again.message.includes('already used'), true);

      // Expiry: valid until 7 days after, not at that instant.
      const late = await createInvitation(db, { workspaceId: ws, email: 'late@x.test', role: 'support', invitedBy: null, inviterRole: 'owner', now: t0 });
      assert.ok(late.ok);
      assert.equal((await previewInvitation(db, late.value.token, new Date(t0.getTime() + 7 * 86_400_000 - 1))).ok, true);
      const expired = await acceptInvitation(db, { token: late.value.token, password: 'whatever123', sessionUserId: null, now: new Date(t0.getTime() + 7 * 86_400_000) });
      assert.equal(!expired.ok && expired.message.includes('expired'), true);
      // Inviting a member is a conflict.
      const member = await createInvitation(db, { workspaceId: ws, email: 'ana@x.test', role: 'admin', invitedBy: null, inviterRole: 'owner', now: t0 });
      assert.equal(!member.ok && member.code, 'conflict');
    });

    it('an existing account accepts signed in as itself or with its own password', async () => {
      const other = await makeWorkspace(db, 'other');
      const inv = await createInvitation(db, { workspaceId: other.workspace.id, email: 'ana@x.test', role: 'support', invitedBy: null, inviterRole: 'admin', now: t0 });
      assert.ok(inv.ok);
      assert.equal((await previewInvitation(db, inv.value.token, t0)).ok && (await previewInvitation(db, inv.value.token, t0)).ok, true);
      const wrong = await acceptInvitation(db, { token: inv.value.token, password: 'not the password', sessionUserId: null, now: t0 });
      assert.equal(!wrong.ok && wrong.code, 'unauthorized');
      const someoneElse = await createUser(db, { email: 'eve@x.test', name: 'Eve', password: 'eve password 1' });
      const asEve = await acceptInvitation(db, { token: inv.value.token, sessionUserId: someoneElse.id, now: t0 });
      assert.equal(!asEve.ok && asEve.code, 'unauthorized');
      const ana = (await findUserByEmail(db, 'ana@x.test'))!;
      const asAna = await acceptInvitation(db, { token: inv.value.token, sessionUserId: ana.id, now: t0 });
      assert.ok(asAna.ok);
      assert.deepEqual(asAna.value, { userId: ana.id, workspaceId: other.workspace.id, created: false });
    });

    it('members: owner rules and the last owner guard', async () => {
      const w = (await makeWorkspace(db, 'guard')).workspace.id;
      const o1 = await createUser(db, { email: 'o1@g.test', name: 'O1' });
      const o2 = await createUser(db, { email: 'o2@g.test', name: 'O2' });
      const ad = await createUser(db, { email: 'ad@g.test', name: 'Ad' });
      await addMembership(db, w, o1.id, 'owner');
      await addMembership(db, w, ad.id, 'admin');
      const byAdmin = await changeMemberRole(db, w, { role: 'admin' }, ad.id, 'owner');
      assert.equal(!byAdmin.ok && byAdmin.code, 'forbidden');
      const last = await changeMemberRole(db, w, { role: 'owner' }, o1.id, 'admin');
      assert.equal(!last.ok && last.code, 'conflict');
      assert.match(!last.ok ? last.message : '', /last owner/);
      const lastRemove = await removeMember(db, w, { role: 'owner' }, o1.id);
      assert.equal(!lastRemove.ok && lastRemove.code, 'conflict');
      await addMembership(db, w, o2.id, 'owner');
      const adminRemovesOwner = await removeMember(db, w, { role: 'admin' }, o2.id);
      assert.equal(!adminRemovesOwner.ok && adminRemovesOwner.code, 'forbidden');
      // Two owners demoting each other at once: one wins, one owner stays.
      const [a, b] = await Promise.all([changeMemberRole(db, w, { role: 'owner' }, o1.id, 'admin'), changeMemberRole(db, w, { role: 'owner' }, o2.id, 'admin')]);
      assert.equal([a.ok, b.ok].filter(Boolean).length, 1);
      assert.equal((await memberRows(db, w)).filter((m) => m.role === 'owner').length, 1);
      const demoted = await changeMemberRole(db, w, { role: 'admin' }, ad.id, 'marketer');
      assert.ok(demoted.ok);
      assert.equal(demoted.value.role, 'marketer');
      const removed = await removeMember(db, w, { role: 'admin' }, ad.id);
      assert.ok(removed.ok);
      assert.deepEqual((await memberRows(db, w)).map((m) => m.email).sort(), ['o1@g.test', 'o2@g.test']);
      const gone = await removeMember(db, w, { role: 'admin' }, ad.id);
      assert.equal(!gone.ok && gone.code, 'not_found');
    });

    it('password reset: one hour, once, ends sessions; at most 3 links an hour; change needs the current password', async () => {
      const u = await createUser(db, { email: 'rita@x.test', name: 'Rita', password: 'first password' });
      await createSession(db, u.id, {});
      await createSession(db, u.id, {});
      assert.equal(await requestPasswordReset(db, 'nobody@x.test', t0), null);
      const links = [];
      for (let i = 0; i < RESETS_PER_HOUR + 1; i++) links.push(await requestPasswordReset(db, 'RITA@x.test', new Date(t0.getTime() + i * 60_000)));
      assert.equal(links.filter((l) => l !== null).length, 3);
      assert.equal(links[3], null);
      // An hour after the first, one more may go out.
      assert.notEqual(await requestPasswordReset(db, 'rita@x.test', new Date(t0.getTime() + 3_600_000 + 1)), null);
      const expired = await resetPassword(db, links[0]!.token, 'second password', new Date(t0.getTime() + 3_600_000));
      assert.equal(!expired.ok && expired.message.includes('expired'), true);
      const done = await resetPassword(db, links[1]!.token, 'second password', new Date(t0.getTime() + 120_000));
      assert.ok(done.ok);
      assert.equal(await sessions(u.id), 0);
      assert.equal(await verifyPassword('second password', (await findUserByEmail(db, 'rita@x.test'))!.passwordHash), true);
      const reused = await resetPassword(db, links[1]!.token, 'third password!', new Date(t0.getTime() + 130_000));
      assert.equal(!reused.ok && reused.message.includes('already used'), true);
      // The user's other open link went with it.
      const sibling = await resetPassword(db, links[2]!.token, 'third password!', new Date(t0.getTime() + 130_000));
      assert.equal(sibling.ok, false);

      await createSession(db, u.id, {});
      const wrong = await changePassword(db, u.id, 'nope', 'fourth password');
      assert.equal(!wrong.ok && wrong.field, 'current');
      assert.equal(await sessions(u.id), 1);
      assert.ok((await changePassword(db, u.id, 'second password', 'fourth password')).ok);
      assert.equal(await sessions(u.id), 0);
    });

    it('first admin: made once, when there is no user at all', async () => {
      const fresh = await target.open();
      try {
        const w = (await makeWorkspace(fresh, 'default')).workspace.id;
        const made = await ensureFirstAdmin(fresh, w, {});
        assert.equal(made?.email, 'admin@localhost');
        assert.equal(made?.password?.length, 16);
        const user = (await findUserByEmail(fresh, 'admin@localhost'))!;
        assert.equal(await verifyPassword(made!.password!, user.passwordHash), true);
        assert.deepEqual(
          (await memberRows(fresh, w)).map((m) => [m.email, m.role]),
          [['admin@localhost', 'owner']],
        );
        assert.equal(await ensureFirstAdmin(fresh, w, { email: 'x@y.test' }), null);
        let printed = '';
        printFirstAdmin(made, 'http://127.0.0.1:3000', (s) => (printed += s));
        assert.match(printed, new RegExp(`password: ${made!.password}`));
        printFirstAdmin(null, undefined, (s) => (printed += `again${s}`));
        assert.doesNotMatch(printed, /again/);
      } finally {
        await fresh.close();
      }
    });

    it('tasks: assigning to a member queues one email; the notifier sends it and retries failures with backoff', async () => {
      const w = (await makeWorkspace(db, 'tasks')).workspace.id;
      const mia = await createUser(db, { email: 'mia@x.test', name: 'Mia' });
      const stranger = await createUser(db, { email: 'stranger@x.test', name: 'S' });
      await addMembership(db, w, mia.id, 'support');
      const c = await db.query<{ id: number }>(`INSERT INTO customers (workspace_id, user_id) VALUES ($1, 'cust-7') RETURNING id`, [w]);
      const t = await db.query<{ id: number }>(
        `INSERT INTO tasks (workspace_id, customer_id, idempotency_key, title, assignee_role, due_at) VALUES ($1, $2, 'k1', 'Call Dana', 'support', '2026-03-02T09:00:00Z') RETURNING id`,
        [w, c.rows[0]!.id],
      );
      const id = Number(t.rows[0]!.id);
      const bad = await changeTask(db, w, id, { assigneeUserId: stranger.id });
      assert.equal(!bad.ok && bad.field, 'assigneeUserId');
      const r = await changeTask(db, w, id, { assigneeUserId: mia.id });
      assert.ok(r.ok);
      assert.equal(r.value?.assigneeUserId, mia.id);
      assert.equal(r.value?.assigneeName, 'Mia');
      await changeTask(db, w, id, { assigneeUserId: mia.id });
      const queued = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM task_notifications WHERE task_id = $1`, [id]);
      assert.equal(queued.rows[0]!.n, 1);

      // First a server that refuses (4xx: transient), then one that takes it.
      const refusing = await startSmtpSink({ reject: () => ({ code: 451, message: 'try later' }) });
      const sink = await startSmtpSink();
      const refused = testMailer(refusing.url);
      const mailer = testMailer(sink.url);
      try {
        const now = new Date();
        await sendDueTaskNotifications(db, refused, { publicUrl: 'http://tenure.test', now });
        const row = await db.query<{ attempts: number; error: string | null; createdAt: Date }>(`SELECT attempts, error, created_at AS "createdAt" FROM task_notifications WHERE task_id = $1`, [id]);
        assert.equal(row.rows[0]!.attempts, 1);
        assert.match(row.rows[0]!.error ?? '', /451/);
        assert.equal(row.rows[0]!.createdAt.getTime(), now.getTime() + backoffMs(1));
        // Not due before the backoff is over.
        await sendDueTaskNotifications(db, mailer, { publicUrl: 'http://tenure.test', now: new Date(now.getTime() + 29_000) });
        assert.equal(sink.mails.length, 0);
        await sendDueTaskNotifications(db, mailer, { publicUrl: 'http://tenure.test', now: new Date(now.getTime() + 30_000) });
        const mail = await until('the task email', async () => sink.mails[0]);
        assert.equal(mail.subject, 'Task assigned to you: Call Dana');
        assert.deepEqual(mail.to, ['mia@x.test']);
        assert.match(mail.text, new RegExp(`http://tenure.test/tasks\\?task=${id}`));
        assert.match(mail.text, /Customer: cust-7/);
        const sent = await db.query<{ attempts: number; sentAt: Date | null }>(`SELECT attempts, sent_at AS "sentAt" FROM task_notifications WHERE task_id = $1`, [id]);
        assert.equal(sent.rows[0]!.attempts, 2);
        assert.ok(sent.rows[0]!.sentAt);
        assert.equal(MAX_ATTEMPTS, 8);
      } finally {
        refused.close();
        mailer.close();
        await refusing.close();
        await sink.close();
      }
    });
  });
}
