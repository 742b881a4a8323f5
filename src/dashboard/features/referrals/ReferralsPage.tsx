import { useApi } from '../../api/hooks.js';
import { ReadOnlyUnless } from '../../components/ReadOnly.js';
import { PageHeader, Tabs } from '../../components/layout.js';
import { setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../../routes.js';
import { Leaderboard } from './Leaderboard.js';
import { ReferralsList } from './ReferralsList.js';
import { ReviewQueue } from './ReviewQueue.js';
import { SettingsTab } from './SettingsTab.js';
import '../loyalty/loyalty.css';

const TABS = ['referrals', 'review', 'leaderboard', 'settings'] as const;
type Tab = (typeof TABS)[number];

/** `/referrals`: all referrals, the review queue of held ones, the leaderboard, and the settings with the fraud guard (`?tab=`). */
export default function ReferralsPage(_props: PageProps) {
  const { search } = useLocation();
  const raw = search.get('tab');
  const tab: Tab = TABS.includes(raw as Tab) ? (raw as Tab) : 'referrals';
  const held = useApi('/api/referrals', { query: { status: 'held', limit: 200 } }, { retry: false });
  const n = held.data?.referrals.length ?? 0;
  return (
    <>
      <PageHeader title="Referrals" subtitle="Advocates bring friends by link or code; both are rewarded once the friend’s first order stands; the fraud guard checks every pair." />
      <Tabs
        tabs={[
          { key: 'referrals', label: 'Referrals' },
          { key: 'review', label: n ? `Review queue (${n})` : 'Review queue' },
          { key: 'leaderboard', label: 'Leaderboard' },
          { key: 'settings', label: 'Settings' },
        ]}
        value={tab}
        onChange={(k) => setSearch({ tab: k === 'referrals' ? undefined : k, status: undefined })}
      />
      {tab === 'referrals' ? <ReferralsList /> : null}
      <ReadOnlyUnless needs="marketing.write" note>
        {tab === 'review' ? <ReviewQueue /> : null}
        {tab === 'settings' ? <SettingsTab /> : null}
      </ReadOnlyUnless>
      {tab === 'leaderboard' ? <Leaderboard /> : null}
    </>
  );
}
