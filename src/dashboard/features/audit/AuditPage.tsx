import { useInfiniteQuery } from '@tanstack/react-query';
import { Fragment, useEffect, useMemo, useState } from 'react';
import type { AuditEntry } from '../../../contracts/audit.js';
import { api, download, type ApiError } from '../../api/client.js';
import { useSession } from '../../api/session.js';
import { fmtDateTime, fmtRelative } from '../../components/format.js';
import { Badge, Card, PageHeader } from '../../components/layout.js';
import { Empty, ErrorNote, Loading } from '../../components/states.js';
import { Link, setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../../routes.js';
import { useMe } from '../privacy/useCan.js';
import { AuditDiff } from './AuditDiff.js';
import { auditQuery, FILTER_KEYS, filtersFrom, isFiltered, objectLink, type AuditFilters } from './filters.js';
import './audit.css';

/** Entries a page: "Load more" asks for the next this many, older than the last shown. */
const PAGE = 50;
/** Object types Tenure audits, offered while typing (entries already loaded add theirs). */
const KNOWN_TYPES = ['segment', 'journey', 'template', 'survey', 'customer', 'member', 'invitation', 'api_key', 'workspace', 'privacy_request', 'settings', 'lifecycle_model'];

function FilterForm({ value, types, actions }: { value: AuditFilters; types: string[]; actions: string[] }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const set = (k: keyof AuditFilters) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));
  const apply = (f: AuditFilters) => setSearch(Object.fromEntries(FILTER_KEYS.map((k) => [k, f[k].trim() || undefined])));
  return (
    <form
      role="search"
      aria-label="Filter the audit log"
      className="audit-filters"
      onSubmit={(e) => {
        e.preventDefault();
        apply(draft);
      }}
    >
      <label className="field audit-q">
        <span>Search</span>
        <input type="search" aria-label="Search the audit log" placeholder="Words in the action, object or change" value={draft.q} onChange={set('q')} maxLength={200} />
      </label>
      <label className="field">
        <span>Object type</span>
        <input aria-label="Object type" list="audit-types" value={draft.objectType} onChange={set('objectType')} placeholder="any" maxLength={64} />
        <datalist id="audit-types">
          {types.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
      </label>
      <label className="field">
        <span>Action</span>
        <input aria-label="Action" list="audit-actions" value={draft.action} onChange={set('action')} placeholder="e.g. segment.update" maxLength={64} />
        <datalist id="audit-actions">
          {actions.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
      </label>
      <label className="field">
        <span>Actor</span>
        <input aria-label="Actor" value={draft.actor} onChange={set('actor')} placeholder="email or key name" maxLength={254} />
      </label>
      <label className="field">
        <span>From</span>
        <input type="date" aria-label="From" value={draft.from} onChange={set('from')} max={draft.to || undefined} />
      </label>
      <label className="field">
        <span>To</span>
        <input type="date" aria-label="To" value={draft.to} onChange={set('to')} min={draft.from || undefined} />
      </label>
      <div className="row audit-filter-actions">
        <button type="submit" className="btn btn-primary btn-small">
          Apply
        </button>
        {isFiltered(value) ? (
          <button type="button" className="btn btn-ghost btn-small" onClick={() => apply({ q: '', objectType: '', action: '', actor: '', from: '', to: '' })}>
            Clear filters
          </button>
        ) : null}
      </div>
    </form>
  );
}

function ActorCell({ actor }: { actor: AuditEntry['actor'] }) {
  return (
    <span className="audit-actor">
      <Badge tone={actor.kind === 'user' ? 'accent' : actor.kind === 'key' ? 'info' : 'neutral'}>{actor.kind === 'user' ? 'member' : actor.kind === 'key' ? 'API key' : 'Tenure'}</Badge>
      <span>{actor.label}</span>
    </span>
  );
}

function EntryRow({ e, open, toggle }: { e: AuditEntry; open: boolean; toggle: () => void }) {
  const link = objectLink(e.objectType, e.objectId);
  return (
    <Fragment>
      <tr className={open ? 'audit-open' : undefined} data-entry={e.id}>
        <td className="audit-when" title={e.at}>
          {fmtDateTime(e.at)}
          <div className="muted audit-sub">{fmtRelative(e.at)}</div>
        </td>
        <td>
          <ActorCell actor={e.actor} />
        </td>
        <td>
          <code className="audit-action">{e.action}</code>
        </td>
        <td>
          <span className="muted">{e.objectType}</span> {e.objectId ? link ? <Link to={link}>{e.objectId}</Link> : <span className="audit-oid">{e.objectId}</span> : null}
        </td>
        <td className="audit-ip">{e.ip ?? <span className="muted">—</span>}</td>
        <td className="audit-toggle">
          <button
            type="button"
            className="btn btn-small"
            aria-expanded={open}
            aria-controls={`audit-diff-${e.id}`}
            aria-label={`${open ? 'Hide' : 'Show'} changes of ${e.action} ${e.objectId ?? ''}`.trim()}
            onClick={toggle}
          >
            {open ? 'Hide' : 'Changes'}
          </button>
        </td>
      </tr>
      {open ? (
        <tr className="audit-detail" id={`audit-diff-${e.id}`}>
          <td colSpan={6}>
            <AuditDiff entry={e} />
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}

/** /audit — who changed what, newest first: searchable, paged with "Load more", each change shown field by field, exportable as CSV. */
export default function AuditPage(_props: PageProps) {
  const { search } = useLocation();
  const filters = useMemo(() => filtersFrom(search), [search]);
  const query = useMemo(() => auditQuery(filters), [filters]);
  const { workspace } = useSession();
  const { can, pending } = useMe();
  const allowed = can('audit.read');
  const [open, setOpen] = useState<Set<number>>(new Set());
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);

  const pages = useInfiniteQuery({
    queryKey: [workspace?.id ?? 0, '/api/audit', query, 'pages'],
    queryFn: ({ pageParam, signal }) => api.get('/api/audit', { query: { ...query, limit: PAGE, before: pageParam }, signal }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.next ?? undefined,
    enabled: allowed && workspace !== undefined,
  });
  const entries = useMemo(() => pages.data?.pages.flatMap((p) => p.entries) ?? [], [pages.data]);
  const types = useMemo(() => [...new Set([...KNOWN_TYPES, ...entries.map((e) => e.objectType)])].sort(), [entries]);
  const actions = useMemo(() => [...new Set(entries.map((e) => e.action))].sort(), [entries]);

  async function exportCsv() {
    setExporting(true);
    setExportError(null);
    try {
      await download('/api/audit.csv', { query }, `audit-${new Date().toISOString().slice(0, 10)}.csv`);
    } catch (err) {
      setExportError((err as Error).message);
    } finally {
      setExporting(false);
    }
  }

  const toggle = (id: number) =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  if (pending) return <Loading label="Checking what you may see…" />;
  if (!allowed)
    return (
      <>
        <PageHeader title="Audit log" />
        <Empty title="The audit log needs the audit permission">Owners and admins (and admin API keys) can read the audit log. Ask an owner of this workspace.</Empty>
      </>
    );

  return (
    <>
      <PageHeader
        title="Audit log"
        subtitle="Who changed what in this workspace, newest first. Open an entry to see the object before and after."
        actions={
          <button type="button" className="btn" disabled={exporting} onClick={() => void exportCsv()}>
            {exporting ? 'Exporting…' : 'Export CSV'}
          </button>
        }
      />
      {exportError ? (
        <p className="form-error" role="alert">
          {exportError}
        </p>
      ) : null}
      <Card>
        <FilterForm value={filters} types={types} actions={actions} />
      </Card>
      <Card className="section">
        {pages.error && !pages.data ? (
          <ErrorNote error={pages.error as ApiError} retry={() => void pages.refetch()} />
        ) : pages.isPending ? (
          <Loading label="Loading the audit log…" />
        ) : entries.length === 0 ? (
          <Empty title={isFiltered(filters) ? 'No entry matches these filters' : 'Nothing audited yet'}>
            {isFiltered(filters) ? 'Change the search or clear the filters.' : 'Changes to segments, journeys, settings, keys, members and privacy requests show here.'}
          </Empty>
        ) : (
          <>
            <div className="table-wrap" aria-busy={pages.isFetching}>
              <table aria-label="Audit log" className="audit-table">
                <thead>
                  <tr>
                    <th>When</th>
                    <th>Who</th>
                    <th>Action</th>
                    <th>Object</th>
                    <th>IP</th>
                    <th>
                      <span className="sr-only">Changes</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((e) => (
                    <EntryRow key={e.id} e={e} open={open.has(e.id)} toggle={() => toggle(e.id)} />
                  ))}
                </tbody>
              </table>
            </div>
            <div className="pager">
              <span className="muted" data-testid="audit-count">
                {entries.length.toLocaleString('en-US')} {entries.length === 1 ? 'entry' : 'entries'}
                {pages.hasNextPage ? ' shown' : ''}
              </span>
              {pages.hasNextPage ? (
                <button type="button" className="btn btn-small" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
                  {pages.isFetchingNextPage ? 'Loading…' : 'Load more'}
                </button>
              ) : null}
            </div>
            {pages.error ? (
              <p className="form-error" role="alert">
                {(pages.error as ApiError).message}
              </p>
            ) : null}
          </>
        )}
      </Card>
    </>
  );
}
