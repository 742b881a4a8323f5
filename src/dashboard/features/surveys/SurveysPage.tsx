import { PageHeader, Tabs } from '../../components/layout.js';
import { IfCan, ReadOnlyUnless } from '../../components/ReadOnly.js';
import { Link, setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../../routes.js';
import { FatigueSection } from './FatigueSection.js';
import { FollowUpQueue } from './FollowUpQueue.js';
import { SurveysList } from './SurveysList.js';
import './surveys.css';

const TABS = [
  { key: 'surveys', label: 'Surveys' },
  { key: 'follow-ups', label: 'Follow-up queue' },
  { key: 'fatigue', label: 'Fatigue rules' },
] as const;
type Tab = (typeof TABS)[number]['key'];

/** `/surveys`: the surveys, the follow-up queue of negative answers, and the workspace's fatigue rules (`?tab=`). */
export default function SurveysPage(_props: PageProps) {
  const { search } = useLocation();
  const raw = search.get('tab');
  const tab: Tab = TABS.some((t) => t.key === raw) ? (raw as Tab) : 'surveys';
  return (
    <>
      <PageHeader
        title="Surveys"
        subtitle="NPS, CSAT and CES: sent by a journey's survey step or as a broadcast, answered in one click, followed up by people."
        actions={
          <IfCan needs="surveys.write">
            <Link to="/surveys/new" className="btn btn-primary">
              New survey
            </Link>
          </IfCan>
        }
      />
      <Tabs tabs={[...TABS]} value={tab} onChange={(k) => setSearch({ tab: k === 'surveys' ? undefined : k, status: undefined })} />
      {tab === 'surveys' ? <SurveysList /> : null}
      <ReadOnlyUnless needs="surveys.write" note>
        {tab === 'follow-ups' ? <FollowUpQueue /> : null}
        {tab === 'fatigue' ? <FatigueSection /> : null}
      </ReadOnlyUnless>
    </>
  );
}
