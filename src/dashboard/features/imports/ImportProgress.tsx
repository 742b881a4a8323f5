import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ImportView } from '../../../contracts/imports.js';
import { api, apiPath, download } from '../../api/client.js';
import { useApi } from '../../api/hooks.js';
import { fmtNumber } from '../../components/format.js';

const ENDED = new Set(['done', 'failed', 'cancelled']);

/** An import's progress (polled), its counts, a cancel button while it runs, and its rejected rows. */
export function ImportProgress({ first }: { first: ImportView }) {
  const q = useApi(
    '/api/imports/:id',
    { params: { id: first.id } },
    {
      refetchInterval: (query) => (query.state.data && ENDED.has(query.state.data.status) ? false : 700),
      staleTime: 0,
    },
  );
  const imp = q.data ?? first;
  const ended = ENDED.has(imp.status);
  const rejections = useApi('/api/imports/:id/rejections', ended && imp.rejected > 0 ? { params: { id: imp.id }, query: { limit: 100 } } : null);
  const qc = useQueryClient();
  const [cancelError, setCancelError] = useState<string | null>(null);
  const cancel = async () => {
    setCancelError(null);
    try {
      await api.post('/api/imports/:id/cancel', { params: { id: imp.id } });
      await qc.invalidateQueries({ predicate: (x) => x.queryKey[1] === apiPath('/api/imports/:id', { id: imp.id }) });
    } catch (e) {
      setCancelError((e as Error).message);
    }
  };
  const counts = `${fmtNumber(imp.rows)} rows read: ${fmtNumber(imp.accepted)} stored, ${fmtNumber(imp.duplicates)} already present, ${fmtNumber(imp.rejected)} rejected`;
  return (
    <div className="stack" data-testid="import-progress" data-status={imp.status}>
      <div role="status" aria-live="polite" className={imp.status === 'failed' ? 'form-error' : imp.status === 'done' ? 'form-ok' : undefined}>
        <strong>{imp.fileName}</strong>:{' '}
        {imp.status === 'queued'
          ? 'queued'
          : imp.status === 'running'
            ? `importing, ${imp.percent}%${imp.cancelRequested ? ' (cancelling after the batch in hand)' : ''}`
            : imp.status === 'done'
              ? 'imported'
              : imp.status === 'cancelled'
                ? `cancelled: the ${fmtNumber(imp.accepted)} rows stored before it stopped stay`
                : `failed: ${imp.error ?? 'no reason given'}`}
        <div className="muted" data-testid="import-counts">
          {counts}
        </div>
      </div>
      <progress max={100} value={imp.percent} aria-label="Import progress" />
      {!ended ? (
        <div className="row">
          <button type="button" className="btn btn-danger btn-small" disabled={imp.cancelRequested} onClick={() => void cancel()}>
            Cancel import
          </button>
          {cancelError ? <span className="form-error">{cancelError}</span> : null}
        </div>
      ) : null}
      {ended && imp.rejected > 0 ? (
        <div className="stack">
          <div className="row">
            <strong>Rejected rows ({fmtNumber(imp.rejected)})</strong>
            <button
              type="button"
              className="btn btn-small"
              onClick={() => void download('/api/imports/:id/rejections.csv', { params: { id: imp.id } }, `${imp.fileName.replace(/\.csv$/i, '')}-rejected.csv`)}
            >
              Download CSV
            </button>
          </div>
          <div className="table-wrap">
            <table aria-label="Rejected rows">
              <thead>
                <tr>
                  <th className="num">Line</th>
                  <th>Column</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                {(rejections.data?.rejections ?? []).map((r) => (
                  <tr key={`${r.line}-${r.field ?? ''}`}>
                    <td className="num">{r.line}</td>
                    <td>{r.field ? <code>{r.field}</code> : '—'}</td>
                    <td>{r.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {imp.rejected > 100 ? <div className="muted">The first 100 are shown; the CSV has them all.</div> : null}
        </div>
      ) : null}
    </div>
  );
}
