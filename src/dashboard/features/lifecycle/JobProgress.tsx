import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useApi } from '../../api/hooks.js';
import { fmtNumber } from '../../components/format.js';
import type { JobViewT } from './types.js';

const FINISHED = new Set(['done', 'failed']);

/** What a job's progress says; the default is the stage recompute's. */
export interface JobWords {
  done: (label: string) => string;
  failed: (reason: string) => string;
  running: string;
  /** Reads under this path are refreshed when the job is done. */
  refreshes: string;
}

const RECOMPUTE: JobWords = {
  done: (label) => `Stages recomputed under the new model (${label} done).`,
  failed: (reason) => `The recompute failed: ${reason}.`,
  running: 'Recomputing every stage',
  refreshes: '/api/lifecycle',
};

/**
 * A background job's progress, polled at GET /api/jobs/{id} until it is done or failed.
 * When it ends, the reads under `words.refreshes` (default: the lifecycle's) are refreshed.
 */
export function JobProgress({ job: first, words = RECOMPUTE }: { job: JobViewT; words?: JobWords }) {
  const q = useApi(
    '/api/jobs/:id',
    { params: { id: first.id } },
    {
      refetchInterval: (query) => (query.state.data && FINISHED.has(query.state.data.status) ? false : 700),
      staleTime: 0,
    },
  );
  const job = q.data ?? first;
  const qc = useQueryClient();
  const refreshed = useRef(false);
  useEffect(() => {
    if (job.status === 'done' && !refreshed.current) {
      refreshed.current = true;
      void qc.invalidateQueries({ predicate: (x) => typeof x.queryKey[1] === 'string' && (x.queryKey[1] as string).startsWith(words.refreshes) });
    }
  }, [job.status, qc, words.refreshes]);
  const label = job.total ? `${fmtNumber(job.done)} of ${fmtNumber(job.total)}` : fmtNumber(job.done);
  return (
    <div className={job.status === 'failed' ? 'form-error' : job.status === 'done' ? 'form-ok' : 'lc-job'} role="status" aria-live="polite" data-job-status={job.status} data-job-id={job.id}>
      {job.status === 'done' ? (
        <span>{words.done(label)}</span>
      ) : job.status === 'failed' ? (
        <span>{words.failed(job.error ?? 'no reason given')}</span>
      ) : (
        <>
          <span>
            {words.running}: {job.status === 'queued' ? 'queued' : label}
            {q.error ? ` (could not check progress: ${q.error.message})` : ''}
          </span>
          <progress max={job.total ?? undefined} value={job.total ? job.done : undefined} aria-label="Recompute progress" />
        </>
      )}
    </div>
  );
}
