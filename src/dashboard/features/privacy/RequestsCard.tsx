import { Fragment, useState } from 'react';
import type { PrivacyRequestView } from '../../../contracts/privacy.js';
import { useApi } from '../../api/hooks.js';
import { fmtDateTime, fmtNumber, fmtRelative } from '../../components/format.js';
import { Badge, Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { downloadZip } from './download.js';
import { isErasureReceipt, ReceiptView } from './Receipt.js';

type Request = PrivacyRequestView;

const KIND: Record<Request['kind'], string> = { export: 'Export', erase: 'Erase', suppress: 'Suppress', unsuppress: 'Lift suppression', purge_property: 'Purge property' };
const STATUS_TONE: Record<Request['status'], 'good' | 'bad' | 'info' | 'neutral'> = { done: 'good', failed: 'bad', running: 'info', pending: 'neutral' };

/** What a finished request left: an erasure receipt, the export archive, or its figures. */
function RequestDetail({ r }: { r: Request }) {
  const [note, setNote] = useState<string | null>(null);
  if (r.error) return <p className="form-error">{r.error}</p>;
  if (isErasureReceipt(r.receipt)) return <ReceiptView receipt={r.receipt} />;
  if (r.kind === 'export' && r.status === 'done')
    return (
      <div className="row">
        <button
          type="button"
          className="btn btn-small"
          onClick={() =>
            downloadZip('/api/privacy/requests/:id/archive', { id: r.id }, `tenure-export-request-${r.id}.zip`).then(
              () => setNote(null),
              (e: Error) => setNote(e.message),
            )
          }
        >
          Download archive
        </button>
        {note ? <span className="form-error">{note}</span> : null}
      </div>
    );
  if (r.receipt && typeof r.receipt === 'object')
    return (
      <dl className="kv">
        {Object.entries(r.receipt as Record<string, unknown>).map(([k, v]) => (
          <Fragment key={k}>
            <dt>{k}</dt>
            <dd>{typeof v === 'number' ? fmtNumber(v) : typeof v === 'string' ? v : JSON.stringify(v)}</dd>
          </Fragment>
        ))}
      </dl>
    );
  return <p className="muted">{r.status === 'done' ? 'No receipt was kept for this request.' : 'Not finished yet.'}</p>;
}

/** Every privacy request of the workspace, newest first, each with its receipt. */
export function RequestsCard() {
  const q = useApi('/api/privacy/requests', undefined, { refetchInterval: (query) => (query.state.data?.requests.some((r) => r.status === 'pending' || r.status === 'running') ? 2000 : false) });
  const [open, setOpen] = useState<number | null>(null);
  return (
    <Card title="Requests">
      <QueryView
        query={q}
        empty={{ title: 'No privacy requests yet', hint: 'Exports, erasures, suppressions and property purges show here with their receipts.' }}
        isEmpty={(d) => d.requests.length === 0}
        height={100}
      >
        {(d) => (
          <div className="table-wrap">
            <table aria-label="Privacy requests">
              <thead>
                <tr>
                  <th>Request</th>
                  <th>Status</th>
                  <th className="num">People</th>
                  <th>By</th>
                  <th>When</th>
                  <th>
                    <span className="sr-only">Receipt</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.requests.map((r) => (
                  <Fragment key={r.id}>
                    <tr data-request={r.id}>
                      <td>
                        {KIND[r.kind]} <span className="muted">#{r.id}</span>
                      </td>
                      <td>
                        <Badge tone={STATUS_TONE[r.status]}>{r.status}</Badge>
                      </td>
                      <td className="num">{r.kind === 'purge_property' ? <span className="muted">—</span> : fmtNumber(r.subjects)}</td>
                      <td>{r.requestedBy}</td>
                      <td title={r.createdAt}>
                        {fmtDateTime(r.createdAt)}
                        <div className="muted cust-sub">{r.finishedAt ? `finished ${fmtRelative(r.finishedAt)}` : fmtRelative(r.createdAt)}</div>
                      </td>
                      <td className="num">
                        <button
                          type="button"
                          className="btn btn-small"
                          aria-expanded={open === r.id}
                          aria-label={`Receipt of request ${r.id}`}
                          onClick={() => setOpen((o) => (o === r.id ? null : r.id))}
                        >
                          {open === r.id ? 'Hide' : 'Receipt'}
                        </button>
                      </td>
                    </tr>
                    {open === r.id ? (
                      <tr className="audit-detail">
                        <td colSpan={6}>
                          <RequestDetail r={r} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </Card>
  );
}
