import type { MetricInfo } from '../../../contracts/metrics.js';
import { fmtUnit } from '../../components/format.js';
import { Card } from '../../components/layout.js';
import { Loading } from '../../components/states.js';
import { useMetrics } from './queries.js';

const GROUPS = [
  { tag: 'leading', title: 'Leading indicators', hint: 'Early signals: they move before revenue does.' },
  { tag: 'lagging', title: 'Lagging indicators', hint: 'Outcomes: they confirm what already happened.' },
] as const;

/**
 * Every catalogue metric over the period, as small tiles in two groups by its
 * leading/lagging tag. Waits for `enabled` (the headline KPIs first) before asking.
 */
export function IndicatorGroups({ catalogue, from, to, enabled, currency }: { catalogue: MetricInfo[] | undefined; from: string; to: string; enabled: boolean; currency: string }) {
  const metrics = catalogue ?? [];
  const results = useMetrics(
    metrics.map((m) => ({ name: m.name, from, to })),
    enabled,
  );
  return (
    <div className="grid grid-2 section">
      {GROUPS.map((g) => {
        const members = metrics.map((m, i) => ({ m, r: results[i]! })).filter((x) => x.m.tag === g.tag);
        return (
          <Card key={g.tag} title={g.title} actions={<span className="muted ov-small">{g.hint}</span>}>
            {!catalogue ? (
              <Loading label="Loading the metric catalogue…" />
            ) : (
              <ul className="ov-tiles" aria-label={g.title}>
                {members.map(({ m, r }) => (
                  <li key={m.name} className="ov-tile" data-metric={m.name} title={m.definition}>
                    <span className="ov-tile-title">{m.title}</span>
                    <span className="ov-tile-value">
                      {r.data ? (
                        fmtUnit(r.data.total, r.data.unit, currency)
                      ) : r.error ? (
                        <span className="ov-tile-error" title={r.error.message}>
                          unavailable
                        </span>
                      ) : (
                        <span className="muted">…</span>
                      )}
                    </span>
                    <span className="ov-tile-group">{m.group}</span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        );
      })}
    </div>
  );
}
