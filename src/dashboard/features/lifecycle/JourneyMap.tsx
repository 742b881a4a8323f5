import { useQueries } from '@tanstack/react-query';
import type { Stage } from '../../../contracts/lifecycle.js';
import { api, apiPath, type ApiError } from '../../api/client.js';
import { useSession } from '../../api/session.js';
import { fmtDays, fmtNumber, fmtPercent } from '../../components/format.js';
import { stageColor } from '../../components/stages.js';
import { ConditionView } from './ConditionView.js';
import type { DistributionView, ModelResponse, StageStatsView } from './types.js';

/** Per-stage numbers (time in stage, conversion, drop-off), one request per stage, in parallel. */
function useStageStats(keys: string[]) {
  const { workspace } = useSession();
  return useQueries({
    queries: keys.map((k) => {
      const path = apiPath('/api/lifecycle/stages/:key', { key: k });
      return {
        queryKey: [workspace?.id ?? 0, path, {}],
        queryFn: ({ signal }: { signal: AbortSignal }) => api.get('/api/lifecycle/stages/:key', { params: { key: k }, signal }),
        enabled: workspace !== undefined,
      };
    }),
  });
}

function Stat({ label, value, field, raw }: { label: string; value: string; field: string; raw?: number | null }) {
  return (
    <div className="lc-stat">
      <dt>{label}</dt>
      <dd data-field={field} data-raw={raw === undefined || raw === null ? undefined : String(raw)}>
        {value}
      </dd>
    </div>
  );
}

function StageCard({
  stage,
  count,
  stats,
  statsError,
  step,
  kind,
}: {
  stage: Stage;
  count: number | undefined;
  stats: StageStatsView | undefined;
  statsError: ApiError | null;
  step: number | null;
  kind: 'ladder' | 'state';
}) {
  const pending = !stats && !statsError;
  const dash = pending ? '…' : '—';
  return (
    <section className={`lc-stage lc-stage-${kind}`} aria-label={stage.name} data-stage={stage.key} style={{ borderTopColor: stageColor(stage.key) }}>
      <header className="lc-stage-head">
        {step !== null ? (
          <span className="lc-step" aria-hidden="true">
            {step}
          </span>
        ) : null}
        <h3 title={`key: ${stage.key}`}>{stage.name}</h3>
      </header>
      {stage.description ? <p className="lc-desc">{stage.description}</p> : null}
      <dl className="lc-stats">
        <Stat label="Customers now" field="count" raw={count} value={count === undefined ? '…' : fmtNumber(count)} />
        <Stat label="Median time in stage" field="median" value={stats ? fmtDays(stats.medianDaysInStage) : dash} />
        {kind === 'ladder' && (!stats || stats.nextStage) ? <Stat label="Converts to next" field="conversion" value={stats ? fmtPercent(stats.conversionRate) : dash} /> : null}
        <Stat label="Drop-off" field="dropoff" value={stats ? fmtPercent(stats.dropOffRate) : dash} />
      </dl>
      {stats && stage.expectedDays ? (
        <p className="muted lc-small">
          Expected stay {fmtNumber(stage.expectedDays)} days · {fmtNumber(stats.extended)} staying longer
        </p>
      ) : null}
      {statsError ? <p className="lc-error lc-small">Stage numbers unavailable: {statsError.message}</p> : null}
      <div className="lc-rule">
        <span className="lc-label">Enters when</span>
        {stage.rule ? <ConditionView condition={stage.rule} /> : <span className="muted">everyone starts here</span>}
      </div>
      {stage.touchpoints.length ? (
        <div className="lc-touch">
          <span className="lc-label">Touchpoints</span>
          <ul>
            {stage.touchpoints.map((t) => (
              <li key={t}>{t}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}

/**
 * The lifecycle as a journey map: the ladder's stages in order, then the two states that
 * override it (at risk, churned), each with its rule in words, touchpoints and numbers.
 * "Customers now" is the distribution; time, conversion and drop-off come from the stage API.
 */
export function JourneyMap({ model, dist }: { model: ModelResponse; dist: DistributionView | undefined }) {
  const m = model.model;
  const all = [...m.stages, m.atRisk, m.churned];
  const stats = useStageStats(all.map((s) => s.key));
  const counts = new Map(dist?.stages.map((s) => [s.key, s.count]));
  const card = (s: Stage, i: number, kind: 'ladder' | 'state') => (
    <StageCard
      key={s.key}
      stage={s}
      count={dist ? (counts.get(s.key) ?? 0) : undefined}
      stats={stats[i]?.data}
      statsError={(stats[i]?.error as ApiError | null | undefined) ?? null}
      step={kind === 'ladder' ? i + 1 : null}
      kind={kind}
    />
  );
  return (
    <div className="lc-map">
      <ol className="lc-ladder" aria-label="Stages in order">
        {m.stages.map((s, i) => (
          <li key={s.key}>{card(s, i, 'ladder')}</li>
        ))}
      </ol>
      <div className="lc-states" aria-label="Override states">
        <p className="muted lc-small">These override the ladder whenever their rule holds (churned first, then at risk):</p>
        <div className="grid grid-2">
          {card(m.atRisk, m.stages.length, 'state')}
          {card(m.churned, m.stages.length + 1, 'state')}
        </div>
      </div>
    </div>
  );
}
