import { useApi } from '../../api/hooks.js';
import { fmtDateTime, fmtNumber, fmtRelative } from '../../components/format.js';
import { Card, PageHeader } from '../../components/layout.js';
import { Empty, ErrorNote, Loading } from '../../components/states.js';
import type { PageProps } from '../../routes.js';
import { Link } from '../../router.js';
import { useStageNames } from './CustomerPage.js';
import { HealthCard } from './ScoreCards.js';
import { StageHistoryCard } from './StageHistoryCard.js';
import { TraitsList } from './TraitsList.js';
import { customerPath, traitText, type Account } from './types.js';
import './customers.css';

function Members({ a }: { a: Account }) {
  return (
    <Card title="Members" actions={<span className="muted">{fmtNumber(a.memberCount)} in all</span>}>
      {a.memberUserIds.length ? (
        <>
          <ul className="cust-members" aria-label="Members">
            {a.memberUserIds.map((u) => (
              <li key={u}>
                <Link to={customerPath(u)}>{u}</Link>
              </li>
            ))}
          </ul>
          {a.memberCount > a.memberUserIds.length ? (
            <p className="muted cust-hint">
              {fmtNumber(a.memberCount - a.memberUserIds.length)} more {a.memberCount - a.memberUserIds.length === 1 ? 'member is' : 'members are'} anonymous or beyond the first 1,000 the API lists.
            </p>
          ) : null}
        </>
      ) : (
        <Empty title={a.memberCount ? 'Only anonymous members' : 'No members'} height={80} />
      )}
    </Card>
  );
}

/** /accounts/:id — an account (Segment group): traits, stage history, health and members. */
export default function AccountPage({ params }: PageProps) {
  const id = params.id ?? '';
  const account = useApi('/api/accounts/:id', { params: { id } });
  const names = useStageNames();
  const a = account.data;
  return (
    <>
      <PageHeader title={a ? (traitText(a.traits, 'name') ?? a.groupId) : 'Account'} subtitle={a ? `groupId ${a.groupId}` : <Link to="/customers">← Customers</Link>} />
      {a ? (
        <>
          <Card>
            <dl className="kv">
              <dt>First seen</dt>
              <dd>{fmtDateTime(a.firstSeenAt)}</dd>
              <dt>Last seen</dt>
              <dd>
                {fmtDateTime(a.lastSeenAt)} <span className="muted">({fmtRelative(a.lastSeenAt)})</span>
              </dd>
              <dt>Members</dt>
              <dd>{fmtNumber(a.memberCount)}</dd>
            </dl>
          </Card>
          <div className="section">
            <StageHistoryCard id={id} names={names} scope="account" />
          </div>
          <div className="grid grid-2 section">
            <HealthCard id={id} scope="account" />
            <Card title="Traits">
              <TraitsList traits={a.traits} times={a.traitTimes} />
            </Card>
          </div>
          <div className="section">
            <Members a={a} />
          </div>
        </>
      ) : account.error?.status === 404 ? (
        <Empty title={`No account “${id}”`}>No account has this groupId in this workspace.</Empty>
      ) : account.error ? (
        <ErrorNote error={account.error} retry={() => void account.refetch()} />
      ) : (
        <Loading label="Loading account…" />
      )}
    </>
  );
}
