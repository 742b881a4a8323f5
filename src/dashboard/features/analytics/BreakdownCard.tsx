import { useMemo } from 'react';
import type { Breakdown, MetricBreakdown, MetricInfo } from '../../../contracts/metrics.js';
import { useApi } from '../../api/hooks.js';
import { Chart } from '../../components/Chart.js';
import { Card } from '../../components/layout.js';
import { fmtNumber, fmtUnit } from '../../components/format.js';
import { Empty, QueryView } from '../../components/states.js';
import { setSearch } from '../../router.js';
import type { DayRange } from './dates.js';

const BYS: Array<{ key: Breakdown; label: string }> = [
  { key: 'channel', label: 'Acquisition channel' },
  { key: 'stage', label: 'Lifecycle stage' },
  { key: 'segment', label: 'Segment' },
  { key: 'cohort', label: 'Sign-up cohort' },
];

/** The metric over the whole range for each channel, stage, segment or cohort: a horizontal bar chart and a table. */
export function BreakdownCard({ info, range, params, by, currency }: { info: MetricInfo; range: DayRange; params: Record<string, string>; by: Breakdown | null; currency: string }) {
  const q = useApi('/api/metrics/:name/breakdown', by ? { params: { name: info.name }, query: { from: range.from, to: range.to, by, ...params } } : null, { keepPrevious: true });
  const data = q.data && q.data.by === by && q.data.name === info.name ? q.data : undefined;
  const option = useMemo(() => (data ? barOption(data, currency) : null), [data, currency]);
  const chartHeight = Math.max(160, Math.min(520, (data?.rows.length ?? 6) * 30 + 40));
  return (
    <Card
      title="Breakdown"
      className="ana-breakdown"
      actions={
        <select aria-label="Break down by" value={by ?? ''} onChange={(e) => setSearch({ by: e.target.value || undefined })}>
          <option value="">Break down by…</option>
          {BYS.map((b) => (
            <option key={b.key} value={b.key}>
              {b.label}
            </option>
          ))}
        </select>
      }
    >
      {!by ? (
        <Empty title="Choose what to break down by">{info.title} over the whole range for each acquisition channel, lifecycle stage, segment or sign-up cohort.</Empty>
      ) : (
        <QueryView
          query={{ ...q, data, isPending: q.isPending || (!data && q.isFetching) }}
          empty={{ title: `Nothing to break down by ${by}`, hint: by === 'segment' ? 'Save a customer segment first.' : undefined }}
          isEmpty={(d) => d.rows.length === 0}
          height={200}
        >
          {(d) => (
            <div className="grid grid-2 ana-breakdown-body">
              <Chart
                key={`${d.name}|${d.by}|${d.from}|${d.to}`}
                option={option}
                label={`${info.title} by ${by}`}
                height={chartHeight}
                empty={d.rows.every((r) => r.value === null) ? 'No values for any ' + by : false}
              />
              <div className="table-wrap">
                <table aria-label={`${info.title} by ${by}`}>
                  <thead>
                    <tr>
                      <th scope="col">{BYS.find((b) => b.key === by)?.label}</th>
                      <th scope="col" className="num">
                        {info.title}
                      </th>
                      <th scope="col" className="num">
                        Customers
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.rows.map((r) => (
                      <tr key={r.key} data-key={r.key} data-value={r.value === null ? '' : String(r.value)} data-customers={r.customers}>
                        <th scope="row">{r.label}</th>
                        <td className="num">{fmtUnit(r.value, d.unit, currency)}</td>
                        <td className="num">{fmtNumber(r.customers)}</td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <th scope="row">Everyone</th>
                      <td className="num">{fmtUnit(d.total, d.unit, currency)}</td>
                      <td />
                    </tr>
                  </tfoot>
                </table>
                <p className="muted ana-hint">Over the whole range, for everyone in each group (the slice above does not apply here).</p>
              </div>
            </div>
          )}
        </QueryView>
      )}
    </Card>
  );
}

function barOption(d: MetricBreakdown, currency: string) {
  // Largest at the top: ECharts draws a category y axis bottom-up.
  const rows = [...d.rows].filter((r) => r.value !== null).sort((a, b) => (a.value ?? 0) - (b.value ?? 0));
  return {
    grid: { left: 8, right: 24, top: 8, bottom: 24, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => fmtUnit(typeof v === 'number' ? v : null, d.unit, currency) },
    xAxis: { type: 'value', axisLabel: { formatter: (v: number) => Intl.NumberFormat('en-US', { notation: 'compact' }).format(v) } },
    yAxis: { type: 'category', data: rows.map((r) => r.label), axisLabel: { width: 140, overflow: 'truncate' } },
    series: [{ type: 'bar', name: d.name, data: rows.map((r) => r.value), barMaxWidth: 22, itemStyle: { borderRadius: [0, 4, 4, 0] } }],
  };
}
