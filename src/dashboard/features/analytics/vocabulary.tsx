import { EV } from '../../../contracts/events.js';

/**
 * Suggestions for free-text event and channel inputs. They are only suggestions (any event
 * name can be typed): the standard event names Tenure's metric definitions and demo data use
 * (src/server/analytics/catalogue.ts, src/server/demo/simulate.ts; names from the shared
 * vocabulary, src/contracts/events.ts, which imports nothing), and the acquisition
 * channels of src/contracts/spend.ts (copied, so the page does not pull zod into its chunk).
 */
export const EVENT_SUGGESTIONS = [
  EV.signedUp,
  EV.applicationOpened,
  EV.productViewed,
  EV.productAdded,
  EV.checkoutStarted,
  EV.orderCompleted,
  EV.orderRefunded,
  EV.trialStarted,
  EV.subscriptionStarted,
  EV.subscriptionUpdated,
  EV.subscriptionCancelled,
  EV.featureUsed,
  EV.referralSent,
  EV.leadCreated,
  EV.leadContacted,
  EV.surveyResponded,
  EV.supportTicketCreated,
  EV.supportTicketResolved,
  EV.emailDelivered,
  EV.emailOpened,
  EV.emailLinkClicked,
] as const;

/** Acquisition channels (SPEND_CHANNELS in src/contracts/spend.ts). */
export const CHANNEL_SUGGESTIONS = ['paid_search', 'paid_social', 'display', 'affiliate', 'email', 'sms', 'organic_social', 'organic_search', 'referral', 'other_campaign', 'direct'] as const;

/** The id of the shared <datalist> of event names (rendered once by the page). */
export const EVENTS_LIST_ID = 'ana-events';

/** The <datalist> every event input points at. */
export function EventDatalist() {
  return (
    <datalist id={EVENTS_LIST_ID}>
      {EVENT_SUGGESTIONS.map((e) => (
        <option key={e} value={e} />
      ))}
    </datalist>
  );
}
