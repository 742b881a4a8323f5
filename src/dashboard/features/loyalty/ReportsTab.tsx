import { useMemo, useState } from 'react';
import type { LiftReport } from '../../../contracts/loyalty.js';
import { useApi } from '../../api/hooks.js';
import { useWorkspace } from '../../api/workspace.js';
import { Chart } from '../../components/Chart.js';
import { fmtMoney, fmtNumber, fmtPercent } from '../../components/format.js';
import { Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { SelectField } from '../journeys/fields.js';
import { liabilityOption, liftOption } from './report-charts.js';

function Kpi({ label, value, foot, testid }: { label: string; value: string; foot?: string; testid: string }) {
  return (
    <section className="card kpi" aria-label={label} data-testid={testid}>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value">{value}</div>
      {foot ? <div className="muted">{foot}</div> : null}
    </section>
  );
}

/** What the programme owes: outstanding and pending points valued at the point value, points owed by members, and when it expires. */
export function LiabilityCard() {
  const q = useApi('/api/loyalty/reports/liability');
  const { currency } = useWorkspace();
  const money = (v: number) => fmtMoney(v, q.data?.currency ?? currency);
  const option = useMemo(() => (q.data ? liabilityOption(q.data, money) : null), [q.data]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <Card title="Liability">
      <QueryView query={q}>
        {(r) => (
          <div className="stack">
            <div className="loy-kpis">
              <Kpi
                testid="liability-available"
                label="Outstanding value"
                value={money(r.available.value)}
                foot={`${fmtNumber(r.available.points)} points available, ${fmtNumber(r.members)} members`}
              />
              <Kpi testid="liability-pending" label="Pending" value={money(r.pending.value)} foot={`${fmtNumber(r.pending.points)} points not yet spendable`} />
              <Kpi testid="liability-owed" label="Owed by members" value={fmtNumber(r.owed.points)} foot={`points in negative balances, ${fmtNumber(r.owed.members)} members`} />
            </div>
            <Chart option={option} label="Outstanding value by the month it expires" empty={r.byExpiryMonth.length === 0 ? 'No outstanding points' : false} />
            <small className="muted">Points valued at {fmtMoney(r.pointValue, r.currency, 4)} each (the programme’s point value).</small>
          </div>
        )}
      </QueryView>
    </Card>
  );
}

function Group({ name, g, money }: { name: string; g: LiftReport['members']; money: (v: number) => string }) {
  return (
    <tr>
      <td>{name}</td>
      <td className="num">{fmtNumber(g.n)}</td>
      <td className="num">{fmtPercent(g.retention)}</td>
      <td className="num">{g.clv === null ? '—' : money(g.clv)}</td>
    </tr>
  );
}

function interval(l: LiftReport['retentionLift'], f: (v: number) => string): string {
  if (l.diff === null) return '—';
  return `${l.diff >= 0 ? '+' : ''}${f(l.diff)} (95%: ${l.low === null ? '?' : f(l.low)} to ${l.high === null ? '?' : f(l.high)})`;
}

/** Members against the holdout (or matched non-members) on retention and CLV, each difference with its 95% interval. */
export function LiftCard() {
  const [windowDays, setWindowDays] = useState(180);
  const q = useApi('/api/loyalty/reports/lift', { query: { windowDays } }, { keepPrevious: true });
  const { currency } = useWorkspace();
  const money = (v: number) => fmtMoney(v, currency);
  const pts = (v: number) => `${fmtNumber(v * 100, 1)} pts`;
  const retention = useMemo(() => (q.data ? liftOption(q.data, 'retention', pts) : null), [q.data]); // eslint-disable-line react-hooks/exhaustive-deps
  const clv = useMemo(() => (q.data ? liftOption(q.data, 'clv', money) : null), [q.data, currency]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <Card
      title="Lift"
      actions={<SelectField label="Window" value={String(windowDays)} options={[90, 180, 365].map((n) => ({ value: String(n), label: `${n} days` }))} onChange={(v) => setWindowDays(Number(v))} />}
    >
      <QueryView query={q}>
        {(r) => (
          <div className="stack">
            {r.tooFew ? (
              <div className="loy-notice" role="note" aria-label="Too few customers">
                Too few customers in one of the groups to tell a difference from chance: read these figures as a first look, not a finding.
              </div>
            ) : null}
            <div className="table-wrap">
              <table aria-label="Members against the comparison group">
                <thead>
                  <tr>
                    <th>Group</th>
                    <th className="num">Customers</th>
                    <th className="num">Retention</th>
                    <th className="num">CLV</th>
                  </tr>
                </thead>
                <tbody>
                  <Group name="Members" g={r.members} money={money} />
                  <Group name={r.comparison === 'holdout' ? 'Holdout' : 'Matched non-members'} g={r.others} money={money} />
                </tbody>
              </table>
            </div>
            <dl className="kv">
              <dt>Retention lift</dt>
              <dd data-testid="lift-retention">{interval(r.retentionLift, pts)}</dd>
              <dt>CLV lift</dt>
              <dd data-testid="lift-clv">{interval(r.clvLift, money)}</dd>
            </dl>
            <div className="grid grid-2">
              <Chart option={retention} height={120} label="Retention difference with its 95% interval" empty={r.retentionLift.diff === null ? 'No retention difference yet' : false} />
              <Chart option={clv} height={120} label="CLV difference with its 95% interval" empty={r.clvLift.diff === null ? 'No CLV difference yet' : false} />
            </div>
            <p className="muted" data-testid="lift-note">
              {r.note}
            </p>
          </div>
        )}
      </QueryView>
    </Card>
  );
}

/** The liability and lift reports. */
export function ReportsTab() {
  return (
    <div className="stack">
      <LiabilityCard />
      <LiftCard />
    </div>
  );
}
