import { useEffect, useMemo, useState } from 'react';
import { useApi } from '../../api/hooks.js';
import { fmtDate, fmtRelative } from '../../components/format.js';
import { Card, PageHeader } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import type { PageProps } from '../../routes.js';
import { Link, navigate, setSearch, useLocation } from '../../router.js';
import { parseCursors, riskChoices } from './filters.js';
import { StageBadge } from './StageBadge.js';
import { customerKey, customerPath, displayName, stagesOf, traitText, type CustomerListView, type ModelResponse, type SegmentListView, type Summary } from './types.js';
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
      <td className="cust-userid">{c.userId ?? <span className="muted" title={c.anonymousIds.join(', ')}>anonymous</span>}</td>
      <td>
        <StageBadge stage={c.stage} name={stageName(c.stage)} />
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
  const cursors = parseCursors(search.get('cursors'));
  const cursor = cursors[cursors.length - 1];

  const model = useApi<ModelResponse>('/api/lifecycle/model');
  const segments = useApi<SegmentListView>('/api/segments');
  const list = useApi<CustomerListView>('/api/customers', { limit: PAGE_SIZE, q: q || undefined, stage: stage || undefined, segment: segment || undefined, cursor }, { keepPrevious: true });

  const stages = stagesOf(model.data);
  const names = useMemo(() => new Map(stages.map((s) => [s.key, s.name])), [stages]);
  const customerSegments = (segments.data?.segments ?? []).filter((s) => s.scope === 'customer');
  const risks = useMemo(() => riskChoices(model.data?.model ?? {}, segments.data?.segments ?? []), [model.data, segments.data]);
  const risk = risks.find((r) => (r.set.stage && r.set.stage === stage) || (r.set.segment && r.set.segment === segment))?.value ?? '';
  const filtered = !!(q || stage || segment);

  const setRisk = (value: string) => {
    const current = risks.find((r) => r.value === risk);
    const next = risks.find((r) => r.value === value);
    const changes: Record<string, string | undefined> = { cursors: undefined };
    if (current?.set.stage) changes.stage = undefined;
    if (current?.set.segment) changes.segment = undefined;
    if (next?.set.stage) changes.stage = next.set.stage;
    if (next?.set.segment) changes.segment = next.set.segment;
    setSearch(changes);
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
            <span>Risk</span>
            <select aria-label="Risk" value={risk} onChange={(e) => setRisk(e.target.value)} disabled={model.isPending || segments.isPending}>
              <option value="">Any risk</option>
              {risks.map((r) => (
                <option key={r.value} value={r.value}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
          {filtered ? (
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setSearch({ q: undefined, stage: undefined, segment: undefined, cursors: undefined })}>
              Clear filters
            </button>
          ) : null}
        </div>
        <p className="muted cust-hint">
          The API filters by stage and segment, not by a churn-risk score: Risk offers the at-risk and churned stages and the segments built on risk. For a score cut-off,{' '}
          <Link to="/segments/new">save a segment</Link> with a churn-risk condition and pick it here.
        </p>
        {model.error ? <p className="form-error">Stages could not be loaded: {model.error.message}</p> : null}
        {segments.error ? <p className="form-error">Segments could not be loaded: {segments.error.message}</p> : null}
      </Card>
      <Card className="section">
        <QueryView query={list} empty={{ title: filtered ? 'No customer matches these filters' : 'No customers yet', hint: filtered ? 'Change the search or clear the filters.' : 'Send events to Tenure and customers appear here.' }} isEmpty={(d) => d.customers.length === 0}>
          {(d) => (
            <div className="table-wrap" aria-busy={list.isFetching}>
              <table aria-label="Customers" className={list.isPlaceholderData ? 'cust-stale' : undefined}>
                <thead>
                  <tr>
                    <th>Name / email</th>
                    <th>userId</th>
                    <th>Stage</th>
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
          <button type="button" className="btn btn-small" disabled={!list.data?.nextCursor || list.isPlaceholderData} onClick={() => list.data?.nextCursor && setSearch({ cursors: [...cursors, list.data.nextCursor].join('.') })}>
            Next
          </button>
        </div>
      </Card>
    </>
  );
}
