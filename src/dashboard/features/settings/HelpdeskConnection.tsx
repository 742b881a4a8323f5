import { useState } from 'react';
import type { HelpdeskConnectionView } from '../../../contracts/support.js';
import { api } from '../../api/client.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { Badge } from '../../components/layout.js';
import { fmtDateTime, fmtNumber, fmtRelative } from '../../components/format.js';
import { QueryView } from '../../components/states.js';

const STATUS_TONE = { accepted: 'good', duplicate: 'neutral', rejected: 'bad', ignored: 'neutral', unmatched: 'warn' } as const;

/** One connection: its webhook URL, counts, enable/disable, remove, and its last deliveries. */
export function HelpdeskConnection({ c }: { c: HelpdeskConnectionView }) {
  const [open, setOpen] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const toggle = useApiMutation(() => api.put('/api/helpdesk/connections/:id', { params: { id: c.id }, body: { enabled: !c.enabled } }), { invalidates: ['/api/helpdesk'] });
  const remove = useApiMutation(() => api.delete('/api/helpdesk/connections/:id', { params: { id: c.id } }), { invalidates: ['/api/helpdesk'] });
  const error = toggle.error ?? remove.error;
  return (
    <li className="set-group" aria-label={`Helpdesk ${c.name}`}>
      <div className="row">
        <strong>{c.name}</strong>
        <Badge tone="info">{c.kind}</Badge>
        <Badge tone={c.enabled ? 'good' : 'neutral'}>{c.enabled ? 'enabled' : 'disabled'}</Badge>
        <span className="muted">
          {fmtNumber(c.deliveries)} deliveries · {fmtNumber(c.rejected)} rejected · {fmtNumber(c.unmatched)} unmatched
          {c.lastDeliveryAt ? ` · last ${fmtRelative(c.lastDeliveryAt)}` : ' · none received yet'}
        </span>
      </div>
      <label className="field">
        <span>Webhook URL</span>
        <input readOnly value={c.webhookUrl} aria-label={`Webhook URL of ${c.name}`} onFocus={(e) => e.currentTarget.select()} />
      </label>
      <div className="row">
        <button type="button" className="btn btn-small" disabled={toggle.isPending} onClick={() => toggle.mutate(undefined)}>
          {c.enabled ? 'Disable' : 'Enable'}
        </button>
        <button type="button" className="btn btn-small" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          {open ? 'Hide deliveries' : 'Last deliveries'}
        </button>
        {confirm ? (
          <>
            <button type="button" className="btn btn-small btn-danger" disabled={remove.isPending} onClick={() => remove.mutate(undefined)}>
              Remove “{c.name}”
            </button>
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setConfirm(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setConfirm(true)}>
            Remove…
          </button>
        )}
      </div>
      {error ? (
        <p className="form-error" role="alert">
          {error.message}
        </p>
      ) : null}
      {open ? <Deliveries id={c.id} /> : null}
    </li>
  );
}

function Deliveries({ id }: { id: string }) {
  const q = useApi('/api/helpdesk/connections/:id/deliveries', { params: { id } });
  return (
    <QueryView query={q} empty={{ title: 'No deliveries yet', hint: 'Trigger an event in the helpdesk (e.g. open a test ticket) to see it here.' }} isEmpty={(d) => d.deliveries.length === 0}>
      {(d) => (
        <div className="table-wrap">
          <table aria-label="Deliveries">
            <thead>
              <tr>
                <th>Received</th>
                <th>Status</th>
                <th>Events</th>
                <th>Customer</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {d.deliveries.map((x) => (
                <tr key={x.id}>
                  <td title={x.deliveryId ?? undefined}>{fmtDateTime(x.receivedAt)}</td>
                  <td>
                    <Badge tone={STATUS_TONE[x.status]}>{x.status}</Badge>
                  </td>
                  <td>{x.events.length ? x.events.join(', ') : '—'}</td>
                  <td>{x.customerId !== null ? `#${x.customerId}` : x.status === 'unmatched' ? 'not matched yet' : '—'}</td>
                  <td>{x.reason ? <span title={x.reasonCode ?? undefined}>{x.reason}</span> : (x.reasonCode ?? '—')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </QueryView>
  );
}
