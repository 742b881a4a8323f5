import { api } from '../../api/client.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { useCan } from '../../api/session.js';
import { Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { fmtDateTime, fmtNumber, fmtSeconds } from '../../components/format.js';
import type { ApiResponse } from '../../../contracts/api-routes.js';
import { FormError } from './forms.js';

type WorkStatus = ApiResponse<'GET', '/api/work'>;
type LoopKey = keyof WorkStatus['lag'];

/** The loops in the order work flows through them, with what they count. */
const LOOPS: ReadonlyArray<{ key: LoopKey; name: string; unit: [string, string] }> = [
  { key: 'stage', name: 'Lifecycle stages', unit: ['customer', 'customers'] },
  { key: 'segment', name: 'Segment membership', unit: ['customer', 'customers'] },
  { key: 'journeyTriggers', name: 'Journey triggers', unit: ['event', 'events'] },
  { key: 'journeySteps', name: 'Journey steps due', unit: ['run', 'runs'] },
  { key: 'messages', name: 'Messages due', unit: ['message', 'messages'] },
  { key: 'kpiFacts', name: 'KPI facts', unit: ['event', 'events'] },
  { key: 'loyalty', name: 'Loyalty points', unit: ['event', 'events'] },
  { key: 'referrals', name: 'Referrals', unit: ['event', 'events'] },
];

/** Waiting this long or more reads as behind (the lag targets are about a second; a minute means the machine cannot keep up). */
const BEHIND_SECONDS = 60;

/**
 * Background work: what waits for each loop that follows the events (stages, segments,
 * journeys, KPI facts, loyalty, referrals) and how long the oldest has waited, refreshed every
 * 5 s; and work parked after failing too often, with a retry (docs/reliability.md).
 */
export function BackgroundWorkSection() {
  const q = useApi('/api/work', undefined, { refetchInterval: 5_000 });
  return (
    <Card title="Background work">
      <QueryView query={q}>{(w) => <WorkView work={w} />}</QueryView>
    </Card>
  );
}

function WorkView({ work }: { work: WorkStatus }) {
  const behind = LOOPS.filter((l) => (work.lag[l.key].oldestSeconds ?? 0) >= BEHIND_SECONDS);
  const waiting = LOOPS.filter((l) => (work.lag[l.key].waiting ?? 0) > 0);
  const summary =
    behind.length > 0
      ? `Behind: work for ${behind.map((l) => l.name.toLowerCase()).join(', ')} has waited up to ${fmtSeconds(Math.max(...behind.map((l) => work.lag[l.key].oldestSeconds ?? 0)))}.`
      : waiting.length > 0
        ? 'Working through what just arrived.'
        : 'Everything is caught up.';
  return (
    <div className="stack">
      <p className="muted set-help">
        Each event is stored at once; stages, segments, journeys and the KPIs follow it in the background, usually within a second. Work that waits here longer means the events arrive faster than this
        installation evaluates them.
      </p>
      <p role="status" data-testid="work-summary" className={behind.length > 0 ? 'form-error' : waiting.length === 0 ? 'form-ok' : undefined}>
        {summary}
      </p>
      <div className="table-wrap">
        <table aria-label="Background loops">
          <thead>
            <tr>
              <th>Loop</th>
              <th className="num">Waiting</th>
              <th className="num">Oldest</th>
            </tr>
          </thead>
          <tbody>
            {LOOPS.map((l) => {
              const lag = work.lag[l.key];
              return (
                <tr key={l.key} data-loop={l.key} data-waiting={lag.waiting ?? ''}>
                  <td>{l.name}</td>
                  <td className="num">
                    {lag.waiting === null ? <span className="muted">not started</span> : lag.waiting === 0 ? 'caught up' : `${fmtNumber(lag.waiting)} ${l.unit[lag.waiting === 1 ? 0 : 1]}`}
                  </td>
                  <td className="num">{lag.oldestSeconds === null ? '—' : fmtSeconds(lag.oldestSeconds)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {work.parked.length > 0 ? <Parked parked={work.parked} /> : null}
    </div>
  );
}

function Parked({ parked }: { parked: WorkStatus['parked'] }) {
  const canRetry = useCan('model.write');
  const retry = useApiMutation(() => api.post('/api/work/retry', { body: {} }), { invalidates: ['/api/work'] });
  const customers = parked.reduce((n, p) => n + p.subjectIds.length, 0);
  return (
    <div className="stack" role="group" aria-label="Parked work">
      <p>
        {fmtNumber(customers)} {customers === 1 ? 'customer was' : 'customers were'} set aside after failing {parked[0]!.attempts} times. The last error:{' '}
        <code>{parked[parked.length - 1]!.lastError ?? 'none recorded'}</code> ({fmtDateTime(parked[parked.length - 1]!.parkedAt)}).
      </p>
      <FormError error={retry.error} fields={[]} />
      {canRetry ? (
        <div className="row">
          <button type="button" className="btn" onClick={() => retry.mutate(undefined)} disabled={retry.isPending}>
            {retry.isPending ? 'Retrying…' : 'Retry parked work'}
          </button>
        </div>
      ) : null}
    </div>
  );
}
