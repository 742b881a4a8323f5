import type { Db } from '../db/client.js';
import { computeSegment } from './segment-sync.js';
import { getSegment, insertSegment, type SegmentDefinition } from './segments.repo.js';
import { EV } from '../../contracts/events.js';

const days = (amount: number) => ({ amount, unit: 'days' as const });

/** Saved example segments the demo ships with (ids are fixed so docs and tests can name them). */
export const EXAMPLE_SEGMENTS: Array<{ id: string; input: SegmentDefinition }> = [
  {
    id: 'seg_repeat_buyers',
    input: {
      name: 'Repeat buyers (90 days)',
      description: 'Two or more orders in the last 90 days',
      condition: { performed: { event: EV.orderCompleted, count: { op: 'gte', value: 2 }, window: { within: days(90) } } },
    },
  },
  {
    id: 'seg_signed_up_never_ordered',
    input: {
      name: 'Signed up, never ordered',
      description: 'Created an account but have not bought yet: a nudge to the first order',
      condition: { all: [{ performed: { event: EV.signedUp } }, { not: { performed: { event: EV.orderCompleted } } }] },
    },
  },
  {
    id: 'seg_high_spenders',
    input: {
      name: 'High spenders',
      description: 'Spent 300 or more in all',
      condition: { aggregate: { event: EV.orderCompleted, property: 'revenue', fn: 'sum', op: 'gte', value: 300 } },
    },
  },
  {
    id: 'seg_lapsing_buyers',
    input: {
      name: 'Lapsing buyers',
      description: 'Bought before, but not in the last 60 days, and not churned yet',
      condition: {
        all: [{ performed: { event: EV.orderCompleted } }, { not: { performed: { event: EV.orderCompleted, window: { within: days(60) } } } }, { not: { stage: { key: 'churned' } } }],
      },
    },
  },
  {
    id: 'seg_promoters',
    input: {
      name: 'Promoters',
      description: 'Answered NPS with 9 or 10',
      condition: {
        performed: {
          event: EV.surveyResponded,
          where: [
            { path: 'type', op: 'eq', value: 'nps' },
            { path: 'score', op: 'gte', value: 9 },
          ],
        },
      },
    },
  },
  {
    id: 'seg_valuable_at_risk',
    input: {
      name: 'Valuable and slipping away',
      description: 'In the at-risk or churned lifecycle stage after two or more orders: worth a personal win-back',
      condition: { all: [{ any: [{ stage: { key: 'at_risk' } }, { stage: { key: 'churned' } }] }, { performed: { event: EV.orderCompleted, count: { op: 'gte', value: 2 } } }] },
    },
  },
];

/** Save the example segments that are missing and work out their members. */
export async function seedExampleSegments(db: Db, workspaceId: number, now: Date): Promise<number> {
  let made = 0;
  for (const ex of EXAMPLE_SEGMENTS) {
    if (await getSegment(db, workspaceId, ex.id)) continue;
    await insertSegment(db, workspaceId, ex.id, ex.input);
    await computeSegment(db, workspaceId, ex.id, now);
    made++;
  }
  return made;
}
