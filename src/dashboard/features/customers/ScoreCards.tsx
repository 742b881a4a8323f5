import { fmtDateTime, fmtMoney, fmtNumber, fmtPercent } from '../../components/format.js';
import { Badge } from '../../components/layout.js';
import { ApiCard } from './ApiCard.js';
import { useWorkspace } from '../../api/workspace.js';
import { featureLabel } from '../predictions/model-text.js';

const BAND_TONE = { green: 'good', yellow: 'warn', red: 'bad' } as const;

/** Churn risk with the factors that push it up or down, and the predicted CLV with what it rests on. */
export function PredictionsCard({ id }: { id: string }) {
  const { currency } = useWorkspace();
  return (
    <ApiCard
      title="Churn risk and CLV"
      route="/api/customers/:id/predictions"
      params={{ id }}
      empty={{ title: 'No predictions yet', hint: 'Churn and CLV models are fitted daily once there is enough order history.' }}
      isEmpty={(d) => d.predictions.length === 0 && !d.clv}
    >
      {(d) => (
        <div className="stack">
          {d.predictions.some((p) => p.kind === 'churn') ? null : <p className="muted">No churn-risk score: the churn model scores customers who have not churned yet, once it is trained.</p>}
          {d.predictions.map((p) => {
            const max = Math.max(...p.factors.map((f) => Math.abs(f.contribution)), 0.0001);
            return (
              <div key={p.kind} className="cust-score" aria-label={p.kind === 'churn' ? 'Churn risk' : p.kind}>
                <div className="kpi">
                  <span className="kpi-label">{p.kind === 'churn' ? 'Churn risk' : p.kind}</span>
                  <span className="kpi-value" data-testid={`score-${p.kind}`}>
                    {fmtNumber(p.score, 1)}
                    <small className="muted"> / 100</small>
                  </span>
                  <span className="muted">Computed {fmtDateTime(p.computedAt)}</span>
                </div>
                {p.factors.length ? (
                  <ul className="cust-factors" aria-label={`Why: ${p.kind}`}>
                    {p.factors.map((f) => (
                      <li key={f.feature}>
                        <span>{featureLabel(f.feature)}</span>
                        <span className="cust-bar" aria-hidden="true">
                          <span className={f.contribution > 0 ? 'cust-bar-up' : 'cust-bar-down'} style={{ width: `${(Math.abs(f.contribution) / max) * 100}%` }} />
                        </span>
                        <span className="num">{f.contribution > 0 ? `+${fmtNumber(f.contribution, 2)}` : fmtNumber(f.contribution, 2)}</span>
                      </li>
                    ))}
                  </ul>
                ) : null}
                <p className="muted cust-hint">Contributions in log-odds: positive raises the risk.</p>
              </div>
            );
          })}
          {d.clv ? (
            <div className="cust-score" aria-label="Predicted CLV">
              <div className="kpi">
                <span className="kpi-label">Predicted CLV (12 months)</span>
                <span className="kpi-value">{fmtMoney(d.clv.predictedClv, currency)}</span>
              </div>
              <dl className="kv">
                <dt>Probability alive</dt>
                <dd>{fmtPercent(d.clv.pAlive)}</dd>
                <dt>Expected purchases</dt>
                <dd>{fmtNumber(d.clv.expectedPurchases, 2)}</dd>
                <dt>Expected order value</dt>
                <dd>{fmtMoney(d.clv.expectedAvgValue, currency)}</dd>
                <dt>Repeat purchases</dt>
                <dd>{fmtNumber(d.clv.repeatPurchases)}</dd>
                <dt>Weeks first → last order</dt>
                <dd>{fmtNumber(d.clv.weeksFirstToLast, 1)}</dd>
                <dt>Weeks since first order</dt>
                <dd>{fmtNumber(d.clv.weeksSinceFirst, 1)}</dd>
              </dl>
              {d.clvNote ? <p className="muted cust-hint">{d.clvNote}</p> : null}
            </div>
          ) : (
            <p className="muted">{d.clvNote ?? 'No CLV yet.'}</p>
          )}
        </div>
      )}
    </ApiCard>
  );
}

/** The health score, its band, each measure's contribution, and the latest changes with what moved them. */
export function HealthCard({ id, scope = 'customer' }: { id: string; scope?: 'customer' | 'account' }) {
  return (
    <ApiCard
      title="Health score"
      route={scope === 'account' ? '/api/accounts/:id/health' : '/api/customers/:id/health'}
      params={{ id }}
      empty={{ title: 'No health score yet', hint: 'Scores are computed by the health job (hourly) once a measure has data.' }}
      isEmpty={(d) => d.score === null}
    >
      {(d) => {
        const max = Math.max(...d.measures.map((m) => m.contribution), 0.0001);
        return (
          <div className="stack">
            <div className="kpi" aria-label="Health">
              <span className="kpi-label">Health</span>
              <span className="kpi-value">
                <span data-testid="score-health">{fmtNumber(d.score, 1)}</span>
                <small className="muted"> / 100</small> {d.band ? <Badge tone={BAND_TONE[d.band]}>{d.band}</Badge> : null}
              </span>
              <span className="muted">Computed {fmtDateTime(d.computedAt)}</span>
            </div>
            <div className="table-wrap">
              <table aria-label="Health measures">
                <thead>
                  <tr>
                    <th>Measure</th>
                    <th className="num">Score</th>
                    <th className="num">Weight</th>
                    <th>Contribution</th>
                  </tr>
                </thead>
                <tbody>
                  {d.measures.map((m) => (
                    <tr key={m.key}>
                      <td>
                        {m.name}
                        {m.value !== null ? <div className="muted cust-sub">input {fmtNumber(m.value, 2)}</div> : null}
                      </td>
                      <td className="num">{fmtNumber(m.score, 1)}</td>
                      <td className="num">{fmtNumber(m.weight, 2)}</td>
                      <td>
                        <span className="cust-contrib">
                          <span className="cust-bar" aria-hidden="true">
                            <span className="cust-bar-health" style={{ width: `${(m.contribution / max) * 100}%` }} />
                          </span>
                          <span className="num">{fmtNumber(m.contribution, 1)}</span>
                        </span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {d.missing.length ? <p className="muted cust-hint">Without data (left out): {d.missing.map((m) => m.name).join(', ')}.</p> : null}
            {d.history.length > 1 ? (
              <details>
                <summary>{d.history.length} changes</summary>
                <ul className="cust-list">
                  {d.history.slice(0, 20).map((h) => (
                    <li key={h.at}>
                      {fmtDateTime(h.at)}: {h.previousScore === null ? '—' : fmtNumber(h.previousScore, 1)} → {fmtNumber(h.score, 1)}
                      {h.movers.length ? <span className="muted"> ({h.movers.map((m) => `${m.name} ${m.impact > 0 ? '+' : ''}${fmtNumber(m.impact, 1)}`).join(', ')})</span> : null}
                    </li>
                  ))}
                </ul>
              </details>
            ) : null}
          </div>
        );
      }}
    </ApiCard>
  );
}
