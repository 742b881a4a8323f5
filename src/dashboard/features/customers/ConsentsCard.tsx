import { fmtDateTime } from '../../components/format.js';
import { Badge } from '../../components/layout.js';
import { ApiCard } from './ApiCard.js';

/** Every consent change of the customer with its proof: where it came from, when, from which IP, and the words they saw. */
export function ConsentsCard({ id }: { id: string }) {
  return (
    <ApiCard
      title="Consent history"
      route="/api/customers/:id/consents"
      params={{ id }}
      empty={{ title: 'No consent recorded', hint: 'Subscribes and unsubscribes (from forms, links, imports or the API) show here with their proof.' }}
      isEmpty={(d) => d.records.length === 0}
    >
      {(d) => (
        <div className="table-wrap cust-scroll">
          <table aria-label="Consent history">
            <thead>
              <tr>
                <th>When</th>
                <th>Group</th>
                <th>Consent</th>
                <th>Source</th>
                <th>IP</th>
                <th>Text shown</th>
              </tr>
            </thead>
            <tbody>
              {d.records.map((r) => (
                <tr key={r.id}>
                  <td title={r.at}>{fmtDateTime(r.at)}</td>
                  <td>{r.groupId}</td>
                  <td>
                    <Badge tone={r.subscribed ? 'good' : 'warn'}>{r.subscribed ? 'subscribed' : 'unsubscribed'}</Badge>
                  </td>
                  <td>
                    {r.source}
                    {r.actor ? <div className="muted cust-sub">by {r.actor}</div> : null}
                  </td>
                  <td className="cust-userid" title={r.userAgent ?? undefined}>
                    {r.ip ?? <span className="muted">—</span>}
                  </td>
                  <td className="priv-text-shown">{r.textShown ?? <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </ApiCard>
  );
}
