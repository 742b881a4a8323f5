import { useQueryClient } from '@tanstack/react-query';
import { IfCan, ReadOnlyUnless } from '../../components/ReadOnly.js';
import { useEffect, useMemo, useState } from 'react';
import type { SurveyStatus, SurveyView } from '../../../contracts/surveys.js';
import { api, ApiError } from '../../api/client.js';
import { useApi } from '../../api/hooks.js';
import { Badge, PageHeader } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { Link, navigate } from '../../router.js';
import type { PageProps } from '../../routes.js';
import { BroadcastCard } from './BroadcastCard.js';
import { STATUS_TONE, TYPE_LABEL } from './labels.js';
import { AfterScoreCard, ChannelsCard, QuestionCard, RulesCard } from './SurveyFields.js';
import { fieldOf, identityErrors, newDraft, toDefinition, toDraft, type SurveyDraft } from './survey-form.js';
import { SurveyPreview } from './SurveyPreview.js';
import './surveys.css';

/** `/surveys/:id` (and `/surveys/new`): edit a survey with its live preview, change its status, broadcast it. */
export default function SurveyEditorPage({ params }: PageProps) {
  const id = params.id ?? 'new';
  const q = useApi('/api/surveys/:id', id === 'new' ? null : { params: { id } });
  if (id === 'new') return <SurveyEditor key="new" initial={null} />;
  return <QueryView query={q}>{(s) => <SurveyEditor key={s.id} initial={s} />}</QueryView>;
}

/** The draft field a server error names (`body.definition.fatigue.sampleRate` → samplePercent). */
function serverField(field: string | undefined): string | undefined {
  if (!field) return undefined;
  const f = field.replace(/^body\./, '').replace(/^definition\./, '');
  return ['name', 'id', 'status'].includes(f) ? f : fieldOf(f);
}

/**
 * The "Saved" notice of a survey just created: saving a new survey moves to its own URL, which
 * mounts a fresh editor, so the notice is handed over here and shown once by that editor.
 */
let createdNotice: { id: string; message: string } | null = null;

function SurveyEditor({ initial }: { initial: SurveyView | null }) {
  const qc = useQueryClient();
  const [saved, setSaved] = useState<SurveyView | null>(initial);
  const [d, setD] = useState<SurveyDraft>(() => (initial ? toDraft(initial) : newDraft()));
  const [shown, setShown] = useState(false);
  const [server, setServer] = useState<{ message: string; field?: string } | null>(null);
  const [ok, setOk] = useState<string | null>(() => (initial && createdNotice?.id === initial.id ? createdNotice.message : null));
  useEffect(() => {
    if (initial && createdNotice?.id === initial.id) createdNotice = null;
  }, [initial]);
  const [busy, setBusy] = useState(false);
  const checked = useMemo(() => toDefinition(d), [d]);
  const errors = { ...identityErrors(d, !saved), ...(checked.ok ? {} : checked.errors) };
  const serverAt = serverField(server?.field);
  const visible = shown ? { ...errors, ...(serverAt && server ? { [serverAt]: server.message } : {}) } : checked.ok ? {} : checked.errors;
  const dirty = !saved || JSON.stringify(d) !== JSON.stringify(toDraft(saved));

  const set = (patch: Partial<SurveyDraft>) => {
    setD((x) => ({ ...x, ...patch }));
    setOk(null);
    setServer(null);
  };
  const refresh = () => qc.invalidateQueries({ predicate: (x) => typeof x.queryKey[1] === 'string' && (x.queryKey[1] as string).startsWith('/api/surveys') });

  const run = async (write: () => Promise<SurveyView>, message: (s: SurveyView) => string) => {
    setBusy(true);
    setOk(null);
    setServer(null);
    try {
      const s = await write();
      setSaved(s);
      setD(toDraft(s));
      setShown(false);
      setOk(message(s));
      await refresh();
      if (!saved) {
        createdNotice = { id: s.id, message: message(s) };
        navigate(`/surveys/${encodeURIComponent(s.id)}`, { replace: true });
      }
    } catch (e) {
      const a = e instanceof ApiError ? e : new ApiError(0, 'error', String(e));
      setShown(true);
      setServer({ message: a.message, field: a.field });
    } finally {
      setBusy(false);
    }
  };

  const save = () => {
    setShown(true);
    if (Object.keys(errors).length || !checked.ok) return setServer({ message: 'Fix the fields marked below, then save.' });
    const definition = checked.definition;
    void run(
      () =>
        saved
          ? api.put('/api/surveys/:id', { params: { id: saved.id }, body: { name: d.name.trim(), definition } })
          : api.post('/api/surveys', { body: { id: d.id, name: d.name.trim(), definition } }),
      (s) => `Saved (version ${s.version}).`,
    );
  };
  const setStatus = (status: SurveyStatus) =>
    saved &&
    void run(
      () => api.put('/api/surveys/:id', { params: { id: saved.id }, body: { status } }),
      (s) => `The survey is ${s.status}.`,
    );

  return (
    <>
      <PageHeader
        title={
          <span className="row">
            {saved ? saved.name : 'New survey'} <Badge tone="info">{TYPE_LABEL[d.type]}</Badge>
            {saved ? <Badge tone={STATUS_TONE[saved.status]}>{saved.status}</Badge> : <Badge>unsaved</Badge>}
          </span>
        }
        subtitle={
          <>
            {saved ? `Version ${saved.version}${dirty ? ' · unsaved changes' : ''} · ` : ''}
            <Link to="/surveys">All surveys</Link>
            {saved ? (
              <>
                {' · '}
                <Link to={`/surveys/${encodeURIComponent(saved.id)}/results`}>Results</Link>
              </>
            ) : null}
          </>
        }
        actions={
          <IfCan needs="surveys.write">
            {saved ? (
              <label className="field svy-status">
                <span className="sr-only">Status</span>
                <select aria-label="Status" value={saved.status} disabled={busy} onChange={(e) => setStatus(e.target.value as SurveyStatus)}>
                  <option value="draft">Draft</option>
                  <option value="active">Active</option>
                  <option value="archived">Archived</option>
                </select>
              </label>
            ) : null}
            <button type="button" className="btn btn-primary" disabled={busy || !dirty} onClick={save}>
              Save survey
            </button>
          </IfCan>
        }
      />
      {server && !(serverAt && serverAt in visible && visible[serverAt] === server.message) ? (
        <div className="form-error" role="alert">
          {server.message}
        </div>
      ) : null}
      {ok ? (
        <div className="form-ok" role="status">
          {ok}
        </div>
      ) : null}
      <div className="svy-editor">
        <ReadOnlyUnless needs="surveys.write" note>
          <div className="stack">
            <QuestionCard d={d} set={set} errors={visible} isNew={!saved} />
            <AfterScoreCard d={d} set={set} errors={visible} />
            <ChannelsCard d={d} set={set} errors={visible} />
            <RulesCard d={d} set={set} errors={visible} />
            {saved ? <BroadcastCard survey={saved} /> : null}
          </div>
        </ReadOnlyUnless>
        <SurveyPreview definition={checked.ok ? checked.definition : null} />
      </div>
    </>
  );
}
