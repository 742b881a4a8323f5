import { api } from '../../api/client.js';
import { useMemo, useState } from 'react';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { useCan } from '../../api/session.js';
import { Badge, Card, PageHeader } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { fmtDateTime, fmtNumber } from '../../components/format.js';
import { Link, navigate, useLocation } from '../../router.js';
import type { PageProps } from '../../routes.js';
import { ConditionEditor } from '../../components/condition/ConditionEditor.js';
import { checkDraft, initialDraft, type ConditionDraft } from '../../components/condition/draft.js';
import { OptionsContext } from '../../components/condition/fields.js';
import { stableJson } from '../../components/condition/model.js';
import { useBuilderOptions } from '../../components/condition/options.js';
import { useDebounced } from '../../components/useDebounced.js';
import type { Segment } from './options.js';
import { PreviewCard } from './PreviewCard.js';
import { DeleteSegment, SaveProgress } from './SaveProgress.js';
import { ExportCsv } from './ExportCsv.js';
import './segments.css';

/** `/segments/new` and `/segments/:id`: the visual condition builder with a live preview. */
export default function SegmentEditorPage({ params }: PageProps) {
  const id = params.id;
  const seg = useApi('/api/segments/:id', id ? { params: { id } } : null);
  if (!id) return <Editor segment={null} />;
  return <QueryView query={seg}>{(s) => <Editor segment={s} />}</QueryView>;
}

function Editor({ segment }: { segment: Segment | null }) {
  const { search } = useLocation();
  const options = useBuilderOptions(segment?.id);
  const [name, setName] = useState(segment?.name ?? '');
  const [description, setDescription] = useState(segment?.description ?? '');
  const [scope, setScope] = useState<'customer' | 'account'>(segment?.scope ?? 'customer');
  const [draft, setDraft] = useState<ConditionDraft>(() => initialDraft(segment?.condition ?? undefined));
  const [nameError, setNameError] = useState<string | null>(null);
  const [jobId, setJobId] = useState<number | null>(() => (search.get('job') ? Number(search.get('job')) : null));

  const checked = useMemo(() => checkDraft(draft), [draft]);
  const condition = checked.state.status === 'ok' ? checked.state.condition : null;
  const json = condition ? stableJson(condition) : null;
  const debounced = useDebounced(json, 400);
  const canWrite = useCan('marketing.write');
  const builtIn = segment !== null && (segment.kind === 'static' || segment.id.startsWith('rfm_'));
  const readOnly = !canWrite || builtIn;

  const save = useApiMutation(
    () => {
      const body = { name, description, scope, condition };
      return segment ? api.put('/api/segments/:id', { params: { id: segment.id }, body }) : api.post('/api/segments', { body });
    },
    {
      invalidates: ['/api/segments'],
      onSuccess: (r) => {
        if (!segment) navigate(`/segments/${encodeURIComponent(r.segment.id)}?job=${r.job.id}`, { replace: true });
        else setJobId(r.job.id);
      },
    },
  );

  const submit = () => {
    if (!name.trim()) {
      setNameError('A segment needs a name.');
      return;
    }
    setNameError(null);
    if (!condition) return;
    save.mutate();
  };
  const err = save.error;
  const fieldErr = err?.field && /(^|\.)name$/.test(err.field) ? err.message : null;

  return (
    <OptionsContext.Provider value={options}>
      <PageHeader
        title={segment ? segment.name : 'New segment'}
        subtitle={
          segment ? (
            <>
              <span aria-label="Members now">{fmtNumber(segment.members)}</span> members now · version {segment.version} ·{' '}
              {segment.upToDate ? `computed ${fmtDateTime(segment.computedAt)}` : 'being computed'}
            </>
          ) : (
            'Describe who is in with conditions; the count updates as you build.'
          )
        }
        actions={
          <>
            <Link className="btn" to="/segments">
              All segments
            </Link>
            {segment ? <ExportCsv id={segment.id} name={segment.name} label="Export CSV" small={false} /> : null}
            {segment && !readOnly ? <DeleteSegment segment={segment} /> : null}
          </>
        }
      />
      {!canWrite ? (
        <p className="form-ok">Read-only: your role reads segments; a marketer or admin changes them.</p>
      ) : builtIn ? (
        <p className="form-ok">
          {segment?.kind === 'static'
            ? 'A static list: its members are a list of customers, changed through the API or CLI, not by a condition.'
            : 'A built-in RFM group: its members follow the RFM scores and it cannot be edited.'}
        </p>
      ) : null}
      <div className="seg-editor">
        <div className="stack">
          <Card title="Details">
            <div className="grid grid-2">
              <label className="field">
                <span>Segment name</span>
                <input value={name} disabled={readOnly} aria-invalid={nameError || fieldErr ? true : undefined} onChange={(e) => setName(e.target.value)} maxLength={200} />
                {nameError || fieldErr ? <span className="seg-row-error">{nameError ?? fieldErr}</span> : null}
              </label>
              <label className="field">
                <span>Members are</span>
                <select value={scope} disabled={readOnly} onChange={(e) => setScope(e.target.value as 'customer' | 'account')}>
                  <option value="customer">Customers</option>
                  <option value="account">Accounts (B2B)</option>
                </select>
              </label>
              <label className="field span-2">
                <span>Description</span>
                <input value={description} disabled={readOnly} maxLength={2000} onChange={(e) => setDescription(e.target.value)} />
              </label>
            </div>
          </Card>
          <Card title="Who is in">
            <ConditionEditor label="Segment condition" showLabel={false} value={draft} onChange={setDraft} readOnly={readOnly} />
          </Card>
        </div>
        <div className="stack seg-side">
          <PreviewCard conditionJson={debounced} scope={scope} pending={debounced !== json} />
          {!readOnly ? (
            <Card title="Save">
              {err && !fieldErr ? (
                <div className="form-error" role="alert">
                  {err.message}
                </div>
              ) : null}
              {checked.jsonError ? (
                <p className="muted">The condition JSON needs fixing before saving.</p>
              ) : checked.problems.size > 0 ? (
                <p className="muted">{checked.problems.size === 1 ? 'One row needs attention' : `${checked.problems.size} rows need attention`} before saving.</p>
              ) : null}
              <div className="row">
                <button type="button" className="btn btn-primary" disabled={!condition || save.isPending} onClick={submit}>
                  {save.isPending ? 'Saving…' : 'Save segment'}
                </button>
                {segment ? <Badge tone={segment.timeBased ? 'info' : 'neutral'}>{segment.timeBased ? 'time-based: swept periodically' : 'event-driven'}</Badge> : null}
              </div>
              {jobId !== null && segment ? <SaveProgress jobId={jobId} segmentId={segment.id} /> : null}
            </Card>
          ) : null}
        </div>
      </div>
    </OptionsContext.Provider>
  );
}
