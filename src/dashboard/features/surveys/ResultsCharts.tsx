import { useMemo } from 'react';
import type { ScoreSummary, SurveyResults } from '../../../contracts/survey-results.js';
import { Chart } from '../../components/Chart.js';
import { fmtNumber } from '../../components/format.js';
import { Card } from '../../components/layout.js';
import { Link } from '../../router.js';
import { bandsOption, distributionOption, fmtScore, scoreName, trendOption } from './results-charts.js';

/** The score per period with its 95% band; periods with too few answers are marked. */
export function TrendCard({ r }: { r: SurveyResults }) {
  const rows = useMemo(() => r.trend.map((t) => ({ label: t.period, summary: t.summary })), [r.trend]);
  const option = useMemo(() => trendOption(r.type, rows), [r.type, rows]);
  return (
    <Card title="Trend">
      <Chart option={option} label={`${scoreName(r.type).label} per period with its 95% interval`} empty={rows.every((x) => x.summary.respondents === 0) ? 'No answers in this range' : false} />
      <small className="muted">The shaded band is the 95% interval; orange points have too few answers to read as a finding.</small>
    </Card>
  );
}

/** Answers per score value. */
export function DistributionCard({ r }: { r: SurveyResults }) {
  const option = useMemo(() => distributionOption(r.type, r.scale, r.distribution), [r]);
  return (
    <Card title="Distribution">
      <Chart option={option} label="Answers per score" empty={r.distribution.every((d) => d.count === 0) ? 'No answers yet' : false} />
    </Card>
  );
}

/** The bands' shares overall and per round. */
export function BandsCard({ r }: { r: SurveyResults }) {
  const rows = useMemo(() => [{ label: 'All', summary: r.overall }, ...r.rounds.map((x) => ({ label: x.round, summary: x.summary }))], [r]);
  const option = useMemo(() => bandsOption(r.type, rows), [r.type, rows]);
  return (
    <Card title="Bands">
      <Chart option={option} height={Math.max(160, 60 + rows.length * 34)} label="Share of answers per band, overall and per round" empty={r.overall.respondents === 0 ? 'No answers yet' : false} />
    </Card>
  );
}

function SummaryCells({ type, s }: { type: SurveyResults['type']; s: ScoreSummary }) {
  return (
    <>
      <td className="num">{fmtNumber(s.respondents)}</td>
      <td className="num">
        {fmtScore(type, s)}
        {s.tooFew && s.respondents > 0 ? (
          <span className="muted" title="too few answers to read as a finding">
            {' '}
            *
          </span>
        ) : null}
      </td>
    </>
  );
}

/** The score per survey round (a broadcast or a journey's run). */
export function RoundsTable({ r }: { r: SurveyResults }) {
  return (
    <Card title="Rounds">
      {r.rounds.length === 0 ? (
        <p className="muted">No rounds yet.</p>
      ) : (
        <div className="table-wrap">
          <table aria-label="Rounds">
            <thead>
              <tr>
                <th>Round</th>
                <th className="num">Answers</th>
                <th className="num">{scoreName(r.type).label}</th>
              </tr>
            </thead>
            <tbody>
              {r.rounds.map((x) => (
                <tr key={x.round}>
                  <td>{x.round}</td>
                  <SummaryCells type={r.type} s={x.summary} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <small className="muted">* too few answers to read as a finding.</small>
    </Card>
  );
}

/** B2B: the score per account, its customers' answers pooled. */
export function AccountsTable({ r }: { r: SurveyResults }) {
  if (r.accounts.length === 0) return null;
  return (
    <Card title="Per account">
      <div className="table-wrap">
        <table aria-label="Accounts">
          <thead>
            <tr>
              <th>Account</th>
              <th className="num">Answers</th>
              <th className="num">{scoreName(r.type).label}</th>
              <th className="num">Negative</th>
            </tr>
          </thead>
          <tbody>
            {r.accounts.map((a) => (
              <tr key={a.accountId}>
                <td>
                  <Link to={`/accounts/${encodeURIComponent(a.groupId)}`}>{a.name ?? a.groupId}</Link>
                </td>
                <SummaryCells type={r.type} s={a.summary} />
                <td className="num">{fmtNumber(a.summary.negative)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
