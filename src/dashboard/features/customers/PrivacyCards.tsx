import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { ErasureReceipt } from '../../../contracts/privacy.js';
import { api } from '../../api/client.js';
import { useApiMutation } from '../../api/hooks.js';
import { Card } from '../../components/layout.js';
import { navigate } from '../../router.js';
import { downloadZip, safeFileName } from '../privacy/download.js';
import { ReceiptView } from '../privacy/Receipt.js';
import '../privacy/privacy.css';

/** Download everything Tenure holds on the customer as a zip (GET /api/customers/:id/export). */
export function ExportDataCard({ id }: { id: string }) {
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  async function run() {
    setBusy(true);
    setNote(null);
    try {
      const bytes = await downloadZip('/api/customers/:id/export', { id }, `tenure-export-${safeFileName(id)}.zip`);
      setNote({ ok: true, text: `Downloaded (${(bytes / 1024).toLocaleString('en-US', { maximumFractionDigits: 1 })} KB).` });
    } catch (e) {
      setNote({ ok: false, text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  }
  return (
    <Card title="Export data">
      <div className="priv-export">
        <p className="muted">
          Everything Tenure holds on this person — profile, traits, events, messages, consents, stages, scores and loyalty — as one zip of JSON and CSV files, for a data access request.
        </p>
        <button type="button" className="btn" disabled={busy} onClick={() => void run()}>
          {busy ? 'Preparing…' : 'Export data'}
        </button>
        {note ? (
          <p className={note.ok ? 'form-ok' : 'form-error'} role={note.ok ? 'status' : 'alert'}>
            {note.text}
          </p>
        ) : null}
      </div>
    </Card>
  );
}

/** The customer's danger zone: erase them, with a dialog that explains and asks to type who. */
export function DangerZoneCard({ id, userId, email }: { id: string; userId: string | null; email: string | null }) {
  const [open, setOpen] = useState(false);
  return (
    <Card title="Danger zone" className="priv-danger">
      <div className="priv-danger-row">
        <p>
          <strong>Erase this customer.</strong> <span className="muted">Deletes their profile and everything about them from Tenure, for a right-to-erasure request. It cannot be undone.</span>
        </p>
        <button type="button" className="btn btn-danger" onClick={() => setOpen(true)}>
          Erase customer…
        </button>
      </div>
      {open ? <EraseDialog id={id} userId={userId} email={email} onClose={() => setOpen(false)} /> : null}
    </Card>
  );
}

function EraseDialog({ id, userId, email, onClose }: { id: string; userId: string | null; email: string | null; onClose: () => void }) {
  const qc = useQueryClient();
  const [typed, setTyped] = useState('');
  const [suppress, setSuppress] = useState(true);
  const [receipt, setReceipt] = useState<ErasureReceipt | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const accepted = [id, userId, email].filter((x): x is string => !!x);
  const matches = accepted.some((a) => a.toLowerCase() === typed.trim().toLowerCase());
  const erase = useApiMutation((body: { suppress: boolean }) => api.post('/api/customers/:id/erase', { params: { id }, body }), { onSuccess: (r) => setReceipt(r) });

  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !erase.isPending && !receipt) onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [erase.isPending, receipt, onClose]);

  /** Leave the page of someone who no longer exists: forget their cached reads (no refetch of a 404), refresh the lists. */
  function backToList() {
    navigate('/customers');
    const prefix = `/api/customers/${encodeURIComponent(id)}`;
    qc.removeQueries({ predicate: (q) => typeof q.queryKey[1] === 'string' && (q.queryKey[1] === prefix || q.queryKey[1].startsWith(`${prefix}/`)) });
    void qc.invalidateQueries({
      predicate: (q) => typeof q.queryKey[1] === 'string' && ['/api/customers', '/api/segments', '/api/lifecycle/distribution', '/api/privacy/requests'].includes(q.queryKey[1]),
    });
  }

  return (
    <div className="modal-backdrop" onClick={(e) => e.target === e.currentTarget && !erase.isPending && !receipt && onClose()}>
      <div className="card priv-dialog" role="dialog" aria-modal="true" aria-labelledby="erase-title">
        {receipt ? (
          <>
            <h2 id="erase-title">Customer erased</h2>
            <p className="form-ok" role="status">
              {userId ?? email ?? id} is erased. Keep this receipt as proof of the deletion; it holds no personal data and stays under Privacy.
            </p>
            <ReceiptView receipt={receipt} />
            <div className="priv-dialog-actions">
              <button type="button" className="btn btn-primary" onClick={backToList} autoFocus>
                Back to customers
              </button>
            </div>
          </>
        ) : (
          <form
            className="stack"
            onSubmit={(e) => {
              e.preventDefault();
              if (matches) erase.mutate({ suppress });
            }}
          >
            <h2 id="erase-title">Erase {userId ?? email ?? id}?</h2>
            <p>Erasing deletes, for good:</p>
            <ul>
              <li>the profile, its identities (userId, anonymousIds, aliases) and traits;</li>
              <li>every event, message, journey run, stage history, score, survey answer, task and note about them;</li>
              <li>their loyalty balance, referral codes and consent records.</li>
            </ul>
            <p className="muted">A receipt with the rows erased per table (and no personal data) is kept. This cannot be undone.</p>
            <label className="priv-check">
              <input type="checkbox" checked={suppress} onChange={(e) => setSuppress(e.target.checked)} />
              <span>
                Keep dropping their events
                <small>Events that still arrive for their ids are refused, so they do not come back as a new profile (a suppression, which can be lifted under Privacy).</small>
              </span>
            </label>
            <label className="field">
              <span>
                Type <code>{userId ?? email ?? id}</code>
                {accepted.length > 1 ? ' (or their email or id)' : ''} to confirm
              </span>
              <input ref={input} aria-label="Type the customer's id or email to confirm" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} />
            </label>
            {erase.error ? (
              <p className="form-error" role="alert">
                {erase.error.message} <span className="muted">({erase.error.code})</span>
              </p>
            ) : null}
            <div className="priv-dialog-actions">
              <button type="button" className="btn" onClick={onClose} disabled={erase.isPending}>
                Cancel
              </button>
              <button type="submit" className="btn btn-danger-solid" disabled={!matches || erase.isPending}>
                {erase.isPending ? 'Erasing…' : 'Erase customer'}
              </button>
            </div>
          </form>
        )}
      </div>
    </div>
  );
}
