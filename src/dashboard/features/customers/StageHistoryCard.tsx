import { fmtDate, fmtDateTime, fmtRelative } from '../../components/format.js';
import { ApiCard } from './ApiCard.js';
import { StageBadge } from './StageBadge.js';

/** How a move is named on screen (`linear` is a move forward one stage). */
export const PATTERN_LABEL: Record<string, string> = {
  entered: 'entered',
  linear: 'forward',
  skip: 'skip',
  regression: 'regression',
  cyclical: 'cyclical',
  recovered: 'recovered',
};

const PATTERN_TONE: Record<string, string> = {
  entered: 'neutral',
  linear: 'good',
  skip: 'info',
  regression: 'bad',
  cyclical: 'warn',
  recovered: 'accent',
};

/** Lifecycle stage history as a horizontal timeline, oldest first: from → to, when, and the movement pattern. */
export function StageHistoryCard({ id, names, scope = 'customer' }: { id: string; names: Map<string, string>; scope?: 'customer' | 'account' }) {
  return (
    <ApiCard
      title="Lifecycle stage history"
      route={scope === 'account' ? '/api/accounts/:id/stages' : '/api/customers/:id/stages'}
      params={{ id }}
      empty={{ title: `No stage moves yet`, hint: scope === 'account' ? 'Accounts get stages when the lifecycle model evaluates accounts.' : 'Stages are evaluated a moment after the first event.' }}
      isEmpty={(d) => d.moves.length === 0}
    >
      {(d) => (
        <>
          <p className="muted cust-stage-now">
            Now <StageBadge stage={d.stage} name={d.stage ? names.get(d.stage) : undefined} />
            {d.stageSince ? ` since ${fmtDate(d.stageSince)} (${fmtRelative(d.stageSince)})` : ''}
            {d.extended ? <span className="badge badge-warn">longer than expected</span> : null}
            <span>
              {' '}
              · {d.moves.length} {d.moves.length === 1 ? 'move' : 'moves'}
            </span>
          </p>
          <ol className="cust-htimeline" aria-label="Stage history">
            {d.moves.map((m, i) => (
              <li key={i} className="cust-move" title={m.reason}>
                <div className="cust-move-pattern">
                  <span className={`badge badge-${PATTERN_TONE[m.pattern] ?? 'neutral'}`}>{PATTERN_LABEL[m.pattern] ?? m.pattern}</span>
                </div>
                <div className="cust-move-stages">
                  {m.from ? (
                    <>
                      <span className="muted">{names.get(m.from) ?? m.from}</span>
                      <span aria-label="to"> → </span>
                    </>
                  ) : null}
                  <StageBadge stage={m.to} name={names.get(m.to)} />
                </div>
                <time className="muted cust-move-at" dateTime={m.at}>
                  {fmtDateTime(m.at)}
                </time>
              </li>
            ))}
          </ol>
        </>
      )}
    </ApiCard>
  );
}
