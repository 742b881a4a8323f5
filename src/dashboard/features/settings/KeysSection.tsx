import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client.js';
import { useApi } from '../../api/hooks.js';
import { signIn, useSession } from '../../api/session.js';
import { Card } from '../../components/layout.js';
import { fmtDateTime, fmtNumber, fmtRelative } from '../../components/format.js';
import { QueryView } from '../../components/states.js';
import { FormError } from './forms.js';
import { NewKey } from './NewKey.js';

type Which = 'write' | 'admin';

const CONSEQUENCE: Record<Which, string> = {
  write: 'Every app and SDK sending events with the current write key gets 401 until it is given the new one. Events sent meanwhile are refused, not queued.',
  admin: 'The current admin key stops at once, for scripts and for every browser signed in with it (a tab signed in with it switches to the new key).',
};

/** The keys: the write key's usage, and rotating either key (the new key is shown once). */
export function KeysSection() {
  const q = useApi('/api/workspace/keys');
  const { workspace } = useSession();
  const qc = useQueryClient();
  const [confirming, setConfirming] = useState<Which | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fresh, setFresh] = useState<{ which: Which; key: string } | null>(null);

  async function rotate(which: Which) {
    if (!workspace) return;
    setBusy(true);
    setError(null);
    try {
      // Nothing may still be on its way with the old admin key: its 401 would sign this tab out.
      if (which === 'admin') await qc.cancelQueries();
      const r = await api.post('/api/workspace/keys/rotate', { body: { [which]: true } });
      const key = which === 'write' ? r.writeKey : r.adminKey;
      if (!key) throw new Error('The server did not return a new key.');
      if (which === 'admin' && workspace.key) signIn({ ...workspace, key });
      setFresh({ which, key });
      setConfirming(null);
      void qc.invalidateQueries({ predicate: (x) => x.queryKey[1] === '/api/workspace/keys' });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Workspace keys">
      <div className="stack">
        <p className="muted set-help">
          Keys are stored hashed (SHA-256), so Tenure cannot show them again: a lost key can only be replaced. The <strong>write key</strong> sends events (<code>/v1/track</code>, Segment SDKs); the{' '}
          <strong>admin key</strong> reads and changes everything (this dashboard, the <code>/api</code>).
        </p>
        <div className="grid grid-2">
          <div className="set-key">
            <h3>Write key</h3>
            <QueryView query={q}>
              {(k) => (
                <dl className="kv" aria-label="Write key usage">
                  <dt>Events, last 24 h</dt>
                  <dd className="num" data-testid="write-events-24h">
                    {fmtNumber(k.write.eventsLast24h)}
                  </dd>
                  <dt>Events, last 30 days</dt>
                  <dd className="num">{fmtNumber(k.write.eventsLast30d)}</dd>
                  <dt>Last event received</dt>
                  <dd>{k.write.lastReceivedAt ? `${fmtDateTime(k.write.lastReceivedAt)} (${fmtRelative(k.write.lastReceivedAt)})` : 'None in the last 30 days'}</dd>
                </dl>
              )}
            </QueryView>
            <RotateControl which="write" confirming={confirming} busy={busy} onAsk={setConfirming} onRotate={rotate} />
          </div>
          <div className="set-key">
            <h3>Admin key</h3>
            <p className="muted">{workspace?.key ? 'This tab is signed in with it. ' : ''}Rotate it if it may have leaked.</p>
            <RotateControl which="admin" confirming={confirming} busy={busy} onAsk={setConfirming} onRotate={rotate} />
          </div>
        </div>
        <FormError error={error} fields={[]} />
        {fresh ? <NewKey label={fresh.which === 'write' ? 'New write key' : 'New admin key'} value={fresh.key} onDone={() => setFresh(null)} /> : null}
        <p className="muted set-help">
          When the server is started with <code>TENURE_WRITE_KEY</code> or <code>TENURE_ADMIN_KEY</code> set, it puts that key back on the default workspace at its next start: change the variable too.
        </p>
      </div>
    </Card>
  );
}

function RotateControl({ which, confirming, busy, onAsk, onRotate }: { which: Which; confirming: Which | null; busy: boolean; onAsk: (w: Which | null) => void; onRotate: (w: Which) => void }) {
  const name = which === 'write' ? 'write key' : 'admin key';
  if (confirming !== which) {
    return (
      <button type="button" className="btn" onClick={() => onAsk(which)} disabled={busy}>
        Rotate {name}…
      </button>
    );
  }
  return (
    <div className="set-confirm" role="group" aria-label={`Confirm rotating the ${name}`}>
      <p>
        <strong>Rotate the {name}?</strong> {CONSEQUENCE[which]}
      </p>
      <div className="row">
        <button type="button" className="btn btn-danger" onClick={() => onRotate(which)} disabled={busy}>
          {busy ? 'Rotating…' : `Yes, rotate the ${name}`}
        </button>
        <button type="button" className="btn btn-ghost" onClick={() => onAsk(null)} disabled={busy}>
          Cancel
        </button>
      </div>
    </div>
  );
}
