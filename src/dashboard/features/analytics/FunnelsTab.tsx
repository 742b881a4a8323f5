import { useMemo } from 'react';
import type { Funnel } from '../../../contracts/metrics.js';
import type { ApiError } from '../../api/client.js';
import { useApi } from '../../api/hooks.js';
import { Chart } from '../../components/Chart.js';
import { Card } from '../../components/layout.js';
import { fmtNumber, fmtPercent, fmtSeconds } from '../../components/format.js';
import { Empty, QueryView } from '../../components/states.js';
import { setSearch } from '../../router.js';
import type { DayRange } from './dates.js';
import { FunnelBuilder, funnelProblem } from './FunnelBuilder.js';
import { RangeControl } from './RangeControl.js';
import { Field, fieldError } from './shared.js';

const WINDOWS = [
  ['1h', '1 hour'],
  ['24h', '24 hours'],
  ['7d', '7 days'],
  ['14d', '14 days'],
  ['30d', '30 days'],
  ['90d', '90 days'],
] as const;

/** The Funnels tab: a step builder, the conversion window and range, an ECharts funnel and the step table. */
export function FunnelsTab({ search, range, timezone }: { search: URLSearchParams; range: DayRange; timezone: string | undefined }) {
  const steps = (search.get('steps') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const within = search.get('within') ?? '7d';
  const ready = steps.length >= 2 && funnelProblem(steps) === null;
  const q = useApi('/api/funnels', ready ? { query: { from: range.from, to: range.to, steps: steps.join(','), within } } : null, { keepPrevious: true, retry: (n, e) => e.status >= 500 && n < 2 });
  const err = q.error as ApiError | null;
  const data = ready && !q.error ? q.data : undefined;
  const option = useMemo(() => (data ? funnelOption(data) : null), [data]);
  return (
    <div className="stack">
      <div className="grid grid-2 ana-funnel-top">
        <Card title="Steps">
          <FunnelBuilder steps={steps} />
        </Card>
        <Card title="Options">
          <div className="ana-controls-grid ana-controls-narrow">
            <RangeControl range={range} timezone={timezone} errors={{ from: fieldError(err, 'from'), to: fieldError(err, 'to') }} />
            <Field label="Conversion window (from step 1)" error={fieldError(err, 'within')}>
              <select aria-label="Conversion window" value={within} onChange={(e) => setSearch({ within: e.target.value === '7d' ? undefined : e.target.value })}>
                {WINDOWS.map(([k, l]) => (
                  <option key={k} value={k}>
                    {l}
                  </option>
                ))}
                {!WINDOWS.some(([k]) => k === within) ? <option value={within}>{within}</option> : null}
              </select>
            </Field>
          </div>
          <p className="muted ana-hint">
            Customers whose first step fell in the range, and who did each later step in order within the window after step 1. A step is an event name, or stage:KEY for entering a lifecycle stage.
          </p>
        </Card>
      </div>
      <Card title="Funnel" actions={q.isFetching && data ? <span className="muted">Updating…</span> : null}>
        {!ready ? (
          <Empty title="Build a funnel to see it">Give at least two steps, then choose “Show funnel”.</Empty>
        ) : (
          <QueryView
            query={{ ...q, data, isPending: !data && !q.error, error: q.error }}
            height={260}
            empty={{ title: 'Nobody did the first step in this range', hint: `No “${steps[0]}” between these dates. Try a longer range or another first step.` }}
            isEmpty={(d) => (d.steps[0]?.count ?? 0) === 0}
          >
            {(d) => (
              <div className="ana-funnel-body">
                <Chart option={option} label={`Funnel: ${d.steps.map((s) => s.step).join(' → ')}`} height={Math.max(240, d.steps.length * 56)} />
                <div className="table-wrap">
                  <table aria-label="Funnel steps table">
                    <thead>
                      <tr>
                        <th scope="col">Step</th>
                        <th scope="col" className="num">
                          Count
                        </th>
                        <th scope="col" className="num" title="Conversion from the previous step">
                          From previous
                        </th>
                        <th scope="col" className="num">
                          Overall
                        </th>
                        <th scope="col" className="num">
                          Drop-off
                        </th>
                        <th scope="col" className="num" title="Median time from the previous step">
                          Median time
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.steps.map((s, i) => (
                        <tr key={i} data-step={s.step} data-count={s.count}>
                          <th scope="row">
                            {i + 1}. {s.step}
                          </th>
                          <td className="num">{fmtNumber(s.count)}</td>
                          <td className="num">{i === 0 ? '—' : fmtPercent(s.conversion)}</td>
                          <td className="num">{fmtPercent(s.overall)}</td>
                          <td className="num">{i === 0 ? '—' : fmtNumber(s.dropOff)}</td>
                          <td className="num">{i === 0 ? '—' : fmtSeconds(s.medianSecondsFromPrevious)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </div>
            )}
          </QueryView>
        )}
      </Card>
    </div>
  );
}

function funnelOption(d: Funnel) {
  const first = d.steps[0]?.count || 1;
  return {
    tooltip: { trigger: 'item', formatter: (p: { name: string; value: number; dataIndex: number }) => `${p.name}<br/>${fmtNumber(p.value)} (${fmtPercent(p.value / first)} of step 1)` },
    series: [
      {
        type: 'funnel',
        sort: 'none',
        left: '8%',
        width: '84%',
        top: 8,
        bottom: 8,
        min: 0,
        max: first,
        minSize: '8%',
        gap: 2,
        label: {
          show: true,
          position: 'inside',
          color: '#fff',
          fontSize: 12,
          lineHeight: 17,
          formatter: (p: { name: string; value: number }) => `${p.name}\n${fmtNumber(p.value)} · ${fmtPercent(p.value / first, 0)}`,
        },
        itemStyle: { borderColor: '#fff', borderWidth: 1 },
        data: d.steps.map((s, i) => ({ name: `${i + 1}. ${s.step}`, value: s.count })),
      },
    ],
  };
}
