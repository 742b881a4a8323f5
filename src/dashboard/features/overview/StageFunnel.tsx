import { useMemo } from 'react';
import { Chart } from '../../components/Chart.js';
import { fmtNumber, fmtPercent } from '../../components/format.js';
import { stageColor } from '../../components/stages.js';
import type { DistributionView, ModelResponse } from './lifecycle-types.js';

/**
 * Customers in each stage of the ladder now, as a funnel in the model's order, with the
 * two override states (at risk, churned) beside it: they are not steps of the funnel.
 */
export function StageFunnel({ model, dist, error, loading }: { model?: ModelResponse; dist?: DistributionView; error?: unknown; loading: boolean }) {
  const parts = useMemo(() => {
    if (!model || !dist) return null;
    const ladder = model.model.stages.map((s) => s.key);
    const states = [model.model.atRisk.key, model.model.churned.key];
    const byKey = new Map(dist.stages.map((s) => [s.key, s]));
    const steps = ladder.map((k, i) => ({ key: k, name: byKey.get(k)?.name ?? model.model.stages[i]!.name, count: byKey.get(k)?.count ?? 0 }));
    const side = dist.stages.filter((s) => !ladder.includes(s.key));
    return { steps, side, states, total: dist.total };
  }, [model, dist]);

  const option = useMemo(() => {
    if (!parts) return null;
    const total = parts.total || 1;
    return {
      tooltip: { trigger: 'item', formatter: (p: { name: string; value: number }) => `${p.name}: ${fmtNumber(p.value)} customers (${fmtPercent(p.value / total)} of all)` },
      series: [
        {
          type: 'funnel',
          sort: 'none',
          left: 8,
          right: 8,
          top: 8,
          bottom: 8,
          minSize: '42%',
          maxSize: '100%',
          gap: 3,
          label: {
            position: 'inside',
            color: '#fff',
            fontWeight: 600,
            formatter: (p: { name: string; value: number }) => `${p.name}  ${fmtNumber(p.value)}`,
            textBorderColor: 'rgba(15,23,42,0.35)',
            textBorderWidth: 2,
          },
          data: parts.steps.map((s) => ({ name: s.name, value: s.count, itemStyle: { color: stageColor(s.key) } })),
        },
      ],
    };
  }, [parts]);

  return (
    <div className="ov-funnel">
      <div className="ov-funnel-chart">
        <Chart
          option={option}
          loading={loading}
          error={error}
          empty={parts !== null && parts.total === 0 && 'No customers have a stage yet'}
          emptyHint="Stages appear once customers send events."
          label="Customers per lifecycle stage (funnel)"
          height={260}
        />
      </div>
      {parts ? (
        <ul className="ov-side-states" aria-label="Outside the funnel">
          {parts.side.map((s) => (
            <li key={s.key} className="ov-state" style={{ borderLeftColor: stageColor(s.key) }}>
              <span className="kpi-label">{s.name}</span>
              <strong className="ov-state-count">{fmtNumber(s.count)}</strong>
              <span className="muted ov-small">
                {parts.total ? fmtPercent(s.count / parts.total) : '—'} of all{parts.states.includes(s.key) ? '' : ' · earlier model'}
              </span>
            </li>
          ))}
          <li className="ov-state ov-state-total">
            <span className="kpi-label">All with a stage</span>
            <strong className="ov-state-count">{fmtNumber(parts.total)}</strong>
          </li>
        </ul>
      ) : null}
    </div>
  );
}
