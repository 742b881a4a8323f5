import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, apiPath, type ApiError } from '../../api/client.js';
import { useSession } from '../../api/session.js';
import { fmtDateTime, fmtRelative } from '../../components/format.js';
import { Badge, Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { Link } from '../../router.js';
import { refsText, type Names } from '../../components/names.js';
import { useNames } from '../../components/useNames.js';
import { customerPath, type EventPage, type TimelineEvent } from './types.js';
import { EV } from '../../../contracts/events.js';

/** Events per page of the timeline. */
const EVENTS_PAGE = 50;

/** The customer's unified timeline, newest first, one page of 50 at a time ("Load older events"); only events named in `events` when given. */
export function useTimeline(customerId: string, events?: readonly string[]) {
  const { workspace } = useSession();
  const event = events?.length ? events.join(',') : undefined;
  return useInfiniteQuery<EventPage, ApiError>({
    queryKey: [workspace?.id ?? 0, apiPath('/api/customers/:id/events', { id: customerId }), 'timeline', event ?? ''],
    queryFn: ({ pageParam, signal }) => api.get('/api/customers/:id/events', { params: { id: customerId }, query: { limit: EVENTS_PAGE, cursor: pageParam as string | undefined, event }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: workspace !== undefined,
  });
}

/** What to call an event: its name for `track`, else its type (page, identify, group…). */
export function eventName(e: Pick<TimelineEvent, 'event' | 'type'>): string {
  return e.event ?? e.type;
}

const TYPE_TONE: Record<string, 'neutral' | 'info' | 'accent' | 'warn'> = { track: 'info', page: 'neutral', screen: 'neutral', identify: 'accent', group: 'accent', tenure: 'warn' };

function EventItem({ e, names }: { e: TimelineEvent; names: Names }) {
  const props = Object.entries(e.properties);
  const refs = refsText(e.properties, names);
  return (
    <li className="cust-event">
      <time dateTime={e.timestamp} className="muted" title={fmtRelative(e.timestamp)}>
        {fmtDateTime(e.timestamp)}
      </time>
      <div className="cust-event-body">
        <div className="row">
          <strong className="cust-event-name">{eventName(e)}</strong>
          <Badge tone={TYPE_TONE[e.type] ?? 'neutral'}>{e.type}</Badge>
          {e.groupId ? <span className="muted">group {e.groupId}</span> : null}
          {refs ? <span className="muted">{refs}</span> : null}
        </div>
        {props.length || e.traits ? (
          <details className="cust-props">
            <summary>
              {props.length} {props.length === 1 ? 'property' : 'properties'}
              {e.traits ? ` · ${Object.keys(e.traits).length} traits` : ''}
            </summary>
            <pre>{JSON.stringify(e.traits ? { properties: e.properties, traits: e.traits } : e.properties, null, 2)}</pre>
          </details>
        ) : null}
      </div>
    </li>
  );
}

/** Event names typed as "A, B": trimmed, without blanks or repeats. */
function namesOf(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/** The unified event timeline card, with a filter by event name. */
export function EventTimelineCard({ customerId }: { customerId: string }) {
  const [draft, setDraft] = useState('');
  const [names, setNames] = useState<string[]>([]);
  const timeline = useTimeline(customerId, names);
  const refNames = useNames();
  const events = timeline.data?.pages.flatMap((p) => p.events) ?? [];
  return (
    <Card title="Event timeline" actions={timeline.data ? <span className="muted">{events.length.toLocaleString('en-US')} loaded, newest first</span> : null}>
      <form
        className="row cust-event-filter"
        aria-label="Filter the timeline"
        onSubmit={(e) => {
          e.preventDefault();
          setNames(namesOf(draft));
        }}
      >
        <input
          type="search"
          aria-label="Only events named"
          placeholder="Only events named… (e.g. Order Completed, Page Viewed)"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          maxLength={2000}
        />
        <button type="submit" className="btn btn-small">
          Filter
        </button>
        {names.length ? (
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => {
              setDraft('');
              setNames([]);
            }}
          >
            Show all
          </button>
        ) : null}
      </form>
      <QueryView
        query={timeline}
        empty={{ title: names.length ? `No ${names.join(' or ')} events` : 'No events yet', hint: names.length ? 'Names match exactly, capitals included.' : undefined }}
        isEmpty={() => events.length === 0}
        height={120}
      >
        {() => (
          <>
            <ol className="timeline cust-events" aria-label="Event timeline">
              {events.map((e) => (
                <EventItem key={e.id} e={e} names={refNames} />
              ))}
            </ol>
            {timeline.error ? <p className="form-error">Older events could not be loaded: {timeline.error.message}</p> : null}
            <div className="pager">
              {timeline.hasNextPage ? (
                <button type="button" className="btn btn-small" disabled={timeline.isFetchingNextPage} onClick={() => void timeline.fetchNextPage()}>
                  {timeline.isFetchingNextPage ? 'Loading…' : 'Load older events'}
                </button>
              ) : (
                <span className="muted">{names.length ? 'That is every such event.' : 'That is the whole timeline.'}</span>
              )}
            </div>
          </>
        )}
      </QueryView>
    </Card>
  );
}

interface Answer {
  id: number;
  at: string;
  kind: string;
  score: number | null;
  comment: string | null;
}

/** The events the surveys card reads. */
const SURVEY_EVENTS = [EV.surveyResponded, EV.referralSent, EV.referralCompleted] as const;

/** Survey answers and referrals, read from the customer's whole history (their own events, 50 a page). */
export function SurveysCard({ customerId }: { customerId: string }) {
  const timeline = useTimeline(customerId, SURVEY_EVENTS);
  const events = timeline.data?.pages.flatMap((p) => p.events) ?? [];
  const answers: Answer[] = [];
  const referrals: TimelineEvent[] = [];
  for (const e of events) {
    if (e.event === EV.surveyResponded) {
      const p = e.properties;
      answers.push({
        id: e.id,
        at: e.timestamp,
        kind: typeof p.type === 'string' ? p.type.toUpperCase() : 'Survey',
        score: typeof p.score === 'number' ? p.score : null,
        comment: typeof p.comment === 'string' && p.comment ? p.comment : null,
      });
    } else referrals.push(e);
  }
  return (
    <Card title="Surveys and referrals">
      <QueryView
        query={timeline}
        empty={{ title: 'No survey answers or referrals', hint: `Read from ${SURVEY_EVENTS.map((n) => `“${n}”`).join(', ')} events.` }}
        isEmpty={() => answers.length + referrals.length === 0}
        height={80}
      >
        {() => (
          <div className="stack">
            {answers.length ? (
              <div className="table-wrap">
                <table aria-label="Survey answers">
                  <thead>
                    <tr>
                      <th>Survey</th>
                      <th className="num">Score</th>
                      <th>Comment</th>
                      <th>When</th>
                    </tr>
                  </thead>
                  <tbody>
                    {answers.map((a) => (
                      <tr key={a.id}>
                        <td>{a.kind}</td>
                        <td className="num">{a.score ?? '—'}</td>
                        <td>{a.comment ?? <span className="muted">—</span>}</td>
                        <td>{fmtDateTime(a.at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <p className="muted">No survey answers.</p>
            )}
            {referrals.length ? (
              <ul className="cust-list" aria-label="Referrals">
                {referrals.map((r) => (
                  <li key={r.id}>
                    <strong>{r.event}</strong> <span className="muted">{fmtDateTime(r.timestamp)}</span>{' '}
                    {typeof r.properties.channel === 'string' ? <span className="muted">via {r.properties.channel}</span> : null}
                    {typeof r.properties.referred_user_id === 'string' ? (
                      <>
                        {': '}
                        <Link to={customerPath(r.properties.referred_user_id)}>{r.properties.referred_user_id}</Link>
                      </>
                    ) : null}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">No referrals.</p>
            )}
            {timeline.hasNextPage ? (
              <button type="button" className="btn btn-small" disabled={timeline.isFetchingNextPage} onClick={() => void timeline.fetchNextPage()}>
                {timeline.isFetchingNextPage ? 'Loading…' : 'Older answers and referrals'}
              </button>
            ) : null}
          </div>
        )}
      </QueryView>
    </Card>
  );
}
