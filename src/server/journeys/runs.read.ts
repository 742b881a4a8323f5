import type { Queryable } from '../db/client.js';

/** A customer's run through a journey: where it stands, or how it ended. */
export interface CustomerJourneyRun {
  id: number;
  journeyId: string;
  journeyName: string;
  version: number;
  status: string;
  step: string;
  variant: string | null;
  wakeAt: Date | null;
  enteredAt: Date;
  endedAt: Date | null;
  endReason: string | null;
  error: string | null;
}

/** The customer's last 500 journey runs, newest first. */
export async function customerJourneyRuns(db: Queryable, workspaceId: number, customerId: number): Promise<CustomerJourneyRun[]> {
  const { rows } = await db.query<CustomerJourneyRun>(
    `SELECT r.id, r.journey_id AS "journeyId", j.name AS "journeyName", r.version, r.status, r.step, r.variant, r.wake_at AS "wakeAt", r.entered_at AS "enteredAt",
            r.ended_at AS "endedAt", r.end_reason AS "endReason", r.error
       FROM journey_runs r JOIN journeys j ON j.workspace_id = r.workspace_id AND j.id = r.journey_id
      WHERE r.workspace_id = $1 AND r.customer_id = $2 ORDER BY r.entered_at DESC, r.id DESC LIMIT 500`,
    [workspaceId, customerId],
  );
  return rows;
}
