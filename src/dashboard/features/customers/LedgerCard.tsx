import { useState } from 'react';
import type { EntryView } from '../../../contracts/loyalty.js';
import { useApi } from '../../api/hooks.js';
import { fmtDateTime, fmtNumber } from '../../components/format.js';
import { Badge } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';

const signed = (n: number) => (n === 0 ? '' : `${n > 0 ? '+' : '−'}${fmtNumber(Math.abs(n))}`);

function what(e: EntryView): string {
  const parts = [e.reason, e.orderId ? `order ${e.orderId}` : null, e.ruleId ? `rule ${e.ruleId}` : null, e.counterparty ? `with ${e.counterparty}` : null, e.actor ? `by ${e.actor}` : null];
  return parts.filter(Boolean).join(' · ');
}

/** The member's ledger, newest first, a page at a time (older pages by the `before` cursor). */
export function LedgerTable({ id }: { id: string }) {
  const [pages, setPages] = useState<Array<number | undefined>>([undefined]);
  const before = pages[pages.length - 1];
  const q = useApi('/api/loyalty/members/:id/ledger', { params: { id }, query: { before } }, { keepPrevious: true });
  return (
    <QueryView query={q} empty={{ title: 'No ledger entries yet' }} isEmpty={(d) => d.entries.length === 0 && pages.length === 1}>
      {(d) => (
        <>
          <div className="table-wrap">
            <table aria-label="Ledger">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Entry</th>
                  <th className="num">Available</th>
                  <th className="num">Pending</th>
                  <th>Detail</th>
                </tr>
              </thead>
              <tbody>
                {d.entries.map((e) => (
                  <tr key={e.id} data-entry={e.kind}>
                    <td>{fmtDateTime(e.at)}</td>
                    <td>
                      <Badge tone={e.available + e.pending >= 0 ? 'good' : 'bad'}>{e.kind}</Badge>
                    </td>
                    <td className="num">{signed(e.available)}</td>
                    <td className="num">{signed(e.pending)}</td>
                    <td className="muted">{what(e)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="pager">
            <button type="button" className="btn btn-small" disabled={pages.length === 1} onClick={() => setPages(pages.slice(0, -1))}>
              Newer
            </button>
            <button type="button" className="btn btn-small" disabled={d.nextBefore === null} onClick={() => d.nextBefore !== null && setPages([...pages, d.nextBefore])}>
              Older
            </button>
          </div>
        </>
      )}
    </QueryView>
  );
}
