import { useApi } from '../../api/hooks.js';
import { fmtDate, fmtNumber } from '../../components/format.js';
import { Card, PageHeader } from '../../components/layout.js';
import { Empty, Loading, QueryView } from '../../components/states.js';
import type { PageProps } from '../../routes.js';
import { PurgeForm } from './PurgeForm.js';
import { RegulationForm } from './RegulationForm.js';
import { RequestsCard } from './RequestsCard.js';
import { useMe } from './useCan.js';
import './privacy.css';

const KIND_LABEL = { user: 'userId', anonymous: 'anonymousId', email: 'email', phone: 'phone' } as const;

/** How many people's events Tenure drops, and how many of their events it has refused. */
function SuppressionsCard() {
  const q = useApi('/api/privacy/suppressions');
  return (
    <Card title="Suppressions">
      <QueryView query={q} height={100}>
        {(d) => {
          const dropped = d.suppressions.reduce((n, s) => n + s.dropped, 0);
          return (
            <div className="stack">
              <div>
                <div className="priv-stat" data-testid="suppressions-total">
                  {fmtNumber(d.total)}
                </div>
                <div className="muted">{d.total === 1 ? 'id whose events are dropped' : 'ids whose events are dropped'}</div>
              </div>
              {d.suppressions.length ? (
                <div className="table-wrap cust-scroll">
                  <table aria-label="Suppressions">
                    <thead>
                      <tr>
                        <th>Id kind</th>
                        <th>Since</th>
                        <th className="num">Events dropped</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.suppressions.map((s, i) => (
                        <tr key={i}>
                          <td>{KIND_LABEL[s.kind]}</td>
                          <td title={s.createdAt}>{fmtDate(s.createdAt)}</td>
                          <td className="num">{fmtNumber(s.dropped)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : null}
              <p className="muted priv-help">
                {fmtNumber(dropped)} {dropped === 1 ? 'event' : 'events'} refused so far. Lift one with a “Lift a suppression” regulation.
              </p>
            </div>
          );
        }}
      </QueryView>
    </Card>
  );
}

/** /privacy — privacy requests and their receipts, bulk regulations, suppressions and property purges. */
export default function PrivacyPage(_props: PageProps) {
  const { can, pending } = useMe();
  if (pending) return <Loading label="Checking what you may do…" />;
  if (!can('privacy.manage'))
    return (
      <>
        <PageHeader title="Privacy" />
        <Empty title="Privacy requests need the privacy permission">Owners and admins (and admin API keys) handle exports, erasures and suppressions. Ask an owner of this workspace.</Empty>
      </>
    );
  return (
    <>
      <PageHeader
        title="Privacy"
        subtitle="Data access and erasure requests with their receipts, people whose events are dropped, and properties purged. To export or erase one customer, open them under Customers."
      />
      <div className="grid grid-2">
        <RegulationForm />
        <SuppressionsCard />
      </div>
      <div className="section">
        <RequestsCard />
      </div>
      <div className="section">
        <PurgeForm />
      </div>
    </>
  );
}
