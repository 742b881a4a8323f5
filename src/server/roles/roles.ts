/**
 * What a Tenure process does. One process can do everything (`tenure start`, `tenure serve`:
 * the default); a larger installation runs several against one PostgreSQL, each with some
 * roles (`tenure serve --roles api`, `tenure worker`), wired the same way (wiring.ts).
 *
 * - `api`: the HTTP server — ingestion, the admin API, the dashboard, tracking links — and the
 *   CSV imports uploaded to this host (their files are on its disk).
 * - `worker`: the background work — lifecycle stages, segments, journeys and message delivery,
 *   queued jobs (recomputes, model fits), the KPI facts and the prediction schedule.
 * - `journeys`: only the journey engine and message delivery (a part of `worker`).
 * - `scheduler`: only the prediction schedule, which queues model refits when due (a part of
 *   `worker`; several processes may run it, one at a time queues).
 *
 * Work crosses processes through the database (recorded work, queued jobs, messages), never
 * through memory, so any mix of processes does what one does; within a process the change bus
 * wakes the workers at once (lib/change-bus.ts).
 */
import { fail, ok, type Result } from '../lib/result.js';

export const ROLES = ['api', 'worker', 'journeys', 'scheduler'] as const;
export type Role = (typeof ROLES)[number];

/** The parts a set of roles runs. */
export interface RoleParts {
  api: boolean;
  stages: boolean;
  segments: boolean;
  journeys: boolean;
  /** Queued jobs and the KPI facts. */
  jobs: boolean;
  /** The prediction schedule. */
  schedule: boolean;
}

export function partsOf(roles: ReadonlySet<Role>): RoleParts {
  const worker = roles.has('worker');
  return { api: roles.has('api'), stages: worker, segments: worker, journeys: worker || roles.has('journeys'), jobs: worker, schedule: worker || roles.has('scheduler') };
}

/** `api,worker` → the roles; an unknown or empty list is refused with a message naming the roles there are. */
export function parseRoles(list: string): Result<ReadonlySet<Role>> {
  const names = list
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  if (names.length === 0) return fail('validation_failed', `--roles needs at least one of: ${ROLES.join(', ')}`);
  const unknown = names.filter((n) => !(ROLES as readonly string[]).includes(n));
  if (unknown.length > 0) return fail('validation_failed', `unknown role${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}: the roles are ${ROLES.join(', ')}`);
  return ok(new Set(names as Role[]));
}

export const ALL_ROLES: ReadonlySet<Role> = new Set<Role>(['api', 'worker']);
