import { useState, type FormEvent } from 'react';
import { PropertyPurgeInput } from '../../../contracts/privacy.js';
import { api } from '../../api/client.js';
import { useApiMutation } from '../../api/hooks.js';
import { fmtDateTime, fmtNumber } from '../../components/format.js';
import { Card } from '../../components/layout.js';

/** A `datetime-local` value (the browser's time zone) as an ISO instant, or undefined. */
function instant(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Delete one property's values across events in a time range (POST /api/privacy/purge-property), after a confirmation. */
export function PurgeForm() {
  const [property, setProperty] = useState('');
  const [event, setEvent] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<{ requestId: number; events: number } | null>(null);
  const body = { property: property.trim(), event: event.trim() || undefined, from: instant(from) ?? '', to: instant(to) ?? '' };
  const check = PropertyPurgeInput.safeParse(body);
  const problem = !check.success ? check.error.issues[0] : undefined;
  const rangeBad = body.from && body.to && body.from > body.to;
  const purge = useApiMutation(() => api.post('/api/privacy/purge-property', { body }), {
    invalidates: ['/api/privacy'],
    onSuccess: (r) => {
      setResult(r);
      setConfirming(false);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    setResult(null);
    if (check.success && !rangeBad) setConfirming(true);
  }
  const touched = property !== '' || from !== '' || to !== '';
  return (
    <Card title="Purge a property">
      <form className="priv-form" onSubmit={submit} aria-label="Purge a property">
        <p className="muted priv-help">
          Remove a value that should never have been sent (a card number in <code>properties.card_number</code>, an IP in <code>context.ip</code>) from every event in a time range. The events stay;
          only that property is deleted.
        </p>
        <div className="priv-form-row">
          <label className="field">
            <span>Property path</span>
            <input aria-label="Property path" value={property} onChange={(e) => setProperty(e.target.value)} placeholder="properties.card_number" spellCheck={false} maxLength={200} />
          </label>
          <label className="field">
            <span>
              Event <span className="muted">(optional: all events)</span>
            </span>
            <input aria-label="Event name" value={event} onChange={(e) => setEvent(e.target.value)} placeholder="Order Completed" maxLength={200} />
          </label>
          <label className="field">
            <span>From</span>
            <input type="datetime-local" aria-label="Purge from" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label className="field">
            <span>To</span>
            <input type="datetime-local" aria-label="Purge to" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
        </div>
        {touched && problem && property !== '' && from !== '' && to !== '' ? (
          <p className="set-field-error" role="alert">
            {problem.path.join('.')}: {problem.message}
          </p>
        ) : null}
        {rangeBad ? (
          <p className="set-field-error" role="alert">
            “To” is before “From”.
          </p>
        ) : null}
        {!confirming ? (
          <div className="row">
            <button type="submit" className="btn btn-danger" disabled={!check.success || !!rangeBad}>
              Purge…
            </button>
          </div>
        ) : (
          <div className="priv-confirm" role="alertdialog" aria-label="Confirm the purge">
            <p>
              Delete <code>{body.property}</code> from {body.event ? <strong>{body.event}</strong> : 'every'} event{body.event ? 's' : ''} between {fmtDateTime(body.from)} and {fmtDateTime(body.to)}?{' '}
              <strong>This cannot be undone.</strong>
            </p>
            {purge.error ? (
              <p className="form-error" role="alert">
                {purge.error.message} <span className="muted">({purge.error.code})</span>
              </p>
            ) : null}
            <div className="row">
              <button type="button" className="btn btn-danger-solid" disabled={purge.isPending} onClick={() => purge.mutate(undefined)}>
                {purge.isPending ? 'Purging…' : 'Purge property'}
              </button>
              <button type="button" className="btn" disabled={purge.isPending} onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          </div>
        )}
        {result ? (
          <p className="form-ok" role="status">
            Purged from {fmtNumber(result.events)} {result.events === 1 ? 'event' : 'events'} (request #{result.requestId}).
          </p>
        ) : null}
      </form>
    </Card>
  );
}
