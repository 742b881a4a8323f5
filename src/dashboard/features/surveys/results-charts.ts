import type { EChartsCoreOption } from 'echarts/core';
import type { ScoreSummary, SurveyResults } from '../../../contracts/survey-results.js';
import { BAND_NAMES, sentimentOf, type Sentiment, type SurveyType } from '../../../contracts/surveys.js';

/** ECharts options for a survey's results (pure, so they can be tested without a browser). */

export const SENTIMENT_COLOR: Record<Sentiment, string> = { negative: '#ef4444', neutral: '#f59e0b', positive: '#10b981' };

/** The range a type's score lives in: NPS −100..100, CSAT 0..100 (%), CES the scale. */
export function scoreRange(type: SurveyType, scale: { min: number; max: number }): { min: number; max: number } {
  if (type === 'nps') return { min: -100, max: 100 };
  if (type === 'csat') return { min: 0, max: 100 };
  return scale;
}

/** What the score is called and its unit. */
export function scoreName(type: SurveyType): { label: string; unit: string } {
  if (type === 'nps') return { label: 'NPS', unit: '' };
  if (type === 'csat') return { label: 'CSAT', unit: '%' };
  return { label: 'CES', unit: '' };
}

/** `42 ± 7.5`, `81% ± 4.2`, `5.4 ± 0.3`; `—` without answers. */
export function fmtScore(type: SurveyType, s: Pick<ScoreSummary, 'score' | 'marginOfError'>): string {
  if (s.score === null) return '—';
  const digits = type === 'ces' ? 1 : 0;
  const unit = scoreName(type).unit;
  const v = `${s.score.toFixed(digits)}${unit}`;
  if (s.marginOfError === null) return v;
  return `${v} ± ${s.marginOfError.toFixed(1)}${type === 'csat' ? ' pts' : ''}`;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * The score on a gauge over the type's range; the 95% interval (score ± margin) is drawn as
 * a darker arc on the axis, the rest of the axis light.
 */
export function gaugeOption(type: SurveyType, scale: { min: number; max: number }, s: ScoreSummary): EChartsCoreOption {
  const { min, max } = scoreRange(type, scale);
  const frac = (v: number) => (clamp(v, min, max) - min) / (max - min);
  const score = s.score ?? min;
  const stops: Array<[number, string]> = [];
  if (s.score !== null && s.marginOfError !== null) {
    const lo = frac(s.score - s.marginOfError);
    const hi = frac(s.score + s.marginOfError);
    if (lo > 0) stops.push([lo, '#e2e8f0']);
    stops.push([hi, s.tooFew ? '#fcd34d' : '#818cf8']);
    if (hi < 1) stops.push([1, '#e2e8f0']);
  } else stops.push([1, '#e2e8f0']);
  return {
    series: [
      {
        type: 'gauge',
        min,
        max,
        startAngle: 200,
        endAngle: -20,
        splitNumber: type === 'nps' ? 4 : 5,
        axisLine: { lineStyle: { width: 18, color: stops } },
        progress: { show: false },
        pointer: { show: s.score !== null, width: 5, length: '62%' },
        axisTick: { show: false },
        splitLine: { length: 8, lineStyle: { color: '#94a3b8' } },
        axisLabel: { distance: 22, color: '#64748b', fontSize: 11 },
        title: { show: false },
        detail: { valueAnimation: false, fontSize: 26, fontWeight: 700, offsetCenter: [0, '45%'], formatter: () => fmtScore(type, s) },
        data: [{ value: score, name: scoreName(type).label }],
      },
    ],
  };
}

/** The score per period, with its 95% interval as a shaded band (periods without answers are gaps). */
export function trendOption(type: SurveyType, rows: Array<{ label: string; summary: ScoreSummary }>): EChartsCoreOption {
  const lower = rows.map((r) => (r.summary.score !== null && r.summary.marginOfError !== null ? r.summary.score - r.summary.marginOfError : null));
  const width = rows.map((r) => (r.summary.score !== null && r.summary.marginOfError !== null ? 2 * r.summary.marginOfError : null));
  const name = scoreName(type).label;
  return {
    grid: { left: 44, right: 16, top: 28, bottom: 28 },
    legend: { data: [name, '95% interval'], top: 0 },
    tooltip: {
      trigger: 'axis',
      formatter: (ps: Array<{ dataIndex: number }>) => {
        const r = rows[ps[0]?.dataIndex ?? 0];
        if (!r) return '';
        return `${r.label}<br/>${name} ${fmtScore(type, r.summary)} · ${r.summary.respondents} answers${r.summary.tooFew ? ' (too few)' : ''}`;
      },
    },
    xAxis: { type: 'category', data: rows.map((r) => r.label) },
    yAxis: { type: 'value', ...(type === 'nps' ? { min: -100, max: 100 } : type === 'csat' ? { min: 0, max: 100 } : { scale: true }) },
    series: [
      { name: 'low', type: 'line', stack: 'moe', data: lower, lineStyle: { opacity: 0 }, symbol: 'none', silent: true },
      { name: '95% interval', type: 'line', stack: 'moe', data: width, lineStyle: { opacity: 0 }, symbol: 'none', areaStyle: { color: 'rgba(79,70,229,0.15)' }, silent: true },
      {
        name,
        type: 'line',
        data: rows.map((r) => (r.summary.score === null ? null : { value: r.summary.score, itemStyle: r.summary.tooFew ? { color: '#f59e0b' } : undefined })),
        connectNulls: false,
        symbolSize: 7,
        color: '#4f46e5',
      },
    ],
  };
}

/** The share of answers per band (negative, neutral, positive) as one stacked bar per group. */
export function bandsOption(type: SurveyType, rows: Array<{ label: string; summary: ScoreSummary }>): EChartsCoreOption {
  const names = BAND_NAMES[type];
  const share = (s: ScoreSummary, k: Sentiment) => (s.respondents ? Math.round((s[k] / s.respondents) * 1000) / 10 : 0);
  return {
    grid: { left: 90, right: 16, top: 28, bottom: 24 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => `${v}%` },
    xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
    yAxis: { type: 'category', data: rows.map((r) => r.label), inverse: true },
    series: (['negative', 'neutral', 'positive'] as const).map((k) => ({
      name: names[k],
      type: 'bar',
      stack: 'bands',
      color: SENTIMENT_COLOR[k],
      data: rows.map((r) => share(r.summary, k)),
      label: { show: true, formatter: (p: { value: number }) => (p.value >= 8 ? `${p.value}%` : '') },
    })),
  };
}

/** Answers per score value, each bar in its band's colour. */
export function distributionOption(type: SurveyType, scale: { min: number; max: number }, dist: SurveyResults['distribution']): EChartsCoreOption {
  return {
    grid: { left: 40, right: 16, top: 16, bottom: 28 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'category', data: dist.map((d) => String(d.score)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: 'Answers', type: 'bar', data: dist.map((d) => ({ value: d.count, itemStyle: { color: SENTIMENT_COLOR[sentimentOf(type, scale, d.score)] } })) }],
  };
}
