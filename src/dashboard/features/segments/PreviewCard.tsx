import { Card } from '../../components/layout.js';
import { fmtNumber } from '../../components/format.js';
import { Link } from '../../router.js';
import { usePreview } from './hooks.js';

/**
 * The live count of who the current definition matches now, with a few sample members.
 * `conditionJson` is null while a row has a problem; `pending` while typing has not settled.
 */
export function PreviewCard({ conditionJson, scope, pending }: { conditionJson: string | null; scope: 'customer' | 'account'; pending: boolean }) {
  const q = usePreview(conditionJson, scope);
  const busy = pending || q.isFetching;
  const noun = scope === 'account' ? 'accounts' : 'customers';
  return (
    <Card title="Live preview" className="seg-preview">
      {conditionJson === null ? (
        <p className="muted">Finish or fix the rows marked in red to see how many {noun} match.</p>
      ) : q.error ? (
        <div className="form-error" role="alert">
          The preview failed: {q.error.message}
        </div>
      ) : q.data === undefined ? (
        <p className="muted" role="status">
          <span className="spinner" aria-hidden="true" /> Counting…
        </p>
      ) : (
        <div className="stack">
          <div className="row">
            <div className="kpi-value" data-testid="preview-count" aria-busy={busy} aria-label="Matching now">
              {fmtNumber(q.data.count)}
            </div>
            <span className="muted">{noun} match now</span>
            {busy ? (
              <span className="row muted" role="status">
                <span className="spinner" aria-hidden="true" /> updating…
              </span>
            ) : null}
          </div>
          {q.data.sample.length ? (
            <ul className="seg-sample" aria-label="Sample members">
              {q.data.sample.map((m) => (
                <li key={m.customerId}>
                  {m.userId ? (
                    <Link to={`/${scope === 'account' ? 'accounts' : 'customers'}/${encodeURIComponent(m.userId)}`}>{m.email ?? m.userId}</Link>
                  ) : (
                    <span>{m.email ?? `#${m.customerId}`}</span>
                  )}
                  {m.email && m.userId ? <span className="muted"> · {m.userId}</span> : null}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">Nobody matches this definition right now.</p>
          )}
        </div>
      )}
    </Card>
  );
}
