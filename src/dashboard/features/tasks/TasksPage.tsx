import { useState } from 'react';
import { useApi } from '../../api/hooks.js';
import { Card, PageHeader, Pager, Tabs } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../../routes.js';
import { useMe } from '../privacy/useCan.js';
import { TaskItem } from './TaskItem.js';
import { FETCH_LIMIT, PAGE_SIZE, type TaskStatus } from './types.js';
import './tasks.css';

const STATUSES: Array<{ key: TaskStatus; label: string }> = [
  { key: 'open', label: 'Open' },
  { key: 'done', label: 'Done' },
  { key: 'cancelled', label: 'Cancelled' },
];

const EMPTY: Record<TaskStatus, { title: string; hint: string }> = {
  open: { title: 'No open tasks', hint: 'Journeys with a “task” step hand customers to people here (e.g. a call to a high-value customer who is slipping away).' },
  done: { title: 'No done tasks', hint: 'Completed tasks show here.' },
  cancelled: { title: 'No cancelled tasks', hint: 'Cancelled tasks show here.' },
};

/** Hand-offs to people that journeys created: by status (`?status=`), role (`?role=`) or assigned to me (`?who=me`), paged (`?offset=`). */
export default function TasksPage(_props: PageProps) {
  const { search } = useLocation();
  const rawStatus = search.get('status');
  const status: TaskStatus = STATUSES.some((s) => s.key === rawStatus) ? (rawStatus as TaskStatus) : 'open';
  const { isUser } = useMe();
  const mine = isUser && search.get('who') === 'me';
  const role = mine ? '' : (search.get('role') ?? '');
  const offset = Math.max(0, Number(search.get('offset')) || 0);
  const [roleDraft, setRoleDraft] = useState(role);
  const [result, setResult] = useState<{ message: string; ok: boolean } | null>(null);
  const all = useApi('/api/tasks', mine ? null : { query: { status, role: role || undefined, limit: FETCH_LIMIT } }, { keepPrevious: true });
  const own = useApi('/api/tasks/mine', mine ? { query: { status } } : null, { keepPrevious: true });
  const q = mine ? own : all;
  const members = useApi('/api/members', undefined, { staleTime: 60_000 });

  return (
    <>
      <PageHeader title="Tasks" subtitle="Hand-offs to people that journeys created, soonest due first." />
      <Tabs tabs={STATUSES} value={status} onChange={(k) => setSearch({ status: k === 'open' ? undefined : k, offset: undefined })} />
      <form
        className="row task-filter"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch({ role: roleDraft.trim() || undefined, offset: undefined });
        }}
      >
        {isUser ? (
          <label className="field">
            <span>Assigned to</span>
            <select aria-label="Assigned to" value={mine ? 'me' : ''} onChange={(e) => setSearch({ who: e.target.value || undefined, role: undefined, offset: undefined })}>
              <option value="">Anyone</option>
              <option value="me">Me (my tasks)</option>
            </select>
          </label>
        ) : null}
        {mine ? null : (
          <>
            <label className="field">
              <span>Assignee role</span>
              <input aria-label="Assignee role" value={roleDraft} onChange={(e) => setRoleDraft(e.target.value)} placeholder="all roles, e.g. customer-success" maxLength={100} />
            </label>
            <button type="submit" className="btn btn-small">
              Filter
            </button>
          </>
        )}
        {role ? (
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => {
              setRoleDraft('');
              setSearch({ role: undefined, offset: undefined });
            }}
          >
            All roles
          </button>
        ) : null}
      </form>
      {result ? (
        <p className={result.ok ? 'form-ok' : 'form-error'} role={result.ok ? 'status' : 'alert'}>
          {result.message}
        </p>
      ) : null}
      <Card>
        <QueryView
          query={q}
          empty={mine ? { title: `No ${status} tasks assigned to you`, hint: 'Tasks a journey step or a teammate assigns to you show here.' } : EMPTY[status]}
          isEmpty={(d) => d.tasks.length === 0}
        >
          {(d) => {
            const page = d.tasks.slice(offset, offset + PAGE_SIZE);
            return (
              <>
                <p className="muted task-count" data-testid="task-count">
                  {d.tasks.length >= FETCH_LIMIT
                    ? `The first ${FETCH_LIMIT.toLocaleString('en-US')} ${status} tasks (the API gives at most ${FETCH_LIMIT})`
                    : `${d.tasks.length.toLocaleString('en-US')} ${status} ${d.tasks.length === 1 ? 'task' : 'tasks'}`}
                  {role ? ` for ${role}` : ''}
                  {mine ? ' assigned to you' : ''}
                </p>
                {page.length === 0 ? <p className="muted">No tasks on this page.</p> : null}
                <ul className="task-list" aria-label={`${status} tasks`}>
                  {page.map((t) => (
                    <TaskItem key={t.id} task={t} members={members.data?.members ?? []} onResult={(message, ok) => setResult({ message, ok })} />
                  ))}
                </ul>
                <Pager offset={offset} limit={PAGE_SIZE} total={d.tasks.length} count={page.length} onChange={(o) => setSearch({ offset: o || undefined })} />
              </>
            );
          }}
        </QueryView>
      </Card>
    </>
  );
}
