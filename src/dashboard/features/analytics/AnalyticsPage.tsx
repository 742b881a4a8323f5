import { PageHeader, Tabs } from '../../components/layout.js';
import { ErrorNote, Loading } from '../../components/states.js';
import { setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../../routes.js';
import './analytics.css';
import { CacTab } from './CacTab.js';
import { CohortsTab } from './CohortsTab.js';
import { resolveRange } from './dates.js';
import { FunnelsTab } from './FunnelsTab.js';
import { MetricsTab } from './MetricsTab.js';
import { useWorkspace } from '../../api/workspace.js';
import { EventDatalist } from './vocabulary.js';

const TABS = [
  { key: 'metrics', label: 'Metrics' },
  { key: 'cohorts', label: 'Cohorts' },
  { key: 'funnels', label: 'Funnels' },
  { key: 'cac', label: 'CAC vs CLV' },
] as const;
type Tab = (typeof TABS)[number]['key'];

/** The range each tab opens with when the URL names none (in days up to today). */
const DEFAULT_DAYS: Record<Tab, number> = { metrics: 90, cohorts: 365, funnels: 30, cac: 90 };

/**
 * Analytics: any KPI of the catalogue over time, cohort retention, funnels and CAC vs CLV.
 * The open tab and every control live in the URL, so a link reproduces the view.
 */
export default function AnalyticsPage(_props: PageProps) {
  const { search } = useLocation();
  const tab: Tab = TABS.some((t) => t.key === search.get('tab')) ? (search.get('tab') as Tab) : 'metrics';
  const ws = useWorkspace();
  const range = resolveRange(search, ws.timezone, DEFAULT_DAYS[tab]);
  let body;
  // Days are the workspace's: wait for its timezone before asking for any range.
  if (ws.error && !ws.ready) body = <ErrorNote error={ws.error} />;
  else if (!ws.ready) body = <Loading label="Loading the workspace…" />;
  else if (tab === 'metrics') body = <MetricsTab search={search} range={range} timezone={ws.timezone} currency={ws.currency} />;
  else if (tab === 'cohorts') body = <CohortsTab search={search} range={range} timezone={ws.timezone} currency={ws.currency} />;
  else if (tab === 'funnels') body = <FunnelsTab search={search} range={range} timezone={ws.timezone} />;
  else body = <CacTab search={search} range={range} timezone={ws.timezone} currency={ws.currency} />;
  return (
    <div className="ana-page">
      <PageHeader title="Analytics" subtitle="Lifecycle KPIs over time, cohort retention, funnels, and what each channel's customers cost against what they bring." />
      <Tabs tabs={[...TABS]} value={tab} onChange={(k) => setSearch({ tab: k })} />
      <EventDatalist />
      <div role="tabpanel" aria-label={TABS.find((t) => t.key === tab)!.label}>
        {body}
      </div>
    </div>
  );
}
