import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ApiError } from '../../api/client.js';
import { useSession } from '../../api/session.js';
import { Card } from '../../components/layout.js';
import { ErrorNote, Loading } from '../../components/states.js';
import { useDebounced } from '../../components/useDebounced.js';
import { Link } from '../../router.js';
import { CustomerPicker, customerKey, type PickedCustomer } from './CustomerPicker.js';
import type { TemplatePreview, TemplateView } from './types.js';

/** What the editor would save: the body of POST/PUT /api/templates. */
export interface TemplateDraft {
  name: string;
  channel: TemplateView['channel'];
  format: TemplateView['format'];
  subject?: string;
  body: string;
  text?: string;
}

/**
 * The template as it is being edited, rendered for a real customer (POST /api/templates/preview,
 * 400 ms after the last keystroke), in a sandboxed iframe for HTML or as text; Liquid and MJML
 * errors show with their line. A test send goes through the real channel with the saved version.
 */
export function TemplatePreviewCard({ draft, saved, dirty }: { draft: TemplateDraft; saved: TemplateView | null; dirty: boolean }) {
  const [customer, setCustomer] = useState<PickedCustomer | null>(null);
  const [sent, setSent] = useState<{ ok?: number; error?: string } | null>(null);
  const { workspace } = useSession();
  const cid = customer ? customerKey(customer) : null;
  const json = useDebounced(JSON.stringify(draft), 400);
  const ready = cid !== null && workspace !== undefined && draft.body.trim() !== '';
  const preview = useQuery<TemplatePreview, ApiError>({
    queryKey: [workspace?.id ?? 0, 'template-preview', json, cid],
    queryFn: ({ signal }) => api.post('/api/templates/preview', { body: { template: JSON.parse(json) as TemplateDraft, customerId: cid! }, signal }),
    enabled: ready,
    placeholderData: keepPreviousData,
    retry: false,
  });
  return (
    <Card title="Preview" className="stack">
      <CustomerPicker
        value={customer}
        onChange={(c) => {
          setCustomer(c);
          setSent(null);
        }}
      />
      {!cid ? <p className="muted">Pick a customer to see the message as they would get it, as you type.</p> : null}
      {cid && !draft.body.trim() ? <p className="muted">Write the body to see it rendered.</p> : null}
      {ready && preview.isPending ? <Loading label="Rendering…" /> : null}
      {ready && preview.error ? (
        preview.error.status === 400 ? (
          <div className="form-error" role="alert" aria-label="Template error">
            {preview.error.message}
          </div>
        ) : (
          <ErrorNote error={preview.error} retry={() => void preview.refetch()} />
        )
      ) : null}
      {ready && preview.data ? (
        <>
          {preview.data.subject !== null ? (
            <div>
              <span className="muted">{draft.channel === 'email' ? 'Subject: ' : 'Title: '}</span>
              <strong>{preview.data.subject}</strong>
            </div>
          ) : null}
          {preview.data.html !== null ? (
            <iframe className="jny-preview-frame" title="Rendered preview" sandbox="" srcDoc={preview.data.html} />
          ) : (
            <pre aria-label="Rendered text">{preview.data.text}</pre>
          )}
          {saved ? (
            <div className="row">
              <button
                type="button"
                className="btn"
                onClick={async () => {
                  setSent(null);
                  try {
                    const r = await api.post('/api/templates/:id/test-send', { params: { id: saved.id }, body: { customerId: cid } });
                    setSent({ ok: r.messageId });
                  } catch (e) {
                    setSent({ error: e instanceof ApiError ? e.message : String(e) });
                  }
                }}
              >
                Send test
              </button>
              <span className="muted">{dirty ? 'Sends the saved version, without your unsaved changes,' : 'Sends it'} to this customer now, as a transactional message.</span>
            </div>
          ) : (
            <p className="muted">Save the template to send a test.</p>
          )}
          {sent?.ok ? (
            <div className="form-ok" role="status">
              Test message {sent.ok} queued: see it in the <Link to="/outbox">Outbox</Link>.
            </div>
          ) : null}
          {sent?.error ? (
            <div className="form-error" role="alert">
              {sent.error}
            </div>
          ) : null}
        </>
      ) : null}
    </Card>
  );
}
