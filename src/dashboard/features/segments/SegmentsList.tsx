import { useApi } from '../../api/hooks.js';
import { Badge, Card, Pager } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { fmtNumber, fmtRelative } from '../../components/format.js';
import { Link, setSearch, useLocation } from '../../router.js';
import { ExportCsv } from './ExportCsv.js';
import type { Segment } from './options.js';

const PAGE = 25;

/** The saved segments with their member counts, 25 a page (?page=). */
export function SegmentsList() {
  const q = useApi('/api/segments');
  const { search } = useLocation();
  const offset = Math.max(0, Number(search.get('page') ?? 0) || 0);
  return (
    <Card title="Saved segments">
      <QueryView query={q} empty={{ title: 'No segments yet', hint: <Link to="/segments/new">Build the first one</Link> }} isEmpty={(d) => d.segments.length === 0}>
        {(d) => {
          const rows = [...d.segments].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(offset, offset + PAGE);
          return (
            <>
              <div className="table-wrap">
                <table aria-label="Segments">
                  <thead>
                    <tr>
                      <th>Name</th>
                      <th>Description</th>
                      <th className="num">Members</th>
                      <th>Scope</th>
                      <th>Updated</th>
                      <th>
                        <span className="sr-only">Export</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((s) => (
                      <SegmentRow key={s.id} s={s} />
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager offset={offset} limit={PAGE} total={d.segments.length} count={rows.length} onChange={(o) => setSearch({ page: o || undefined })} />
            </>
          );
        }}
      </QueryView>
    </Card>
  );
}

function SegmentRow({ s }: { s: Segment }) {
  return (
    <tr>
      <td>
        <Link to={`/segments/${encodeURIComponent(s.id)}`}>{s.name}</Link>
        {s.kind === 'static' ? (
          <>
            {' '}
            <Badge>list</Badge>
          </>
        ) : null}
        {s.id.startsWith('rfm_') ? (
          <>
            {' '}
            <Badge tone="accent">RFM</Badge>
          </>
        ) : null}
        {!s.upToDate ? (
          <>
            {' '}
            <Badge tone="warn">computing</Badge>
          </>
        ) : null}
      </td>
      <td className="muted">{s.description || '—'}</td>
      <td className="num" data-testid="segment-members">
        {fmtNumber(s.members)}
      </td>
      <td>{s.scope === 'account' ? 'Accounts' : 'Customers'}</td>
      <td title={s.updatedAt} className="seg-nowrap">
        {fmtRelative(s.updatedAt)}
      </td>
      <td>
        <ExportCsv id={s.id} name={s.name} />
      </td>
    </tr>
  );
}
