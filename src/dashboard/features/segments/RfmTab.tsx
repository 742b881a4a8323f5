import { api } from '../../api/client.js';
import { IfCan } from '../../components/ReadOnly.js';
import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { RfmView } from '../../../contracts/segment-definition.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { useWorkspace } from '../../api/workspace.js';
import { Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { fmtDateTime, fmtMoney, fmtNumber, fmtPercent } from '../../components/format.js';
import { Link, navigate } from '../../router.js';
import { jobText, useJob } from './hooks.js';

type Rfm = z.infer<typeof RfmView>;
type Group = Rfm['groups'][number];

/**
 * Where each named group sits on the R × F grid (rows R5 at the top to R1, columns F1 to F5),
 * as rectangles [r from, r to, f from, f to]; the grid documented in src/server/segments/rfm.ts.
 * A group the server adds later and this does not know is still listed in the table.
 */
const LAYOUT: Record<string, Array<[number, number, number, number]>> = {
  champions: [[5, 5, 4, 5]],
  loyal: [[3, 4, 4, 5]],
  potential_loyalists: [[4, 5, 2, 3]],
  new: [[5, 5, 1, 1]],
  promising: [[4, 4, 1, 1]],
  need_attention: [[3, 3, 3, 3]],
  about_to_sleep: [[3, 3, 1, 2]],
  at_risk: [[1, 2, 3, 4]],
  cant_lose: [[1, 2, 5, 5]],
  hibernating: [
    [2, 2, 1, 2],
    [1, 1, 2, 2],
  ],
  lost: [[1, 1, 1, 1]],
};

/** The RFM tab: buyers per named group on the recency × frequency grid, with recompute. */
export function RfmTab() {
  const q = useApi('/api/rfm');
  return (
    <div className="stack">
      <QueryView query={q}>{(d) => <RfmBody rfm={d} />}</QueryView>
    </div>
  );
}

function RfmBody({ rfm }: { rfm: Rfm }) {
  const { currency } = useWorkspace();
  const total = rfm.groups.reduce((s, g) => s + g.count, 0);
  const max = Math.max(1, ...rfm.groups.map((g) => g.count));
  return (
    <>
      <Card title="Recency × frequency" actions={<Recompute />}>
        <p className="muted">
          <strong data-testid="rfm-total">{fmtNumber(total)}</strong> customers in RFM groups · {fmtNumber(rfm.buyers)} buyers scored ·{' '}
          {rfm.computedAt ? `computed ${fmtDateTime(rfm.computedAt)}` : 'never computed: recompute to score buyers'}
        </p>
        {total === 0 ? (
          <p className="muted">No buyer has an RFM group yet. Buyers are customers with at least one Order Completed.</p>
        ) : (
          <div className="seg-rfm" role="group" aria-label="RFM grid">
            {[5, 4, 3, 2, 1].map((r) => (
              <div key={`r${r}`} className="seg-rfm-axis" style={{ gridRow: 6 - r, gridColumn: 1 }}>
                R{r}
              </div>
            ))}
            {[1, 2, 3, 4, 5].map((f) => (
              <div key={`f${f}`} className="seg-rfm-axis" style={{ gridRow: 6, gridColumn: f + 1 }}>
                F{f}
              </div>
            ))}
            {rfm.groups.flatMap((g) =>
              (LAYOUT[g.key] ?? []).map(([r1, r2, f1, f2], i) => {
                const alpha = 0.12 + 0.6 * (g.count / max);
                const style = { gridRow: `${6 - r2} / ${7 - r1}`, gridColumn: `${f1 + 1} / ${f2 + 2}`, background: `rgba(79, 70, 229, ${alpha.toFixed(3)})`, color: alpha > 0.5 ? '#fff' : undefined };
                if (i > 0) return <div key={`${g.key}-${i}`} className="seg-rfm-cell" style={style} aria-hidden="true" onClick={() => navigate(`/segments/${g.segmentId}`)} />;
                return (
                  <button key={g.key} type="button" className="seg-rfm-cell" style={style} aria-label={`${g.name}: ${g.count} customers`} onClick={() => navigate(`/segments/${g.segmentId}`)}>
                    <strong>{g.name}</strong>
                    <span className="seg-rfm-count" data-testid="rfm-cell-count">
                      {fmtNumber(g.count)}
                    </span>
                    <span className="seg-rfm-money">{fmtMoney(g.monetary, currency)} avg revenue</span>
                  </button>
                );
              }),
            )}
          </div>
        )}
        <p className="muted seg-legend">
          <span>R: recency score (5 = ordered most recently)</span>
          <span>F: frequency score (5 = most orders)</span>
          <span>Darker: more customers</span>
        </p>
      </Card>
      <Card title="Groups">
        <div className="table-wrap">
          <table aria-label="RFM groups">
            <thead>
              <tr>
                <th>Group</th>
                <th className="num">Customers</th>
                <th className="num">Share</th>
                <th className="num">Days since last order</th>
                <th className="num">Orders</th>
                <th className="num">Revenue</th>
              </tr>
            </thead>
            <tbody>
              {rfm.groups.map((g: Group) => (
                <tr key={g.key}>
                  <td>
                    <Link to={`/segments/${g.segmentId}`}>{g.name}</Link>
                  </td>
                  <td className="num">{fmtNumber(g.count)}</td>
                  <td className="num">{fmtPercent(g.share)}</td>
                  <td className="num">{fmtNumber(g.recencyDays, 0)}</td>
                  <td className="num">{fmtNumber(g.frequency, 1)}</td>
                  <td className="num">{fmtMoney(g.monetary, currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="muted">Means per group. Scores are refreshed hourly by the segment sweep.</p>
      </Card>
    </>
  );
}

function Recompute() {
  const [jobId, setJobId] = useState<number | null>(null);
  const job = useJob(jobId);
  const qc = useQueryClient();
  const start = useApiMutation(() => api.post('/api/rfm/recompute'), { onSuccess: (r) => setJobId(r.job.id) });
  const status = job.data?.status;
  useEffect(() => {
    if (status === 'done') void qc.invalidateQueries({ predicate: (q) => q.queryKey[1] === '/api/rfm' || q.queryKey[1] === '/api/segments' });
  }, [status, qc]);
  const running = start.isPending || (jobId !== null && status !== 'done' && status !== 'failed');
  return (
    <div className="row">
      {jobId !== null ? (
        <span className={status === 'failed' ? 'seg-row-error' : 'muted'} role="status">
          {status === 'done' ? 'Recomputed.' : jobText(job.data)}
        </span>
      ) : null}
      {start.error ? (
        <span className="seg-row-error" role="alert">
          {start.error.message}
        </span>
      ) : null}
      <IfCan needs="marketing.write">
        <button type="button" className="btn btn-small" disabled={running} onClick={() => start.mutate()}>
          {running ? 'Recomputing…' : 'Recompute'}
        </button>
      </IfCan>
    </div>
  );
}
