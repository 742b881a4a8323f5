/**
 * The event vocabulary: the names of the events Tenure writes on customers' timelines
 * itself, and of the Segment semantic events (and other tools' message events) it reads.
 * Stored events, saved rules and journeys refer to these names, so they never change;
 * a new event gets a new name. Shared by server and dashboard (no imports).
 */

/** Events Tenure writes on a customer's timeline (type `tenure`, or `track` for the customer's own reactions to a message). */
export const TENURE_EV = {
  stageChanged: 'Lifecycle Stage Changed',
  segmentEntered: 'Segment Entered',
  segmentExited: 'Segment Exited',
  journeyEntered: 'Journey Entered',
  journeyEnded: 'Journey Ended',
  emailDelivered: 'Email Delivered',
  emailBounced: 'Email Bounced',
  smsDelivered: 'SMS Delivered',
  messageFailed: 'Message Failed',
  emailOpened: 'Email Opened',
  emailLinkClicked: 'Email Link Clicked',
  emailMarkedAsSpam: 'Email Marked as Spam',
  subscribed: 'Subscribed',
  unsubscribed: 'Unsubscribed',
  inAppMessageRead: 'In-App Message Read',
  inAppMessageDismissed: 'In-App Message Dismissed',
  churnRiskRaised: 'Churn Risk Raised',
  healthScoreDropped: 'Health Score Dropped',
  surveyCommented: 'Survey Commented',
  surveyDismissed: 'Survey Dismissed',
  loyaltyEnrolled: 'Loyalty Enrolled',
  pointsEarned: 'Points Earned',
  pointsReleased: 'Points Released',
  pointsRedeemed: 'Points Redeemed',
  pointsExpired: 'Points Expired',
  pointsAdjusted: 'Points Adjusted',
  pointsReversed: 'Points Reversed',
  pointsTransferred: 'Points Transferred',
  redemptionCancelled: 'Redemption Cancelled',
  tierChanged: 'Tier Changed',
  referralAttributed: 'Referral Attributed',
  referralHeld: 'Referral Held',
  referralBlocked: 'Referral Blocked',
  referralRewarded: 'Referral Rewarded',
  referralClawedBack: 'Referral Clawed Back',
} as const;

/** Segment semantic events (and other tools' message events) Tenure reads: KPIs, presets, models, the demo. */
export const SEMANTIC_EV = {
  signedUp: 'Signed Up',
  applicationOpened: 'Application Opened',
  pageViewed: 'Page Viewed',
  productViewed: 'Product Viewed',
  productAdded: 'Product Added',
  checkoutStarted: 'Checkout Started',
  orderCompleted: 'Order Completed',
  orderRefunded: 'Order Refunded',
  trialStarted: 'Trial Started',
  subscriptionStarted: 'Subscription Started',
  subscriptionUpdated: 'Subscription Updated',
  subscriptionCancelled: 'Subscription Cancelled',
  paymentFailed: 'Payment Failed',
  featureUsed: 'Feature Used',
  referralSent: 'Referral Sent',
  referralCompleted: 'Referral Completed',
  orderDelivered: 'Order Delivered',
  leadCreated: 'Lead Created',
  leadContacted: 'Lead Contacted',
  surveyResponded: 'Survey Responded',
  supportTicketCreated: 'Support Ticket Created',
  supportTicketResolved: 'Support Ticket Resolved',
  emailSent: 'Email Sent',
  emailDropped: 'Email Dropped',
  emailDeferred: 'Email Deferred',
  emailFailed: 'Email Failed',
  smsSent: 'SMS Sent',
  smsBounced: 'SMS Bounced',
  smsFailed: 'SMS Failed',
  smsLinkClicked: 'SMS Link Clicked',
  pushSent: 'Push Sent',
  pushDelivered: 'Push Delivered',
  pushFailed: 'Push Failed',
  pushNotificationSent: 'Push Notification Sent',
  pushNotificationDelivered: 'Push Notification Delivered',
  pushNotificationBounced: 'Push Notification Bounced',
  pushNotificationOpened: 'Push Notification Opened',
  pushNotificationTapped: 'Push Notification Tapped',
  messageSent: 'Message Sent',
  messageDelivered: 'Message Delivered',
  webhookDelivered: 'Webhook Delivered',
  webhookFailed: 'Webhook Failed',
  inAppMessageSent: 'In-App Message Sent',
  inAppMessageViewed: 'In-App Message Viewed',
  inAppMessageClicked: 'In-App Message Clicked',
} as const;

/**
 * The support vocabulary: helpdesk tickets (Chatwoot conversations, Zendesk tickets, any
 * other tool's through the generic receiver) as the customer's own touchpoints (type
 * `track`), written by the helpdesk receivers (docs/helpdesk.md).
 */
export const SUPPORT_EV = {
  ticketCreated: 'Ticket Created',
  ticketReplied: 'Ticket Replied',
  ticketSolved: 'Ticket Solved',
  ticketReopened: 'Ticket Reopened',
  ticketRated: 'Ticket Rated',
} as const;

/** Every event name Tenure knows, by a short key: `EV.orderCompleted` is `'Order Completed'`. */
export const EV = { ...TENURE_EV, ...SEMANTIC_EV, ...SUPPORT_EV } as const;

/**
 * The events the timeline writer writes: Tenure's own, the support events, and the semantic
 * ones Tenure records for the customer (a survey answered through Tenure, a helpdesk rating).
 */
export type TenureEventName = (typeof TENURE_EV)[keyof typeof TENURE_EV] | (typeof SUPPORT_EV)[keyof typeof SUPPORT_EV] | typeof SEMANTIC_EV.surveyResponded;
export type KnownEventName = (typeof EV)[keyof typeof EV];

/** `Lifecycle Stage Changed`: one move of the stage engine. */
export interface StageChangedProps {
  from: string | null;
  to: string;
  pattern: string;
  reason: string;
  model: string;
  /** The messageId of the event that caused the move (null: time passing). */
  triggerMessageId: string | null;
}

/** `Segment Entered` / `Segment Exited`. */
export interface SegmentMoveProps {
  segmentId: string;
  segmentName: string;
}

/** `Journey Entered`. */
export interface JourneyEnteredProps {
  journeyId: string;
  journeyName: string;
  version: number;
}

/** `Journey Ended`. */
export interface JourneyEndedProps {
  journeyId: string;
  journeyName: string;
  outcome: string;
  reason?: string | null;
  variant?: string | null;
}

/** What became of a message Tenure sent (`Email Delivered`, `SMS Delivered`, `Email Bounced`, `Message Failed`), and the reactions to it. */
export interface MessageEventProps {
  messageId: number;
  channel?: string;
  journeyId?: string | null;
  stepId?: string | null;
  templateId?: string | null;
  variant?: string | null;
  reason?: string;
  /** `Email Link Clicked`: the link followed. */
  url?: string;
  /** `Email Bounced` reported by a provider after acceptance. */
  hard?: boolean;
}

/** `Subscribed` / `Unsubscribed`: a consent change. */
export interface ConsentProps {
  groupId: string | null;
  channel?: string;
  all: boolean;
  source: string;
  messageId?: number | null;
}

/** `Churn Risk Raised`: the risk crossed the threshold upwards. */
export interface ChurnRiskRaisedProps {
  score: number;
  previousScore: number;
  threshold: number;
  factors: unknown[];
}

/** `Health Score Dropped`: the band got worse. */
export interface HealthScoreDroppedProps {
  score: number;
  band: string;
  previousScore: number | null;
  previousBand: string | null;
  movers: unknown;
}

/** The properties of each event Tenure writes. */
export interface TenureEventProps {
  'Lifecycle Stage Changed': StageChangedProps;
  'Segment Entered': SegmentMoveProps;
  'Segment Exited': SegmentMoveProps;
  'Journey Entered': JourneyEnteredProps;
  'Journey Ended': JourneyEndedProps;
  'Email Delivered': MessageEventProps;
  'Email Bounced': MessageEventProps;
  'SMS Delivered': MessageEventProps;
  'Message Failed': MessageEventProps;
  'Email Opened': MessageEventProps;
  'Email Link Clicked': MessageEventProps;
  'Email Marked as Spam': MessageEventProps;
  'In-App Message Read': MessageEventProps;
  'In-App Message Dismissed': MessageEventProps;
  Subscribed: ConsentProps;
  Unsubscribed: ConsentProps;
  'Churn Risk Raised': ChurnRiskRaisedProps;
  'Health Score Dropped': HealthScoreDroppedProps;
  'Survey Responded': SurveyRespondedProps;
  'Survey Commented': SurveyFollowUpProps;
  'Survey Dismissed': SurveyFollowUpProps;
  'Ticket Created': TicketProps;
  'Ticket Replied': TicketRepliedProps;
  'Ticket Solved': TicketSolvedProps;
  'Ticket Reopened': TicketReopenedProps;
  'Ticket Rated': TicketRatedProps;
  'Loyalty Enrolled': LoyaltyEnrolledProps;
  'Points Earned': PointsProps;
  'Points Released': PointsProps;
  'Points Redeemed': PointsProps;
  'Points Expired': PointsProps;
  'Points Adjusted': PointsProps;
  'Points Reversed': PointsProps;
  'Points Transferred': PointsProps;
  'Redemption Cancelled': PointsProps;
  'Tier Changed': TierChangedProps;
  'Referral Attributed': ReferralProps;
  'Referral Held': ReferralProps;
  'Referral Blocked': ReferralProps;
  'Referral Rewarded': ReferralProps;
  'Referral Clawed Back': ReferralProps;
}

/** `Loyalty Enrolled`: the customer joined the programme (or was put in its holdout: `holdout` true, no points). */
export interface LoyaltyEnrolledProps {
  holdout: boolean;
  source: string;
}

/**
 * Every points move (`Points Earned`, `Released`, `Redeemed`, `Expired`, `Adjusted`, `Reversed`,
 * `Transferred`, `Redemption Cancelled`): the ledger entry, the change and the balances after it.
 */
export interface PointsProps {
  entry_id: number;
  kind: string;
  /** The change of this member's spendable balance (negative: taken). */
  points: number;
  /** The change of this member's pending points. */
  pending_points: number;
  balance: number;
  pending_balance: number;
  rule_id?: string;
  rule_name?: string;
  order_id?: string;
  reward_id?: string;
  redemption_id?: number;
  reason?: string;
  /** `Points Transferred`: the other member's userId (or customer id). */
  counterparty?: string;
  referral_id?: number;
}

/** `Tier Changed`: up at once when the measure reaches a tier's entry; down at a term review. */
export interface TierChangedProps {
  from: string | null;
  to: string;
  direction: 'up' | 'down';
  measure: 'points' | 'spend';
  value: number;
  reason: string;
}

/** The referral events, on the side they concern (`role`): the friend's attribution, a decision, a reward, a clawback. */
export interface ReferralProps {
  referral_id: number;
  code: string;
  role: 'advocate' | 'friend';
  via?: 'link' | 'code';
  decision?: string;
  reasons?: string[];
  order_id?: string;
  points?: number;
  reward_id?: string;
}

/** What every support event carries: the helpdesk (`chatwoot`, `zendesk`, `generic`), the connection and the tool's ticket id. */
export interface TicketProps {
  source: string;
  connection_id: string;
  ticket_id: string;
  /** The requester's organisation as the helpdesk names it, when it does. */
  organization?: string;
}

/** `Ticket Replied`: an agent's public reply; the first one carries the first response time. */
export interface TicketRepliedProps extends TicketProps {
  first_response: boolean;
  /** Seconds from the ticket's creation to this reply (the first reply only). */
  first_response_seconds?: number;
}

/** `Ticket Solved`: the ticket solved (resolved, closed); `resolution_seconds` from its creation. */
export interface TicketSolvedProps extends TicketProps {
  resolution_seconds?: number;
  /** 1 for the first solve, 2 after one reopen, … */
  solve: number;
}

/** `Ticket Reopened`: a solved ticket opened again. */
export interface TicketReopenedProps extends TicketProps {
  reopens: number;
}

/** `Ticket Rated`: the requester's satisfaction rating; `score` normalised to 0–1 from `raw_score` on `scale_min`..`scale_max`. */
export interface TicketRatedProps extends TicketProps {
  score: number;
  raw_score: number;
  scale_min: number;
  scale_max: number;
  comment?: string;
}

/** `Order Completed` as Tenure reads it: the value is `revenue`, else `total` (a number or a numeric string). */
export interface OrderCompletedProps {
  order_id?: string;
  revenue?: number | string;
  total?: number | string;
  currency?: string;
  products?: Array<{ product_id?: string; sku?: string; name?: string; price?: number; quantity?: number }>;
}

/** `Order Refunded`: `revenue`, else `total`, else `amount`; naming only `order_id` refunds that order's whole value. */
export interface OrderRefundedProps {
  order_id?: string;
  revenue?: number | string;
  total?: number | string;
  amount?: number | string;
}

/**
 * `Survey Responded`: NPS (0–10), CSAT (1–5) or CES (1–7). Customers' own tools may send it
 * with `type` and `score` only; Tenure's surveys add the rest (snake_case, as Segment's
 * properties are).
 */
export interface SurveyRespondedProps {
  type?: 'nps' | 'csat' | 'ces' | string;
  score?: number;
  comment?: string;
  /** `detractor` / `passive` / `promoter` (NPS), `unsatisfied` / `neutral` / `satisfied` (CSAT), `difficult` / `neutral` / `easy` (CES). */
  band?: string;
  sentiment?: 'negative' | 'neutral' | 'positive';
  survey_id?: string;
  survey_name?: string;
  survey_version?: number;
  response_id?: number;
  invitation_id?: number;
  channel?: string;
  round?: string;
  scale_min?: number;
  scale_max?: number;
  /** Where a helpdesk rating came from (`chatwoot`, `zendesk`, …), with its ticket. */
  source?: string;
  ticket_id?: string;
}

/** `Survey Commented`: the follow-up text, on the response its score made. `Survey Dismissed`: an in-app survey closed unanswered. */
export interface SurveyFollowUpProps {
  survey_id: string;
  invitation_id: number;
  response_id?: number;
  type: string;
  band?: string;
  comment?: string;
  channel: string;
}

/** `Subscription Started` / `Updated` / `Cancelled`: the recurring revenue is `mrr`. */
export interface SubscriptionProps {
  plan?: string;
  mrr?: number | string;
  subscription_id?: string;
}

/** `Feature Used`: the feature-adoption KPI filters on `feature`. */
export interface FeatureUsedProps {
  feature?: string;
}
