import { useEffect, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiPath, type ApiError } from '../../api/client.js';
import { useApiMutation } from '../../api/hooks.js';
import { useSession } from '../../api/session.js';
import { fmtNumber } from '../../components/format.js';
import { navigate } from '../../router.js';
import { jobText, useJob } from './hooks.js';
import type { Segment } from './options.js';

/** The membership computation a save started: progress until done, then the saved member count from the API. */
export function SaveProgress({ jobId, segmentId }: { jobId: number; segmentId: string }) {
  const job = useJob(jobId);
  const done = job.data?.status === 'done';
  const { workspace } = useSession();
  const qc = useQueryClient();
  const after = useQuery<Segment, ApiError>({
    queryKey: [workspace?.id ?? 0, 'segment-after-job', segmentId, jobId],
    queryFn: () => api.get('/api/segments/:id', { params: { id: segmentId } }),
    enabled: done,
  });
  useEffect(() => {
    if (done) void qc.invalidateQueries({ predicate: (q) => typeof q.queryKey[1] === 'string' && q.queryKey[1].startsWith('/api/segments') });
  }, [done, qc]);

  if (job.error)
    return (
      <div className="form-error" role="alert">
        Could not follow the computation: {job.error.message}
      </div>
    );
  if (job.data?.status === 'failed')
    return (
      <div className="form-error" role="alert">
        {jobText(job.data)}
      </div>
    );
  if (!done || !after.data) {
    const pct = job.data?.total ? Math.min(100, Math.round((job.data.done / job.data.total) * 100)) : null;
    return (
      <div className="seg-job" role="status" aria-label="Computing members">
        <span className="spinner" aria-hidden="true" /> {after.error ? after.error.message : jobText(job.data)}
        {pct !== null ? <progress max={100} value={pct} aria-label="Progress" /> : null}
      </div>
    );
  }
  return (
    <p className="form-ok" role="status">
      Saved. <strong data-testid="saved-count">{fmtNumber(after.data.members)}</strong> {after.data.scope === 'account' ? 'accounts' : 'members'}.
    </p>
  );
}

/** Delete with an inline confirmation. */
export function DeleteSegment({ segment }: { segment: Segment }) {
  const [confirming, setConfirming] = useState(false);
  const qc = useQueryClient();
  // Leave first, then refresh the lists: refetching this segment now would only answer 404.
  const del = useApiMutation(() => api.delete('/api/segments/:id', { params: { id: segment.id } }), {
    onSuccess: () => {
      navigate('/segments');
      void qc.invalidateQueries({ predicate: (q) => q.queryKey[1] === '/api/segments' });
      qc.removeQueries({ predicate: (q) => typeof q.queryKey[1] === 'string' && q.queryKey[1].startsWith(apiPath('/api/segments/:id', { id: segment.id })) });
    },
  });
  if (!confirming)
    return (
      <button type="button" className="btn btn-danger" onClick={() => setConfirming(true)}>
        Delete segment
      </button>
    );
  return (
    <div className="row" role="group" aria-label="Confirm delete">
      <span>Delete “{segment.name}” and its history?</span>
      <button type="button" className="btn btn-danger" disabled={del.isPending} onClick={() => del.mutate()}>
        Yes, delete
      </button>
      <button type="button" className="btn" onClick={() => setConfirming(false)}>
        Cancel
      </button>
      {del.error ? (
        <span className="seg-row-error" role="alert">
          {del.error.message}
        </span>
      ) : null}
    </div>
  );
}
