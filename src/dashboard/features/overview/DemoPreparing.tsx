import type { DemoStatusView } from '../../../contracts/demo.js';
import { useApi } from '../../api/hooks.js';
import { Card } from '../../components/layout.js';

/**
 * The server's demo preparation (GET /api/demo/status), polled every second while it runs.
 * `settled`: the first answer came (or the call failed: then there is no demo to wait for).
 */
export function useDemoStatus(): { preparing: boolean; settled: boolean; status: DemoStatusView | undefined } {
  const q = useApi('/api/demo/status', undefined, {
    refetchInterval: (query) => (query.state.data?.state === 'preparing' ? 1_000 : false),
    retry: false,
    staleTime: 0,
  });
  return { preparing: q.data?.state === 'preparing', settled: !q.isPending, status: q.data };
}

/**
 * "Preparing your demo": shown on the overview instead of numbers that are not final yet,
 * with each step and the overall progress. The overview fills in once it is ready.
 */
export function DemoPreparing({ status }: { status: DemoStatusView }) {
  const pct = Math.max(0, Math.min(100, status.percent));
  return (
    <Card title="Preparing your demo" className="ov-demo">
      <div className="ov-demo-body" role="status" aria-live="polite" data-demo-phase={status.phase ?? ''}>
        <p className="muted">
          Tenure is generating 18 months of a demo coffee business and working out its lifecycle stages, segments and predictions. The API and ingestion already work; the overview fills in when this
          is done.
        </p>
        <div className="ov-demo-bar" role="progressbar" aria-label="Demo preparation" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}>
          <div className="ov-demo-fill" style={{ width: `${pct}%` }} />
        </div>
        <ol className="ov-demo-steps">
          {status.steps.map((s) => (
            <li key={s.phase} className={`ov-demo-step ov-demo-${s.status}`}>
              <span className="ov-demo-mark" aria-hidden="true">
                {s.status === 'done' ? '✓' : s.status === 'running' ? '…' : '·'}
              </span>
              <span>{s.label}</span>
              {s.status === 'running' && status.total > 1 ? (
                <span className="muted ov-small">
                  {' '}
                  {status.done.toLocaleString()} / {status.total.toLocaleString()}
                </span>
              ) : null}
              {s.status === 'done' && s.seconds !== null ? <span className="muted ov-small"> {s.seconds.toFixed(0)} s</span> : null}
            </li>
          ))}
        </ol>
      </div>
    </Card>
  );
}
