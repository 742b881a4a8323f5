import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { SurveyDefinition } from '../../../contracts/surveys.js';
import { api, type ApiError } from '../../api/client.js';
import { useSession } from '../../api/session.js';
import { Card, Tabs } from '../../components/layout.js';
import { ErrorNote, Loading } from '../../components/states.js';
import { useDebounced } from '../../components/useDebounced.js';

type Preview = Awaited<ReturnType<typeof previewOf>>;
const previewOf = (definition: SurveyDefinition, signal: AbortSignal) => api.post('/api/surveys/preview', { body: { definition }, signal });

const TABS = [
  { key: 'email', label: 'Email' },
  { key: 'page', label: 'Answer page' },
  { key: 'sms', label: 'SMS' },
  { key: 'inapp', label: 'In-app' },
] as const;
type Tab = (typeof TABS)[number]['key'];

/**
 * The survey as it is being edited, rendered by the server (POST /api/surveys/preview, 400 ms
 * after the last change): the email and the answer page in sandboxed frames (no scripts, no
 * clicks that record anything), the SMS and in-app texts as they read. While the form has a
 * problem, the last good preview stays with a note.
 */
export function SurveyPreview({ definition }: { definition: SurveyDefinition | null }) {
  const [tab, setTab] = useState<Tab>('email');
  const { workspace } = useSession();
  const json = useDebounced(definition ? JSON.stringify(definition) : null, 400);
  const q = useQuery<Preview, ApiError>({
    queryKey: [workspace?.id ?? 0, 'survey-preview', json],
    queryFn: ({ signal }) => previewOf(JSON.parse(json!) as SurveyDefinition, signal),
    enabled: json !== null && workspace !== undefined,
    placeholderData: keepPreviousData,
    retry: false,
  });
  const p = q.data;
  return (
    <Card title="Preview" className="stack svy-preview">
      <Tabs tabs={[...TABS]} value={tab} onChange={setTab} />
      {definition === null ? <p className="muted">Fix the fields marked in the form to update the preview.</p> : null}
      {q.isFetching && p ? <span className="muted svy-updating">Updating…</span> : null}
      {q.error ? <ErrorNote error={q.error} retry={() => void q.refetch()} /> : null}
      {!p && !q.error ? json === null ? null : <Loading label="Rendering…" /> : null}
      {p && tab === 'email' ? (
        <>
          <div>
            <span className="muted">Subject: </span>
            <strong data-testid="preview-subject">{p.email.subject}</strong>
          </div>
          <iframe className="svy-frame" title="Email preview" sandbox="" srcDoc={p.email.html} />
        </>
      ) : null}
      {p && tab === 'page' ? <iframe className="svy-frame" title="Answer page preview" sandbox="" srcDoc={p.page} /> : null}
      {p && tab === 'sms' ? (
        <div className="svy-sms" aria-label="SMS preview">
          <div className="svy-bubble">{p.sms}</div>
          <small className="muted">
            {p.sms.length} characters{p.sms.length > 160 ? ` · ${Math.ceil(p.sms.length / 153)} SMS parts` : ''}
          </small>
        </div>
      ) : null}
      {p && tab === 'inapp' ? (
        <div className="svy-inapp" aria-label="In-app preview">
          <strong>{p.inapp.subject}</strong>
          <iframe className="svy-frame svy-frame-small" title="In-app message preview" sandbox="" srcDoc={p.inapp.html} />
        </div>
      ) : null}
    </Card>
  );
}
