import type { SurveyResults } from '../../../contracts/survey-results.js';
import { BAND_NAMES } from '../../../contracts/surveys.js';
import { Chart } from '../../components/Chart.js';
import { fmtNumber, fmtPercent } from '../../components/format.js';
import { Card } from '../../components/layout.js';
import { fmtScore, gaugeOption, scoreName } from './results-charts.js';

/** A labelled figure. */
export function Kpi({ label, value, hint, testid }: { label: string; value: string; hint?: string; testid?: string }) {
  return (
    <div className="card kpi" aria-label={label} data-testid={testid}>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value">{value}</div>
      {hint ? <small className="muted">{hint}</small> : null}
    </div>
  );
}

/** The score on a gauge with its 95% margin (the shaded arc and the ±), and a notice when there are too few answers to read it as a finding. */
export function ScoreCard({ r }: { r: SurveyResults }) {
  const o = r.overall;
  const names = BAND_NAMES[r.type];
  const { label } = scoreName(r.type);
  return (
    <Card title={`${label} score`}>
      <Chart option={gaugeOption(r.type, r.scale, o)} height={240} label={`${label} ${fmtScore(r.type, o)}`} empty={o.respondents === 0 ? 'No answers yet' : false} />
      <p className="svy-score-line" data-testid="survey-score-line">
        <strong>{fmtScore(r.type, o)}</strong> from {fmtNumber(o.respondents)} {o.respondents === 1 ? 'answer' : 'answers'}
        {o.marginOfError !== null ? <span className="muted"> · 95% margin of error ± {o.marginOfError.toFixed(1)}</span> : null}
      </p>
      <p className="muted">
        {names.positive}s {fmtNumber(o.positive)} · {names.neutral}s {fmtNumber(o.neutral)} · {names.negative}s {fmtNumber(o.negative)}. Only answers count; dismissals are apart.
      </p>
      {o.tooFew && o.respondents > 0 ? (
        <p className="svy-notice" role="note" aria-label="Too few answers">
          Too few answers ({o.respondents}) to read this as a finding: the score can move a lot with the next few answers.
        </p>
      ) : null}
    </Card>
  );
}

/** Invitations sent, answered and dismissed, and the response rate. */
export function DeliveryCard({ r }: { r: SurveyResults }) {
  const d = r.delivery;
  return (
    <Card title="Delivery">
      <div className="svy-kpis svy-kpis-2">
        <Kpi label="Sent" value={fmtNumber(d.sent)} testid="delivery-sent" />
        <Kpi label="Answered" value={fmtNumber(d.answered)} testid="delivery-answered" />
        <Kpi label="Dismissed" value={fmtNumber(d.dismissed)} hint="closed without a score; not in the score" />
        <Kpi label="Response rate" value={d.responseRate === null ? '—' : fmtPercent(d.responseRate)} hint="answered / sent" testid="delivery-rate" />
      </div>
    </Card>
  );
}

/** The loop closed: negative answers followed up, how fast, and how many came back better. */
export function FollowUpKpis({ r }: { r: SurveyResults }) {
  const f = r.followUp;
  const neg = BAND_NAMES[r.type].negative;
  return (
    <Card title="Follow-up">
      <div className="svy-kpis">
        <Kpi
          label={`${neg[0]!.toUpperCase()}${neg.slice(1)}s followed up`}
          value={f.followedUpShare === null ? '—' : fmtPercent(f.followedUpShare)}
          hint={`${f.followedUp} of ${f.negative} (${f.withTask} with a task)`}
        />
        <Kpi label="Median time to follow-up" value={f.medianHoursToFollowUp === null ? '—' : `${fmtNumber(f.medianHoursToFollowUp, 1)} h`} />
        <Kpi label="Recovered" value={f.recoveryRate === null ? '—' : fmtPercent(f.recoveryRate)} hint={`${f.recovered} answered better next time`} />
        <Kpi label="Negative answers" value={fmtNumber(f.negative)} />
      </div>
    </Card>
  );
}
