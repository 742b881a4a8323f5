import { useState } from 'react';
import type { ApiQuery } from '../../../contracts/api-routes.js';
import { useApi } from '../../api/hooks.js';
import { fmtDateTime, fmtRelative } from '../../components/format.js';
import { Badge, Card, PageHeader } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { Link, setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../../routes.js';
import { MessagePanel } from './MessagePanel.js';
import { OutboxBanner } from './OutboxBanner.js';
import { useNames } from '../../components/useNames.js';
import { STATUS_TONE } from './types.js';
import './journeys.css';

const LIMIT = 50;
/** The filters come from the URL as they are; the server answers 400 for a status or channel it does not know. */
type MessagesQuery = ApiQuery<'GET', '/api/messages'>;
const STATUSES = ['queued', 'sending', 'sent', 'outboxed', 'delivered', 'failed', 'skipped', 'bounced'];
const CHANNELS = ['email', 'sms', 'inapp', 'webhook'];

/** `/outbox`: every message, newest first, filtered and paged in the URL; a row opens the message. */
export default function OutboxPage(_props: PageProps) {
  const { search } = useLocation();
  const status = search.get('status') ?? '';
  const channel = search.get('channel') ?? '';
  const journey = search.get('journey') ?? '';
  const before = search.get('before') ?? '';
  const open = Number(search.get('msg')) || null;
  // The cursors of the pages before this one, to go back (a reload starts from the first page's link).
  const [stack, setStack] = useState<string[]>([]);
  const q = useApi('/api/messages', { query: { status: status as MessagesQuery['status'], channel: channel as MessagesQuery['channel'], journey, before, limit: LIMIT } }, { keepPrevious: true });
  const journeys = useApi('/api/journeys');
  const names = useNames();
  const journeyName = (id: string) => names('journey', id);
  const filter = (k: string, v: string) => {
    setStack([]);
    setSearch({ [k]: v, before: undefined, msg: undefined });
  };

  return (
    <>
      <PageHeader title="Outbox" subtitle="Everything journeys and test sends sent, skipped (with the reason) or still waiting, newest first." />
      <OutboxBanner />
      <div className="jny-filters" role="group" aria-label="Filters">
        <label className="field">
          <span>Status</span>
          <select value={status} onChange={(e) => filter('status', e.target.value)}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Channel</span>
          <select value={channel} onChange={(e) => filter('channel', e.target.value)}>
            <option value="">Any channel</option>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Journey</span>
          <select value={journey} onChange={(e) => filter('journey', e.target.value)}>
            <option value="">Any journey</option>
            {(journeys.data?.journeys ?? []).map((j) => (
              <option key={j.id} value={j.id}>
                {j.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className={`jny-outbox${open ? ' with-panel' : ''}`}>
        <Card>
          <QueryView
            query={q}
            isEmpty={(d) => d.messages.length === 0}
            empty={{
              title: status || channel || journey || before ? 'No messages match these filters' : 'The outbox is empty',
              hint: 'Messages appear here when journeys send, or when you send a test from a template.',
            }}
          >
            {(d) => (
              <>
                <div className="table-wrap">
                  <table aria-label="Messages">
                    <thead>
                      <tr>
                        <th>To</th>
                        <th className="jny-col-opt">Channel</th>
                        <th>Subject</th>
                        <th>Status</th>
                        <th>Created</th>
                        <th className="jny-col-opt">Journey</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.messages.map((m) => (
                        <tr key={m.id} aria-selected={open === m.id} tabIndex={0} onClick={() => setSearch({ msg: m.id })} onKeyDown={(e) => e.key === 'Enter' && setSearch({ msg: m.id })}>
                          <td className="jny-cell-clip">{m.to ?? '—'}</td>
                          <td className="jny-col-opt">{m.channel}</td>
                          <td className="jny-cell-clip" title={m.subject ?? undefined}>
                            {m.subject ?? '—'}
                          </td>
                          <td>
                            <Badge tone={STATUS_TONE[m.status]} title={m.reason ?? undefined}>
                              {m.status}
                            </Badge>
                            {m.reasonCode ? <div className="muted">{m.reasonCode}</div> : null}
                          </td>
                          <td title={fmtDateTime(m.createdAt)}>{fmtRelative(m.createdAt)}</td>
                          <td className="jny-col-opt">
                            {m.journeyId ? (
                              <Link to={`/journeys/${encodeURIComponent(m.journeyId)}`} onClick={(e) => e.stopPropagation()}>
                                {journeyName(m.journeyId)}
                              </Link>
                            ) : (
                              <span className="muted">test / one-off</span>
                            )}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <div className="pager">
                  <span className="muted">
                    {d.messages.length} message{d.messages.length === 1 ? '' : 's'} on this page
                  </span>
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={!before}
                    onClick={() => {
                      const prev = stack[stack.length - 1];
                      setStack(stack.slice(0, -1));
                      setSearch({ before: prev ?? undefined, msg: undefined });
                    }}
                  >
                    Previous
                  </button>
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={d.messages.length < LIMIT}
                    onClick={() => {
                      setStack([...stack, before]);
                      setSearch({ before: d.messages[d.messages.length - 1]!.id, msg: undefined });
                    }}
                  >
                    Next
                  </button>
                </div>
              </>
            )}
          </QueryView>
        </Card>
        {open ? <MessagePanel id={open} onClose={() => setSearch({ msg: undefined })} /> : null}
      </div>
    </>
  );
}
