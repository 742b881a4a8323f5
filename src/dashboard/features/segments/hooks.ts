import { useEffect, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { Condition } from '../../../contracts/condition.js';
import type { JobView } from '../../../contracts/lifecycle.js';
import type { SegmentPreview } from '../../../contracts/segment-definition.js';
import { api, type ApiError } from '../../api/client.js';
import { useApi } from '../../api/hooks.js';
import { useSession } from '../../api/session.js';

/** A background job as the API shows it. */
export type Job = z.infer<typeof JobView>;
/** A preview answer. */
export type Preview = z.infer<typeof SegmentPreview>;

/** A background job, polled every 700 ms until it is done or failed. */
export function useJob(id: number | null) {
  return useApi('/api/jobs/:id', id === null ? null : { params: { id } }, {
    refetchInterval: (q) => (q.state.data && (q.state.data.status === 'done' || q.state.data.status === 'failed') ? false : 700),
  });
}

/** POST /api/segments/preview for a condition (as stable JSON text, so equal trees share an answer). */
export function usePreview(conditionJson: string | null, scope: 'customer' | 'account') {
  const { workspace } = useSession();
  return useQuery<Preview, ApiError>({
    queryKey: [workspace?.id ?? 0, 'segments-preview', conditionJson, scope],
    queryFn: ({ signal }) => api.post('/api/segments/preview', { body: { condition: JSON.parse(conditionJson!) as Condition, scope, sample: 5 }, signal }),
    enabled: conditionJson !== null && workspace !== undefined,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 30_000,
  });
}

/** Job progress in words: "Computing members… 120 / 600". */
export function jobText(job: Job | undefined): string {
  if (!job) return 'Starting the computation…';
  if (job.status === 'queued') return 'Queued: the membership will be worked out shortly…';
  if (job.status === 'running') return `Computing members… ${job.done.toLocaleString('en-US')}${job.total !== null ? ` / ${job.total.toLocaleString('en-US')}` : ''}`;
  if (job.status === 'failed') return `The computation failed: ${job.error ?? 'no reason given'}`;
  return 'Done.';
}
