import { PageHeader, Tabs } from '../../components/layout.js';
import { ReadOnlyUnless } from '../../components/ReadOnly.js';
import { setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../../routes.js';
import { ProgrammeTab } from './ProgrammeTab.js';
import { ReportsTab } from './ReportsTab.js';
import { RewardsTab } from './RewardsTab.js';
import './loyalty.css';

const TABS = [
  { key: 'programme', label: 'Programme' },
  { key: 'rewards', label: 'Rewards' },
  { key: 'reports', label: 'Reports' },
] as const;
type Tab = (typeof TABS)[number]['key'];

/** `/loyalty`: the points programme (status, earn rules, tiers), the rewards catalogue and the liability and lift reports (`?tab=`). */
export default function LoyaltyPage(_props: PageProps) {
  const { search } = useLocation();
  const raw = search.get('tab');
  const tab: Tab = TABS.some((t) => t.key === raw) ? (raw as Tab) : 'programme';
  return (
    <>
      <PageHeader title="Loyalty" subtitle="A points programme on an append-only ledger: earn rules, tiers and rewards; what it owes and whether it works." />
      <Tabs tabs={[...TABS]} value={tab} onChange={(k) => setSearch({ tab: k === 'programme' ? undefined : k })} />
      <ReadOnlyUnless needs="marketing.write" note>
        {tab === 'programme' ? <ProgrammeTab /> : null}
        {tab === 'rewards' ? <RewardsTab /> : null}
      </ReadOnlyUnless>
      {tab === 'reports' ? <ReportsTab /> : null}
    </>
  );
}
