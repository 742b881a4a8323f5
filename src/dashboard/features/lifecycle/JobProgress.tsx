import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useApi } from '../../api/hooks.js';
import { fmtNumber } from '../../components/format.js';
import type { JobViewT } from './types.js';

const FINISHED = new Set(['done', 'failed']);

/**
 * A background job's progress, polled at GET /api/jobs/{id} until it is done or failed.
 * When it ends, the lifecycle reads (distribution, stage numbers) are refreshed.
 */
export function JobProgress({ job: first }: { job: JobViewT }) {
  const q = useApi<JobViewT>(`/api/jobs/${first.id}`, undefined, {
    refetchInterval: (query) => (query.state.data && FINISHED.has(query.state.data.status) ? false : 700),
    staleTime: 0,
  });
  const job = q.data ?? first;
  const qc = useQueryClient();
  const refreshed = useRef(false);
  useEffect(() => {
    if (job.status === 'done' && !refreshed.current) {
      refreshed.current = true;
      void qc.invalidateQueries({ predicate: (x) => typeof x.queryKey[1] === 'string' && (x.queryKey[1] as string).startsWith('/api/lifecycle') });
    }
  }, [job.status, qc]);
  const label = job.total ? `${fmtNumber(job.done)} of ${fmtNumber(job.total)}` : fmtNumber(job.done);
  return (
    <div className={job.status === 'failed' ? 'form-error' : job.status === 'done' ? 'form-ok' : 'lc-job'} role="status" aria-live="polite" data-job-status={job.status}>
      {job.status === 'done' ? (
        <span>Stages recomputed under the new model ({label} done).</span>
      ) : job.status === 'failed' ? (
        <span>The recompute failed: {job.error ?? 'no reason given'}.</span>
      ) : (
        <>
          <span>
            Recomputing every stage: {job.status === 'queued' ? 'queued' : label}
            {q.error ? ` (could not check progress: ${q.error.message})` : ''}
          </span>
          <progress max={job.total ?? undefined} value={job.total ? job.done : undefined} aria-label="Recompute progress" />
        </>
      )}
    </div>
  );
}
