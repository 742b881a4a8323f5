import type { Condition, Duration } from '../../contracts/condition.js';
import { LifecycleModelSchema, type LifecycleModel } from '../../contracts/lifecycle.js';
import { EV } from '../../contracts/events.js';

/**
 * Lifecycle presets, written against Segment's semantic events. Event names and windows
 * are options, so a business whose order event is `Purchase` or whose customers churn
 * after 60 quiet days gets a fitting model; the result is a plain model a team can then
 * edit like any other.
 */
export interface PresetOptions {
  signedUp: string;
  orderCompleted: string;
  subscriptionStarted: string;
  subscriptionCancelled: string;
  trialStarted: string;
  productViewed: string;
  emailLinkClicked: string;
  referralSent: string;
  surveyResponded: string;
  /** No activity this long after signing up or buying: churned (non-contractual businesses). */
  churnAfterDays: number;
  /** No activity this long after buying: at risk. */
  atRiskAfterDays: number;
  /** Orders that make a loyal customer, within loyaltyWindowDays. */
  loyalOrders: number;
  loyaltyWindowDays: number;
}

export const DEFAULT_PRESET_OPTIONS: PresetOptions = {
  signedUp: EV.signedUp,
  orderCompleted: EV.orderCompleted,
  subscriptionStarted: EV.subscriptionStarted,
  subscriptionCancelled: EV.subscriptionCancelled,
  trialStarted: EV.trialStarted,
  productViewed: EV.productViewed,
  emailLinkClicked: EV.emailLinkClicked,
  referralSent: EV.referralSent,
  surveyResponded: EV.surveyResponded,
  churnAfterDays: 90,
  atRiskAfterDays: 45,
  loyalOrders: 5,
  loyaltyWindowDays: 365,
};

const days = (amount: number): Duration => ({ amount, unit: 'days' });
const did = (event: string): Condition => ({ performed: { event } });

function shared(o: PresetOptions) {
  const bought: Condition = { any: [did(o.orderCompleted), did(o.subscriptionStarted)] };
  const promoter: Condition = {
    performed: {
      event: o.surveyResponded,
      where: [
        { path: 'type', op: 'eq', value: 'nps' },
        { path: 'score', op: 'gte', value: 9 },
      ],
    },
  };
  return {
    bought,
    engaged: {
      any: [
        did(o.signedUp),
        did(o.trialStarted),
        { performed: { event: o.productViewed, count: { op: 'gte', value: 3 }, window: { within: days(30) } } },
        { performed: { event: o.emailLinkClicked, window: { within: days(30) } } },
      ],
    } satisfies Condition,
    loyal: {
      all: [bought, { any: [{ performed: { event: o.orderCompleted, count: { op: 'gte', value: o.loyalOrders }, window: { within: days(o.loyaltyWindowDays) } } }, did(o.referralSent), promoter] }],
    } satisfies Condition,
    atRisk: {
      stage: {
        key: 'at_risk',
        name: 'At risk (inactive)',
        description: `Lifecycle stage: bought, then no activity for ${o.atRiskAfterDays} days`,
        rule: { all: [bought, { lastSeen: { op: 'before', duration: days(o.atRiskAfterDays) } }] },
        touchpoints: ['win-back email', 'customer success call'],
      },
    },
    churned: {
      key: 'churned',
      name: 'Churned',
      description: `No activity for ${o.churnAfterDays} days after signing up or buying, or a cancelled subscription without a new order since`,
      rule: {
        any: [
          { all: [{ any: [did(o.signedUp), bought] }, { lastSeen: { op: 'before', duration: days(o.churnAfterDays) } }] },
          { all: [did(o.subscriptionCancelled), { not: { lastPerformed: { event: o.orderCompleted, op: 'within', duration: days(30) } } }] },
        ],
      } satisfies Condition,
      touchpoints: ['win-back campaign', 'exit survey'],
    },
  };
}

/** The five stages most teams use: awareness → engagement → conversion → retention → loyalty, plus at_risk and churned. */
export function defaultPreset(options: Partial<PresetOptions> = {}): LifecycleModel {
  const o = { ...DEFAULT_PRESET_OPTIONS, ...options };
  const s = shared(o);
  return LifecycleModelSchema.parse({
    name: 'Default (five stages)',
    stages: [
      { key: 'awareness', name: 'Awareness', description: 'Has found us: a visit, an ad click, a referral link', touchpoints: ['paid ads', 'organic search', 'social', 'referral'] },
      {
        key: 'engagement',
        name: 'Engagement',
        description: 'Signed up, started a trial, or keeps coming back',
        rule: s.engaged,
        expectedDays: 30,
        touchpoints: ['onboarding email', 'product pages', 'newsletter'],
      },
      { key: 'conversion', name: 'Conversion', description: 'First order or subscription', rule: s.bought, expectedDays: 45, touchpoints: ['checkout', 'order confirmation'] },
      {
        key: 'retention',
        name: 'Retention',
        description: 'Bought again, or subscribed for two months',
        rule: { any: [{ performed: { event: o.orderCompleted, count: { op: 'gte', value: 2 } } }, { lastPerformed: { event: o.subscriptionStarted, op: 'before', duration: days(60) } }] },
        touchpoints: ['replenishment reminder', 'subscription'],
      },
      {
        key: 'loyalty',
        name: 'Loyalty & advocacy',
        description: `${o.loyalOrders}+ orders in ${o.loyaltyWindowDays} days, a referral, or an NPS promoter`,
        rule: s.loyal,
        touchpoints: ['referral programme', 'reviews', 'loyalty points'],
      },
    ],
    atRisk: s.atRisk.stage,
    churned: s.churned,
  });
}

/** Six stages for product-led businesses: awareness, acquisition, activation, engagement, retention, loyalty. */
export function activationPreset(options: Partial<PresetOptions> = {}): LifecycleModel {
  const o = { ...DEFAULT_PRESET_OPTIONS, ...options };
  const s = shared(o);
  return LifecycleModelSchema.parse({
    name: 'Activation (six stages)',
    stages: [
      { key: 'awareness', name: 'Awareness', touchpoints: ['ads', 'content', 'search'] },
      {
        key: 'acquisition',
        name: 'Acquisition',
        description: 'Signed up or started a trial',
        rule: { any: [did(o.signedUp), did(o.trialStarted)] },
        expectedDays: 7,
        touchpoints: ['sign-up flow', 'welcome email'],
      },
      { key: 'activation', name: 'Activation', description: 'Reached the first moment of value: a first order', rule: s.bought, expectedDays: 30, touchpoints: ['onboarding', 'in-app guides'] },
      {
        key: 'engagement',
        name: 'Engagement',
        description: 'Active in the last 30 days after activating',
        rule: { all: [s.bought, { lastSeen: { op: 'within', duration: days(30) } }, { performed: { event: o.orderCompleted, count: { op: 'gte', value: 2 } } }] },
        touchpoints: ['product', 'newsletter'],
      },
      {
        key: 'retention',
        name: 'Retention',
        description: 'Three or more orders',
        rule: { performed: { event: o.orderCompleted, count: { op: 'gte', value: 3 } } },
        touchpoints: ['replenishment reminder'],
      },
      { key: 'loyalty', name: 'Loyalty', rule: s.loyal, touchpoints: ['referral programme', 'community'] },
    ],
    atRisk: s.atRisk.stage,
    churned: s.churned,
  });
}

/**
 * B2B: awareness, engagement, education, evaluation, conversion, loyalty, evaluated on
 * each person and on each account (its traits and all its members' events).
 */
export function b2bPreset(options: Partial<PresetOptions> = {}): LifecycleModel {
  const o = { ...DEFAULT_PRESET_OPTIONS, ...options };
  const s = shared(o);
  return LifecycleModelSchema.parse({
    name: 'B2B',
    evaluateAccounts: true,
    stages: [
      { key: 'awareness', name: 'Awareness', touchpoints: ['events', 'content', 'outbound'] },
      {
        key: 'engagement',
        name: 'Engagement',
        description: 'A lead: signed up or was created by sales',
        rule: { any: [did(o.signedUp), did(EV.leadCreated)] },
        touchpoints: ['webinars', 'newsletter'],
      },
      {
        key: 'education',
        name: 'Education',
        description: 'Reads and clicks: three product views or an email click in 30 days',
        rule: {
          any: [{ performed: { event: o.productViewed, count: { op: 'gte', value: 3 }, window: { within: days(30) } } }, { performed: { event: o.emailLinkClicked, window: { within: days(30) } } }],
        },
        touchpoints: ['case studies', 'docs'],
      },
      {
        key: 'evaluation',
        name: 'Evaluation',
        description: 'In a trial or talking to sales',
        rule: { any: [did(o.trialStarted), did(EV.leadContacted)] },
        expectedDays: 30,
        touchpoints: ['trial', 'demo call'],
      },
      { key: 'conversion', name: 'Conversion', rule: s.bought, touchpoints: ['contract', 'kick-off'] },
      { key: 'loyalty', name: 'Loyalty', rule: s.loyal, touchpoints: ['QBR', 'advocacy'] },
    ],
    atRisk: s.atRisk.stage,
    churned: s.churned,
  });
}

export const PRESETS = { default: defaultPreset, activation: activationPreset, b2b: b2bPreset } as const;
