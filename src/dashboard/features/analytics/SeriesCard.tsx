import { useMemo } from 'react';
import type { MetricInfo, MetricSeries } from '../../../contracts/metrics.js';
import { Chart, PALETTE } from '../../components/Chart.js';
import { Badge, Card } from '../../components/layout.js';
import { fmtUnit } from '../../components/format.js';
import { addDays, fmtDay } from '../../components/dates.js';
import { fmtPeriod } from './dates.js';

/** Metrics whose value over the range is the sum of their periods. */
const SUMS = new Set(['revenue', 'orders', 'new_customers']);

/** Words for the API's flags. */
export function flagText(flag: string): string {
  if (flag === 'below_3_to_1') return 'CLV:CAC below 3:1';
  return flag.replaceAll('_', ' ');
}

/** The metric over time: its total over the range (with `data-total`), flags, and a line (bar for counts). */
export function SeriesCard({
  info,
  query,
  currency,
}: {
  info: MetricInfo | undefined;
  query: { data: MetricSeries | undefined; error: unknown; isPending: boolean; isFetching: boolean };
  currency: string;
}) {
  const data = query.data;
  const option = useMemo(() => (data ? seriesOption(data, currency) : null), [data, currency]);
  const flagged = data?.series.filter((p) => p.flag) ?? [];
  const allNull = data ? data.series.every((p) => p.value === null) : false;
  return (
    <Card title={info ? `${info.title} over time` : 'Metric over time'} actions={query.isFetching && data ? <span className="muted">Updating…</span> : null} className="ana-series">
      {data ? (
        <div className="ana-total-row">
          <div className="kpi">
            <div className="kpi-label">{SUMS.has(data.name) ? 'Total' : 'Over the whole range'}</div>
            <div
              className="kpi-value"
              data-testid="metric-total"
              data-total={data.total === null ? '' : String(data.total)}
              data-from={data.from}
              data-to={data.to}
              data-interval={data.interval}
              aria-label={`Total ${fmtUnit(data.total, data.unit, currency)}`}
            >
              {fmtUnit(data.total, data.unit, currency)}
            </div>
            <div className="kpi-foot muted">
              {fmtDay(data.from)} – {fmtDay(addDays(data.to, -1))}, by {data.interval}
            </div>
          </div>
          <div className="ana-flags">
            {data.flag ? <Badge tone="bad">{flagText(data.flag)} over the range</Badge> : null}
            {flagged.length > 0 ? (
              <Badge tone="warn" title={flagged.map((p) => `${fmtDay(p.start)}: ${flagText(p.flag!)}`).join('\n')}>
                {flagged.length} flagged {flagged.length === 1 ? 'period' : 'periods'} ({flagText(flagged[0]!.flag!)})
              </Badge>
            ) : null}
            {data.total === null ? <span className="muted">Undefined over this range (a zero denominator).</span> : null}
          </div>
        </div>
      ) : null}
      {/* A fresh chart per request: <Chart> keeps its ECharts instance across its loading state. */}
      <Chart
        key={data ? `${data.name}|${data.from}|${data.to}|${data.interval}|${JSON.stringify(data.slice)}` : 'loading'}
        option={option}
        loading={query.isPending && !query.error}
        error={query.error}
        label={info ? `${info.title} per ${data?.interval ?? 'period'}` : 'Metric over time'}
        empty={data && (data.series.length === 0 || allNull) ? 'No values in this range' : false}
        emptyHint="The metric is undefined in every period (nothing to divide by). Try a longer range or another slice."
        height={300}
      />
    </Card>
  );
}

function seriesOption(d: MetricSeries, currency: string) {
  const isBar = d.unit === 'count' || d.interval === 'quarter';
  const fmt = (v: number | null) => fmtUnit(v, d.unit, currency);
  return {
    grid: { left: 64, right: 16, top: 16, bottom: 40 },
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v: unknown) => fmt(typeof v === 'number' ? v : null),
    },
    // The period still running is labelled partial; the value axis always shows zero.
    xAxis: { type: 'category', data: d.series.map((p) => `${fmtPeriod(p.start, d.interval)}${p.partial ? ' (partial)' : ''}`), axisTick: { alignWithLabel: true } },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => fmtAxis(v, d.unit) }, scale: false },
    series: [
      {
        name: d.name,
        type: isBar ? 'bar' : 'line',
        smooth: false,
        connectNulls: false,
        showSymbol: d.series.length <= 60,
        areaStyle: isBar ? undefined : { opacity: 0.08 },
        barMaxWidth: 28,
        data: d.series.map((p) =>
          p.flag
            ? { value: p.value, itemStyle: { color: '#ef4444' }, symbol: 'triangle', symbolSize: 10 }
            : p.partial
              ? { value: p.value, itemStyle: { opacity: 0.45 }, symbol: 'emptyCircle' }
              : p.value,
        ),
        itemStyle: { color: PALETTE[0] },
      },
    ],
  };
}

/** Short axis labels: 12k, 40%, 3.2×. */
function fmtAxis(v: number, unit: string): string {
  const compact = Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(v);
  if (unit === 'percent') return `${compact}%`;
  if (unit === 'ratio') return `${compact}×`;
  return compact;
}
