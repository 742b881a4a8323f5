import type { Permission } from '../../../contracts/team.js';
import { useSession } from '../../api/session.js';
import { PageHeader, Tabs } from '../../components/layout.js';
import { setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../../routes.js';
import { ActivitySection } from './ActivitySection.js';
import { ApiKeysSection } from './ApiKeysSection.js';
import { BackgroundWorkSection } from './BackgroundWorkSection.js';
import { DeleteWorkspaceSection } from './DeleteWorkspaceSection.js';
import { GroupsSection } from './GroupsSection.js';
import { HelpdeskSection } from './HelpdeskSection.js';
import { KeysSection } from './KeysSection.js';
import { MessagingSection } from './MessagingSection.js';
import { ProvidersNote } from './ProvidersNote.js';
import { ProvidersSection } from './ProvidersSection.js';
import { ReadOnlyUnless } from '../../components/ReadOnly.js';
import { TeamSection } from './TeamSection.js';
import { WorkspaceSection } from './WorkspaceSection.js';
import './settings.css';

/** The tabs, each shown to whoever holds `needs` (MeView.permissions). */
const TABS: ReadonlyArray<{ key: string; label: string; needs?: Permission }> = [
  { key: 'workspace', label: 'Workspace' },
  { key: 'team', label: 'Team', needs: 'members.manage' },
  { key: 'keys', label: 'API keys', needs: 'keys.manage' },
  { key: 'messaging', label: 'Channels & messaging' },
  { key: 'groups', label: 'Subscription groups' },
  { key: 'helpdesk', label: 'Helpdesk', needs: 'settings.write' },
];

/** Settings: the workspace, its team, its API keys, messaging rules, subscription groups and helpdesk connections (the open section is `?tab=`). */
export default function SettingsPage(_props: PageProps) {
  const { search } = useLocation();
  const { permissions } = useSession();
  const tabs = TABS.filter((t) => !t.needs || permissions.includes(t.needs));
  const raw = search.get('tab');
  const tab = tabs.some((t) => t.key === raw) ? raw! : 'workspace';
  return (
    <>
      <PageHeader
        title="Settings"
        subtitle="The workspace and its background work, its team and API keys, how often and when messages may go out, what customers can subscribe to, and which helpdesks send support conversations."
      />
      <Tabs tabs={tabs.map(({ key, label }) => ({ key, label }))} value={tab} onChange={(k) => setSearch({ tab: k === 'workspace' ? undefined : k })} />
      <div className="stack">
        {tab === 'workspace' ? (
          <>
            <WorkspaceSection />
            <ActivitySection />
            <BackgroundWorkSection />
            {permissions.includes('workspace.delete') ? <DeleteWorkspaceSection /> : null}
          </>
        ) : null}
        {tab === 'team' ? <TeamSection /> : null}
        {tab === 'keys' ? (
          <>
            <ApiKeysSection />
            <KeysSection />
          </>
        ) : null}
        {tab === 'messaging' ? (
          <ReadOnlyUnless needs="settings.write" note>
            <MessagingSection />
            <ProvidersNote />
            <ProvidersSection />
          </ReadOnlyUnless>
        ) : null}
        {tab === 'groups' ? (
          <ReadOnlyUnless needs="marketing.write" note>
            <GroupsSection />
          </ReadOnlyUnless>
        ) : null}
        {tab === 'helpdesk' ? <HelpdeskSection /> : null}
      </div>
    </>
  );
}
