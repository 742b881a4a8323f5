import { api } from '../../api/client.js';
import { IfCan } from '../../components/ReadOnly.js';
import { useState } from 'react';
import type { z } from 'zod';
import type { CohortList } from '../../../contracts/segment-definition.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { Card, Pager } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { fmtDate, fmtNumber } from '../../components/format.js';
import { Link, navigate, setSearch, useLocation } from '../../router.js';
import { EV } from '../../../contracts/events.js';

type Cohorts = z.infer<typeof CohortList>;
type Cohort = Cohorts['cohorts'][number];
const PAGE = 24;

/** The Cohorts tab: customers by the period of a first event, or by first-touch channel/campaign (?by=&event=&period=). */
export function CohortsTab() {
  const { search } = useLocation();
  const by = (['first_event', 'channel', 'campaign'] as const).find((b) => b === search.get('by')) ?? 'first_event';
  const period = search.get('period') === 'week' ? 'week' : 'month';
  const event = search.get('event') || EV.signedUp;
  const [eventText, setEventText] = useState(event);
  const offset = Math.max(0, Number(search.get('cpage') ?? 0) || 0);
  const q = useApi('/api/cohorts', { query: by === 'first_event' ? { by, event, period } : { by } }, { keepPrevious: true });
  return (
    <Card
      title="Cohorts"
      actions={
        <Link className="btn btn-small" to="/analytics?tab=cohorts">
          Retention heatmap in Analytics
        </Link>
      }
    >
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch({ event: eventText.trim() || undefined, cpage: undefined });
        }}
      >
        <label className="field">
          <span>Group by</span>
          <select value={by} onChange={(e) => setSearch({ by: e.target.value === 'first_event' ? undefined : e.target.value, cpage: undefined })}>
            <option value="first_event">Period of a first event</option>
            <option value="channel">First-touch channel</option>
            <option value="campaign">First-touch campaign</option>
          </select>
        </label>
        {by === 'first_event' ? (
          <>
            <label className="field">
              <span>First event</span>
              <input value={eventText} onChange={(e) => setEventText(e.target.value)} onBlur={() => setSearch({ event: eventText.trim() || undefined, cpage: undefined })} />
            </label>
            <label className="field">
              <span>Period</span>
              <select value={period} onChange={(e) => setSearch({ period: e.target.value === 'month' ? undefined : e.target.value, cpage: undefined })}>
                <option value="month">Month</option>
                <option value="week">Week</option>
              </select>
            </label>
          </>
        ) : null}
      </form>
      <QueryView
        query={q}
        empty={{ title: 'No cohorts', hint: by === 'first_event' ? `Nobody has performed “${event}” yet.` : 'No first touches are recorded.' }}
        isEmpty={(d) => d.cohorts.length === 0}
      >
        {(d) => <CohortTable data={d} offset={offset} />}
      </QueryView>
    </Card>
  );
}

function CohortTable({ data, offset }: { data: Cohorts; offset: number }) {
  const rows = data.cohorts.slice(offset, offset + PAGE);
  const max = Math.max(1, ...data.cohorts.map((c) => c.count));
  const total = data.cohorts.reduce((s, c) => s + c.count, 0);
  return (
    <>
      <p className="muted">
        {fmtNumber(total)} customers in {fmtNumber(data.cohorts.length)} cohorts.
      </p>
      <div className="table-wrap">
        <table aria-label="Cohorts">
          <thead>
            <tr>
              <th>Cohort</th>
              <th className="num">Customers</th>
              <th style={{ width: '40%' }}>
                <span className="sr-only">Size</span>
              </th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.key}>
                <td>{cohortName(data, c)}</td>
                <td className="num">{fmtNumber(c.count)}</td>
                <td aria-hidden="true">
                  <div style={{ height: 10, borderRadius: 4, background: 'var(--accent)', opacity: 0.75, width: `${(c.count / max) * 100}%` }} />
                </td>
                <td>
                  <KeepAsSegment data={data} cohort={c} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager offset={offset} limit={PAGE} total={data.cohorts.length} count={rows.length} onChange={(o) => setSearch({ cpage: o || undefined })} />
    </>
  );
}

function cohortName(data: Cohorts, c: Cohort): string {
  if (data.by !== 'first_event') return c.key;
  if (data.period === 'week') return `Week of ${fmtDate(c.from ?? c.key)}`;
  const d = new Date(`${c.key}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? c.key : d.toLocaleDateString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** POST the cohort's condition as a new segment, then open it while its members are computed. */
function KeepAsSegment({ data, cohort }: { data: Cohorts; cohort: Cohort }) {
  const name = data.by === 'first_event' ? `Cohort: first ${data.event} in ${cohortName(data, cohort)}` : `Cohort: first touch ${data.by} ${cohort.key}`;
  const save = useApiMutation(() => api.post('/api/segments', { body: { name, description: 'Saved from the Cohorts tab', condition: cohort.condition } }), {
    invalidates: ['/api/segments'],
    onSuccess: (r) => navigate(`/segments/${encodeURIComponent(r.segment.id)}?job=${r.job.id}`),
  });
  return (
    <IfCan needs="marketing.write">
      <button type="button" className="btn btn-small" disabled={save.isPending} aria-label={`Save ${cohortName(data, cohort)} as a segment`} onClick={() => save.mutate()}>
        Save as segment
      </button>
      {save.error ? (
        <span className="seg-row-error" role="alert">
          {save.error.message}
        </span>
      ) : null}
    </IfCan>
  );
}
