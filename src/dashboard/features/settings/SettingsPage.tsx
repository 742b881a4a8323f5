import { PageHeader, Tabs } from '../../components/layout.js';
import { setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../../routes.js';
import { ActivitySection } from './ActivitySection.js';
import { GroupsSection } from './GroupsSection.js';
import { HelpdeskSection } from './HelpdeskSection.js';
import { KeysSection } from './KeysSection.js';
import { MessagingSection } from './MessagingSection.js';
import { ProvidersNote } from './ProvidersNote.js';
import { ProvidersSection } from './ProvidersSection.js';
import { WorkspaceSection } from './WorkspaceSection.js';
import './settings.css';

const TABS = [
  { key: 'workspace', label: 'Workspace' },
  { key: 'keys', label: 'Keys' },
  { key: 'messaging', label: 'Channels & messaging' },
  { key: 'groups', label: 'Subscription groups' },
  { key: 'helpdesk', label: 'Helpdesk' },
] as const;
type Tab = (typeof TABS)[number]['key'];

/** Settings: the workspace, its keys, messaging rules, subscription groups and helpdesk connections (the open section is `?tab=`). */
export default function SettingsPage(_props: PageProps) {
  const { search } = useLocation();
  const raw = search.get('tab');
  const tab: Tab = TABS.some((t) => t.key === raw) ? (raw as Tab) : 'workspace';
  return (
    <>
      <PageHeader title="Settings" subtitle="The workspace, its API keys, how often and when messages may go out, what customers can subscribe to, and which helpdesks send support conversations." />
      <Tabs tabs={[...TABS]} value={tab} onChange={(k) => setSearch({ tab: k === 'workspace' ? undefined : k })} />
      <div className="stack">
        {tab === 'workspace' ? (
          <>
            <WorkspaceSection />
            <ActivitySection />
          </>
        ) : null}
        {tab === 'keys' ? <KeysSection /> : null}
        {tab === 'messaging' ? (
          <>
            <MessagingSection />
            <ProvidersNote />
            <ProvidersSection />
          </>
        ) : null}
        {tab === 'groups' ? <GroupsSection /> : null}
        {tab === 'helpdesk' ? <HelpdeskSection /> : null}
      </div>
    </>
  );
}
