import type { MetricSeries } from '../../../contracts/metrics.js';
import { fmtNumber } from '../../components/format.js';

/** A headline KPI of the overview: a catalogue metric name, a short label, and which way is good. */
export interface HeadlineKpi {
  name: string;
  label: string;
  /** `up`: a rise is good news; `down`: a rise is bad news (churn, acquisition cost). */
  better: 'up' | 'down';
}

/** The overview's headline KPIs, in the order the cards show them (names from the metric catalogue). */
export const HEADLINE: HeadlineKpi[] = [
  { name: 'revenue', label: 'Revenue', better: 'up' },
  { name: 'active_customers', label: 'Active customers', better: 'up' },
  { name: 'churn_rate', label: 'Churn rate', better: 'down' },
  { name: 'retention_rate', label: 'Retention rate', better: 'up' },
  { name: 'clv', label: 'Customer lifetime value', better: 'up' },
  { name: 'cac', label: 'Acquisition cost (CAC)', better: 'down' },
  { name: 'clv_cac_ratio', label: 'CLV : CAC', better: 'up' },
  { name: 'nps', label: 'Net Promoter Score', better: 'up' },
];

/** The interval of the sparklines and of every overview metric request. */
export const INTERVAL = 'week';

/** A change against the previous period, ready to show. */
export interface Delta {
  text: string;
  arrow: '▲' | '▼' | '→';
  tone: 'good' | 'bad' | 'flat';
  /** Spoken form, e.g. "up 4.2% on the previous period". */
  label: string;
}

/**
 * The change from `prev` to `cur`. Percent-unit metrics (churn, retention) and scores (NPS)
 * change in points, the others in percent of the previous value. Null when there is nothing
 * to compare with (either value missing, or a percent change from 0).
 */
export function deltaOf(cur: number | null, prev: number | null, unit: MetricSeries['unit'], better: HeadlineKpi['better']): Delta | null {
  if (cur === null || prev === null || !Number.isFinite(cur) || !Number.isFinite(prev)) return null;
  const points = unit === 'percent' || unit === 'score';
  let change: number;
  if (points) change = cur - prev;
  else if (prev === 0) return cur === 0 ? { text: '0%', arrow: '→', tone: 'flat', label: 'no change on the previous period' } : null;
  else change = ((cur - prev) / Math.abs(prev)) * 100;
  const flat = Math.abs(change) < 0.05;
  const up = change > 0;
  const arrow = flat ? '→' : up ? '▲' : '▼';
  const tone = flat ? 'flat' : up === (better === 'up') ? 'good' : 'bad';
  const size = fmtNumber(Math.abs(change), 1);
  const text = points ? `${size} pts` : `${size}%`;
  return { text, arrow, tone, label: flat ? 'no change on the previous period' : `${up ? 'up' : 'down'} ${text.replace('pts', 'points')} on the previous period` };
}
