import type { EChartsCoreOption } from 'echarts/core';

/** A feature name from the churn model, readable ("days_since_last_order" → "days since last order", "trait.plan=free" → "trait plan = free"). */
export function featureLabel(f: string): string {
  const named = f.startsWith('trait.') ? `trait ${f.slice(6)}` : f;
  return named.replace(/_/g, ' ').replace(/=/, ' = ');
}

const day = (iso: string) => iso.slice(0, 10);

/** One sentence on what the churn model was trained and validated on. */
export function churnSummary(m: { horizonDays: number; asOf: string; metrics: { trainAt: string; validationAt: string; trainCustomers: number; trainChurned: number } }): string {
  const v = m.metrics;
  return (
    `Churn here means no activity in the ${m.horizonDays} days after a snapshot. The model learnt from ${v.trainCustomers.toLocaleString('en-US')} customers as of ${day(v.trainAt)} ` +
    `(${v.trainChurned.toLocaleString('en-US')} of whom went quiet), was checked on the customers as of ${day(v.validationAt)}, whose next ${m.horizonDays} days it had not seen, ` +
    `then refitted on both and scored everyone as of ${day(m.asOf)}.`
  );
}

/** Predicted (line) and observed (bars) churn by decile of the prediction, both in percent, on a 0–100 axis. */
export function calibrationOption(bins: Array<{ decile: number; customers: number; predicted: number; observed: number }>): EChartsCoreOption {
  const pct = (v: number) => Math.round(v * 1000) / 10;
  return {
    grid: { left: 44, right: 16, top: 28, bottom: 36 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${v}%` },
    xAxis: { type: 'category', name: 'decile of predicted risk', nameLocation: 'middle', nameGap: 24, data: bins.map((b) => String(b.decile)) },
    yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    series: [
      { name: 'Churned', type: 'bar', data: bins.map((b) => pct(b.observed)) },
      { name: 'Predicted', type: 'line', data: bins.map((b) => pct(b.predicted)) },
    ],
  };
}
