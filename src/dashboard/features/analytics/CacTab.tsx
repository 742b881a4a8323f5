import { useMemo } from 'react';
import type { MetricBreakdown } from '../../../contracts/metrics.js';
import type { z } from 'zod';
import type { SpendList as SpendListSchema } from '../../../contracts/spend.js';
import type { ApiError } from '../../api/client.js';
import { useApi } from '../../api/hooks.js';
import { Chart } from '../../components/Chart.js';
import { Badge, Card } from '../../components/layout.js';
import { fmtMoney, fmtNumber } from '../../components/format.js';
import { Empty, ErrorNote, Loading } from '../../components/states.js';
import { setSearch } from '../../router.js';
import type { DayRange } from './dates.js';
import { RangeControl } from './RangeControl.js';
import { CommitInput, Field, fieldError } from './shared.js';

type SpendList = z.infer<typeof SpendListSchema>;

/** One channel's row: CAC and CLV from the two breakdowns, spend from /api/spend. */
interface ChannelRow {
  key: string;
  label: string;
  customers: number;
  cac: number | null;
  clv: number | null;
  spend: Array<{ currency: string; amount: number }>;
  ratio: number | null;
}

/** Join the CAC and CLV breakdowns (by channel) with the spend totals. */
function joinRows(cac: MetricBreakdown, clv: MetricBreakdown, spend: SpendList): ChannelRow[] {
  const clvBy = new Map(clv.rows.map((r) => [r.key, r.value]));
  return cac.rows.map((r) => {
    const v = clvBy.get(r.key) ?? null;
    return {
      key: r.key,
      label: r.label,
      customers: r.customers,
      cac: r.value,
      clv: v,
      spend: spend.totals.filter((t) => t.channel === r.key).map((t) => ({ currency: t.currency, amount: t.amount })),
      ratio: r.value !== null && r.value > 0 && v !== null ? v / r.value : null,
    };
  });
}

/** The CAC vs CLV tab: per acquisition channel, what a customer costs against what one brings, with the 3:1 guide. */
export function CacTab({ search, range, timezone, currency }: { search: URLSearchParams; range: DayRange; timezone: string | undefined; currency: string }) {
  const margin = search.get('margin') ?? '';
  const q = { from: range.from, to: range.to };
  const spend = useApi('/api/spend', { query: q }, { keepPrevious: true, retry: (n, e) => e.status >= 500 && n < 2 });
  const hasSpend = (spend.data?.totals.length ?? 0) > 0;
  const cac = useApi('/api/metrics/:name/breakdown', hasSpend ? { params: { name: 'cac' }, query: { ...q, by: 'channel' } } : null, { keepPrevious: true });
  const clv = useApi('/api/metrics/:name/breakdown', hasSpend ? { params: { name: 'clv' }, query: { ...q, by: 'channel', margin: margin || undefined } } : null, { keepPrevious: true });
  const err = (spend.error ?? cac.error ?? clv.error) as ApiError | null;
  const rows = useMemo(() => (cac.data && clv.data && spend.data ? joinRows(cac.data, clv.data, spend.data) : null), [cac.data, clv.data, spend.data]);
  const option = useMemo(() => (rows ? scatterOption(rows, currency) : null), [rows, currency]);
  const marginErr = fieldError(clv.error, 'margin');

  let body;
  if (err && !marginErr) body = <ErrorNote error={err} retry={() => void Promise.all([spend.refetch(), cac.refetch(), clv.refetch()])} />;
  else if (spend.data && !hasSpend)
    body = (
      <Empty title="No marketing spend in this range">
        CAC is spend ÷ new customers, so it needs spend. Send it with <code>POST /api/spend</code> (rows of day, channel, campaign, amount, currency) or import a CSV with{' '}
        <code>tenure import spend FILE.csv</code>.
      </Empty>
    );
  else if (!rows) body = <Loading label="Loading CAC and CLV by channel…" height={320} />;
  else
    body = (
      <div className="stack">
        <Chart
          key={`${range.from}|${range.to}|${margin}`}
          option={option}
          label="CLV against CAC per acquisition channel, with the CLV = 3 × CAC line"
          height={340}
          empty={rows.every((r) => r.cac === null || r.cac <= 0 || r.clv === null) ? 'No channel has both a CAC and a CLV in this range' : false}
        />
        <div className="table-wrap">
          <table aria-label="CAC and CLV by channel">
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col" className="num">
                  Spend
                </th>
                <th scope="col" className="num">
                  CAC
                </th>
                <th scope="col" className="num">
                  CLV
                </th>
                <th scope="col" className="num">
                  CLV : CAC
                </th>
                <th scope="col" className="num">
                  Customers
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key} data-channel={r.key}>
                  <th scope="row">{r.label}</th>
                  <td className="num">{r.spend.length ? r.spend.map((s) => fmtMoney(s.amount, s.currency)).join(' + ') : <span className="muted">none</span>}</td>
                  <td className="num">{fmtMoney(r.cac, currency)}</td>
                  <td className="num">{fmtMoney(r.clv, currency)}</td>
                  <td className="num">
                    {r.ratio === null ? (
                      <span className="muted" title={r.cac === 0 ? 'No spend: nothing to divide by' : 'Undefined'}>
                        —
                      </span>
                    ) : (
                      <>
                        {fmtNumber(r.ratio, 1)}×{' '}
                        {r.ratio < 3 ? (
                          <Badge tone="bad" title="Under the 3:1 rule of thumb">
                            below 3:1
                          </Badge>
                        ) : null}
                      </>
                    )}
                  </td>
                  <td className="num">{fmtNumber(r.customers)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="muted ana-hint">
          CAC: the channel’s spend in the range ÷ its new customers (first order) in the range. CLV: historical net revenue per paying customer to the end of the range
          {margin ? `, times a margin of ${margin}` : ''}. A ratio under 3 is the usual warning sign.
        </p>
      </div>
    );

  return (
    <div className="stack">
      <Card className="ana-controls">
        <div className="ana-controls-grid">
          <RangeControl range={range} timezone={timezone} errors={{ from: fieldError(err, 'from'), to: fieldError(err, 'to') }} />
          <Field label="CLV margin (0.3 = 30%)" error={marginErr}>
            <CommitInput label="CLV margin" type="number" step="any" placeholder="1 (revenue)" value={margin} invalid={!!marginErr} onCommit={(v) => setSearch({ margin: v })} />
          </Field>
        </div>
      </Card>
      <Card title="CAC vs CLV by acquisition channel">{body}</Card>
    </div>
  );
}

/** A round axis end at or above `x`: 322 → 350, 922 → 950, 41 → 45. */
function niceCeil(x: number): number {
  const step = 10 ** Math.floor(Math.log10(x)) / 2;
  return Math.ceil(x / step) * step;
}

function scatterOption(rows: ChannelRow[], currency: string) {
  const pts = rows.filter((r) => r.cac !== null && r.cac > 0 && r.clv !== null);
  const maxX = niceCeil(Math.max(1, ...pts.map((r) => r.cac!)) * 1.1);
  const maxY = niceCeil(Math.max(1, ...pts.map((r) => r.clv!)) * 1.15);
  const money = (v: number) => fmtMoney(v, currency, 0);
  return {
    grid: { left: 16, right: 24, top: 32, bottom: 40, containLabel: true },
    legend: { top: 0, data: ['Channels', 'CLV = 3 × CAC'] },
    // Points are green at or above 3:1 and red below it; the legend shows the guide.
    tooltip: {
      trigger: 'item',
      formatter: (p: { seriesName: string; data: { name?: string; value: [number, number]; ratio?: number } }) =>
        p.seriesName === 'Channels'
          ? `${p.data.name}<br/>CAC ${fmtMoney(p.data.value[0], currency)} · CLV ${fmtMoney(p.data.value[1], currency)}<br/>CLV:CAC ${fmtNumber(p.data.ratio ?? null, 1)}×`
          : 'CLV = 3 × CAC',
    },
    xAxis: { type: 'value', name: 'CAC', nameLocation: 'middle', nameGap: 28, min: 0, max: maxX, axisLabel: { formatter: money } },
    yAxis: { type: 'value', name: 'CLV', min: 0, max: maxY, axisLabel: { formatter: money } },
    series: [
      {
        name: 'Channels',
        type: 'scatter',
        symbolSize: 16,
        itemStyle: { color: '#10b981' },
        data: pts.map((r) => ({ name: r.label, value: [r.cac!, r.clv!], ratio: r.ratio, itemStyle: { color: r.ratio !== null && r.ratio < 3 ? '#ef4444' : '#10b981' } })),
        label: { show: true, position: 'right', formatter: (p: { name: string }) => p.name, fontSize: 11, color: '#374151' },
      },
      {
        name: 'CLV = 3 × CAC',
        type: 'line',
        showSymbol: false,
        silent: true,
        data: [
          [0, 0],
          [maxX, 3 * maxX],
        ],
        lineStyle: { type: 'dashed', color: '#64748b' },
        itemStyle: { color: '#64748b' },
      },
    ],
  };
}
