import { useState } from 'react';
import { ReferralStatus, type ReferralView } from '../../../contracts/referrals.js';
import { useApi } from '../../api/hooks.js';
import { useWorkspace } from '../../api/workspace.js';
import { fmtDate, fmtDateTime, fmtMoney } from '../../components/format.js';
import { Badge, Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { setSearch, useLocation } from '../../router.js';
import { SelectField } from '../journeys/fields.js';
import { Person } from './people.js';
import { SIGNAL_TEXT, STATUS_TEXT } from './signals.js';

/** Every referral, newest first, filtered by status (`?status=`). */
export function ReferralsList() {
  const { search } = useLocation();
  const raw = search.get('status');
  const status = ReferralStatus.safeParse(raw).success ? (raw as ReferralStatus) : undefined;
  // Pages by cursor: the cursors of the pages before this one, so Newer can go back.
  const [cursors, setCursors] = useState<string[]>([]);
  const [lastStatus, setLastStatus] = useState(status);
  if (lastStatus !== status) {
    setLastStatus(status);
    setCursors([]);
  }
  const cursor = cursors[cursors.length - 1];
  const q = useApi('/api/referrals', { query: { status, limit: 100, cursor } }, { keepPrevious: true });
  const { currency } = useWorkspace();
  return (
    <Card
      title="All referrals"
      actions={
        <SelectField
          label="Status"
          value={status ?? ''}
          options={[{ value: '', label: 'Any status' }, ...ReferralStatus.options.map((s) => ({ value: s, label: STATUS_TEXT[s].label }))]}
          onChange={(v) => setSearch({ status: v || undefined })}
        />
      }
    >
      <QueryView
        query={q}
        empty={{ title: status ? `No ${STATUS_TEXT[status].label} referrals` : 'No referrals yet', hint: 'A referral starts when a friend arrives by an advocate’s link or uses their code.' }}
        isEmpty={(d) => d.referrals.length === 0}
      >
        {(d) => (
          <div className="table-wrap">
            <table aria-label="Referrals">
              <thead>
                <tr>
                  <th>Friend</th>
                  <th>Advocate</th>
                  <th>Code</th>
                  <th>Status</th>
                  <th>Attributed</th>
                  <th>First order</th>
                  <th>Advocate due</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                {d.referrals.map((r) => (
                  <Row key={r.id} r={r} currency={currency} />
                ))}
              </tbody>
            </table>
            <div className="pager">
              <button type="button" className="btn btn-small" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
                Newer
              </button>
              <button type="button" className="btn btn-small" disabled={!d.nextCursor} onClick={() => d.nextCursor && setCursors([...cursors, d.nextCursor])}>
                Older
              </button>
            </div>
          </div>
        )}
      </QueryView>
    </Card>
  );
}

function Row({ r, currency }: { r: ReferralView; currency: string }) {
  const s = STATUS_TEXT[r.status];
  return (
    <tr data-referral={r.id} data-status={r.status}>
      <td>
        <Person p={r.friend} />
      </td>
      <td>
        <Person p={r.advocate} />
      </td>
      <td>
        <code>{r.code}</code> <span className="muted">{r.via}</span>
      </td>
      <td>
        <Badge tone={s.tone}>{s.label}</Badge>
      </td>
      <td>{fmtDateTime(r.attributedAt)}</td>
      <td>{r.orderId ? `${fmtMoney(r.orderValue, currency)} on ${fmtDate(r.orderAt)}` : <span className="muted">—</span>}</td>
      <td>{r.advocateDueAt ? fmtDate(r.advocateDueAt) : <span className="muted">—</span>}</td>
      <td className="muted">{r.override ? `${r.override.decision} by ${r.override.by}: ${r.override.note}` : r.reasons.map((x) => SIGNAL_TEXT[x.signal]?.name ?? x.signal).join(', ') || '—'}</td>
    </tr>
  );
}
