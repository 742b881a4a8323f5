import { useEffect, useMemo, useState } from 'react';
import { useApi } from '../../api/hooks.js';
import { fmtDate, fmtRelative } from '../../components/format.js';
import { Badge, Card, PageHeader } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import type { PageProps } from '../../routes.js';
import { Link, navigate, setSearch, useLocation } from '../../router.js';
import { bandOf, parseCursors, RISK_BANDS, riskTone } from './filters.js';
import { StageBadge } from './StageBadge.js';
import { customerKey, customerPath, displayName, stagesOf, traitText, type Summary } from './types.js';
import './customers.css';

/** Rows per page: the list never renders more than this. */
export const PAGE_SIZE = 50;

function SearchBox({ value }: { value: string }) {
  const [draft, setDraft] = useState(value);
  // The URL changed (back, Clear filters): show it, unless it is what is being typed.
  useEffect(() => setDraft((d) => (d.trim() === value ? d : value)), [value]);
  useEffect(() => {
    if (draft.trim() === value) return;
    const t = setTimeout(() => setSearch({ q: draft.trim() || undefined, cursors: undefined }), 350);
    return () => clearTimeout(t);
  }, [draft, value]);
  return (
    <form
      role="search"
      className="field cust-search"
      onSubmit={(e) => {
        e.preventDefault();
        setSearch({ q: draft.trim() || undefined, cursors: undefined });
      }}
    >
      <span>Search</span>
      <input type="search" aria-label="Search customers" placeholder="Name, email, userId or anonymousId" value={draft} onChange={(e) => setDraft(e.target.value)} />
    </form>
  );
}

function Row({ c, stageName }: { c: Summary; stageName: (k: string | null) => string | undefined }) {
  const id = customerKey(c);
  const name = displayName(c.traits);
  const email = traitText(c.traits, 'email');
  const to = id ? customerPath(id) : null;
  return (
    <tr className={to ? 'clickable' : undefined} onClick={(e) => to && !(e.target as HTMLElement).closest('a') && navigate(to)}>
      <td>
        {to ? (
          <Link to={to} className="cust-name">
            {name ?? email ?? (c.userId ? c.userId : 'Anonymous visitor')}
          </Link>
        ) : (
          <span className="cust-name">{name ?? 'Anonymous visitor'}</span>
        )}
        {email && name ? <div className="muted cust-sub">{email}</div> : null}
      </td>
      <td className="cust-userid">
        {c.userId ?? (
          <span className="muted" title={c.anonymousIds.join(', ')}>
            anonymous
          </span>
        )}
      </td>
      <td>
        <StageBadge stage={c.stage} name={stageName(c.stage)} />
      </td>
      <td className="num" data-risk={c.churnRisk ?? ''}>
        {c.churnRisk === null ? <span className="muted">—</span> : <Badge tone={riskTone(c.churnRisk)}>{c.churnRisk.toFixed(0)}</Badge>}
      </td>
      <td>{c.acquisitionChannel}</td>
      <td title={c.firstSeenAt}>{fmtDate(c.firstSeenAt)}</td>
      <td title={c.lastSeenAt}>{fmtRelative(c.lastSeenAt)}</td>
    </tr>
  );
}

/** /customers: every customer, newest first, searchable and filtered by stage, segment and risk, 50 a page. */
export default function CustomersPage(_props: PageProps) {
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const stage = search.get('stage') ?? '';
  const segment = search.get('segment') ?? '';
  const riskAtLeast = search.get('riskAtLeast');
  const riskBelow = search.get('riskBelow');
  const band = bandOf(riskAtLeast, riskBelow);
  const cursors = parseCursors(search.get('cursors'));
  const cursor = cursors[cursors.length - 1];

  const model = useApi('/api/lifecycle/model');
  const segments = useApi('/api/segments');
  const list = useApi(
    '/api/customers',
    { query: { limit: PAGE_SIZE, q: q || undefined, stage: stage || undefined, segment: segment || undefined, riskAtLeast: riskAtLeast ?? undefined, riskBelow: riskBelow ?? undefined, cursor } },
    { keepPrevious: true },
  );

  const stages = stagesOf(model.data);
  const names = useMemo(() => new Map(stages.map((s) => [s.key, s.name])), [stages]);
  const customerSegments = (segments.data?.segments ?? []).filter((s) => s.scope === 'customer');
  const filtered = !!(q || stage || segment || riskAtLeast || riskBelow);
  const setRisk = (value: string) => {
    const b = RISK_BANDS.find((x) => x.value === value);
    setSearch({ riskAtLeast: b?.atLeast === undefined ? undefined : String(b.atLeast), riskBelow: b?.below === undefined ? undefined : String(b.below), cursors: undefined });
  };

  return (
    <>
      <PageHeader title="Customers" subtitle="Every profile, newest first. Open one for its 360° view." />
      <Card className="cust-filters">
        <div className="cust-filter-row">
          <SearchBox value={q} />
          <label className="field">
            <span>Stage</span>
            <select aria-label="Stage" value={stage} onChange={(e) => setSearch({ stage: e.target.value || undefined, cursors: undefined })} disabled={model.isPending}>
              <option value="">All stages</option>
              {stages.map((s) => (
                <option key={s.key} value={s.key}>
                  {s.name}
                </option>
              ))}
              {stage && !names.has(stage) ? <option value={stage}>{stage}</option> : null}
            </select>
          </label>
          <label className="field">
            <span>Segment</span>
            <select aria-label="Segment" value={segment} onChange={(e) => setSearch({ segment: e.target.value || undefined, cursors: undefined })} disabled={segments.isPending}>
              <option value="">All customers</option>
              {customerSegments.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name} ({s.members.toLocaleString('en-US')})
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Churn risk</span>
            <select aria-label="Churn risk" value={band?.value ?? (riskAtLeast || riskBelow ? 'custom' : '')} onChange={(e) => setRisk(e.target.value)}>
              <option value="">Any churn risk</option>
              {RISK_BANDS.map((b) => (
                <option key={b.value} value={b.value}>
                  {b.label}
                </option>
              ))}
              {!band && (riskAtLeast || riskBelow) ? (
                <option value="custom">
                  {riskAtLeast ?? 0} to {riskBelow ?? 100}
                </option>
              ) : null}
            </select>
          </label>
          {filtered ? (
            <button
              type="button"
              className="btn btn-small btn-ghost"
              onClick={() => setSearch({ q: undefined, stage: undefined, segment: undefined, riskAtLeast: undefined, riskBelow: undefined, cursors: undefined })}
            >
              Clear filters
            </button>
          ) : null}
        </div>
        <p className="muted cust-hint">Risk is the churn model's risk, 0–100; customers it has not scored yet (and churned ones) match no risk band.</p>
        {model.error ? <p className="form-error">Stages could not be loaded: {model.error.message}</p> : null}
        {segments.error ? <p className="form-error">Segments could not be loaded: {segments.error.message}</p> : null}
      </Card>
      <Card className="section">
        <QueryView
          query={list}
          empty={{
            title: filtered ? 'No customer matches these filters' : 'No customers yet',
            hint: filtered ? 'Change the search or clear the filters.' : 'Send events to Tenure and customers appear here.',
          }}
          isEmpty={(d) => d.customers.length === 0}
        >
          {(d) => (
            <div className="table-wrap" aria-busy={list.isFetching}>
              <table aria-label="Customers" className={list.isPlaceholderData ? 'cust-stale' : undefined}>
                <thead>
                  <tr>
                    <th>Name / email</th>
                    <th>userId</th>
                    <th>Stage</th>
                    <th className="num" title="The churn model's risk, 0–100">
                      Churn risk
                    </th>
                    <th>Channel</th>
                    <th>First seen</th>
                    <th>Last seen</th>
                  </tr>
                </thead>
                <tbody>
                  {d.customers.map((c, i) => (
                    <Row key={customerKey(c) ?? i} c={c} stageName={(k) => (k ? names.get(k) : undefined)} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
        <div className="pager">
          <span className="muted">
            Page {cursors.length + 1}
            {list.data ? ` · ${list.data.customers.length} shown` : ''}
          </span>
          <button type="button" className="btn btn-small" disabled={cursors.length === 0} onClick={() => setSearch({ cursors: cursors.slice(0, -1).join('.') || undefined })}>
            Previous
          </button>
          <button
            type="button"
            className="btn btn-small"
            disabled={!list.data?.nextCursor || list.isPlaceholderData}
            onClick={() => list.data?.nextCursor && setSearch({ cursors: [...cursors, list.data.nextCursor].join('.') })}
          >
            Next
          </button>
        </div>
      </Card>
    </>
  );
}
