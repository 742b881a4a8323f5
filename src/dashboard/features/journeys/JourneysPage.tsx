import { useApi } from '../../api/hooks.js';
import { IfCan } from '../../components/ReadOnly.js';
import { fmtNumber, fmtPercent, fmtRelative } from '../../components/format.js';
import { Badge, Card, PageHeader } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { useNames } from '../../components/useNames.js';
import { Link, navigate } from '../../router.js';
import type { PageProps } from '../../routes.js';
import { goalSummary, triggerSummary } from './describe.js';
import { OutboxBanner } from './OutboxBanner.js';
import { STATUS_TONE, type JourneyView } from './types.js';
import './journeys.css';

/** A journey's counts, from its own stats call. */
function Counts({ j }: { j: JourneyView }) {
  const s = useApi('/api/journeys/:id/stats', { params: { id: j.id } }, { refetchInterval: 30_000 });
  if (s.error)
    return (
      <td colSpan={4} className="muted">
        Counts unavailable: {s.error.message}
      </td>
    );
  if (!s.data)
    return (
      <td colSpan={4} className="muted">
        Loading counts…
      </td>
    );
  const d = s.data;
  return (
    <>
      <td className="num">{fmtNumber(d.entered)}</td>
      <td className="num">{fmtNumber(d.active)}</td>
      <td className="num">{fmtNumber(d.completed)}</td>
      <td className="num" title={j.definition.goal ? undefined : 'No goal set'}>
        {j.definition.goal ? `${fmtNumber(d.converted)} (${fmtPercent(d.entered ? d.converted / d.entered : null)})` : '—'}
      </td>
    </>
  );
}

/** `/journeys`: every journey with its status, trigger and counts. */
export default function JourneysPage(_props: PageProps) {
  const q = useApi('/api/journeys');
  const names = useNames();
  return (
    <>
      <PageHeader
        title="Journeys"
        subtitle="Automations that move customers along the lifecycle: a trigger, then waits, branches and messages."
        actions={
          <IfCan needs="marketing.write">
            <button type="button" className="btn btn-primary" onClick={() => navigate('/journeys/new')}>
              New journey
            </button>
          </IfCan>
        }
      />
      <OutboxBanner />
      <Card>
        <QueryView query={q} isEmpty={(d) => d.journeys.length === 0} empty={{ title: 'No journeys yet', hint: 'Create one with “New journey”.' }}>
          {(d) => (
            <div className="table-wrap">
              <table aria-label="Journeys">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Status</th>
                    <th>Trigger</th>
                    <th className="num">Entered</th>
                    <th className="num">Active</th>
                    <th className="num">Completed</th>
                    <th className="num">Converted</th>
                    <th>Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {d.journeys.map((j) => (
                    <tr key={j.id}>
                      <td>
                        <Link to={`/journeys/${encodeURIComponent(j.id)}`}>{j.name}</Link>
                        {j.description ? (
                          <div className="muted jny-cell-clip" title={j.description}>
                            {j.description}
                          </div>
                        ) : null}
                      </td>
                      <td>
                        <Badge tone={STATUS_TONE[j.status]}>{j.status}</Badge>
                        {j.liveVersion !== null && j.liveVersion !== j.version ? <div className="muted">v{j.version} draft</div> : null}
                      </td>
                      <td>
                        {triggerSummary(j.definition.trigger, names)}
                        <div className="muted">{goalSummary(j.definition) ?? 'No goal'}</div>
                      </td>
                      <Counts j={j} />
                      <td title={j.updatedAt}>{fmtRelative(j.updatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </Card>
    </>
  );
}
