import { useState } from 'react';
import { api } from '../../api/client.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { fmtDate } from '../../components/format.js';

/** A value with a Copy button that says when it copied. */
export function CopyLine({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="loy-link">
      <code aria-label={label}>{value}</code>
      <button
        type="button"
        className="btn btn-small"
        onClick={() => {
          void navigator.clipboard?.writeText(value).then(
            () => setCopied(true),
            () => setCopied(false),
          );
        }}
      >
        Copy <span className="sr-only">{label}</span>
      </button>
      {copied ? (
        <span className="muted" role="status">
          Copied
        </span>
      ) : null}
    </div>
  );
}

/** The customer's referral codes and links, and a button to create one (a vanity code if typed). */
export function ReferralCodes({ id }: { id: string }) {
  const q = useApi('/api/referrals/codes', { query: { customer: id } }, { retry: false });
  const [vanity, setVanity] = useState('');
  const create = useApiMutation(() => api.post('/api/referrals/codes', { body: { customer: id, ...(vanity.trim() ? { code: vanity.trim() } : {}) } }), {
    invalidates: ['/api/referrals'],
    onSuccess: () => setVanity(''),
  });
  const codes = q.data?.codes ?? [];
  return (
    <div className="stack" aria-label="Referral codes" role="group">
      {q.error && q.error.status !== 404 ? <p className="form-error">{q.error.message}</p> : null}
      {codes.length === 0 && !q.isPending ? <p className="muted">No referral code yet.</p> : null}
      {codes.map((c) => (
        <div key={c.code} data-code={c.code}>
          <strong>{c.code}</strong>{' '}
          <span className="muted">
            {c.vanity ? 'vanity · ' : ''}since {fmtDate(c.createdAt)}
          </span>
          <CopyLine label={`Referral link ${c.code}`} value={c.link} />
        </div>
      ))}
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <input aria-label="Vanity code (optional)" placeholder="vanity code (optional)" value={vanity} onChange={(e) => setVanity(e.target.value)} />
        <button type="submit" className="btn btn-small" disabled={create.isPending}>
          Create referral code
        </button>
      </form>
      {create.error ? (
        <p className="form-error" role="alert">
          {create.error.message}
        </p>
      ) : null}
    </div>
  );
}

/** The customer's own signed link to their balance and rewards, fetched when asked for. */
export function MemberLink({ id }: { id: string }) {
  const [asked, setAsked] = useState(false);
  const q = useApi('/api/loyalty/members/:id/link', asked ? { params: { id } } : null, { staleTime: Infinity });
  if (!asked)
    return (
      <div>
        <button type="button" className="btn btn-small" onClick={() => setAsked(true)}>
          Show the customer’s own link
        </button>
      </div>
    );
  if (q.error) return <p className="form-error">{q.error.message}</p>;
  if (!q.data) return <span className="muted">Signing the link…</span>;
  return <CopyLine label="Customer’s loyalty link" value={q.data.url} />;
}
