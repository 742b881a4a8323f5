import { fmtDate, fmtDateTime, fmtMoney, fmtRelative } from '../../components/format.js';
import { Badge } from '../../components/layout.js';
import { Link } from '../../router.js';
import { useNames } from '../../components/useNames.js';
import { ApiCard } from './ApiCard.js';
import { useWorkspace } from '../../api/workspace.js';

const STATUS_TONE: Record<string, 'good' | 'bad' | 'warn' | 'info' | 'neutral'> = {
  sent: 'good',
  outboxed: 'neutral',
  delivered: 'good',
  converted: 'good',
  completed: 'good',
  failed: 'bad',
  bounced: 'bad',
  skipped: 'warn',
  exited: 'warn',
  queued: 'info',
  sending: 'info',
  active: 'info',
  waiting: 'info',
};

/** The segments the customer is in now. */
export function SegmentsCard({ id }: { id: string }) {
  return (
    <ApiCard title="Segments" route="/api/customers/:id/segments" params={{ id }} empty={{ title: 'In no segment now' }} isEmpty={(d) => d.segments.length === 0}>
      {(d) => (
        <ul className="cust-list" aria-label="Segments of this customer">
          {d.segments.map((s) => (
            <li key={s.id}>
              <Link to={`/segments/${encodeURIComponent(s.id)}`}>{s.name}</Link> <span className="muted">since {fmtDate(s.enteredAt)}</span>
            </li>
          ))}
        </ul>
      )}
    </ApiCard>
  );
}

/** Messages the customer received (or that were skipped, with why). */
export function MessagesCard({ id }: { id: string }) {
  const names = useNames();
  return (
    <ApiCard title="Messages" route="/api/customers/:id/messages" params={{ id }} empty={{ title: 'No messages sent to this customer' }} isEmpty={(d) => d.messages.length === 0}>
      {(d) => (
        <div className="table-wrap cust-scroll">
          <table aria-label="Messages">
            <thead>
              <tr>
                <th>Message</th>
                <th>Status</th>
                <th>When</th>
              </tr>
            </thead>
            <tbody>
              {d.messages.map((m) => (
                <tr key={m.id}>
                  <td>
                    {m.subject ?? (m.templateId ? names('template', m.templateId) : `${m.channel} message`)}
                    <div className="muted cust-sub">
                      {m.channel}
                      {m.journeyId ? (
                        <>
                          {' · '}
                          <Link to={`/journeys/${encodeURIComponent(m.journeyId)}`}>{names('journey', m.journeyId)}</Link>
                        </>
                      ) : null}
                      {m.openedAt ? ' · opened' : ''}
                      {m.clickedAt ? ' · clicked' : ''}
                    </div>
                  </td>
                  <td>
                    <Badge tone={STATUS_TONE[m.status] ?? 'neutral'}>{m.status}</Badge>
                    {m.reason ? <div className="muted cust-sub">{m.reason}</div> : null}
                  </td>
                  <td title={m.createdAt}>{fmtDateTime(m.sentAt ?? m.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </ApiCard>
  );
}

/** Journey runs, newest first: where each stands or how it ended. */
export function JourneysCard({ id }: { id: string }) {
  return (
    <ApiCard title="Journeys" route="/api/customers/:id/journeys" params={{ id }} empty={{ title: 'In no journey' }} isEmpty={(d) => d.runs.length === 0}>
      {(d) => (
        <ul className="cust-list" aria-label="Journey runs">
          {d.runs.map((r) => (
            <li key={r.id}>
              <Link to={`/journeys/${encodeURIComponent(r.journeyId)}`}>{r.journeyName}</Link> <Badge tone={STATUS_TONE[r.status] ?? 'neutral'}>{r.status}</Badge>{' '}
              <span className="muted">
                at {r.step}
                {r.variant ? ` (variant ${r.variant})` : ''} · entered {fmtRelative(r.enteredAt)}
                {r.endedAt ? ` · ended ${fmtDate(r.endedAt)}${r.endReason ? `: ${r.endReason}` : ''}` : ''}
                {r.wakeAt && !r.endedAt ? ` · next step ${fmtRelative(r.wakeAt)}` : ''}
              </span>
              {r.error ? <div className="form-error">{r.error}</div> : null}
            </li>
          ))}
        </ul>
      )}
    </ApiCard>
  );
}

/** Next best products with why. */
export function RecommendationsCard({ id }: { id: string }) {
  const { currency } = useWorkspace();
  return (
    <ApiCard
      title="Recommendations"
      route="/api/customers/:id/recommendations"
      params={{ id }}
      empty={{ title: 'No recommendations yet', hint: 'They are rebuilt hourly from the order history.' }}
      isEmpty={(d) => d.products.length === 0}
    >
      {(d) => (
        <ul className="cust-list" aria-label="Recommended products">
          {d.products.map((p) => (
            <li key={p.productId}>
              <strong>{p.name ?? p.productId}</strong> {p.price !== null ? <span>{fmtMoney(p.price, currency)}</span> : null}{' '}
              <span className="muted">
                {p.category ? `${p.category} · ` : ''}
                {p.reason === 'similar' ? 'similar to what they bought' : p.reason === 'popular' ? 'a best seller' : p.reason}
              </span>
            </li>
          ))}
        </ul>
      )}
    </ApiCard>
  );
}

/** Consent per subscription group, channel-wide opt-outs, and suppressed addresses. */
export function SubscriptionsCard({ id }: { id: string }) {
  return (
    <ApiCard
      title="Subscriptions and consent"
      route="/api/customers/:id/subscriptions"
      params={{ id }}
      empty={{ title: 'No subscription groups', hint: 'Create subscription groups in Settings.' }}
      isEmpty={(d) => d.groups.length === 0 && d.suppressed.length === 0 && d.unsubscribedFromAll.length === 0}
    >
      {(d) => (
        <div className="stack">
          <ul className="cust-list" aria-label="Subscription groups">
            {d.groups.map((g) => (
              <li key={g.id}>
                {g.name} <span className="muted">({g.channel})</span> <Badge tone={g.subscribed ? 'good' : 'bad'}>{g.subscribed ? 'subscribed' : 'unsubscribed'}</Badge>{' '}
                <span className="muted">{g.explicit ? 'their choice' : 'group default'}</span>
              </li>
            ))}
          </ul>
          {d.unsubscribedFromAll.length ? <p className="form-error">Unsubscribed from all {d.unsubscribedFromAll.join(', ')} messages.</p> : null}
          {d.suppressed.map((s) => (
            <p key={s.channel + s.address} className="form-error">
              {s.channel} address {s.address} is suppressed: {s.reason}
            </p>
          ))}
        </div>
      )}
    </ApiCard>
  );
}
