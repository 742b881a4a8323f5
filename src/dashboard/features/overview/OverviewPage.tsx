import { useEffect, useMemo, useState } from 'react';
import { useApi } from '../../api/hooks.js';
import { useWorkspace } from '../../api/workspace.js';
import { Card, PageHeader } from '../../components/layout.js';
import { ErrorNote, Loading } from '../../components/states.js';
import { setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../../routes.js';
import { dayStartISO, fmtRange } from '../../components/dates.js';
import { PERIODS, periodFromSearch, periodsFor } from './dates.js';
import { IndicatorGroups } from './IndicatorGroups.js';
import { KpiCard } from './KpiCard.js';
import { HEADLINE } from './kpis.js';
import { useMetrics } from './queries.js';
import { StageFunnel } from './StageFunnel.js';
import { StageSankey } from './StageSankey.js';
import { DemoPreparing, useDemoStatus } from './DemoPreparing.js';
import './overview.css';

/** Set once per page load: the first time every headline KPI has answered. */
let readyMarked = false;

function PeriodPicker({ value }: { value: number }) {
  return (
    <div className="ov-periods" role="group" aria-label="Period">
      {PERIODS.map((d) => (
        <button
          key={d}
          type="button"
          className={d === value ? 'btn btn-small btn-primary' : 'btn btn-small'}
          aria-pressed={d === value}
          onClick={() => setSearch({ period: d === 30 ? undefined : d })}
        >
          Last {d} days
        </button>
      ))}
    </div>
  );
}

/**
 * The overview: headline KPIs for the period against the previous one, customers per
 * stage (funnel), moves between stages (Sankey), and every metric grouped as leading or
 * lagging. The KPI cards draw as their own requests answer; the charts load after.
 */
export default function OverviewPage(_props: PageProps) {
  const { search } = useLocation();
  const days = periodFromSearch(search);
  const ws = useWorkspace();
  const tz = ws.timezone;
  const periods = useMemo(() => (tz ? periodsFor(days, tz) : null), [days, tz]);

  // While the server prepares the demo, its numbers are not final: nothing is asked for until it is ready.
  const demo = useDemoStatus();
  const live = periods !== null && demo.settled && !demo.preparing;
  const current = useMetrics(periods ? HEADLINE.map((k) => ({ name: k.name, from: periods.from, to: periods.to })) : [], live);
  const previous = useMetrics(periods ? HEADLINE.map((k) => ({ name: k.name, from: periods.prevFrom, to: periods.prevTo, interval: 'quarter' as const })) : [], live);
  const allSettled = live && current.length > 0 && [...current, ...previous].every((q) => !q.isPending);

  // The charts and the other metrics wait until the headline KPIs have answered once, so
  // they neither queue before them in the browser's few connections nor block the main thread.
  const [rest, setRest] = useState(false);
  useEffect(() => {
    if (!allSettled) return;
    if (!readyMarked) {
      readyMarked = true;
      performance.mark('tenure:overview-ready');
    }
    setRest(true);
  }, [allSettled]);

  const catalogue = useApi('/api/metrics', undefined, { staleTime: 10 * 60_000, enabled: rest });
  const model = useApi('/api/lifecycle/model', undefined, { enabled: rest });
  const dist = useApi('/api/lifecycle/distribution', undefined, { enabled: rest });
  const flowRange = periods && tz ? { from: dayStartISO(periods.from, tz), to: dayStartISO(periods.to, tz) } : undefined;
  const flows = useApi('/api/lifecycle/flows', flowRange ? { query: flowRange } : null, { keepPrevious: true, enabled: rest && flowRange !== undefined });

  if (ws.error) return <ErrorNote error={ws.error} retry={() => void ws.query.refetch()} />;
  if (!periods || !demo.settled) return <Loading label="Loading the workspace…" />;
  if (demo.preparing && demo.status) {
    return (
      <div className="ov-page">
        <PageHeader title="Overview" subtitle={<span className="muted">Your demo workspace is being prepared</span>} />
        <DemoPreparing status={demo.status} />
      </div>
    );
  }

  return (
    <div className="ov-page">
      <PageHeader
        title="Overview"
        subtitle={
          <span className="ov-range" data-from={periods.from} data-to={periods.to} data-prev-from={periods.prevFrom}>
            {fmtRange(periods.from, periods.to)}{' '}
            <span className="muted">
              compared with {fmtRange(periods.prevFrom, periods.prevTo)} · days in {tz}
            </span>
          </span>
        }
        actions={<PeriodPicker value={days} />}
      />
      <div className="grid grid-4 ov-kpis" aria-label="Headline KPIs" role="region">
        {HEADLINE.map((k, i) => (
          <KpiCard key={k.name} kpi={k} current={current[i]!} previous={previous[i]!} title={k.label} currency={ws.currency} />
        ))}
      </div>
      <div className="grid ov-charts section">
        <Card title="Customers per stage" actions={<span className="muted ov-small">now</span>}>
          <StageFunnel model={model.data} dist={dist.data} error={model.error ?? dist.error} loading={!rest || model.isPending || dist.isPending} />
        </Card>
        <Card title="Moves between stages" actions={<span className="muted ov-small">{fmtRange(periods.from, periods.to)}</span>} className="ov-sankey-card">
          <StageSankey model={model.data} flows={flows.data} error={model.error ?? flows.error} loading={!rest || model.isPending || flows.isPending} />
        </Card>
      </div>
      <IndicatorGroups catalogue={catalogue.data?.metrics} from={periods.from} to={periods.to} enabled={allSettled} currency={ws.currency} />
      {catalogue.error ? <ErrorNote error={catalogue.error} retry={() => void catalogue.refetch()} /> : null}
    </div>
  );
}
