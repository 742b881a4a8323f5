import type { MemberView } from '../../../contracts/loyalty.js';
import { IfCan, ReadOnlyUnless } from '../../components/ReadOnly.js';
import { useApi } from '../../api/hooks.js';
import { useWorkspace } from '../../api/workspace.js';
import { fmtDate, fmtMoney, fmtNumber } from '../../components/format.js';
import { Badge, Card } from '../../components/layout.js';
import { Empty, ErrorNote, Loading } from '../../components/states.js';
import { AdjustPointsForm } from './AdjustPointsForm.js';
import { LedgerTable } from './LedgerCard.js';
import { MemberLink, ReferralCodes } from './ReferralLinks.js';
import '../loyalty/loyalty.css';

const STATUS = { member: 'member', holdout: 'in the holdout', not_enrolled: 'not enrolled' } as const;

function TierProgress({ m }: { m: MemberView }) {
  const { currency } = useWorkspace();
  if (!m.tier && !m.progress) return null;
  const p = m.progress;
  const fmt = (v: number) => (p?.measure === 'spend' ? fmtMoney(v, currency) : `${fmtNumber(v)} points`);
  const share = p?.next ? Math.max(0, Math.min(1, p.value / Math.max(1, p.next.entry))) : 1;
  return (
    <div data-testid="member-tier">
      <div className="row">
        <span className="kpi-label">Tier</span> <Badge tone="accent">{m.tier?.name ?? 'none'}</Badge>
        {m.tier ? <span className="muted">since {fmtDate(m.tier.since)}</span> : null}
      </div>
      {p ? (
        <>
          <div className="loy-progress" role="progressbar" aria-label="Progress to the next tier" aria-valuenow={Math.round(share * 100)} aria-valuemin={0} aria-valuemax={100}>
            <span style={{ width: `${share * 100}%` }} />
          </div>
          <small className="muted" data-testid="tier-progress">
            {p.next ? `${fmt(p.value)} of ${fmt(p.next.entry)} for ${p.next.name}` : `${fmt(p.value)} this term: the top tier`}
            {p.termEndsAt ? ` · term ends ${fmtDate(p.termEndsAt)}` : ''}
          </small>
        </>
      ) : null}
      {m.tier && Object.keys(m.tier.benefits).length ? (
        <div className="muted">
          Benefits:{' '}
          {Object.entries(m.tier.benefits)
            .map(([k, v]) => (v === true ? k.replace(/_/g, ' ') : `${k.replace(/_/g, ' ')}: ${String(v)}`))
            .join(', ')}
        </div>
      ) : null}
    </div>
  );
}

function Lots({ m }: { m: MemberView }) {
  const open = m.lots.filter((l) => l.remaining !== 0);
  if (!open.length) return <p className="muted">No open lots.</p>;
  return (
    <div className="table-wrap">
      <table aria-label="Lots">
        <thead>
          <tr>
            <th>Earned</th>
            <th className="num">Points</th>
            <th className="num">Left</th>
            <th>Expires</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {open.map((l) => (
            <tr key={l.id}>
              <td>
                {fmtDate(l.earnedAt)}
                {l.orderId ? <span className="muted"> · {l.orderId}</span> : null}
              </td>
              <td className="num">{fmtNumber(l.points)}</td>
              <td className="num">{fmtNumber(l.remaining)}</td>
              <td>{l.expiresAt ? fmtDate(l.expiresAt) : <span className="muted">never</span>}</td>
              <td>{l.pending ? <Badge tone="warn">{l.pendingEvent ? `pending until ${l.pendingEvent}` : `pending until ${fmtDate(l.pendingUntil)}`}</Badge> : <Badge tone="good">available</Badge>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The 360 page's loyalty card: balance, pending, tier and progress, expiring soon, lots, ledger, adjust, referral code and the customer's own link. */
export function LoyaltyCard({ id }: { id: string }) {
  const q = useApi('/api/loyalty/members/:id', { params: { id } }, { retry: (n, e) => e.status !== 404 && n < 2 });
  const programme = useApi('/api/loyalty/programme', undefined, { retry: false, staleTime: 60_000 });
  const pointsName = programme.data?.settings.pointsName ?? 'points';
  const m = q.data;
  return (
    <Card title="Loyalty" id="loyalty" actions={m ? <Badge tone={m.status === 'member' ? 'good' : 'neutral'}>{STATUS[m.status]}</Badge> : null}>
      {q.error && q.error.status === 404 ? (
        <Empty title="No loyalty programme here yet" height={80}>
          Set one up under Loyalty; members appear as they earn.
        </Empty>
      ) : q.error ? (
        <ErrorNote error={q.error} retry={() => void q.refetch()} />
      ) : !m ? (
        <Loading label="Loading loyalty…" />
      ) : (
        <div className="stack">
          <div className="loy-kpis">
            <section className="kpi" aria-label="Balance" data-testid="member-available" data-value={m.available}>
              <span className="kpi-label">Balance</span>
              <span className="kpi-value">{fmtNumber(m.available)}</span>
              <span className="muted">{pointsName} available</span>
            </section>
            <section className="kpi" aria-label="Pending" data-testid="member-pending" data-value={m.pending}>
              <span className="kpi-label">Pending</span>
              <span className="kpi-value">{fmtNumber(m.pending)}</span>
              <span className="muted">not yet spendable</span>
            </section>
            <section className="kpi" aria-label="Expiring soon" data-testid="member-expiring">
              <span className="kpi-label">Expiring soon</span>
              <span className="kpi-value">{m.expiringSoon ? fmtNumber(m.expiringSoon.points) : '0'}</span>
              <span className="muted">{m.expiringSoon ? `on ${fmtDate(m.expiringSoon.at)}` : 'nothing soon'}</span>
            </section>
          </div>
          <TierProgress m={m} />
          <details>
            <summary>Lots ({m.lots.filter((l) => l.remaining !== 0).length})</summary>
            <Lots m={m} />
          </details>
          <details open>
            <summary>Ledger</summary>
            <LedgerTable id={id} />
          </details>
          <IfCan needs="customers.write">
            <details>
              <summary>Adjust points</summary>
              <AdjustPointsForm id={id} pointsName={pointsName} />
            </details>
          </IfCan>
        </div>
      )}
      <div className="stack section">
        <strong>Referrals</strong>
        <ReadOnlyUnless needs="marketing.write">
          <ReferralCodes id={id} />
        </ReadOnlyUnless>
        <IfCan needs="customers.write">
          <strong>The customer’s own page</strong>
          <MemberLink id={id} />
        </IfCan>
      </div>
    </Card>
  );
}
