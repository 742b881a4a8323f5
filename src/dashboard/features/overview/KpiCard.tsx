import type { UseQueryResult } from '@tanstack/react-query';
import type { MetricSeries } from '../../../contracts/metrics.js';
import type { ApiError } from '../../api/client.js';
import { fmtUnit } from '../../components/format.js';
import { Sparkline } from '../../components/Sparkline.js';
import { deltaOf, type HeadlineKpi } from './kpis.js';

const TONE_COLOR = { good: '#059669', bad: '#dc2626', flat: '#64748b' } as const;

/**
 * One headline KPI: its value for the period, the change against the previous period of
 * the same length (coloured by whether that direction is good news) and a weekly sparkline.
 * Shows its value as soon as its own request answers. `data-value` carries the API's total.
 */
export function KpiCard({
  kpi,
  current,
  previous,
  title,
  currency,
}: {
  kpi: HeadlineKpi;
  current: UseQueryResult<MetricSeries, ApiError>;
  previous: UseQueryResult<MetricSeries, ApiError>;
  title?: string;
  currency: string;
}) {
  const data = current.data;
  const label = title ?? kpi.label;
  const delta = data && previous.data ? deltaOf(data.total, previous.data.total, data.unit, kpi.better) : null;
  return (
    <section className="card kpi ov-kpi" aria-label={label} data-kpi={kpi.name} data-value={data ? (data.total === null ? '' : String(data.total)) : undefined} aria-busy={!data && !current.error}>
      <div className="kpi-label" title={data?.definition}>
        {label}
        {data?.basis ? (
          <span className="muted kpi-basis" data-basis={data.basis}>
            {' '}
            · {data.basis === 'revenue' ? 'on revenue' : `at ${Math.round(Number(data.parameters.margin) * 100)}% margin`}
          </span>
        ) : null}
      </div>
      {current.error && !data ? (
        <div className="ov-kpi-error" role="alert">
          Could not load: {current.error.message}
        </div>
      ) : !data ? (
        <div className="kpi-value ov-skeleton" aria-hidden="true">
          &nbsp;
        </div>
      ) : (
        <div className="kpi-value">{fmtUnit(data.total, data.unit, currency)}</div>
      )}
      <div className="kpi-foot">
        <span className="ov-kpi-delta">
          {!data ? null : delta ? (
            <span className={`delta delta-${delta.tone}`} aria-label={delta.label} title={`Previous period: ${fmtUnit(previous.data?.total, data.unit, currency)}`}>
              <span aria-hidden="true">
                {delta.arrow} {delta.text}
              </span>
            </span>
          ) : previous.isPending ? (
            <span className="muted ov-small">comparing…</span>
          ) : (
            <span className="delta delta-flat" title={previous.error ? previous.error.message : undefined}>
              {previous.error ? 'no comparison' : data.total === null ? 'no data' : 'nothing to compare'}
            </span>
          )}
          {data?.flag ? <span className="ov-flag">{data.flag === 'below_3_to_1' ? 'below 3 : 1' : data.flag.replaceAll('_', ' ')}</span> : null}
        </span>
        {data ? <Sparkline values={data.series.map((p) => p.value)} label={label} color={delta ? TONE_COLOR[delta.tone] : '#4f46e5'} width={110} height={30} /> : null}
      </div>
    </section>
  );
}
