import { useQueryClient } from '@tanstack/react-query';
import { IfCan, ReadOnlyUnless } from '../../components/ReadOnly.js';
import { useCallback, useMemo, useState } from 'react';
import type { JourneyDefinition, StepType } from '../../../contracts/journey.js';
import { api, apiPath, ApiError } from '../../api/client.js';
import { apiKey, useApi } from '../../api/hooks.js';
import { useSession } from '../../api/session.js';
import { ConditionOptions } from '../../components/condition/options.js';
import { Badge, PageHeader } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { fmtRelative } from '../../components/format.js';
import { allStages, useNames } from '../../components/useNames.js';
import { Link, navigate } from '../../router.js';
import type { PageProps } from '../../routes.js';
import { JourneyCanvas, type InsertPoint } from './JourneyCanvas.js';
import { connect, deleteStep, emptyDefinition, insertStep, nodePorts, renameStep, replaceStep, TRIGGER } from './model.js';
import { Palette } from './Palette.js';
import { StepInspector } from './StepInspector.js';
import { TriggerInspector } from './TriggerInspector.js';
import { STATUS_TONE, type JourneyView } from './types.js';
import { placeField, validateDefinition, type Problem } from './validate.js';
import './journeys.css';

/** `/journeys/:id` (and `/journeys/new`): the journey canvas, inspector, save / publish / pause, live counts. */
export default function JourneyEditorPage({ params }: PageProps) {
  const id = params.id ?? 'new';
  const q = useApi('/api/journeys/:id', id === 'new' ? null : { params: { id } });
  if (id === 'new') return <JourneyEditor key="new" initial={null} />;
  return <QueryView query={q}>{(j) => <JourneyEditor key={j.id} initial={j} />}</QueryView>;
}

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** The segment or stage a trigger reaches now (what GET /api/journeys/:id/audience counts), or null. */
function triggerTarget(t: JourneyDefinition['trigger']): string | null {
  if ('segmentEntered' in t) return t.segmentEntered.segment;
  if ('broadcast' in t) return t.broadcast.segment;
  if ('stageEntered' in t) return t.stageEntered.stage;
  return null;
}

function JourneyEditor({ initial }: { initial: JourneyView | null }) {
  const qc = useQueryClient();
  const { workspace } = useSession();
  const [saved, setSaved] = useState<JourneyView | null>(initial);
  const [name, setName] = useState(initial?.name ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [def, setDefRaw] = useState<JourneyDefinition>(initial?.definition ?? emptyDefinition());
  const [selected, setSelected] = useState<string | null>(initial ? null : TRIGGER);
  const [insertAt, setInsertAt] = useState<InsertPoint | null>(initial ? null : { from: TRIGGER, port: 'start' });
  const [note, setNote] = useState<string | null>(null);
  // Segment- and stage-triggered journeys: whether publishing also takes the customers already there.
  const [enterCurrent, setEnterCurrent] = useState(false);
  const reachesCurrent = 'segmentEntered' in def.trigger || 'stageEntered' in def.trigger;
  // A broadcast with no time reaches its whole segment the moment it is published.
  const broadcastNow = 'broadcast' in def.trigger && !def.trigger.broadcast.at;
  const audienceQ = useApi('/api/journeys/:id/audience', saved && (reachesCurrent || broadcastNow) ? { params: { id: saved.id } } : null);
  // The count is of the saved trigger: shown only while the draft names the same segment or stage.
  const audienceCount = audienceQ.data && audienceQ.data.target === triggerTarget(def.trigger) ? audienceQ.data.count : null;
  const [error, setError] = useState<{ message: string; problem?: Problem } | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState<Record<string, boolean>>({});
  const [layoutVersion, setLayoutVersion] = useState(0);

  const templates = useApi('/api/templates');
  const groups = useApi('/api/subscription-groups');
  const surveys = useApi('/api/surveys');
  const model = useApi('/api/lifecycle/model');
  const segments = useApi('/api/segments');
  const stats = useApi('/api/journeys/:id/stats', saved ? { params: { id: saved.id } } : null, { refetchInterval: 10_000 });

  const setDef = (d: JourneyDefinition) => {
    setDefRaw(d);
    setError(null);
    setOk(null);
  };
  const problems = useMemo(() => {
    const p = validateDefinition(def);
    return error?.problem ? [...p, error.problem] : p;
  }, [def, error]);
  const names = useNames();
  const dirty = !saved || JSON.stringify([name, description, def]) !== JSON.stringify([saved.name, saved.description, saved.definition]);
  const onPending = useCallback((k: string, bad: boolean) => setPending((p) => (p[k] === bad ? p : { ...p, [k]: bad })), []);
  const onInsertAt = useCallback((p: InsertPoint) => {
    setInsertAt(p);
    setSelected(p.from);
  }, []);

  const select = (nodeId: string | null) => {
    setSelected(nodeId);
    if (nodeId) {
      const first = nodePorts(def, nodeId)[0];
      setInsertAt(first ? { from: nodeId, port: first.key } : null);
    }
  };

  const whereText = (() => {
    if (!insertAt) return null;
    const port = nodePorts(def, insertAt.from).find((p) => p.key === insertAt.port);
    const from = insertAt.from === TRIGGER ? 'the trigger' : insertAt.from;
    return port?.label ? `${from} (${port.label})` : from;
  })();

  const add = (type: StepType) => {
    if (!insertAt) return;
    const r = insertStep(def, insertAt.from, insertAt.port, type);
    setDef(r.def);
    setNote(r.note ?? null);
    if (r.select) {
      setSelected(r.select);
      const first = nodePorts(r.def, r.select)[0];
      setInsertAt(first ? { from: r.select, port: first.key } : null);
    }
  };

  const cacheKey = (jid: string) => apiKey(workspace?.id ?? 0, apiPath('/api/journeys/:id', { id: jid }), undefined);
  const afterWrite = async (j: JourneyView, message: string) => {
    setSaved(j);
    setName(j.name);
    setDescription(j.description);
    setDefRaw(j.definition);
    setOk(message);
    qc.setQueryData(cacheKey(j.id), j);
    await qc.invalidateQueries({ predicate: (x) => typeof x.queryKey[1] === 'string' && (x.queryKey[1] as string).startsWith('/api/journeys') && x.queryKey[1] !== `/api/journeys/${j.id}` });
  };
  const fail = (e: unknown) => {
    const a = e instanceof ApiError ? e : new ApiError(0, 'error', (e as Error).message);
    const onDefinition = a.field && /(^|\.)definition(\.|$)/.test(a.field);
    setError({ message: a.message, problem: onDefinition ? placeField(def, a.field!, a.message.replace(/^body\.definition\.[\w.-]+: /, '')) : undefined });
    if (onDefinition) setSelected(placeField(def, a.field!, '').nodeId);
  };

  /** Save the draft; returns the saved journey, or null when it could not be saved. */
  const save = async (): Promise<JourneyView | null> => {
    setOk(null);
    if (!name.trim()) {
      setError({ message: 'Give the journey a name before saving.' });
      return null;
    }
    if (Object.values(pending).some(Boolean)) {
      setError({ message: 'A condition or JSON field is not complete yet: fix it (it is marked in the inspector) before saving.' });
      return null;
    }
    if (problems.length) {
      setError({
        message: `Fix ${problems.length === 1 ? 'this problem' : `these ${problems.length} problems`} first: ${problems.map((p) => `${p.nodeId === TRIGGER ? 'trigger' : p.nodeId}: ${p.message}`).join('; ')}`,
      });
      setSelected(problems[0]!.nodeId);
      return null;
    }
    setBusy(true);
    try {
      const body = { name: name.trim(), description, definition: def };
      const j = saved ? await api.put('/api/journeys/:id', { params: { id: saved.id }, body }) : await api.post('/api/journeys', { body });
      await afterWrite(j, saved ? 'Draft saved.' : 'Journey created as a draft.');
      if (!saved) navigate(`/journeys/${encodeURIComponent(j.id)}`, { replace: true });
      return j;
    } catch (e) {
      fail(e);
      return null;
    } finally {
      setBusy(false);
    }
  };

  const act = async (what: 'publish' | 'pause') => {
    const j = dirty || !saved ? await save() : saved;
    if (!j) return;
    setBusy(true);
    try {
      const r =
        what === 'publish'
          ? await api.post('/api/journeys/:id/publish', { params: { id: j.id }, body: { enterCurrent: reachesCurrent && enterCurrent } })
          : await api.post('/api/journeys/:id/pause', { params: { id: j.id } });
      const entered = r.enteredNow ? ` ${r.enteredNow.toLocaleString('en-US')} customer${r.enteredNow === 1 ? '' : 's'} entered now.` : '';
      await afterWrite(r, what === 'publish' ? `Published version ${r.version}: new customers enter it from now on.${entered}` : 'Paused: no new entries; runs wait where they are.');
      setEnterCurrent(false);
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  const step = selected && selected !== TRIGGER ? def.steps.find((s) => s.id === selected) : undefined;
  const nodeProblems = (nid: string) => problems.filter((p) => p.nodeId === nid);

  return (
    <div className="jny-editor">
      <PageHeader
        title={
          <span className="row">
            {saved ? saved.name : 'New journey'} {saved ? <Badge tone={STATUS_TONE[saved.status]}>{saved.status}</Badge> : <Badge>unsaved</Badge>}
          </span>
        }
        subtitle={
          saved ? (
            <>
              Version {saved.version}
              {saved.liveVersion ? ` · live version ${saved.liveVersion}` : ' · never published'}
              {saved.publishedAt ? ` · published ${fmtRelative(saved.publishedAt)}` : ''}
              {dirty ? ' · unsaved changes' : ''} · <Link to="/journeys">All journeys</Link>
            </>
          ) : (
            <Link to="/journeys">All journeys</Link>
          )
        }
        actions={
          <IfCan needs="marketing.write">
            <button type="button" className="btn" disabled={busy || (!dirty && !!saved)} onClick={() => void save()}>
              Save draft
            </button>
            {saved?.status === 'live' ? (
              <button type="button" className="btn" disabled={busy} onClick={() => void act('pause')}>
                Pause
              </button>
            ) : null}
            {reachesCurrent && saved ? (
              <label className="row jny-enter-current" title="Otherwise only customers who join from now on enter">
                <input type="checkbox" checked={enterCurrent} onChange={(e) => setEnterCurrent(e.target.checked)} aria-label="Also enter the current members" />
                Also enter the {audienceCount === null ? '' : `${audienceCount.toLocaleString('en-US')} `}
                customers already there
              </label>
            ) : null}
            {broadcastNow && saved && saved.status !== 'live' ? (
              <span className="muted jny-enter-current" role="note" aria-label="Publishing reaches">
                Publishing sends it now to {audienceCount === null ? 'the segment’s customers' : `${audienceCount.toLocaleString('en-US')} customer${audienceCount === 1 ? '' : 's'}`}
              </span>
            ) : null}
            <button type="button" className="btn btn-primary" disabled={busy || (saved?.status === 'live' && !dirty && saved.liveVersion === saved.version)} onClick={() => void act('publish')}>
              {saved?.status === 'paused' ? 'Resume (publish)' : 'Publish'}
            </button>
          </IfCan>
        }
      />
      <ReadOnlyUnless needs="marketing.write" note>
        <div className="jny-meta">
          <label className="field">
            <span>Journey name</span>
            <input value={name} aria-invalid={!name.trim() && error !== null} onChange={(e) => setName(e.target.value)} placeholder="e.g. Post-purchase review request" />
          </label>
          <label className="field">
            <span>Description</span>
            <input value={description} onChange={(e) => setDescription(e.target.value)} placeholder="What it does, for your team" />
          </label>
        </div>
      </ReadOnlyUnless>
      {error ? (
        <div className="form-error" role="alert">
          {error.message}
        </div>
      ) : null}
      {ok ? (
        <div className="form-ok" role="status">
          {ok}
        </div>
      ) : null}
      {note ? (
        <div className="form-ok" role="status">
          {note}
        </div>
      ) : null}
      <div className="jny-workspace">
        <JourneyCanvas
          def={def}
          problems={problems}
          stats={stats.data}
          names={names}
          selected={selected}
          onSelect={select}
          insertAt={insertAt}
          onInsertAt={onInsertAt}
          onConnect={(from, port, to) => setDef(connect(def, from, port, to))}
          layoutVersion={layoutVersion}
        />
        <aside className="jny-side" aria-label="Inspector">
          <ReadOnlyUnless needs="marketing.write">
            <Palette where={whereText} onAdd={add} />
            <ConditionOptions>
              <section className="jny-inspector" aria-label="Selected node">
                {selected === TRIGGER ? (
                  <TriggerInspector
                    def={def}
                    problems={nodeProblems(TRIGGER)}
                    stages={model.data ? allStages(model.data.model) : []}
                    segments={(segments.data?.segments ?? []).filter((s) => s.scope === 'customer')}
                    onChange={setDef}
                    onPending={onPending}
                  />
                ) : step ? (
                  <StepInspector
                    key={step.id}
                    step={step}
                    problems={nodeProblems(step.id)}
                    ctx={{ templates: templates.data?.templates ?? [], groups: groups.data?.groups ?? [], surveys: surveys.data?.surveys ?? [], onPending }}
                    onChange={(s) => setDef(replaceStep(def, step.id, s))}
                    onRename={(to) => {
                      if (!ID_RE.test(to)) return 'use 1–64 letters, digits, "-" and "_"';
                      if (def.steps.some((s) => s.id === to)) return `a step "${to}" exists already`;
                      setDef(renameStep(def, step.id, to));
                      setSelected(to);
                      setInsertAt(null);
                      return null;
                    }}
                    onDelete={() => {
                      const r = deleteStep(def, step.id);
                      setDef(r.def);
                      setNote(r.note ?? null);
                      if (r.def !== def) select(null);
                    }}
                  />
                ) : (
                  <p className="muted">Select the trigger or a step to edit it. Drag from a step’s bottom handle to another step to connect them.</p>
                )}
              </section>
            </ConditionOptions>
          </ReadOnlyUnless>
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setLayoutVersion((v) => v + 1)}>
            Tidy layout
          </button>
          {stats.error ? <p className="muted">Live counts unavailable: {stats.error.message}</p> : null}
        </aside>
      </div>
    </div>
  );
}
