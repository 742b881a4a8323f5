import { useEffect, useMemo, useRef, useState } from 'react';
import type { LiveEvent } from '../../../contracts/sources.js';
import { api } from '../../api/client.js';
import { useSession } from '../../api/session.js';
import { Badge, Card } from '../../components/layout.js';
import { ErrorNote } from '../../components/states.js';
import { followLive, type StreamState } from './live-stream.js';
import { LiveDetail } from './LiveDetail.js';

/** Rows the page keeps (the server keeps 500 per workspace too). */
const KEEP = 500;
const TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
const STATUSES = ['accepted', 'duplicate', 'rejected'] as const;
const TONE = { accepted: 'good', duplicate: 'warn', rejected: 'bad' } as const;

/** Newest first, at most KEEP, no id twice (a reconnect may resend one). */
function merge(rows: LiveEvent[], incoming: LiveEvent[]): LiveEvent[] {
  const seen = new Set(rows.map((r) => r.id));
  const fresh = incoming.filter((e) => !seen.has(e.id)).sort((a, b) => b.id - a.id);
  return fresh.concat(rows).slice(0, KEEP);
}

function matches(e: LiveEvent, type: string, status: string, text: string): boolean {
  if (type && e.type !== type) return false;
  if (status && e.status !== status) return false;
  if (!text) return true;
  const hay = [e.name, e.userId, e.anonymousId, e.messageId, e.library, e.type, e.path, e.error?.code, e.error?.message].filter(Boolean).join(' ').toLowerCase();
  return hay.includes(text.toLowerCase());
}

/**
 * The live event debugger: what reaches the ingestion endpoints, as it happens (the backlog
 * first, then the stream), filterable, pausable; a click shows the payload.
 */
export function LiveDebugger() {
  const { workspace } = useSession();
  const [rows, setRows] = useState<LiveEvent[]>([]);
  const [held, setHeld] = useState<LiveEvent[]>([]);
  const [paused, setPaused] = useState(false);
  const pausedRef = useRef(false);
  const [state, setState] = useState<StreamState>({ kind: 'connecting' });
  const [error, setError] = useState<unknown>(null);
  const [info, setInfo] = useState<{ capacity: number } | null>(null);
  const [type, setType] = useState('');
  const [status, setStatus] = useState('');
  const [text, setText] = useState('');
  const [selected, setSelected] = useState<number | null>(null);

  useEffect(() => {
    if (!workspace) return;
    let stop: (() => void) | null = null;
    let cancelled = false;
    setRows([]);
    setHeld([]);
    setError(null);
    void (async () => {
      try {
        const backlog = await api.get('/api/sources/live/recent', { query: { limit: 200 } });
        if (cancelled) return;
        setInfo({ capacity: backlog.capacity });
        setRows(merge([], backlog.events));
        stop = followLive(
          backlog.latestId,
          (events) => {
            if (pausedRef.current) setHeld((h) => merge(h, events));
            else setRows((r) => merge(r, events));
          },
          setState,
        );
      } catch (err) {
        if (!cancelled) setError(err);
      }
    })();
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [workspace?.id]);

  const togglePause = () => {
    const next = !paused;
    pausedRef.current = next;
    setPaused(next);
    if (!next) {
      setRows((r) => merge(r, held));
      setHeld([]);
    }
  };

  const shown = useMemo(() => rows.filter((e) => matches(e, type, status, text.trim())), [rows, type, status, text]);
  const chosen = selected === null ? null : (rows.find((r) => r.id === selected) ?? null);

  const stateText = state.kind === 'live' ? (paused ? `Paused${held.length ? ` — ${held.length} new` : ''}` : 'Live') : state.kind === 'connecting' ? 'Connecting…' : `Reconnecting: ${state.reason}`;

  return (
    <Card
      title="Live events"
      className="src-live"
      actions={
        <>
          <span className={`src-live-state src-live-${paused ? 'paused' : state.kind}`} role="status" aria-live="polite">
            {stateText}
          </span>
          <button type="button" className="btn btn-small" onClick={togglePause} aria-pressed={paused}>
            {paused ? 'Resume' : 'Pause'}
          </button>
        </>
      }
    >
      <p className="muted src-help">
        Every call reaching <code>/v1/*</code> for this workspace while this page is open: accepted, duplicates (a messageId already stored) and refused requests with the reason the sender was given.
        A debugging aid, not a history: this server keeps the last {info?.capacity ?? 500} arrivals in memory, from the moment someone opens this page until 10 minutes after they leave.
      </p>
      <div className="src-filters" role="search" aria-label="Filter live events">
        <label className="field">
          <span>Type</span>
          <select value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">Any type</option>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Status</span>
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="field src-search">
          <span>Search</span>
          <input type="search" value={text} maxLength={200} placeholder="Event name, user, messageId, error…" onChange={(e) => setText(e.target.value)} />
        </label>
      </div>
      {error ? <ErrorNote error={error} /> : null}
      <div className="src-live-body">
        <div className="table-wrap src-live-table">
          <table aria-label="Live events">
            <thead>
              <tr>
                <th>Time</th>
                <th>Status</th>
                <th>Type</th>
                <th>Name</th>
                <th>Identity</th>
                <th>Source</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((e) => (
                <tr
                  key={e.id}
                  data-live-id={e.id}
                  data-status={e.status}
                  className={e.id === selected ? 'src-row selected' : 'src-row'}
                  tabIndex={0}
                  aria-selected={e.id === selected}
                  onClick={() => setSelected(e.id === selected ? null : e.id)}
                  onKeyDown={(k) => {
                    if (k.key === 'Enter' || k.key === ' ') {
                      k.preventDefault();
                      setSelected(e.id === selected ? null : e.id);
                    }
                  }}
                >
                  <td className="num">{new Date(e.receivedAt).toLocaleTimeString('en-GB')}</td>
                  <td>
                    <Badge tone={TONE[e.status]}>{e.status}</Badge>
                  </td>
                  <td>{e.type ?? '—'}</td>
                  <td className="src-name">
                    {e.status === 'rejected' ? (
                      <span className="src-reason" title={e.error?.message}>
                        {e.name ? <strong>{e.name}: </strong> : null}
                        {e.error?.message}
                      </span>
                    ) : (
                      (e.name ?? '—')
                    )}
                  </td>
                  <td className="src-ident">{e.userId ?? (e.anonymousId ? `anon ${e.anonymousId}` : '—')}</td>
                  <td className="muted">{e.library ?? e.path}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length === 0 ? (
            <div className="state state-empty">
              <strong>{rows.length === 0 ? 'Waiting for events…' : 'No event matches these filters.'}</strong>
              {rows.length === 0 ? <span className="muted">Send one with a snippet above: it shows here within a second.</span> : null}
            </div>
          ) : null}
        </div>
        {chosen ? <LiveDetail event={chosen} onClose={() => setSelected(null)} /> : null}
      </div>
    </Card>
  );
}
