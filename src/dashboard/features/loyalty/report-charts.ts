import type { EChartsCoreOption } from 'echarts/core';
import type { LiabilityReport, LiftReport } from '../../../contracts/loyalty.js';

/** "2027-03" → "Mar 2027"; null → "Never". */
export function monthLabel(month: string | null): string {
  if (!month) return 'Never';
  const m = /^(\d{4})-(\d{2})/.exec(month);
  if (!m) return month;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)).toLocaleDateString('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/** Outstanding value by the month it expires (never-expiring last). */
export function liabilityOption(r: LiabilityReport, money: (v: number) => string): EChartsCoreOption {
  const rows = [...r.byExpiryMonth].sort((a, b) => (a.month === null ? 1 : b.month === null ? -1 : a.month.localeCompare(b.month)));
  return {
    grid: { left: 60, right: 16, top: 16, bottom: 40 },
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => money(v) },
    xAxis: { type: 'category', data: rows.map((x) => monthLabel(x.month)) },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => money(v) } },
    series: [{ type: 'bar', name: 'Outstanding value', barMaxWidth: 56, data: rows.map((x) => x.value) }],
  };
}

/**
 * Members against the comparison group: the difference of each measure drawn as a point with
 * its 95% interval as a line, on its own axis (retention in points of %, CLV in money), with 0 marked.
 */
export function liftOption(r: LiftReport, which: 'retention' | 'clv', fmt: (v: number) => string): EChartsCoreOption {
  const l = which === 'retention' ? r.retentionLift : r.clvLift;
  const label = which === 'retention' ? 'Retention' : 'CLV';
  const has = l.diff !== null;
  const interval =
    l.low !== null && l.high !== null
      ? [
          [l.low, label],
          [l.high, label],
        ]
      : [];
  return {
    grid: { left: 80, right: 24, top: 16, bottom: 30 },
    tooltip: {
      trigger: 'item',
      formatter: () => (has ? `${label}: ${fmt(l.diff!)} (95%: ${l.low === null ? '?' : fmt(l.low)} to ${l.high === null ? '?' : fmt(l.high)})` : `${label}: no difference yet`),
    },
    xAxis: { type: 'value', axisLabel: { formatter: (v: number) => fmt(v) }, scale: true },
    yAxis: { type: 'category', data: [label] },
    series: [
      {
        type: 'line',
        name: '95% interval',
        data: interval,
        symbol: 'line',
        symbolSize: 14,
        lineStyle: { width: 3 },
        markLine: { silent: true, symbol: 'none', data: [{ xAxis: 0 }], lineStyle: { type: 'dashed', color: '#94a3b8' } },
      },
      { type: 'scatter', name: 'Difference', data: has ? [[l.diff, label]] : [], symbolSize: 14 },
    ],
  };
}
