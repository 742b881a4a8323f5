import { PageHeader, Tabs } from '../../components/layout.js';
import { IfCan } from '../../components/ReadOnly.js';
import { Link, setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../../routes.js';
import { CohortsTab } from './CohortsTab.js';
import { RfmTab } from './RfmTab.js';
import { SegmentsList } from './SegmentsList.js';
import './segments.css';

type Tab = 'segments' | 'rfm' | 'cohorts';
const TABS: Array<{ key: Tab; label: string }> = [
  { key: 'segments', label: 'Segments' },
  { key: 'rfm', label: 'RFM' },
  { key: 'cohorts', label: 'Cohorts' },
];

/** `/segments`: saved segments, the RFM grid and sign-up cohorts, one tab each (?tab=). */
export default function SegmentsPage(_props: PageProps) {
  const { search } = useLocation();
  const raw = search.get('tab');
  const tab: Tab = raw === 'rfm' || raw === 'cohorts' ? raw : 'segments';
  return (
    <>
      <PageHeader
        title="Segments"
        subtitle="Audiences kept current as events arrive, RFM groups of buyers, and cohorts by first event."
        actions={
          <IfCan needs="marketing.write">
            <Link className="btn btn-primary" to="/segments/new">
              New segment
            </Link>
          </IfCan>
        }
      />
      <Tabs tabs={TABS} value={tab} onChange={(t) => setSearch({ tab: t === 'segments' ? undefined : t, page: undefined })} />
      {tab === 'segments' ? <SegmentsList /> : tab === 'rfm' ? <RfmTab /> : <CohortsTab />}
    </>
  );
}
