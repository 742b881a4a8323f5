import { api } from '../../api/client.js';
import { useState, type FormEvent } from 'react';
import { useApiMutation } from '../../api/hooks.js';
import { Badge } from '../../components/layout.js';
import { fmtDateTime, fmtRelative } from '../../components/format.js';
import { Link } from '../../router.js';
import type { Member, Task, TaskStatus } from './types.js';

/** What PATCH /api/tasks/:id changes: the status, or who it is for (a member by user id, or a name). */
type Patch = { status?: TaskStatus; assignee?: string | null; assigneeUserId?: number | null };
const OTHER = 'other';

/** One task: who, which journey, what to do, when; complete, cancel, reopen or assign it. */
export function TaskItem({ task: t, members, onResult }: { task: Task; members: Member[]; onResult: (message: string, ok: boolean) => void }) {
  const [assigning, setAssigning] = useState(false);
  const [assignee, setAssignee] = useState(t.assignee ?? '');
  const current = members.find((m) => m.userId === (t as Task & { assigneeUserId?: number | null }).assigneeUserId);
  // A member by user id, "" for nobody, or OTHER for a name typed in.
  const [member, setMember] = useState<string>(current ? String(current.userId) : t.assignee ? OTHER : '');
  const patch = useApiMutation((body: Patch) => api.patch('/api/tasks/:id', { params: { id: t.id }, body }), {
    invalidates: ['/api/tasks'],
    onSuccess: (r, body) => {
      setAssigning(false);
      if (body.status) onResult(`“${r.title}” is ${r.status === 'open' ? 'open again' : r.status === 'done' ? 'done' : 'cancelled'}.`, true);
      else onResult(r.assignee ? `“${r.title}” is assigned to ${r.assignee}.` : `“${r.title}” is unassigned.`, true);
    },
  });
  const run = (body: Patch) => patch.mutate(body, { onError: (e) => onResult(`Could not change “${t.title}”: ${e.message}`, false) });

  function submitAssign(e: FormEvent) {
    e.preventDefault();
    if (member === OTHER || members.length === 0) run({ assignee: assignee.trim() || null });
    else if (member === '') run({ assigneeUserId: null, assignee: null });
    else run({ assigneeUserId: Number(member) });
  }

  const customer = t.userId ? (
    <Link to={`/customers/${encodeURIComponent(t.userId)}`}>{t.userId}</Link>
  ) : (
    <span title="An anonymous customer: no userId to open their profile by">customer #{t.customerId}</span>
  );
  return (
    <li className="task-item" aria-label={`Task: ${t.title}`}>
      <div className="task-main">
        <div className="row">
          <strong className="task-title">{t.title}</strong>
          {t.overdue ? <Badge tone="bad">overdue</Badge> : null}
          {t.status !== 'open' ? <Badge tone={t.status === 'done' ? 'good' : 'neutral'}>{t.status}</Badge> : null}
        </div>
        {t.note ? <p className="task-note">{t.note}</p> : null}
        <dl className="task-facts">
          <div>
            <dt>Customer</dt>
            <dd>{customer}</dd>
          </div>
          <div>
            <dt>Journey</dt>
            <dd>{t.journeyId ? <Link to={`/journeys/${encodeURIComponent(t.journeyId)}`}>{t.journeyId}</Link> : '—'}</dd>
          </div>
          <div>
            <dt>Due</dt>
            <dd title={fmtDateTime(t.dueAt)}>
              {fmtDateTime(t.dueAt)} <span className="muted">({fmtRelative(t.dueAt)})</span>
            </dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{fmtDateTime(t.createdAt)}</dd>
          </div>
          {t.doneAt ? (
            <div>
              <dt>Done</dt>
              <dd>{fmtDateTime(t.doneAt)}</dd>
            </div>
          ) : null}
          <div>
            <dt>For</dt>
            <dd>
              {t.assigneeRole}
              {t.assignee ? ` · ${t.assignee}` : <span className="muted"> · unassigned</span>}
            </dd>
          </div>
        </dl>
      </div>
      <div className="task-actions">
        {t.status === 'open' ? (
          <>
            <button type="button" className="btn btn-primary btn-small" disabled={patch.isPending} onClick={() => run({ status: 'done' })} aria-label={`Complete task ${t.id}`}>
              Complete
            </button>
            <button type="button" className="btn btn-small" disabled={patch.isPending} onClick={() => setAssigning((a) => !a)} aria-expanded={assigning} aria-label={`Assign task ${t.id}`}>
              Assign…
            </button>
            <button type="button" className="btn btn-ghost btn-small" disabled={patch.isPending} onClick={() => run({ status: 'cancelled' })} aria-label={`Cancel task ${t.id}`}>
              Cancel task
            </button>
          </>
        ) : (
          <button type="button" className="btn btn-small" disabled={patch.isPending} onClick={() => run({ status: 'open' })} aria-label={`Reopen task ${t.id}`}>
            Reopen
          </button>
        )}
      </div>
      {assigning ? (
        <form className="row task-assign" onSubmit={submitAssign} aria-label={`Assign task ${t.id} to someone`}>
          {members.length ? (
            <label className="field">
              <span>Member</span>
              <select aria-label="Member" value={member} onChange={(e) => setMember(e.target.value)} autoFocus>
                <option value="">Nobody (unassigned)</option>
                {members.map((m) => (
                  <option key={m.userId} value={String(m.userId)}>
                    {m.name ? `${m.name} <${m.email}>` : m.email} · {m.role}
                  </option>
                ))}
                <option value={OTHER}>Someone else (type a name)…</option>
              </select>
            </label>
          ) : null}
          {members.length === 0 || member === OTHER ? (
            <label className="field">
              <span>Assignee</span>
              <input aria-label="Assignee" value={assignee} onChange={(e) => setAssignee(e.target.value)} maxLength={200} placeholder="a name or email (empty: unassign)" autoFocus />
            </label>
          ) : null}
          <button type="submit" className="btn btn-primary btn-small" disabled={patch.isPending}>
            {patch.isPending ? 'Saving…' : 'Save assignee'}
          </button>
        </form>
      ) : null}
    </li>
  );
}
