import { api } from '../../api/client.js';
import { useState, type FormEvent } from 'react';
import { useApiMutation } from '../../api/hooks.js';
import { Badge } from '../../components/layout.js';
import { fmtDateTime, fmtRelative } from '../../components/format.js';
import { Link } from '../../router.js';
import type { Task, TaskStatus } from './types.js';

/** One task: who, which journey, what to do, when; complete, cancel, reopen or assign it. */
export function TaskItem({ task: t, onResult }: { task: Task; onResult: (message: string, ok: boolean) => void }) {
  const [assigning, setAssigning] = useState(false);
  const [assignee, setAssignee] = useState(t.assignee ?? '');
  const patch = useApiMutation((body: { status?: TaskStatus; assignee?: string | null }) => api.patch('/api/tasks/:id', { params: { id: t.id }, body }), {
    invalidates: ['/api/tasks'],
    onSuccess: (r, body) => {
      setAssigning(false);
      if (body.status) onResult(`“${r.title}” is ${r.status === 'open' ? 'open again' : r.status === 'done' ? 'done' : 'cancelled'}.`, true);
      else onResult(r.assignee ? `“${r.title}” is assigned to ${r.assignee}.` : `“${r.title}” is unassigned.`, true);
    },
  });
  const run = (body: { status?: TaskStatus; assignee?: string | null }) => patch.mutate(body, { onError: (e) => onResult(`Could not change “${t.title}”: ${e.message}`, false) });

  function submitAssign(e: FormEvent) {
    e.preventDefault();
    run({ assignee: assignee.trim() || null });
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
          <label className="field">
            <span>Assignee</span>
            <input aria-label="Assignee" value={assignee} onChange={(e) => setAssignee(e.target.value)} maxLength={200} placeholder="a name or email (empty: unassign)" autoFocus />
          </label>
          <button type="submit" className="btn btn-primary btn-small" disabled={patch.isPending}>
            {patch.isPending ? 'Saving…' : 'Save assignee'}
          </button>
        </form>
      ) : null}
    </li>
  );
}
