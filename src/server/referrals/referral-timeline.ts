import type { ReferralProps } from '../../contracts/events.js';
import { TENURE_EV } from '../../contracts/events.js';
import type { Queryable } from '../db/client.js';
import { writeTimeline, type TimelineEvent } from '../timeline/timeline-writer.js';

type ReferralEventName =
  typeof TENURE_EV.referralAttributed | typeof TENURE_EV.referralHeld | typeof TENURE_EV.referralBlocked | typeof TENURE_EV.referralRewarded | typeof TENURE_EV.referralClawedBack;

/** One referral event for the timeline: `what` is the key's part (attributed, held, blocked, friend, advocate, clawback:friend, clawback:advocate). */
export interface ReferralEvent {
  workspaceId: number;
  customerId: number;
  event: ReferralEventName;
  at: Date;
  what: string;
  props: ReferralProps;
}

/** Write referral events on the customers' timelines (once each, by their timeline key), with the stage and segment work of the commit. */
export async function writeReferralEvents(tx: Queryable, events: ReferralEvent[]): Promise<number> {
  const rows = events.map((e): TimelineEvent => ({
    workspaceId: e.workspaceId,
    customerId: e.customerId,
    event: e.event,
    properties: e.props,
    at: e.at,
    key: { kind: 'referral', referral: e.props.referral_id, what: e.what },
  }));
  return writeTimeline(tx, rows, { derivedWork: ['stage', 'segment'] });
}
