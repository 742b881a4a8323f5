import { useApi } from '../../api/hooks.js';
import { fmtDateTime } from '../../components/format.js';
import { Badge } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { useNames } from '../../components/useNames.js';
import { Link } from '../../router.js';
import { STATUS_TONE } from './types.js';

/**
 * The sent HTML made safe to look at: without the open-tracking pixel (viewing it here must
 * not count as an open) and with links aimed out of the frame, where the sandbox stops them
 * (a click here must not count as a click).
 */
export function viewableHtml(html: string): string {
  const base = '<base target="_blank">';
  const out = html.replace(/<img\b[^>]*\/t\/o\/[^>]*>/gi, '');
  return /<head[^>]*>/i.test(out) ? out.replace(/<head[^>]*>/i, (h) => h + base) : base + out;
}

/** One message (GET /api/messages/:id) with its rendered HTML in a sandboxed iframe. */
export function MessagePanel({ id, onClose }: { id: number; onClose: () => void }) {
  const q = useApi('/api/messages/:id', { params: { id } });
  const names = useNames();
  return (
    <section className="card stack" aria-label="Message">
      <div className="card-head">
        <h2>Message {id}</h2>
        <button type="button" className="btn btn-small" onClick={onClose}>
          Close
        </button>
      </div>
      <QueryView query={q}>
        {(m) => (
          <>
            <dl className="kv">
              <dt>Status</dt>
              <dd>
                <Badge tone={STATUS_TONE[m.status]}>{m.status}</Badge>
                {m.reasonCode ? ` ${m.reasonCode}` : ''}
                {m.reason ? <div className="muted">{m.reason}</div> : null}
              </dd>
              <dt>To</dt>
              <dd>{m.to ?? '—'}</dd>
              <dt>Channel</dt>
              <dd>{m.channel}</dd>
              <dt>Subject</dt>
              <dd>{m.subject ?? '—'}</dd>
              <dt>Journey</dt>
              <dd>
                {m.journeyId ? <Link to={`/journeys/${encodeURIComponent(m.journeyId)}`}>{names('journey', m.journeyId)}</Link> : 'none (test or one-off)'}
                {m.stepId ? ` · step ${m.stepId}` : ''}
                {m.variant ? ` · variant ${m.variant}` : ''}
              </dd>
              <dt>Template</dt>
              <dd>{m.templateId ? <Link to={`/templates/${encodeURIComponent(m.templateId)}`}>{names('template', m.templateId)}</Link> : '—'}</dd>
              <dt>Created</dt>
              <dd>{fmtDateTime(m.createdAt)}</dd>
              <dt>Sent</dt>
              <dd>
                {fmtDateTime(m.sentAt)} · {m.attempts} attempt{m.attempts === 1 ? '' : 's'}
              </dd>
              <dt>Opened / clicked</dt>
              <dd>
                {fmtDateTime(m.openedAt)} / {fmtDateTime(m.clickedAt)}
              </dd>
            </dl>
            {m.html ? <iframe className="jny-preview-frame" title={`Message ${m.id} as rendered`} sandbox="" srcDoc={viewableHtml(m.html)} /> : null}
            {m.html ? <p className="muted">Shown without its open-tracking pixel; links do not open from this preview.</p> : null}
            {!m.html && m.text ? <pre aria-label="Message text">{m.text}</pre> : null}
            {!m.html && !m.text ? <p className="muted">No rendered content kept for this message (it was not rendered, e.g. skipped before sending).</p> : null}
          </>
        )}
      </QueryView>
    </section>
  );
}
