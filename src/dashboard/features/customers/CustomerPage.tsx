import { useMemo } from 'react';
import { useApi } from '../../api/hooks.js';
import { fmtDate, fmtDateTime, fmtNumber, fmtRelative } from '../../components/format.js';
import { Card, PageHeader } from '../../components/layout.js';
import { Empty, ErrorNote, Loading } from '../../components/states.js';
import type { PageProps } from '../../routes.js';
import { Link } from '../../router.js';
import { EventTimelineCard, SurveysCard } from './EventTimelineCard.js';
import { useCan } from '../privacy/useCan.js';
import { ConsentsCard } from './ConsentsCard.js';
import { LoyaltyCard } from './LoyaltyCard.js';
import { DangerZoneCard, ExportDataCard } from './PrivacyCards.js';
import { HealthCard, PredictionsCard } from './ScoreCards.js';
import { JourneysCard, MessagesCard, RecommendationsCard, SegmentsCard, SubscriptionsCard } from './RelatedCards.js';
import { StageBadge } from './StageBadge.js';
import { StageHistoryCard } from './StageHistoryCard.js';
import { TraitsList } from './TraitsList.js';
import { displayName, stagesOf, traitText, type Detail } from './types.js';
import './customers.css';

/** The stage names of the workspace's lifecycle model (key → name). */
export function useStageNames(): Map<string, string> {
  const model = useApi('/api/lifecycle/model');
  return useMemo(() => new Map(stagesOf(model.data).map((s) => [s.key, s.name])), [model.data]);
}

function Header({ c, names }: { c: Detail; names: Map<string, string> }) {
  const email = traitText(c.traits, 'email');
  const touch = c.firstTouch;
  return (
    <Card title="Profile" className="cust-header">
      <div className="cust-header-grid">
        <div>
          <div className="row">
            <StageBadge stage={c.stage} name={c.stage ? names.get(c.stage) : undefined} />
            {c.stageSince ? (
              <span className="muted">
                since {fmtDate(c.stageSince)} ({fmtRelative(c.stageSince)})
              </span>
            ) : null}
          </div>
          <dl className="kv cust-ids">
            <dt>userId</dt>
            <dd>{c.userId ?? <span className="muted">anonymous</span>}</dd>
            {email ? (
              <>
                <dt>Email</dt>
                <dd>{email}</dd>
              </>
            ) : null}
            {c.anonymousIds.length ? (
              <>
                <dt>anonymousIds</dt>
                <dd>{c.anonymousIds.join(', ')}</dd>
              </>
            ) : null}
            {c.aliases.length ? (
              <>
                <dt>Aliases</dt>
                <dd>{c.aliases.join(', ')}</dd>
              </>
            ) : null}
          </dl>
        </div>
        <dl className="kv">
          <dt>First seen</dt>
          <dd>{fmtDateTime(c.firstSeenAt)}</dd>
          <dt>Last seen</dt>
          <dd>
            {fmtDateTime(c.lastSeenAt)} <span className="muted">({fmtRelative(c.lastSeenAt)})</span>
          </dd>
          <dt>Channel</dt>
          <dd>
            {c.acquisitionChannel}
            {touch ? <span className="muted"> {[touch.source, touch.medium, touch.campaign].filter(Boolean).join(' / ')}</span> : null}
          </dd>
          {Object.keys(c.scores).length ? (
            <>
              <dt>Scores</dt>
              <dd>
                {Object.entries(c.scores)
                  .map(([k, v]) => `${k.replace(/_/g, ' ')} ${fmtNumber(v, 2)}`)
                  .join(' · ')}
              </dd>
            </>
          ) : null}
        </dl>
      </div>
    </Card>
  );
}

function AccountsCard({ ids }: { ids: string[] }) {
  return (
    <Card title="Accounts">
      {ids.length ? (
        <ul className="cust-list" aria-label="Accounts of this customer">
          {ids.map((a) => (
            <li key={a}>
              <Link to={`/accounts/${encodeURIComponent(a)}`}>{a}</Link>
            </li>
          ))}
        </ul>
      ) : (
        <Empty title="In no account" height={80}>
          Accounts come from Segment <code>group</code> calls.
        </Empty>
      )}
    </Card>
  );
}

function Sections({ id, c, names }: { id: string; c: Detail; names: Map<string, string> }) {
  const canPrivacy = useCan('privacy.manage');
  return (
    <>
      <Header c={c} names={names} />
      <div className="section">
        <StageHistoryCard id={id} names={names} />
      </div>
      <div className="grid grid-2 section">
        <PredictionsCard id={id} />
        <HealthCard id={id} />
      </div>
      <div className="section">
        <LoyaltyCard id={id} />
      </div>
      <div className="grid cust-main section">
        <EventTimelineCard customerId={id} />
        <div className="stack">
          <Card title="Traits">
            <TraitsList traits={c.traits} times={c.traitTimes} />
          </Card>
          <AccountsCard ids={c.accountIds} />
          <SegmentsCard id={id} />
          <SurveysCard customerId={id} />
        </div>
      </div>
      <div className="grid grid-2 section">
        <MessagesCard id={id} />
        <JourneysCard id={id} />
        <RecommendationsCard id={id} />
        <SubscriptionsCard id={id} />
      </div>
      <div className="section">
        <ConsentsCard id={id} />
      </div>
      {canPrivacy ? (
        <div className="grid grid-2 section">
          <ExportDataCard id={id} />
          <DangerZoneCard id={id} userId={c.userId} email={traitText(c.traits, 'email') ?? null} />
        </div>
      ) : null}
    </>
  );
}

/** /customers/:id — the 360° view of one customer (`:id` is a userId or an anonymousId). */
export default function CustomerPage({ params }: PageProps) {
  const id = params.id ?? '';
  const detail = useApi('/api/customers/:id', { params: { id } });
  const names = useStageNames();
  const c = detail.data;
  const title = c ? (displayName(c.traits) ?? traitText(c.traits, 'email') ?? c.userId ?? 'Anonymous visitor') : 'Customer';
  return (
    <>
      <PageHeader title={title} subtitle={<Link to="/customers">← All customers</Link>} />
      {c ? (
        <Sections id={id} c={c} names={names} />
      ) : detail.error?.status === 404 ? (
        <Empty title={`No customer “${id}”`}>
          No customer has this userId or anonymousId in this workspace. <Link to={`/customers?q=${encodeURIComponent(id)}`}>Search for it</Link> or go back to{' '}
          <Link to="/customers">all customers</Link>.
        </Empty>
      ) : detail.error ? (
        <ErrorNote error={detail.error} retry={() => void detail.refetch()} />
      ) : (
        <Loading label="Loading customer…" />
      )}
    </>
  );
}
