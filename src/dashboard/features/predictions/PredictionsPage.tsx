import { api } from '../../api/client.js';
import { IfCan } from '../../components/ReadOnly.js';
import { useState } from 'react';
import type { z } from 'zod';
import type { ChurnModelView, ClvModelView } from '../../../contracts/predictions.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { Chart } from '../../components/Chart.js';
import { fmtDate, fmtDateTime, fmtNumber, fmtPercent } from '../../components/format.js';
import { Card, PageHeader } from '../../components/layout.js';
import { Empty, QueryView } from '../../components/states.js';
import type { PageProps } from '../../routes.js';
import { calibrationOption, churnSummary, featureLabel } from './model-text.js';
import './predictions.css';

type Churn = z.infer<typeof ChurnModelView>;
type Clv = z.infer<typeof ClvModelView>;

/**
 * The models behind the scores: what the churn model was trained on, how well it did on
 * customers whose future it had not seen (the validation figures and calibration by
 * decile), what drives it; and the CLV fit.
 */
export default function PredictionsPage(_props: PageProps) {
  const q = useApi('/api/predictions/models');
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const train = useApiMutation(() => api.post('/api/predictions/churn/train', { body: {} }), {
    onSuccess: (r) => setNote({ ok: true, text: `Training started (job ${r.job.id}); the figures below change when it is done.` }),
  });
  return (
    <>
      <PageHeader
        title="Predictions"
        subtitle="The models behind churn risk and predicted CLV, and how far to trust them."
        actions={
          <IfCan needs="model.write">
            <button
              type="button"
              className="btn btn-small"
              disabled={train.isPending}
              onClick={() => {
                setNote(null);
                train.mutate(undefined, { onError: (e) => setNote({ ok: false, text: e.message }) });
              }}
            >
              Train churn model now
            </button>
          </IfCan>
        }
      />
      {note ? (
        <p className={note.ok ? 'form-ok' : 'form-error'} role={note.ok ? 'status' : 'alert'}>
          {note.text}
        </p>
      ) : null}
      <QueryView
        query={q}
        isEmpty={(d) => d.models.length === 0}
        empty={{ title: 'No models yet', hint: 'Models are trained daily once there is enough history (two horizons, 180 days by default); “Train churn model now” tries at once.' }}
      >
        {(d) => {
          const churn = d.models.find((m): m is Churn => m.kind === 'churn');
          const clv = d.models.find((m): m is Clv => m.kind === 'clv');
          return (
            <>
              {churn ? (
                <ChurnModel m={churn} />
              ) : (
                <Card title="Churn risk">
                  <Empty title="No churn model yet">It needs customers who went quiet and customers who stayed, in two periods of the horizon.</Empty>
                </Card>
              )}
              {clv ? <ClvModel m={clv} /> : null}
            </>
          );
        }}
      </QueryView>
    </>
  );
}

function ChurnModel({ m }: { m: Churn }) {
  const v = m.metrics;
  const rate = v.validationCustomers > 0 ? v.validationChurned / v.validationCustomers : null;
  return (
    <section aria-label="Churn model" className="section">
      <Card title="Churn risk: how it did on customers it had not seen">
        <p className="muted">{churnSummary(m)}</p>
        <div className="grid grid-4 model-figures">
          <Figure label="ROC AUC" value={fmtNumber(v.auc, 3)} foot="0.5 is a coin toss, 1 is perfect" testId="auc" />
          <Figure label="Churned in the riskiest tenth" value={fmtPercent(v.precisionAtDecile)} foot={`against ${fmtPercent(rate)} of all validation customers`} testId="precision" />
          <Figure label="Brier score" value={fmtNumber(v.brier, 3)} foot={`${fmtNumber(v.brierBaseline, 3)} for always guessing the base rate (lower is better)`} testId="brier" />
          <Figure label="Validation customers" value={fmtNumber(v.validationCustomers)} foot={`${fmtNumber(v.validationChurned)} had no activity within ${m.horizonDays} days`} testId="validation" />
        </div>
      </Card>
      <div className="grid grid-2 section">
        <Card title="Calibration: predicted against what happened">
          {v.calibration.length === 0 ? (
            <Empty title="Not kept for this model">Train it again to see its calibration.</Empty>
          ) : (
            <>
              <Chart option={calibrationOption(v.calibration)} height={260} label="Mean predicted churn and the share who churned, by decile of the prediction" />
              <div className="table-wrap">
                <table aria-label="Calibration by decile">
                  <thead>
                    <tr>
                      <th>Decile</th>
                      <th className="num">Customers</th>
                      <th className="num">Predicted</th>
                      <th className="num">Churned</th>
                    </tr>
                  </thead>
                  <tbody>
                    {v.calibration.map((b) => (
                      <tr key={b.decile}>
                        <td>{b.decile === 1 ? '1 (lowest risk)' : b.decile === v.calibration.length ? `${b.decile} (highest risk)` : b.decile}</td>
                        <td className="num">{fmtNumber(b.customers)}</td>
                        <td className="num">{fmtPercent(b.predicted, 0)}</td>
                        <td className="num">{fmtPercent(b.observed, 0)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </Card>
        <Card title="What drives the risk">
          <p className="muted">Weights are per standard deviation of each input; red raises the risk, green lowers it.</p>
          <ul className="factor-list" aria-label="Strongest factors">
            {m.parameters.coefficients.slice(0, 10).map((f) => (
              <li key={f.feature} className={f.direction === 'up' ? 'factor-up' : 'factor-down'}>
                <span>{featureLabel(f.feature)}</span>
                <span className="num">
                  {f.weight >= 0 ? '+' : '−'}
                  {fmtNumber(Math.abs(f.weight), 2)}
                </span>
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </section>
  );
}

function ClvModel({ m }: { m: Clv }) {
  const b = m.parameters.bgnbd;
  return (
    <section aria-label="CLV model" className="section">
      <Card title="Predicted CLV">
        <p className="muted">
          BG/NBD (how often each buyer buys, and whether they are still buying) and Gamma-Gamma (how much), fitted {fmtDateTime(m.trainedAt)} on orders up to {fmtDate(m.asOf)}:{' '}
          {fmtNumber(m.metrics.customers)} buyers, {fmtNumber(m.metrics.repeatCustomers)} of them repeat buyers.
        </p>
        {m.metrics.note ? (
          <p className="form-error" role="note">
            {m.metrics.note}
          </p>
        ) : null}
        <p className="muted">
          r {fmtNumber(b.r, 3)}, α {fmtNumber(b.alpha, 3)}, a {fmtNumber(b.a, 3)}, b {fmtNumber(b.b, 3)}; log-likelihood {fmtNumber(b.logLikelihood, 1)}.
        </p>
      </Card>
    </section>
  );
}

function Figure({ label, value, foot, testId }: { label: string; value: string; foot: string; testId: string }) {
  return (
    <div className="kpi" data-testid={`model-${testId}`}>
      <span className="kpi-label">{label}</span>
      <span className="kpi-value">{value}</span>
      <span className="muted model-foot">{foot}</span>
    </div>
  );
}
