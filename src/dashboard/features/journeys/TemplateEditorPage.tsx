import { useQueryClient } from '@tanstack/react-query';
import { IfCan, ReadOnlyUnless } from '../../components/ReadOnly.js';
import { useState } from 'react';
import { api, ApiError } from '../../api/client.js';
import { useApi } from '../../api/hooks.js';
import { Badge, Card, PageHeader } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { Link, navigate } from '../../router.js';
import type { PageProps } from '../../routes.js';
import { FieldErrors } from './fields.js';
import { TemplatePreviewCard, type TemplateDraft } from './TemplatePreviewCard.js';
import type { TemplateView } from './types.js';
import './journeys.css';

type Channel = TemplateView['channel'];
type Format = TemplateView['format'];

/** `/templates/:id` (and `/templates/new`): edit a template, preview it for a real customer. */
export default function TemplateEditorPage({ params }: PageProps) {
  const id = params.id ?? 'new';
  const q = useApi('/api/templates/:id', id === 'new' ? null : { params: { id } });
  if (id === 'new') return <TemplateEditor key="new" initial={null} />;
  return <QueryView query={q}>{(t) => <TemplateEditor key={t.id} initial={t} />}</QueryView>;
}

interface Draft {
  name: string;
  channel: Channel;
  format: Format;
  subject: string;
  body: string;
  text: string;
}

/** The body of POST/PUT /api/templates for a draft. */
function toBody(d: Draft): TemplateDraft {
  const hasSubject = d.channel === 'email' || d.channel === 'inapp';
  return {
    name: d.name.trim(),
    channel: d.channel,
    format: d.format,
    ...(hasSubject && d.subject ? { subject: d.subject } : {}),
    body: d.body,
    ...(d.channel === 'email' && d.text ? { text: d.text } : {}),
  };
}

const toDraft = (t: TemplateView | null): Draft => ({
  name: t?.name ?? '',
  channel: t?.channel ?? 'email',
  format: t?.format ?? 'mjml',
  subject: t?.subject ?? '',
  body: t?.body ?? '',
  text: t?.text ?? '',
});

function TemplateEditor({ initial }: { initial: TemplateView | null }) {
  const qc = useQueryClient();
  const [saved, setSaved] = useState<TemplateView | null>(initial);
  const [d, setD] = useState<Draft>(() => toDraft(initial));
  const [error, setError] = useState<{ message: string; field?: string } | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dirty = JSON.stringify(d) !== JSON.stringify(toDraft(saved));
  const set = (patch: Partial<Draft>) => {
    setD((x) => ({ ...x, ...patch }));
    setOk(null);
    setError(null);
  };
  const fieldError = (f: string) => (error?.field === f ? [error.message] : []);
  const hasSubject = d.channel === 'email' || d.channel === 'inapp';

  const save = async () => {
    setOk(null);
    if (!d.name.trim()) return setError({ message: 'Give the template a name.', field: 'name' });
    if (!d.body.trim()) return setError({ message: 'Write the body of the message.', field: 'body' });
    setBusy(true);
    try {
      const body = toBody(d);
      const t = saved ? await api.put('/api/templates/:id', { params: { id: saved.id }, body }) : await api.post('/api/templates', { body });
      setSaved(t);
      setD(toDraft(t));
      setOk(`Saved (version ${t.version}).`);
      await qc.invalidateQueries({ predicate: (x) => typeof x.queryKey[1] === 'string' && (x.queryKey[1] as string).startsWith('/api/templates') });
      if (!saved) navigate(`/templates/${encodeURIComponent(t.id)}`, { replace: true });
    } catch (e) {
      const a = e instanceof ApiError ? e : new ApiError(0, 'error', String(e));
      setError({ message: a.message, field: a.field });
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader
        title={
          <span className="row">
            {saved ? saved.name : 'New template'} {saved ? <Badge tone="info">{saved.channel}</Badge> : <Badge>unsaved</Badge>}
          </span>
        }
        subtitle={
          <>
            {saved ? `Version ${saved.version}${dirty ? ' · unsaved changes' : ''} · ` : ''}
            <Link to="/templates">All templates</Link>
          </>
        }
        actions={
          <IfCan needs="marketing.write">
            <button type="button" className="btn btn-primary" disabled={busy || (!dirty && !!saved)} onClick={() => void save()}>
              Save template
            </button>
          </IfCan>
        }
      />
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
      <ReadOnlyUnless needs="marketing.write" note>
        <div className="jny-tpl-grid">
          <Card title="Message" className="stack">
            <label className="field">
              <span>Template name</span>
              <input value={d.name} aria-invalid={fieldError('name').length > 0} onChange={(e) => set({ name: e.target.value })} />
              <FieldErrors errors={fieldError('name')} />
            </label>
            <div className="row">
              <label className="field">
                <span>Channel</span>
                <select
                  value={d.channel}
                  disabled={!!saved}
                  title={saved ? 'Journeys send a template on its channel: make a new template for another channel' : undefined}
                  onChange={(e) => set({ channel: e.target.value as Channel, format: e.target.value === 'email' ? 'mjml' : 'text' })}
                >
                  <option value="email">Email</option>
                  <option value="sms">SMS</option>
                  <option value="inapp">In-app</option>
                  <option value="webhook">Webhook</option>
                </select>
                <FieldErrors errors={fieldError('channel')} />
              </label>
              <label className="field">
                <span>Format</span>
                <select value={d.format} aria-invalid={fieldError('format').length > 0} onChange={(e) => set({ format: e.target.value as Format })}>
                  {(d.channel === 'email' ? (['mjml', 'html', 'text'] as const) : (['text'] as const)).map((f) => (
                    <option key={f} value={f}>
                      {f === 'mjml' ? 'MJML' : f === 'html' ? 'HTML' : 'Text'}
                    </option>
                  ))}
                </select>
                <FieldErrors errors={fieldError('format')} />
              </label>
            </div>
            {hasSubject ? (
              <label className="field">
                <span>{d.channel === 'email' ? 'Subject' : 'Title'} (Liquid)</span>
                <input value={d.subject} aria-invalid={fieldError('subject').length > 0} onChange={(e) => set({ subject: e.target.value })} />
                <FieldErrors errors={fieldError('subject')} />
              </label>
            ) : null}
            <label className="field">
              <span>Body (Liquid{d.channel === 'email' ? `, ${d.format.toUpperCase()}` : ''})</span>
              <textarea rows={18} className="jny-body" value={d.body} spellCheck={false} aria-invalid={fieldError('body').length > 0} onChange={(e) => set({ body: e.target.value })} />
              <FieldErrors errors={fieldError('body')} />
            </label>
            {d.channel === 'email' ? (
              <label className="field">
                <span>Plain-text part (optional; default: made from the HTML)</span>
                <textarea rows={4} value={d.text} spellCheck={false} aria-invalid={fieldError('text').length > 0} onChange={(e) => set({ text: e.target.value })} />
                <FieldErrors errors={fieldError('text')} />
              </label>
            ) : null}
            <p className="muted">
              Liquid variables: <code>{'{{ traits.first_name }}'}</code>, <code>{'{{ event.properties.value }}'}</code>, <code>{'{{ unsubscribe_url }}'}</code>.
            </p>
          </Card>
          <TemplatePreviewCard draft={{ ...toBody(d), name: d.name.trim() || 'Draft' }} saved={saved} dirty={dirty} />
        </div>
      </ReadOnlyUnless>
    </>
  );
}
