/**
 * Suggestions for free-text event and channel inputs. They are only suggestions (any event
 * name can be typed): the standard event names Tenure's metric definitions and demo data use
 * (src/server/analytics/catalogue.ts, src/server/demo/simulate.ts), and the acquisition
 * channels of src/contracts/spend.ts (copied, so the page does not pull zod into its chunk).
 */
export const EVENT_SUGGESTIONS = [
  'Signed Up',
  'Application Opened',
  'Product Viewed',
  'Product Added',
  'Checkout Started',
  'Order Completed',
  'Order Refunded',
  'Trial Started',
  'Subscription Started',
  'Subscription Updated',
  'Subscription Cancelled',
  'Feature Used',
  'Referral Sent',
  'Lead Created',
  'Lead Contacted',
  'Survey Responded',
  'Support Ticket Created',
  'Support Ticket Resolved',
  'Email Delivered',
  'Email Opened',
  'Email Link Clicked',
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
