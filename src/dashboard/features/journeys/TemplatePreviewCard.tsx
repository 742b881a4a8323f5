import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ApiError } from '../../api/client.js';
import { useSession } from '../../api/session.js';
import { Card } from '../../components/layout.js';
import { ErrorNote, Loading } from '../../components/states.js';
import { Link } from '../../router.js';
import { CustomerPicker, customerKey, type PickedCustomer } from './CustomerPicker.js';
import type { TemplatePreview, TemplateView } from './types.js';

/**
 * The saved template rendered for a real customer (POST /api/templates/:id/preview), in a
 * sandboxed iframe for HTML or as text, with a test send through the real channel.
 */
export function TemplatePreviewCard({ template, dirty }: { template: TemplateView; dirty: boolean }) {
  const [customer, setCustomer] = useState<PickedCustomer | null>(null);
  const [sent, setSent] = useState<{ ok?: number; error?: string } | null>(null);
  const { workspace } = useSession();
  const cid = customer ? customerKey(customer) : null;
  // The preview renders the saved version: keyed by version so a save re-renders it.
  const preview = useQuery<TemplatePreview, ApiError>({
    queryKey: [workspace?.id ?? 0, 'template-preview', template.id, template.version, cid],
    queryFn: ({ signal }) => api<TemplatePreview>(`/api/templates/${encodeURIComponent(template.id)}/preview`, { method: 'POST', body: { customerId: cid }, signal }),
    enabled: cid !== null && workspace !== undefined,
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
      {dirty ? <p className="muted">The preview shows the saved version: save to preview your changes.</p> : null}
      {!cid ? <p className="muted">Pick a customer to see the message as they would get it.</p> : null}
      {cid && preview.isPending ? <Loading label="Rendering…" /> : null}
      {cid && preview.error ? <ErrorNote error={preview.error} retry={() => void preview.refetch()} /> : null}
      {cid && preview.data ? (
        <>
          {preview.data.subject !== null ? (
            <div>
              <span className="muted">{template.channel === 'email' ? 'Subject: ' : 'Title: '}</span>
              <strong>{preview.data.subject}</strong>
            </div>
          ) : null}
          {preview.data.html !== null ? <iframe className="jny-preview-frame" title="Rendered preview" sandbox="" srcDoc={preview.data.html} /> : <pre aria-label="Rendered text">{preview.data.text}</pre>}
          <div className="row">
            <button
              type="button"
              className="btn"
              onClick={async () => {
                setSent(null);
                try {
                  const r = await api<{ messageId: number }>(`/api/templates/${encodeURIComponent(template.id)}/test-send`, { method: 'POST', body: { customerId: cid } });
                  setSent({ ok: r.messageId });
                } catch (e) {
                  setSent({ error: e instanceof ApiError ? e.message : String(e) });
                }
              }}
            >
              Send test
            </button>
            <span className="muted">Sends the saved version to this customer now, as a transactional message.</span>
          </div>
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
