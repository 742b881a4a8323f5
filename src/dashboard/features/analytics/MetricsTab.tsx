import type { ApiError } from '../../api/client.js';
import { useApi } from '../../api/hooks.js';
import type { z } from 'zod';
import type { Breakdown, Interval, MetricCatalogue as MetricCatalogueSchema } from '../../../contracts/metrics.js';
import { Badge, Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { setSearch } from '../../router.js';
import { BreakdownCard } from './BreakdownCard.js';
import { INTERVALS, type DayRange } from './dates.js';
import { MetricPicker, paramsFromUrl, ParameterInputs, SliceControl, SLICES } from './MetricControls.js';
import { RangeControl } from './RangeControl.js';
import { SeriesCard } from './SeriesCard.js';
import { Field, fieldError } from './shared.js';

type MetricCatalogue = z.infer<typeof MetricCatalogueSchema>;

const BREAKDOWNS = ['channel', 'stage', 'segment', 'cohort'] as const;
const UNIT_WORDS: Record<string, string> = { currency: 'money', count: 'a count', ratio: 'a ratio (×)', percent: 'a percentage', days: 'days', minutes: 'minutes', score: 'a score' };

/** The Metrics tab: any catalogue metric over a range, by interval, with its parameters, a slice and a breakdown. */
export function MetricsTab({ search, range, timezone, currency }: { search: URLSearchParams; range: DayRange; timezone: string | undefined; currency: string }) {
  const catalogue = useApi('/api/metrics', undefined, { staleTime: 10 * 60_000 });
  return (
    <QueryView query={catalogue} loadingLabel="Loading the metric catalogue…" empty={{ title: 'No metrics in the catalogue' }} isEmpty={(c) => c.metrics.length === 0}>
      {(c) => <MetricView metrics={c.metrics} search={search} range={range} timezone={timezone} currency={currency} />}
    </QueryView>
  );
}

function MetricView({ metrics, search, range, timezone, currency }: { metrics: MetricCatalogue['metrics']; search: URLSearchParams; range: DayRange; timezone: string | undefined; currency: string }) {
  const name = search.get('metric') ?? 'revenue';
  const info = metrics.find((m) => m.name === name) ?? metrics[0]!;
  const interval = (INTERVALS as string[]).includes(search.get('interval') ?? '') ? (search.get('interval') as Interval) : 'week';
  const params = paramsFromUrl(info, search);
  const slice: Record<string, string> = {};
  for (const k of SLICES) {
    const v = search.get(k);
    if (v) slice[k] = v;
  }
  const byParam = search.get('by');
  const by = (BREAKDOWNS as readonly string[]).includes(byParam ?? '') ? (byParam as Breakdown) : null;
  const series = useApi(
    '/api/metrics/:name',
    { params: { name: info.name }, query: { from: range.from, to: range.to, interval, ...slice, ...params } },
    { keepPrevious: true, retry: (n, e) => e.status >= 500 && n < 2 },
  );
  const err = series.error as ApiError | null;
  const fieldErr = err && err.status === 400 && err.field ? { field: err.field, message: err.message } : null;
  // Field errors show next to their control; the chart shows the rest.
  const shownNextToControl = !!fieldErr && (['from', 'to', 'interval', ...SLICES, ...info.parameters.map((p) => p.name)] as string[]).includes(fieldErr.field);
  const seriesData = series.data && series.data.name === info.name && !series.error ? series.data : undefined;
  return (
    <div className="stack">
      <Card className="ana-controls">
        <div className="ana-controls-grid">
          <MetricPicker metrics={metrics} value={info.name} />
          <RangeControl range={range} timezone={timezone} errors={{ from: fieldError(err, 'from'), to: fieldError(err, 'to') }} />
          <Field label="Interval" error={fieldError(err, 'interval')}>
            <select aria-label="Interval" value={interval} onChange={(e) => setSearch({ interval: e.target.value })}>
              {INTERVALS.map((i) => (
                <option key={i} value={i}>
                  {i[0]!.toUpperCase() + i.slice(1)}
                </option>
              ))}
            </select>
          </Field>
          <SliceControl search={search} error={fieldErr} />
          <ParameterInputs info={info} search={search} error={fieldErr} />
        </div>
        <div className="ana-definition">
          <div className="row">
            <strong>{info.title}</strong>
            <Badge tone={info.tag === 'leading' ? 'info' : 'neutral'} title={info.tag === 'leading' ? 'Moves before outcomes do' : 'Records an outcome'}>
              {info.tag}
            </Badge>
            <Badge>{UNIT_WORDS[info.unit] ?? info.unit}</Badge>
            <code className="muted">{info.name}</code>
          </div>
          <p className="muted">{info.definition}</p>
        </div>
      </Card>
      <SeriesCard
        info={info}
        currency={currency}
        query={{
          data: seriesData,
          error: shownNextToControl ? { message: `Fix the value marked above: ${fieldErr!.message}`, code: err!.code } : series.error,
          isPending: !seriesData && !series.error,
          isFetching: series.isFetching,
        }}
      />
      <BreakdownCard info={info} range={range} params={params} by={by} currency={currency} />
    </div>
  );
}
