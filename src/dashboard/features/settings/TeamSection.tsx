import { useState, type FormEvent } from 'react';
import type { InvitationView, MemberView, Role } from '../../../contracts/team.js';
import { api } from '../../api/client.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { refreshMe } from '../../api/me.js';
import { useCan, useSession } from '../../api/session.js';
import { fmtDate, fmtRelative } from '../../components/format.js';
import { Badge, Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { FormError } from './forms.js';
import { NewKey } from './NewKey.js';
import { ROLE_HELP, ROLE_LABELS, ROLES } from './roles.js';

/** Settings → Team: the workspace's members and their roles, inviting people, pending invitations. */
export function TeamSection() {
  const q = useApi('/api/members');
  return (
    <>
      <InviteCard />
      <Card title="Members">
        <QueryView query={q}>{(d) => <Members members={d.members} />}</QueryView>
      </Card>
      <Card title="Pending invitations">
        <QueryView query={q} empty={{ title: 'No pending invitations', hint: 'Invitations you send show here until they are accepted.' }} isEmpty={(d) => pending(d.invitations).length === 0}>
          {(d) => <Invitations invitations={pending(d.invitations)} />}
        </QueryView>
      </Card>
    </>
  );
}

const pending = (list: InvitationView[]) => list.filter((i) => !i.acceptedAt);

/** The roles the signed-in person may hand out: only an owner names owners. */
function useAssignable(): readonly Role[] {
  const owner = useCan('workspace.delete');
  return owner ? ROLES : ROLES.filter((r) => r !== 'owner');
}

function Members({ members }: { members: MemberView[] }) {
  const { user } = useSession();
  return (
    <div className="table-wrap">
      <table aria-label="Members">
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role</th>
            <th>Joined</th>
            <th>Last sign-in</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <MemberRow key={m.userId} m={m} self={user?.id === m.userId} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function MemberRow({ m, self }: { m: MemberView; self: boolean }) {
  const assignable = useAssignable();
  const [confirm, setConfirm] = useState(false);
  const change = useApiMutation((role: Role) => api.patch('/api/members/:userId', { params: { userId: m.userId }, body: { role } }), {
    invalidates: ['/api/members'],
    onSuccess: () => (self ? void refreshMe() : undefined),
  });
  const remove = useApiMutation(() => api.delete('/api/members/:userId', { params: { userId: m.userId } }), { invalidates: ['/api/members'] });
  const editable = assignable.includes(m.role);
  return (
    <tr>
      <td>
        {m.name || '—'} {self ? <Badge tone="info">you</Badge> : null}
      </td>
      <td>{m.email}</td>
      <td>
        {editable ? (
          <select aria-label={`Role of ${m.email}`} value={m.role} disabled={change.isPending} onChange={(e) => change.mutate(e.target.value as Role)} title={ROLE_HELP[m.role]}>
            {assignable.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
        ) : (
          <Badge tone="accent" title={ROLE_HELP[m.role]}>
            {ROLE_LABELS[m.role]}
          </Badge>
        )}
        <FormError error={change.error} fields={[]} />
      </td>
      <td>{fmtDate(m.joinedAt)}</td>
      <td>{m.lastSignInAt ? fmtRelative(m.lastSignInAt) : 'Never'}</td>
      <td>
        {!editable ? null : confirm ? (
          <div className="row" role="group" aria-label={`Confirm removing ${m.email}`}>
            <button type="button" className="btn btn-small btn-danger" disabled={remove.isPending} onClick={() => remove.mutate()}>
              {self ? 'Yes, leave the workspace' : `Yes, remove ${m.name || m.email}`}
            </button>
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setConfirm(false)}>
              Cancel
            </button>
          </div>
        ) : (
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setConfirm(true)} aria-label={`Remove ${m.email}`}>
            Remove…
          </button>
        )}
        <FormError error={remove.error} fields={[]} />
      </td>
    </tr>
  );
}

function Invitations({ invitations }: { invitations: InvitationView[] }) {
  return (
    <div className="table-wrap">
      <table aria-label="Pending invitations">
        <thead>
          <tr>
            <th>Email</th>
            <th>Role</th>
            <th>Invited by</th>
            <th>Expires</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {invitations.map((i) => (
            <InvitationRow key={i.id} i={i} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function InvitationRow({ i }: { i: InvitationView }) {
  const revoke = useApiMutation(() => api.delete('/api/invitations/:id', { params: { id: i.id } }), { invalidates: ['/api/members'] });
  const expired = Date.parse(i.expiresAt) < Date.now();
  return (
    <tr>
      <td>{i.email}</td>
      <td>{ROLE_LABELS[i.role]}</td>
      <td>{i.invitedBy ?? '—'}</td>
      <td>{expired ? <Badge tone="warn">expired</Badge> : fmtDate(i.expiresAt)}</td>
      <td>
        <button type="button" className="btn btn-small btn-ghost" disabled={revoke.isPending} onClick={() => revoke.mutate()} aria-label={`Revoke the invitation of ${i.email}`}>
          Revoke
        </button>
        <FormError error={revoke.error} fields={[]} />
      </td>
    </tr>
  );
}

function InviteCard() {
  const assignable = useAssignable();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('marketer');
  const [send, setSend] = useState(true);
  const [sent, setSent] = useState<InvitationView | null>(null);
  const invite = useApiMutation((body: { email: string; role: Role; send: boolean }) => api.post('/api/invitations', { body }), {
    invalidates: ['/api/members'],
    onSuccess: (r) => {
      setSent(r);
      setEmail('');
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    setSent(null);
    invite.mutate({ email: email.trim(), role, send });
  }

  return (
    <Card title="Invite someone">
      <form className="stack" onSubmit={submit} aria-label="Invite someone" noValidate>
        <div className="row set-invite">
          <label className="field">
            <span>Email</span>
            <input name="inviteEmail" type="email" value={email} onChange={(e) => setEmail(e.target.value)} placeholder="ana@example.com" />
          </label>
          <label className="field">
            <span>Role</span>
            <select name="inviteRole" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {assignable.map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABELS[r]}
                </option>
              ))}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={send} onChange={(e) => setSend(e.target.checked)} />
            <span>Email the link</span>
          </label>
          <button type="submit" className="btn btn-primary" disabled={invite.isPending || !email.trim()}>
            {invite.isPending ? 'Inviting…' : 'Invite'}
          </button>
        </div>
        <p className="muted set-help">{ROLE_HELP[role]}</p>
        <FormError error={invite.error} fields={[]} />
        {sent ? (
          <div className="stack">
            <p className={sent.emailStatus === 'failed' ? 'form-error' : 'form-ok'} role="status">
              {sent.emailStatus === 'sent'
                ? `Invitation emailed to ${sent.email}.`
                : sent.emailStatus === 'failed'
                  ? `The email to ${sent.email} did not go out${sent.emailError ? `: ${sent.emailError}` : ''}. Send them the link yourself.`
                  : `Invitation made for ${sent.email}: send them the link.`}{' '}
              It works until {fmtDate(sent.expiresAt)}.
            </p>
            {sent.link ? <NewKey label="Invitation link" value={sent.link} onDone={() => setSent(null)} /> : null}
          </div>
        ) : null}
      </form>
    </Card>
  );
}
