import type { SurveyView } from '../../../contracts/surveys.js';
import { useApi } from '../../api/hooks.js';
import { Badge, Card } from '../../components/layout.js';
import { fmtNumber, fmtRelative } from '../../components/format.js';
import { QueryView } from '../../components/states.js';
import { Link } from '../../router.js';
import { STATUS_TONE, TYPE_LABEL } from './labels.js';
import { fmtScore } from './results-charts.js';

/** Every survey: type, status, invitations sent, answers and response rate; the score is on its results page. */
export function SurveysList() {
  const q = useApi('/api/surveys');
  return (
    <Card title="All surveys">
      <QueryView query={q} empty={{ title: 'No surveys yet', hint: <Link to="/surveys/new">Create the first one</Link> }} isEmpty={(d) => d.surveys.length === 0}>
        {(d) => (
          <div className="table-wrap">
            <table aria-label="Surveys">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Type</th>
                  <th>Status</th>
                  <th className="num">Sent</th>
                  <th className="num">Responses</th>
                  <th className="num">Response rate</th>
                  <th className="num">Score</th>
                  <th>Updated</th>
                  <th>
                    <span className="sr-only">Results</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {[...d.surveys]
                  .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
                  .map((s) => (
                    <SurveyRow key={s.id} s={s} />
                  ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </Card>
  );
}

/** The survey's score with its margin, from its results (asked per row, only for surveys with answers). */
function ScoreCell({ id }: { id: string }) {
  const q = useApi('/api/surveys/:id/results', { params: { id } }, { staleTime: 60_000 });
  if (!q.data) return <span className="muted">{q.error ? '?' : '…'}</span>;
  return (
    <span title={q.data.overall.tooFew ? `Only ${q.data.overall.respondents} answers: too few to read as a finding` : undefined}>
      {fmtScore(q.data.type, q.data.overall)}
      {q.data.overall.tooFew ? ' *' : ''}
    </span>
  );
}

function SurveyRow({ s }: { s: SurveyView }) {
  return (
    <tr data-survey={s.id}>
      <td>
        <Link to={`/surveys/${encodeURIComponent(s.id)}`}>{s.name}</Link> <span className="muted">v{s.version}</span>
      </td>
      <td>{TYPE_LABEL[s.definition.type]}</td>
      <td>
        <Badge tone={STATUS_TONE[s.status]}>{s.status}</Badge>
      </td>
      <td className="num">{fmtNumber(s.sent)}</td>
      <td className="num">{fmtNumber(s.responses)}</td>
      <td className="num">{s.sent ? `${Math.round((s.responses / s.sent) * 100)}%` : '—'}</td>
      <td className="num" data-testid="survey-score">
        {s.responses ? <ScoreCell id={s.id} /> : <span className="muted">—</span>}
      </td>
      <td title={s.updatedAt}>{fmtRelative(s.updatedAt)}</td>
      <td>
        <Link to={`/surveys/${encodeURIComponent(s.id)}/results`}>Score & results</Link>
      </td>
    </tr>
  );
}
