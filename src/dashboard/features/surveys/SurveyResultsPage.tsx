import type { SurveyResults } from '../../../contracts/survey-results.js';
import { useApi } from '../../api/hooks.js';
import { Badge, PageHeader, Tabs } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { Link, setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../../routes.js';
import { CommentsCard } from './CommentsCard.js';
import { InvitationsCard } from './InvitationsCard.js';
import { STATUS_TONE, TYPE_LABEL } from './labels.js';
import { DeliveryCard, FollowUpKpis, ScoreCard } from './ResultsCards.js';
import { AccountsTable, BandsCard, DistributionCard, RoundsTable, TrendCard } from './ResultsCharts.js';
import './surveys.css';

const PERIODS = [
  { key: 'week', label: 'Weekly' },
  { key: 'month', label: 'Monthly' },
  { key: 'quarter', label: 'Quarterly' },
] as const;
type Period = (typeof PERIODS)[number]['key'];
const RANGES = [
  { key: 'all', label: 'All time' },
  { key: '365', label: 'Last 12 months' },
  { key: '90', label: 'Last 90 days' },
] as const;
type Range = (typeof RANGES)[number]['key'];

/** The start of a range of whole days ending now (UTC midnight, so the cache key holds for the day). */
function fromOf(range: Range): string | undefined {
  if (range === 'all') return undefined;
  const d = new Date();
  d.setUTCHours(0, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() - Number(range));
  return d.toISOString();
}

/** `/surveys/:id/results`: the score with its margin, trend, bands, distribution, rounds, accounts, delivery, the loop closed, comments and held invitations. */
export default function SurveyResultsPage({ params }: PageProps) {
  const id = params.id!;
  const { search } = useLocation();
  const period: Period = PERIODS.some((p) => p.key === search.get('period')) ? (search.get('period') as Period) : 'month';
  const range: Range = RANGES.some((r) => r.key === search.get('range')) ? (search.get('range') as Range) : 'all';
  const survey = useApi('/api/surveys/:id', { params: { id } });
  const results = useApi('/api/surveys/:id/results', { params: { id }, query: { period, from: fromOf(range) } }, { keepPrevious: true });
  const s = survey.data;
  return (
    <>
      <PageHeader
        title={
          <span className="row">
            {s ? s.name : id} {s ? <Badge tone="info">{TYPE_LABEL[s.definition.type]}</Badge> : null}
            {s ? <Badge tone={STATUS_TONE[s.status]}>{s.status}</Badge> : null}
          </span>
        }
        subtitle={
          <>
            <Link to="/surveys">All surveys</Link> · <Link to={`/surveys/${encodeURIComponent(id)}`}>Edit the survey</Link> · <Link to="/surveys?tab=follow-ups">Follow-up queue</Link>
          </>
        }
      />
      <div className="row">
        <Tabs tabs={[...RANGES]} value={range} onChange={(k) => setSearch({ range: k === 'all' ? undefined : k })} />
        <Tabs tabs={[...PERIODS]} value={period} onChange={(k) => setSearch({ period: k === 'month' ? undefined : k })} />
      </div>
      <QueryView query={results}>{(r) => <Results r={r} />}</QueryView>
      <div className="svy-results">
        <CommentsCard surveyId={id} />
        <InvitationsCard surveyId={id} />
      </div>
    </>
  );
}

function Results({ r }: { r: SurveyResults }) {
  return (
    <div className="stack">
      <div className="svy-results">
        <ScoreCard r={r} />
        <DeliveryCard r={r} />
      </div>
      <FollowUpKpis r={r} />
      <div className="svy-results">
        <TrendCard r={r} />
        <DistributionCard r={r} />
        <BandsCard r={r} />
        <RoundsTable r={r} />
      </div>
      <AccountsTable r={r} />
    </div>
  );
}
