import { Scorecard, type Measure } from '../../../contracts/health.js';
import type { Queryable } from '../../db/client.js';
import { EV } from '../../../contracts/events.js';
import type { RowPick } from '../../db/rows.js';
import type * as schema from '../../db/schema/index.js';

/** The event whose presence adds the payment measure to the default scorecard. */
export const PAYMENT_FAILED_EVENT = EV.paymentFailed;
/** The churn model's score (src/server/predict/churn-train.ts) read by the default scorecard when it exists. */
export const CHURN_RISK_SCORE = 'churn_risk';

/**
 * The default scorecard, for the demo business (a coffee subscription) and as a start:
 * product usage (active days in the last 30: 10 or more is full marks), a recent order
 * (rule), the latest NPS answer, support load (tickets in 90 days), payment failures
 * (only when the workspace has `Payment Failed` events: without them every customer
 * would score full marks on it), the churn model's risk (only once it has scored) and,
 * once a helpdesk is connected and has tickets, the support measures: the mean ticket
 * rating and the first response time over 90 days (support/measures.ts).
 */
export function defaultScorecard(has: { paymentFailed: boolean; churnRisk: boolean; supportTickets?: boolean }): Scorecard {
  const measures: Measure[] = [
    {
      key: 'usage',
      name: 'Product usage',
      weight: 3,
      kind: {
        type: 'events',
        fn: 'days',
        withinDays: 30,
        points: [
          [0, 0],
          [10, 100],
        ],
      },
    },
    {
      key: 'recent_order',
      name: 'Ordered in the last 60 days',
      weight: 2,
      kind: { type: 'rule', condition: { performed: { event: EV.orderCompleted, window: { within: { amount: 60, unit: 'days' } } } }, ifTrue: 100, ifFalse: 0 },
    },
    {
      key: 'nps',
      name: 'NPS',
      weight: 2,
      kind: {
        type: 'survey',
        surveyType: 'nps',
        withinDays: 365,
        points: [
          [0, 0],
          [6, 40],
          [8, 70],
          [10, 100],
        ],
      },
    },
    {
      key: 'support',
      name: 'Support load',
      weight: 1,
      kind: {
        type: 'events',
        event: EV.supportTicketCreated,
        fn: 'count',
        withinDays: 90,
        points: [
          [0, 100],
          [1, 70],
          [3, 20],
          [5, 0],
        ],
      },
    },
  ];
  if (has.paymentFailed) {
    measures.push({
      key: 'payments',
      name: 'Payment issues',
      weight: 2,
      kind: {
        type: 'events',
        event: PAYMENT_FAILED_EVENT,
        fn: 'count',
        withinDays: 90,
        points: [
          [0, 100],
          [1, 40],
          [2, 0],
        ],
      },
    });
  }
  if (has.churnRisk)
    measures.push({
      key: 'churn_risk',
      name: 'Churn risk',
      weight: 3,
      kind: {
        type: 'score',
        name: CHURN_RISK_SCORE,
        points: [
          [0, 100],
          [100, 0],
        ],
      },
    });
  if (has.supportTickets) {
    measures.push(
      {
        key: 'ticket_csat',
        name: 'Support satisfaction (ticket ratings)',
        weight: 2,
        kind: {
          type: 'support',
          metric: 'csat',
          withinDays: 90,
          points: [
            [0, 0],
            [1, 100],
          ],
        },
      },
      {
        key: 'first_response',
        name: 'Support first response time (hours)',
        weight: 1,
        kind: {
          type: 'support',
          metric: 'first_response_hours',
          withinDays: 90,
          points: [
            [1, 100],
            [24, 50],
            [72, 0],
          ],
        },
      },
    );
  }
  return { measures, bands: { yellowFrom: 40, greenFrom: 70 } };
}

export interface StoredScorecard {
  scorecard: Scorecard;
  isDefault: boolean;
  updatedAt: Date | null;
  computedAt: Date | null;
}

/** The workspace's scorecard: the saved one, or the default for its data. */
export async function loadScorecard(db: Queryable, workspaceId: number): Promise<StoredScorecard> {
  const { rows } = await db.query<RowPick<typeof schema.healthScorecards, 'scorecard' | 'updated_at' | 'computed_at'> & { payment_failed: boolean; churn_risk: boolean; support_tickets: boolean }>(
    `SELECT h.scorecard, h.updated_at, h.computed_at,
            EXISTS (SELECT 1 FROM events e WHERE e.workspace_id = $1 AND e.event = $2) AS payment_failed,
            EXISTS (SELECT 1 FROM customer_scores x WHERE x.workspace_id = $1 AND x.name = $3) AS churn_risk,
            EXISTS (SELECT 1 FROM support_tickets t WHERE t.workspace_id = $1 AND t.customer_id IS NOT NULL) AS support_tickets
       FROM (SELECT 1) one LEFT JOIN health_scorecards h ON h.workspace_id = $1`,
    [workspaceId, PAYMENT_FAILED_EVENT, CHURN_RISK_SCORE],
  );
  const r = rows[0]!;
  const saved = r.scorecard === null ? null : Scorecard.safeParse(r.scorecard);
  if (saved?.success) return { scorecard: saved.data, isDefault: false, updatedAt: r.updated_at, computedAt: r.computed_at };
  return { scorecard: defaultScorecard({ paymentFailed: r.payment_failed, churnRisk: r.churn_risk, supportTickets: r.support_tickets }), isDefault: true, updatedAt: null, computedAt: r.computed_at };
}

/** Save the workspace's scorecard (validated by the caller). */
export async function saveScorecard(db: Queryable, workspaceId: number, scorecard: Scorecard, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO health_scorecards (workspace_id, scorecard, updated_at) VALUES ($1, $2::jsonb, $3)
     ON CONFLICT (workspace_id) DO UPDATE SET scorecard = EXCLUDED.scorecard, updated_at = EXCLUDED.updated_at`,
    [workspaceId, JSON.stringify(scorecard), now.toISOString()],
  );
}

/** Record when the scores were last computed. */
export async function markComputed(db: Queryable, workspaceId: number, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO health_scorecards (workspace_id, computed_at) VALUES ($1, $2)
     ON CONFLICT (workspace_id) DO UPDATE SET computed_at = EXCLUDED.computed_at`,
    [workspaceId, now.toISOString()],
  );
}
