import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScoreSummary } from '../../../contracts/survey-results.js';
import { bandsOption, fmtScore, gaugeOption, trendOption } from './results-charts.js';

const summary = (p: Partial<ScoreSummary>): ScoreSummary => ({ respondents: 0, positive: 0, neutral: 0, negative: 0, score: null, marginOfError: null, tooFew: true, ...p });
const series = (o: unknown) => (o as { series: Array<Record<string, unknown>> }).series;

describe('survey results charts', () => {
  it('writes the score with its margin in the type’s unit', () => {
    assert.equal(fmtScore('nps', { score: 42, marginOfError: 7.46 }), '42 ± 7.5');
    assert.equal(fmtScore('csat', { score: 81.25, marginOfError: 4.2 }), '81% ± 4.2 pts');
    assert.equal(fmtScore('ces', { score: 5.43, marginOfError: 0.31 }), '5.4 ± 0.3');
    assert.equal(fmtScore('nps', { score: -12, marginOfError: null }), '-12');
    assert.equal(fmtScore('nps', { score: null, marginOfError: null }), '—');
  });

  it('the NPS gauge runs −100..100 and shades the 95% interval: 20 ± 10 is 55%–65% of the arc', () => {
    const s = series(gaugeOption('nps', { min: 0, max: 10 }, summary({ respondents: 80, score: 20, marginOfError: 10, tooFew: false })))[0]!;
    assert.deepEqual([s.min, s.max], [-100, 100]);
    assert.deepEqual((s.axisLine as { lineStyle: { color: unknown } }).lineStyle.color, [
      [0.55, '#e2e8f0'],
      [0.65, '#818cf8'],
      [1, '#e2e8f0'],
    ]);
  });

  it('an interval past the end of the scale is clipped: 90 ± 20 (70..110) shades 85%–100%', () => {
    const s = series(gaugeOption('nps', { min: 0, max: 10 }, summary({ respondents: 12, score: 90, marginOfError: 20 })))[0]!;
    assert.deepEqual((s.axisLine as { lineStyle: { color: unknown } }).lineStyle.color, [
      [0.85, '#e2e8f0'],
      [1, '#fcd34d'],
    ]);
  });

  it('the trend band is the score ± margin stacked; a period without answers is a gap', () => {
    const o = trendOption('nps', [
      { label: '2026-10', summary: summary({ respondents: 40, score: 10, marginOfError: 5 }) },
      { label: '2026-11', summary: summary({}) },
    ]);
    const [low, width, line] = series(o);
    assert.deepEqual(low!.data, [5, null]);
    assert.deepEqual(width!.data, [10, null]);
    assert.deepEqual(
      (line!.data as Array<{ value: number } | null>).map((x) => x?.value ?? null),
      [10, null],
    );
  });

  it('bands are shares of respondents: 2 detractors, 1 passive, 5 promoters of 8 → 25%, 12.5%, 62.5%', () => {
    const o = bandsOption('nps', [{ label: 'All', summary: summary({ respondents: 8, negative: 2, neutral: 1, positive: 5 }) }]);
    assert.deepEqual(
      series(o).map((s) => [s.name, s.data]),
      [
        ['detractor', [25]],
        ['passive', [12.5]],
        ['promoter', [62.5]],
      ],
    );
  });
});
