import type { z } from 'zod';
import type { JobView } from '../../contracts/lifecycle.js';
import type { Job } from '../jobs/jobs.repo.js';

/** A job as the API shows it (every route that starts or reports a job answers with this). */
export function jobView(j: Job): z.infer<typeof JobView> {
  return {
    id: j.id,
    kind: j.kind,
    status: j.status,
    done: j.done,
    total: j.total,
    error: j.error,
    createdAt: j.createdAt.toISOString(),
    startedAt: j.startedAt?.toISOString() ?? null,
    finishedAt: j.finishedAt?.toISOString() ?? null,
  };
}
