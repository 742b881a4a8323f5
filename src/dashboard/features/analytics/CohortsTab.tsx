import { useMemo } from 'react';
import type { CohortRetention, Interval } from '../../../contracts/metrics.js';
import type { ApiError } from '../../api/client.js';
import { useApi } from '../../api/hooks.js';
import { Chart } from '../../components/Chart.js';
import { Card } from '../../components/layout.js';
import { fmtMoney, fmtNumber, fmtPercent } from '../../components/format.js';
import { setSearch } from '../../router.js';
import { fmtPeriod, INTERVALS, type DayRange } from './dates.js';
import { RangeControl } from './RangeControl.js';
import { CommitInput, Field, fieldError } from './shared.js';
import { EVENTS_LIST_ID } from './vocabulary.js';
import { EV } from '../../../contracts/events.js';

/** The Cohorts tab: retention by cohort (period of a first event) and period k after it, as a heatmap. */
export function CohortsTab({ search, range, timezone, currency }: { search: URLSearchParams; range: DayRange; timezone: string | undefined; currency: string }) {
  const interval = (INTERVALS as string[]).includes(search.get('cinterval') ?? '') ? (search.get('cinterval') as Interval) : 'month';
  const measure = search.get('measure') === 'revenue' ? 'revenue' : 'customers';
  const cohortEvent = search.get('cohortEvent') ?? '';
  const returnEvent = search.get('returnEvent') ?? '';
  const q = useApi(
    '/api/cohorts/retention',
    { query: { from: range.from, to: range.to, interval, measure, cohortEvent: cohortEvent || undefined, returnEvent: returnEvent || undefined } },
    { keepPrevious: true, retry: (n, e) => e.status >= 500 && n < 2 },
  );
  const err = q.error as ApiError | null;
  const data = q.error ? undefined : q.data;
  const option = useMemo(() => (data ? heatmapOption(data, currency) : null), [data, currency]);
  const periods = data ? Math.max(0, ...data.cohorts.map((c) => c.values.length)) : 0;
  const noCohorts = !!data && data.cohorts.every((c) => c.size === 0);
  const height = noCohorts ? 240 : Math.max(260, Math.min(760, (data?.cohorts.length ?? 8) * 34 + 90));
  const fmtCell = (v: number | null) => (measure === 'revenue' ? fmtMoney(v, currency) : fmtPercent(v, 0));
  return (
    <div className="stack">
      <Card className="ana-controls">
        <div className="ana-controls-grid">
          <RangeControl range={range} timezone={timezone} errors={{ from: fieldError(err, 'from'), to: fieldError(err, 'to') }} />
          <Field label="Cohorts by" error={fieldError(err, 'interval')}>
            <select aria-label="Cohort interval" value={interval} onChange={(e) => setSearch({ cinterval: e.target.value })}>
              {INTERVALS.map((i) => (
                <option key={i} value={i}>
                  {i[0]!.toUpperCase() + i.slice(1)}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Measure">
            <div className="ana-toggle" role="group" aria-label="Measure">
              {(['customers', 'revenue'] as const).map((m) => (
                <button
                  key={m}
                  type="button"
                  className={`btn btn-small ${measure === m ? 'btn-primary' : ''}`}
                  aria-pressed={measure === m}
                  onClick={() => setSearch({ measure: m === 'customers' ? undefined : m })}
                >
                  {m === 'customers' ? 'Customers returning' : 'Revenue per customer'}
                </button>
              ))}
            </div>
          </Field>
          <Field label="Cohort event (first time)" error={fieldError(err, 'cohortEvent')}>
            <CommitInput label="Cohort event" list={EVENTS_LIST_ID} placeholder="Signed Up" value={cohortEvent} onCommit={(v) => setSearch({ cohortEvent: v })} />
          </Field>
          {measure === 'customers' ? (
            <Field label="Return event" error={fieldError(err, 'returnEvent')}>
              <CommitInput label="Return event" list={EVENTS_LIST_ID} placeholder="Any event of their own" value={returnEvent} onCommit={(v) => setSearch({ returnEvent: v })} />
            </Field>
          ) : null}
        </div>
      </Card>
      <Card title="Cohort retention" className="ana-cohorts" actions={q.isFetching && data ? <span className="muted">Updating…</span> : null}>
        <p className="muted ana-hint">
          Each row is the customers whose first <strong>{data?.cohortEvent ?? (cohortEvent || EV.signedUp)}</strong> fell in that {interval}; each column is the {interval} after it (0 = their own).{' '}
          {measure === 'customers' ? `Cells: the share who did ${data?.returnEvent ? `“${data.returnEvent}”` : 'anything'} in that ${interval}.` : 'Cells: net revenue in that period ÷ cohort size.'}
        </p>
        {/* Cells stay readable on a phone: the heatmap scrolls sideways instead of shrinking. */}
        <div className="ana-heatmap-scroll">
          <div style={{ minWidth: noCohorts ? undefined : periods * 46 + 130 }}>
            <Chart
              key={data ? `${data.from}|${data.to}|${data.interval}|${data.measure}|${data.cohortEvent}|${data.returnEvent}` : 'loading'}
              option={option}
              loading={!data && !q.error}
              error={q.error}
              height={height}
              label={`Cohort retention heatmap by ${interval}, ${measure}`}
              empty={noCohorts ? 'No cohorts in this range' : false}
              emptyHint={`Nobody did “${data?.cohortEvent ?? EV.signedUp}” for the first time in this range. Try a longer range or another cohort event.`}
            />
          </div>
        </div>
        {data && !noCohorts ? (
          <details className="ana-cohort-table">
            <summary>Show as a table</summary>
            <div className="table-wrap">
              <table aria-label="Cohort retention table">
                <thead>
                  <tr>
                    <th scope="col">Cohort</th>
                    <th scope="col" className="num">
                      Size
                    </th>
                    {Array.from({ length: periods }, (_, k) => (
                      <th key={k} scope="col" className="num">
                        {k}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {data.cohorts.map((c) => (
                    <tr key={c.start} data-start={c.start} data-size={c.size}>
                      <th scope="row">{fmtPeriod(c.start, interval)}</th>
                      <td className="num">{fmtNumber(c.size)}</td>
                      {Array.from({ length: periods }, (_, k) => (
                        <td key={k} className="num">
                          {k < c.rates.length ? fmtCell(c.rates[k] ?? null) : ''}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        ) : null}
      </Card>
    </div>
  );
}

function heatmapOption(d: CohortRetention, currency: string) {
  const rows = d.cohorts;
  const periods = Math.max(0, ...rows.map((c) => c.values.length));
  const revenue = d.measure === 'revenue';
  // Row 0 (the oldest cohort) at the top.
  const yLabels = rows.map((c) => `${fmtPeriod(c.start, d.interval)} · ${fmtNumber(c.size)}`);
  const cells: Array<[number, number, number | null]> = [];
  let max = 0;
  rows.forEach((c, y) =>
    c.rates.forEach((r, k) => {
      // Period 0 is everyone by definition; leave it out of the colour scale so later periods show their spread.
      if (r !== null && (k > 0 || revenue)) max = Math.max(max, r);
      cells.push([k, y, r]);
    }),
  );
  const fmt = (v: number | null) => (revenue ? fmtMoney(v, currency, 0) : fmtPercent(v, 0));
  // Cells of the period still running cover only part of it: marked (hatched, "…") so a low figure is not read as a drop.
  const partial = (y: number, k: number) => d.currentPeriod !== null && rows[y + k]?.start === d.currentPeriod;
  return {
    grid: { left: 8, right: 16, top: 28, bottom: 56, containLabel: true },
    tooltip: {
      formatter: (p: { value: [number, number, number | null] }) => {
        const [k, y, r] = p.value;
        const c = rows[y]!;
        return `${fmtPeriod(c.start, d.interval)} cohort (${fmtNumber(c.size)})<br/>${d.interval} ${k}: ${revenue ? `${fmtMoney(c.values[k] ?? 0, currency)} (${fmt(r)} per customer)` : `${fmtNumber(c.values[k] ?? 0)} returned (${fmt(r)})`}${partial(y, k) ? `<br/><i>This ${d.interval} is not over yet: partial figure.</i>` : ''}`;
      },
    },
    xAxis: {
      type: 'category',
      name: `${d.interval} after`,
      nameLocation: 'middle',
      nameGap: 26,
      position: 'top',
      data: Array.from({ length: periods }, (_, k) => String(k)),
      splitArea: { show: true },
      axisTick: { show: false },
    },
    yAxis: { type: 'category', data: yLabels, inverse: true, splitArea: { show: true }, axisTick: { show: false } },
    visualMap: {
      min: 0,
      max: max || 1,
      calculable: false,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      itemHeight: 160,
      itemWidth: 12,
      text: [fmt(max || 1), fmt(0)],
      inRange: { color: ['#eef2ff', '#a5b4fc', '#4f46e5', '#312e81'] },
    },
    series: [
      {
        type: 'heatmap',
        // Dark cells get white figures.
        data: cells.map((v) => ({
          value: v,
          label: { color: v[2] !== null && v[2] > (max || 1) * 0.55 ? '#fff' : '#1f2937' },
          ...(partial(v[1], v[0]) ? { itemStyle: { opacity: 0.55, decal: { symbol: 'rect', dashArrayX: [1, 0], dashArrayY: [2, 4], rotation: -Math.PI / 4, color: 'rgba(0,0,0,0.12)' } } } : {}),
        })),
        label: { show: true, fontSize: 11, formatter: (p: { value: [number, number, number | null] }) => `${fmt(p.value[2])}${partial(p.value[1], p.value[0]) ? '…' : ''}` },
        itemStyle: { borderColor: '#fff', borderWidth: 2, borderRadius: 3 },
        emphasis: { itemStyle: { borderColor: '#111827', borderWidth: 1 } },
      },
    ],
  };
}
