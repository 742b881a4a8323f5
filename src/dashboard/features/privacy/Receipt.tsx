import type { ErasureReceipt } from '../../../contracts/privacy.js';
import { fmtDateTime, fmtNumber } from '../../components/format.js';
import { Badge } from '../../components/layout.js';

/** A deletion receipt: what was erased (rows per table), when, by whom, and whether their events keep being dropped. */
export function ReceiptView({ receipt: r }: { receipt: ErasureReceipt }) {
  const rows = r.tables.reduce((n, t) => n + t.rows, 0);
  return (
    <div className="priv-receipt" aria-label={`Deletion receipt ${r.requestId}`} role="group">
      <dl className="kv">
        <dt>Receipt</dt>
        <dd>
          request #{r.requestId} <Badge tone="good">erased</Badge>
        </dd>
        <dt>When</dt>
        <dd title={r.erasedAt}>{fmtDateTime(r.erasedAt)}</dd>
        <dt>By</dt>
        <dd>{r.erasedBy}</dd>
        <dt>People</dt>
        <dd>
          {fmtNumber(r.customers)} erased
          {r.notFound ? <span className="muted"> · {fmtNumber(r.notFound)} not found</span> : null}
        </dd>
        <dt>Their events</dt>
        <dd>{r.suppressed ? 'Dropped from now on (suppressed)' : 'Accepted again if they come back (not suppressed)'}</dd>
      </dl>
      <div className="table-wrap">
        <table aria-label="Rows erased per table" className="priv-receipt-table">
          <thead>
            <tr>
              <th>Table</th>
              <th className="num">Rows</th>
            </tr>
          </thead>
          <tbody>
            {r.tables.map((t) => (
              <tr key={t.table}>
                <td>
                  <code>{t.table}</code>
                </td>
                <td className="num">{fmtNumber(t.rows)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <td>
                <strong>Total</strong>
              </td>
              <td className="num">
                <strong>{fmtNumber(rows)}</strong>
              </td>
            </tr>
          </tfoot>
        </table>
      </div>
    </div>
  );
}

/** Whether a request's stored receipt is an erasure receipt (it has the per-table counts). */
export function isErasureReceipt(v: unknown): v is ErasureReceipt {
  return typeof v === 'object' && v !== null && Array.isArray((v as { tables?: unknown }).tables) && typeof (v as { requestId?: unknown }).requestId === 'number';
}
