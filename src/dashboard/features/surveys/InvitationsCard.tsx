import { useState } from 'react';
import type { InvitationStatus } from '../../../contracts/surveys.js';
import { useApi } from '../../api/hooks.js';
import { Card, Tabs } from '../../components/layout.js';
import { fmtDateTime, fmtRelative } from '../../components/format.js';
import { QueryView } from '../../components/states.js';
import { Link } from '../../router.js';
import { CHANNEL_LABEL, HOLD_REASON_LABEL } from './labels.js';

const TABS: Array<{ key: Extract<InvitationStatus, 'held' | 'skipped'>; label: string }> = [
  { key: 'held', label: 'Held' },
  { key: 'skipped', label: 'Skipped' },
];

/** Invitations a fatigue rule held (until when) or skipped, each with the rule's reason in words. */
export function InvitationsCard({ surveyId }: { surveyId: string }) {
  const [status, setStatus] = useState<'held' | 'skipped'>('held');
  const q = useApi('/api/surveys/:id/invitations', { params: { id: surveyId }, query: { status, limit: 100 } }, { keepPrevious: true });
  return (
    <Card title="Held and skipped invitations">
      <Tabs tabs={TABS} value={status} onChange={setStatus} />
      <QueryView
        query={q}
        empty={{ title: status === 'held' ? 'Nothing held' : 'Nothing skipped', hint: 'Fatigue rules, sampling and the first-survey delay hold or skip invitations; they show here with the reason.' }}
        isEmpty={(d) => d.invitations.length === 0}
      >
        {(d) => (
          <div className="table-wrap">
            <table aria-label={`${status} invitations`}>
              <thead>
                <tr>
                  <th>Customer</th>
                  <th>Channel</th>
                  <th>Why</th>
                  <th>{status === 'held' ? 'Waits until' : 'When'}</th>
                </tr>
              </thead>
              <tbody>
                {d.invitations.map((i) => (
                  <tr key={i.id}>
                    <td>{i.userId ? <Link to={`/customers/${encodeURIComponent(i.userId)}`}>{i.userId}</Link> : `#${i.customerId}`}</td>
                    <td>{CHANNEL_LABEL[i.channel] ?? i.channel}</td>
                    <td title={i.reasonCode ?? undefined}>{i.reason ?? (i.reasonCode ? (HOLD_REASON_LABEL[i.reasonCode] ?? i.reasonCode) : '—')}</td>
                    <td>
                      {status === 'held' && i.eligibleAt ? (
                        <span title={fmtDateTime(i.eligibleAt)}>
                          {fmtDateTime(i.eligibleAt)} <span className="muted">({fmtRelative(i.eligibleAt)})</span>
                        </span>
                      ) : (
                        fmtDateTime(i.createdAt)
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </Card>
  );
}
