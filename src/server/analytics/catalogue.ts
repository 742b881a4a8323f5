import type { MetricInfo, MetricParameter } from '../../contracts/metrics.js';
import { EV } from '../../contracts/events.js';

/**
 * The metric catalogue: every KPI's name, unit, leading/lagging tag and written definition.
 * The definitions are the contract: the computations in `metric-queries.ts` implement them
 * and the fixture tests check them with numbers worked out by hand.
 *
 * Shared vocabulary (also in each definition where it matters):
 * - own events (activity): what the customer did, as src/server/rules/activity.ts defines it
 *   (track, page and screen calls; not Tenure's own timeline entries, identify/group/alias
 *   profile updates, messages sent to the customer and their fate, nor opens by default);
 * - order: an `Order Completed` event, its value `revenue`, else `total`, else 0;
 * - refund: an `Order Refunded` event, its value `revenue`, else `total`, else `amount`,
 *   else the whole value of the order with the same `order_id`; dated when it happened;
 * - paying customer at a moment t: a customer with at least one order before t.
 */

const p = (name: string, type: MetricParameter['type'], description: string, def: string | number | null, extra: Partial<MetricParameter> = {}): MetricParameter => ({
  name,
  type,
  description,
  default: def,
  required: false,
  ...extra,
});

const WITHIN_DAYS = (def: number, what: string) => p('within', 'number', `Days allowed for ${what}`, def);

export const METRICS = [
  {
    name: 'revenue',
    title: 'Revenue',
    unit: 'currency',
    tag: 'lagging',
    group: 'revenue',
    definition:
      'Net revenue: the sum of the values of orders (`Order Completed`: `revenue`, else `total`) placed in the period, minus refunds (`Order Refunded`: `revenue`, else `total`, else `amount`, else the whole value of the order with the same `order_id`) made in the period. A refund counts when it happens, so a period can be negative.',
    parameters: [],
  },
  {
    name: 'orders',
    title: 'Orders',
    unit: 'count',
    tag: 'lagging',
    group: 'revenue',
    definition: 'The number of `Order Completed` events in the period. Refunds do not reduce it.',
    parameters: [],
  },
  {
    name: 'aov',
    title: 'Average order value',
    unit: 'currency',
    tag: 'lagging',
    group: 'revenue',
    definition: 'Net revenue ÷ orders in the period (refunds made in the period reduce the numerator). Undefined (null) when there were no orders.',
    parameters: [],
  },
  {
    name: 'purchase_frequency',
    title: 'Purchase frequency',
    unit: 'ratio',
    tag: 'lagging',
    group: 'revenue',
    definition: 'Orders in the period ÷ the number of distinct customers who placed them. Null when nobody ordered.',
    parameters: [],
  },
  {
    name: 'repeat_purchase_rate',
    title: 'Repeat purchase rate',
    unit: 'percent',
    tag: 'lagging',
    group: 'revenue',
    definition:
      'At the end of the period: customers with two or more orders to date ÷ customers with at least one order to date, as a percentage. It counts orders, not days: two orders on the same day make a repeat purchase. Orders are counted from the beginning of the data, not only within the period.',
    parameters: [],
  },
  {
    name: 'active_customers',
    title: 'Active customers',
    unit: 'count',
    tag: 'leading',
    group: 'engagement',
    definition:
      'Distinct customers with at least one own event (activity: a track, page or screen call; not Tenure’s own timeline entries, profile updates such as a CRM’s identify, messages sent to them and their deliveries, bounces or opens) in the period.',
    parameters: [],
  },
  {
    name: 'new_customers',
    title: 'New customers',
    unit: 'count',
    tag: 'lagging',
    group: 'revenue',
    definition: 'Customers whose first order ever (`Order Completed`) falls in the period.',
    parameters: [],
  },
  {
    name: 'churn_rate',
    title: 'Churn rate',
    unit: 'percent',
    tag: 'lagging',
    group: 'retention',
    definition:
      'Of the paying customers (at least one order before the period) who were not in the churned stage at the start of the period, the percentage who moved to the churned stage during it. A customer counts once however often they move. Null when nobody was a paying customer at the start.',
    parameters: [p('churnedStage', 'stage', 'The lifecycle stage that means churned', 'churned')],
  },
  {
    name: 'retention_rate',
    title: 'Customer retention rate',
    unit: 'percent',
    tag: 'lagging',
    group: 'retention',
    definition:
      'Of the paying customers (at least one order before the moment) not in the churned stage at the start of the period (S), the share not in it at the end, × 100. This is what the classic (E − N) ÷ S means to measure without its flaw: customers won and lost within the period no longer count against S, so the rate stays between 0 and 100. A customer who churned and came back by the end counts as retained. Null when S is 0.',
    parameters: [p('churnedStage', 'stage', 'The lifecycle stage that means churned', 'churned')],
  },
  {
    name: 'mrr',
    title: 'Monthly recurring revenue',
    unit: 'currency',
    tag: 'lagging',
    group: 'retention',
    definition:
      'At the end of the period: the sum of the monthly amounts (`mrr`) of subscriptions active then. A customer’s subscription (one per customer, or per `subscription_id` when events carry one) is active from `Subscription Started` until `Subscription Cancelled`; `Subscription Updated` changes its amount. The total is the value at the end of the range.',
    parameters: [],
  },
  {
    name: 'revenue_churn_rate',
    title: 'Revenue churn rate',
    unit: 'percent',
    tag: 'lagging',
    group: 'retention',
    definition:
      'Gross MRR churn: for the subscriptions active at the start of the period, the MRR lost by the end (cancelled: all of it; downgraded: the difference) ÷ MRR at the start, as a percentage. Each subscription’s start and end amounts are compared; new subscriptions in the period are not counted. Null when MRR at the start is 0.',
    parameters: [],
  },
  {
    name: 'net_revenue_retention',
    title: 'Net revenue retention',
    unit: 'percent',
    tag: 'lagging',
    group: 'retention',
    definition:
      'For the subscriptions active at the start of the period: their MRR at the end (after upgrades, downgrades and cancellations) ÷ their MRR at the start, as a percentage. Subscriptions started during the period are left out. Null when MRR at the start is 0.',
    parameters: [],
  },
  {
    name: 'clv',
    title: 'Customer lifetime value',
    unit: 'currency',
    tag: 'lagging',
    group: 'value',
    definition:
      'Historical (default): net revenue to date (from the beginning of the data to the end of the period) ÷ customers with at least one order to date. Classic (`method=classic`): AOV × purchase frequency × expected lifespan × margin, with AOV (net revenue ÷ orders) and purchase frequency (orders ÷ purchasing customers) over the 365 days before the end of the period, so frequency is per year, and lifespan in years (`lifespanYears`). Both are multiplied by `margin` (default 1: revenue, not profit).',
    parameters: [
      p('method', 'enum', 'historical or classic', 'historical', { values: ['historical', 'classic'] }),
      p('margin', 'number', 'Gross margin as a fraction (0.3 = 30%)', 1),
      p('lifespanYears', 'number', 'Expected customer lifespan in years (classic method)', 3),
    ],
  },
  {
    name: 'cac',
    title: 'Customer acquisition cost',
    unit: 'currency',
    tag: 'lagging',
    group: 'value',
    definition:
      'Marketing spend in the period ÷ new customers (first order) in the period. Sliced by channel, it is that channel’s spend ÷ the new customers whose first touch was that channel. Null when there were no new customers.',
    parameters: [],
  },
  {
    name: 'clv_cac_ratio',
    title: 'CLV : CAC',
    unit: 'ratio',
    tag: 'lagging',
    group: 'value',
    definition:
      'Historical CLV at the end of the period (see `clv`, times `margin`) ÷ CAC of the period. Flagged `below_3_to_1` when under 3, the usual rule of thumb for a sustainable business. Null when either is undefined or CAC is 0.',
    parameters: [p('margin', 'number', 'Gross margin as a fraction', 1)],
  },
  {
    name: 'cpa',
    title: 'Cost per acquisition',
    unit: 'currency',
    tag: 'leading',
    group: 'value',
    definition:
      'Marketing spend in the period ÷ sign-ups or leads in the period: customers whose first `event` (default `Signed Up`; `Lead Created` for leads) falls in it. Null when there were none.',
    parameters: [p('event', 'event', 'The acquisition event', EV.signedUp)],
  },
  {
    name: 'conversion_rate',
    title: 'Stage conversion rate',
    unit: 'percent',
    tag: 'leading',
    group: 'conversion',
    definition:
      'Of the customers who entered stage `from` during the period (their first entry in it), the percentage who entered stage `to` within `within` days after that entry, as the lifecycle history records it. Null when nobody entered `from`.',
    parameters: [p('from', 'stage', 'The stage converted from', 'engagement'), p('to', 'stage', 'The stage converted to', 'conversion'), WITHIN_DAYS(30, 'the move')],
  },
  {
    name: 'activation_rate',
    title: 'Activation rate',
    unit: 'percent',
    tag: 'leading',
    group: 'conversion',
    definition:
      'Of the customers whose first `signupEvent` (default `Signed Up`) falls in the period, the percentage who performed the activation `event` within `within` days of signing up. Null when nobody signed up.',
    parameters: [p('event', 'event', 'The activation event', EV.orderCompleted), p('signupEvent', 'event', 'The sign-up event', EV.signedUp), WITHIN_DAYS(7, 'activation')],
  },
  {
    name: 'time_to_convert',
    title: 'Time to convert',
    unit: 'days',
    tag: 'lagging',
    group: 'conversion',
    definition: 'For customers whose first order falls in the period: the median number of days (fractional) from their first own event to that first order. Null when there were none.',
    parameters: [],
  },
  {
    name: 'cart_abandonment_rate',
    title: 'Cart abandonment rate',
    unit: 'percent',
    tag: 'leading',
    group: 'conversion',
    definition:
      'Of the `Checkout Started` events in the period, the percentage not followed by an `Order Completed` of the same customer within `within` hours (at or after the checkout). Null when nobody started a checkout.',
    parameters: [p('within', 'number', 'Hours allowed to complete the order', 24)],
  },
  {
    name: 'nps',
    title: 'Net Promoter Score',
    unit: 'score',
    tag: 'leading',
    group: 'satisfaction',
    definition:
      'From `Survey Responded` events with `type` = nps and a `score` from 0 to 10 in the period: the percentage of promoters (9–10) minus the percentage of detractors (0–6), from −100 to 100. Respondents only: the denominator is the answers (`Survey Responded` events; a customer who answered twice counts twice), never the surveys sent: dismissed ones (`Survey Dismissed`) and unanswered invitations are not in it. A survey’s own results (GET /api/surveys/:id/results) add the 95% margin of error and a too-few-answers flag (under 30); see docs/surveys-results.md. Null without responses.',
    parameters: [],
  },
  {
    name: 'csat',
    title: 'Customer satisfaction (CSAT)',
    unit: 'percent',
    tag: 'leading',
    group: 'satisfaction',
    definition:
      'From `Survey Responded` events with `type` = csat and a `score` from 1 to 5 in the period: the percentage of answers scoring 4 or 5. Respondents only: the denominator is the answers (`Survey Responded` events; a customer who answered twice counts twice), never the surveys sent: dismissed ones (`Survey Dismissed`) and unanswered invitations are not in it. A survey’s own results (GET /api/surveys/:id/results) add the 95% margin of error and a too-few-answers flag (under 30); see docs/surveys-results.md. Null without responses.',
    parameters: [],
  },
  {
    name: 'ces',
    title: 'Customer effort score (CES)',
    unit: 'score',
    tag: 'leading',
    group: 'satisfaction',
    definition:
      'From `Survey Responded` events with `type` = ces and a numeric `score` in the period: the mean score (on the scale the survey used, commonly 1–7). Respondents only: the denominator is the answers (`Survey Responded` events; a customer who answered twice counts twice), never the surveys sent: dismissed ones (`Survey Dismissed`) and unanswered invitations are not in it. A survey’s own results (GET /api/surveys/:id/results) add the 95% margin of error and a too-few-answers flag (under 30); see docs/surveys-results.md. Null without responses.',
    parameters: [],
  },
  {
    name: 'lead_response_time',
    title: 'Lead response time',
    unit: 'minutes',
    tag: 'leading',
    group: 'engagement',
    definition:
      'For each `Lead Created` in the period, the minutes until the first `Lead Contacted` of the same customer at or after it; the median of those. Leads not yet contacted are left out. Null when no lead in the period was contacted.',
    parameters: [],
  },
  {
    name: 'avg_engagement_time',
    title: 'Average engagement time',
    unit: 'minutes',
    tag: 'leading',
    group: 'engagement',
    definition:
      'Mean session length in minutes. A customer’s own events are cut into sessions at every gap of more than 30 minutes of inactivity, and at midnight in the workspace timezone (as web analytics does); a session lasts from its first event to its last (0 for a single event) and belongs to the period of the day it is on. Null without sessions.',
    parameters: [],
  },
  {
    name: 'email_open_rate',
    title: 'Email open rate',
    unit: 'percent',
    tag: 'leading',
    group: 'engagement',
    definition:
      'Unique opens ÷ emails delivered in the period: `Email Opened` events counted once per email (their `messageId` property; each event counts when it has none) ÷ `Email Delivered` events, as a percentage. Null when nothing was delivered.',
    parameters: [],
  },
  {
    name: 'email_click_rate',
    title: 'Email click rate',
    unit: 'percent',
    tag: 'leading',
    group: 'engagement',
    definition:
      'Unique clicks ÷ emails delivered in the period: `Email Link Clicked` events counted once per email (their `messageId` property; each event counts when it has none) ÷ `Email Delivered` events, as a percentage. Null when nothing was delivered.',
    parameters: [],
  },
  {
    name: 'upsell_rate',
    title: 'Upsell rate',
    unit: 'percent',
    tag: 'lagging',
    group: 'value',
    definition: 'Of the subscriptions active at the start of the period, the percentage whose MRR at the end is higher than at the start (an upgrade or expansion). Null when none were active.',
    parameters: [],
  },
  {
    name: 'referral_rate',
    title: 'Referral rate',
    unit: 'percent',
    tag: 'leading',
    group: 'engagement',
    definition: 'Customers who performed `event` (default `Referral Sent`) in the period ÷ active customers in the period (see `active_customers`), as a percentage. Null when nobody was active.',
    parameters: [p('event', 'event', 'The referral event', EV.referralSent)],
  },
  {
    name: 'feature_adoption',
    title: 'Feature adoption',
    unit: 'percent',
    tag: 'leading',
    group: 'engagement',
    definition:
      'Active customers in the period who performed `event` (default `Feature Used`; with `feature` set, only events whose `feature` property equals it) in the period ÷ active customers, as a percentage. Null when nobody was active.',
    parameters: [p('event', 'event', 'The event that means the feature was used', EV.featureUsed), p('feature', 'string', 'Only events whose `feature` property is this', null)],
  },
] as const satisfies readonly MetricInfo[];

export type MetricName = (typeof METRICS)[number]['name'];

const BY_NAME = new Map<string, MetricInfo>(METRICS.map((m) => [m.name, m]));

/** A metric's catalogue entry, or undefined for an unknown name. */
export function metricInfo(name: string): MetricInfo | undefined {
  return BY_NAME.get(name);
}
