import type { LiveEvent } from '../../../contracts/sources.js';
import { Badge } from '../../components/layout.js';

/** One arrival in full: its fields, the error the sender got, and the payload as received (clipped to a few KB). */
export function LiveDetail({ event, onClose }: { event: LiveEvent; onClose: () => void }) {
  const rows: Array<[string, string | null]> = [
    ['Received', new Date(event.receivedAt).toLocaleString('en-GB')],
    ['Type', event.type],
    ['Name', event.name],
    ['User ID', event.userId],
    ['Anonymous ID', event.anonymousId],
    ['Message ID', event.messageId],
    ['Library', event.library],
    ['Endpoint', event.path],
  ];
  return (
    <aside className="src-detail" aria-label="Event detail">
      <div className="card-head">
        <h3>
          <Badge tone={event.status === 'accepted' ? 'good' : event.status === 'duplicate' ? 'warn' : 'bad'}>{event.status}</Badge> {event.name ?? event.type ?? 'request'}
        </h3>
        <button type="button" className="btn btn-small btn-ghost" onClick={onClose} aria-label="Close the detail">
          ✕
        </button>
      </div>
      {event.error ? (
        <div className="form-error" role="note">
          <code>{event.error.code}</code> {event.error.message}
        </div>
      ) : null}
      {event.status === 'duplicate' ? <p className="muted src-help">An event with this messageId was already stored; this copy was skipped (SDK retries do this).</p> : null}
      <dl className="kv">{rows.map(([k, v]) => [<dt key={`${k}-t`}>{k}</dt>, <dd key={`${k}-d`}>{v ?? '—'}</dd>])}</dl>
      <h4>Payload</h4>
      <pre className="src-code src-payload" aria-label="Payload">
        {JSON.stringify(event.payload, null, 2)}
      </pre>
    </aside>
  );
}
