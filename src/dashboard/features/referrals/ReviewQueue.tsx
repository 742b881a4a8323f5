import { useState } from 'react';
import type { ReferralView } from '../../../contracts/referrals.js';
import { api } from '../../api/client.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { fmtDateTime, fmtNumber } from '../../components/format.js';
import { Badge, Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { ACTION_TEXT, SIGNAL_TEXT } from './signals.js';
import { Person } from './people.js';

/** Referrals the fraud guard held: each with its reasons in words, allowed or blocked with a note. */
export function ReviewQueue() {
  const q = useApi('/api/referrals', { query: { status: 'held', limit: 200 } });
  return (
    <Card title="Review queue">
      <QueryView query={q} empty={{ title: 'Nothing to review', hint: 'Referrals the fraud guard holds wait here for a person to allow or block them.' }} isEmpty={(d) => d.referrals.length === 0}>
        {(d) => (
          <ul className="loy-list" aria-label="Held referrals">
            {d.referrals.map((r) => (
              <HeldItem key={r.id} r={r} />
            ))}
          </ul>
        )}
      </QueryView>
    </Card>
  );
}

function HeldItem({ r }: { r: ReferralView }) {
  const [note, setNote] = useState('');
  const [missing, setMissing] = useState(false);
  const decide = useApiMutation((decision: 'allow' | 'block') => api.post('/api/referrals/:id/decision', { params: { id: r.id }, body: { decision, note: note.trim() } }), {
    invalidates: ['/api/referrals'],
  });
  const go = (decision: 'allow' | 'block') => {
    if (!note.trim()) return setMissing(true);
    setMissing(false);
    decide.mutate(decision);
  };
  return (
    <li className="loy-rule" data-referral={r.id}>
      <div className="loy-rule-head">
        <div>
          <strong>
            <Person p={r.friend} />
          </strong>{' '}
          <span className="muted">referred by</span> <Person p={r.advocate} /> <span className="muted">with {r.code}</span>
          <div className="muted">
            {r.via === 'link' ? 'By link' : 'By code at checkout'} on {fmtDateTime(r.attributedAt)}
            {r.orderId ? ` · first order ${r.orderId}${r.orderValue !== null ? ` (${fmtNumber(r.orderValue, 2)})` : ''}` : ''}
          </div>
        </div>
        <Badge tone="warn">held</Badge>
      </div>
      <ul className="loy-reasons" aria-label={`Reasons referral ${r.id} was held`}>
        {r.reasons.map((x, i) => (
          <li key={i}>
            <strong>{SIGNAL_TEXT[x.signal]?.name ?? x.signal}</strong> ({ACTION_TEXT[x.action].toLowerCase()}): {x.detail}
          </li>
        ))}
      </ul>
      <div className="row loy-decide">
        <label className="field" style={{ flex: 1 }}>
          <span>Note</span>
          <input aria-label={`Note on referral ${r.id}`} value={note} aria-invalid={missing || undefined} onChange={(e) => setNote(e.target.value)} placeholder="why (required)" />
        </label>
        <button type="button" className="btn btn-primary" disabled={decide.isPending} onClick={() => go('allow')}>
          Allow
        </button>
        <button type="button" className="btn btn-danger" disabled={decide.isPending} onClick={() => go('block')}>
          Block
        </button>
      </div>
      {missing ? (
        <p className="form-error" role="alert">
          Write a note: it stays with the decision.
        </p>
      ) : null}
      {decide.error ? (
        <p className="form-error" role="alert">
          {decide.error.message}
        </p>
      ) : null}
    </li>
  );
}
