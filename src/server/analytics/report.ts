import type { MetricInfo } from '../../contracts/metrics.js';
import type { Db } from '../db/client.js';
import { METRICS } from './catalogue.js';
import { metricSeries } from './metrics.service.js';
import { checkRange, type MetricsResult } from './requests.js';

/** One line of the KPI report: the metric over the range and over the period just before it. */
export interface ReportLine {
  name: string;
  title: string;
  group: string;
  tag: MetricInfo['tag'];
  unit: MetricInfo['unit'];
  value: number | null;
  previous: number | null;
  /** value − previous (percentage points for percentages). */
  change: number | null;
  /** The change relative to the previous value, in % (null when that was 0 or missing). */
  changePercent: number | null;
  flag?: string;
}

export interface Report {
  from: string;
  to: string;
  previousFrom: string;
  previousTo: string;
  lines: ReportLine[];
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/**
 * Every metric of the catalogue (default parameters) over [from, to) and over the range of
 * the same length just before it.
 */
export async function buildReport(db: Db, workspaceId: number, from: string, to: string, opts: { onMetric?: (done: number, total: number) => void } = {}): Promise<MetricsResult<Report>> {
  const bad = checkRange(from, to);
  if (bad) return bad;
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
  const previousFrom = addDays(from, -days);
  const lines: ReportLine[] = [];
  for (const m of METRICS) {
    const [now, before] = await Promise.all([
      metricSeries(db, workspaceId, m.name, { from, to, interval: 'quarter' }),
      metricSeries(db, workspaceId, m.name, { from: previousFrom, to: from, interval: 'quarter' }),
    ]);
    if (!now.ok) return now;
    if (!before.ok) return before;
    const value = now.value.total;
    const previous = before.value.total;
    const change = value === null || previous === null ? null : value - previous;
    lines.push({
      name: m.name,
      title: m.title,
      group: m.group,
      tag: m.tag,
      unit: m.unit,
      value,
      previous,
      change,
      changePercent: change === null || previous === null || previous === 0 ? null : (change / Math.abs(previous)) * 100,
      ...(now.value.flag ? { flag: now.value.flag } : {}),
    });
    opts.onMetric?.(lines.length, METRICS.length);
  }
  return { ok: true, value: { from, to, previousFrom, previousTo: from, lines } };
}

const GROUPS: Record<string, string> = { revenue: 'Revenue', retention: 'Retention', value: 'Customer value', conversion: 'Conversion', satisfaction: 'Satisfaction', engagement: 'Engagement' };

/** A value as a person reads it, by unit. */
export function formatValue(v: number | null, unit: MetricInfo['unit']): string {
  if (v === null) return '—';
  const f = (digits: number) => v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  switch (unit) {
    case 'currency':
      return f(2);
    case 'count':
      return f(0);
    case 'percent':
      return `${f(1)}%`;
    case 'days':
      return `${f(1)} d`;
    case 'minutes':
      return `${f(1)} min`;
    default:
      return f(2);
  }
}

function formatChange(l: ReportLine): string {
  if (l.change === null) return '—';
  const sign = l.change > 0 ? '+' : l.change < 0 ? '−' : '±';
  const abs = Math.abs(l.change);
  if (l.unit === 'percent') return `${sign}${abs.toFixed(1)} pp`;
  const rel = l.changePercent === null ? '' : ` (${l.changePercent > 0 ? '+' : l.changePercent < 0 ? '−' : '±'}${Math.abs(l.changePercent).toFixed(1)}%)`;
  return `${sign}${formatValue(abs, l.unit)}${rel}`;
}

/** The report as Markdown: one table per family of metrics, leading and lagging marked. */
export function reportMarkdown(r: Report, workspace: string): string {
  const out = [`# KPI report — ${workspace}`, '', `${r.from} to ${r.to} (the range is [from, to)), compared with ${r.previousFrom} to ${r.previousTo}.`, ''];
  for (const [group, title] of Object.entries(GROUPS)) {
    const lines = r.lines.filter((l) => l.group === group);
    if (lines.length === 0) continue;
    out.push(`## ${title}`, '', '| metric | | this period | previous | change |', '|---|---|--:|--:|--:|');
    for (const l of lines)
      out.push(`| ${l.title}${l.flag ? ` ⚠ ${l.flag.replaceAll('_', ' ')}` : ''} | ${l.tag} | ${formatValue(l.value, l.unit)} | ${formatValue(l.previous, l.unit)} | ${formatChange(l)} |`);
    out.push('');
  }
  out.push('— means undefined for the period (nothing to divide by). Definitions: GET /api/metrics.', '');
  return out.join('\n');
}

/** The report as CSV (one row per metric). */
export function reportCsv(r: Report): string {
  const cell = (v: number | null) => (v === null ? '' : String(Math.round(v * 1e6) / 1e6));
  const rows = ['metric,title,group,tag,unit,value,previous,change,change_percent,flag'];
  for (const l of r.lines)
    rows.push([l.name, `"${l.title.replaceAll('"', '""')}"`, l.group, l.tag, l.unit, cell(l.value), cell(l.previous), cell(l.change), cell(l.changePercent), l.flag ?? ''].join(','));
  return `${rows.join('\n')}\n`;
}
