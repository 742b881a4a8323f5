import type { z } from 'zod';
import type { FollowUpItem } from '../../../contracts/survey-results.js';
import { api } from '../../api/client.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { Badge, Card, Tabs } from '../../components/layout.js';
import { fmtDateTime, fmtRelative } from '../../components/format.js';
import { QueryView } from '../../components/states.js';
import { Link, setSearch, useLocation } from '../../router.js';
import { useState } from 'react';

type Item = z.infer<typeof FollowUpItem>;
type Status = Item['status'];

const STATUSES: Array<{ key: Status; label: string }> = [
  { key: 'open', label: 'Open' },
  { key: 'done', label: 'Done' },
  { key: 'cancelled', label: 'Cancelled' },
];

/** The tasks negative answers made, with the answer and comment; overdue ones stand out; mark one done here (`?status=`). */
export function FollowUpQueue() {
  const { search } = useLocation();
  const raw = search.get('status');
  const status: Status = STATUSES.some((s) => s.key === raw) ? (raw as Status) : 'open';
  const q = useApi('/api/survey-follow-ups', { query: { status, limit: 200 } }, { keepPrevious: true });
  const [note, setNote] = useState<{ message: string; ok: boolean } | null>(null);
  return (
    <Card title="Follow-up queue">
      <p className="muted">A negative answer makes a task for a person (at most one open per customer or account): call them, fix it, then mark it done.</p>
      <Tabs tabs={STATUSES} value={status} onChange={(k) => setSearch({ status: k === 'open' ? undefined : k })} />
      {note ? (
        <p className={note.ok ? 'form-ok' : 'form-error'} role={note.ok ? 'status' : 'alert'}>
          {note.message}
        </p>
      ) : null}
      <QueryView
        query={q}
        empty={{ title: `No ${status} follow-ups`, hint: status === 'open' ? 'Negative answers to surveys with a follow-up task show here.' : undefined }}
        isEmpty={(d) => d.items.length === 0}
      >
        {(d) => (
          <ul className="svy-queue" aria-label={`${status} follow-ups`}>
            {d.items.map((i) => (
              <FollowUpRow key={i.taskId} item={i} onResult={(message, ok) => setNote({ message, ok })} />
            ))}
          </ul>
        )}
      </QueryView>
    </Card>
  );
}

function FollowUpRow({ item: i, onResult }: { item: Item; onResult: (message: string, ok: boolean) => void }) {
  const done = useApiMutation(() => api.patch('/api/tasks/:id', { params: { id: i.taskId }, body: { status: 'done' } }), {
    invalidates: ['/api/survey-follow-ups', '/api/tasks', '/api/surveys'],
    onSuccess: () => onResult(`Follow-up of ${i.response.userId ?? `customer #${i.response.customerId}`} is done.`, true),
  });
  const r = i.response;
  return (
    <li className={i.overdue && i.status === 'open' ? 'svy-queue-item svy-overdue' : 'svy-queue-item'} aria-label={`Follow-up ${i.taskId}`} data-overdue={i.overdue || undefined}>
      <div className="svy-queue-score" aria-label={`Score ${r.score}`}>
        {r.score}
      </div>
      <div className="svy-queue-main">
        <div className="row">
          <strong>{r.userId ? <Link to={`/customers/${encodeURIComponent(r.userId)}`}>{r.userId}</Link> : `customer #${r.customerId}`}</strong>
          <Badge tone="bad">{r.band}</Badge>
          {i.overdue && i.status === 'open' ? <Badge tone="bad">overdue</Badge> : null}
          {i.status !== 'open' ? <Badge tone={i.status === 'done' ? 'good' : 'neutral'}>{i.status}</Badge> : null}
          <span className="muted">
            {i.surveyName} · {fmtRelative(r.respondedAt)}
          </span>
        </div>
        {r.comment ? <blockquote className="svy-comment">{r.comment}</blockquote> : <p className="muted">No comment.</p>}
        <p className="muted">
          {i.title} · for {i.assigneeRole}
          {i.assignee ? ` (${i.assignee})` : ''} · due {fmtDateTime(i.dueAt)}
          {i.doneAt ? ` · done ${fmtDateTime(i.doneAt)}` : ''}
        </p>
      </div>
      {i.status === 'open' ? (
        <button
          type="button"
          className="btn btn-primary btn-small"
          disabled={done.isPending}
          aria-label={`Mark follow-up ${i.taskId} done`}
          onClick={() => done.mutate(undefined, { onError: (e) => onResult(`Could not mark it done: ${e.message}`, false) })}
        >
          Mark done
        </button>
      ) : null}
    </li>
  );
}
