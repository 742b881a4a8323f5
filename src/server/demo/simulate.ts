import { CHANNELS, COUNTRIES, FEATURES, FIRST_NAMES, INDUSTRIES, LAST_NAMES, PLANS, PRODUCTS, SITE, USER_AGENTS, type ChannelSpec } from './catalog.js';
import { Rng } from '../lib/rng.js';
import { EV } from '../../contracts/events.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** One generated event, before ids are assigned. */
export interface DemoEvent {
  type: 'track' | 'identify' | 'page' | 'group';
  event: string | null;
  /** Sent before sign-up: anonymous only. */
  anonymous: boolean;
  ts: number;
  properties: Record<string, unknown>;
  traits: Record<string, unknown> | null;
  context: Record<string, unknown>;
  groupId?: string;
}

/** One generated customer with its whole history. */
export interface DemoCustomer {
  index: number;
  userId: string | null;
  anonymousId: string;
  channel: string;
  acquiredAt: number;
  company: number | null;
  events: DemoEvent[];
  /** Set when this customer sent referrals (others can name them as referrer). */
  promoter: boolean;
}

export interface SimulationEnv {
  start: number;
  now: number;
  companies: number;
  /** Promoters signed up so far, for referral-channel customers to name. */
  promoters: Array<{ userId: string; index: number; since: number }>;
  /** Referral completions to add to referrers' timelines. */
  referralCompletions: Array<{ referrerIndex: number; referredUserId: string; ts: number }>;
}

/** Simulate one customer acquired at `acquiredAt`: visits, sign-up, sessions, orders, subscription, support, email, surveys, referrals. */
export function simulateCustomer(rng: Rng, index: number, acquiredAt: number, env: SimulationEnv, visitorOnly: boolean): DemoCustomer {
  const channel = rng.weighted(CHANNELS.map((c) => [c, c.weight] as const));
  const [country, timezone, locale] = rng.weighted(COUNTRIES.map((c) => [c, c[3]] as const));
  const anonymousId = rng.uuid();
  const userAgent = rng.pick(USER_AGENTS);
  const ip = `${rng.int(11, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
  const events: DemoEvent[] = [];
  const web = (extra: Record<string, unknown> = {}) => ({ ip, userAgent, locale, timezone, library: { name: 'analytics.js', version: '2.11.1' }, ...extra });
  const server = { library: { name: 'analytics-node', version: '2.1.0' } };
  const end = env.now;
  const push = (e: Omit<DemoEvent, 'anonymous' | 'traits' | 'properties' | 'context'> & Partial<DemoEvent>) => {
    if (e.ts <= end) events.push({ anonymous: false, traits: null, properties: {}, context: server, ...e });
  };
  const page = (ts: number, path: string, anonymous: boolean, first?: ChannelSpec) => {
    const page = { path, url: `${SITE}${path}`, title: path === '/' ? 'Brewline Coffee' : path.slice(1), ...(first?.referrer ? { referrer: first.referrer } : {}) };
    const campaign = first?.campaign ? { source: first.campaign.source, medium: first.campaign.medium, name: rng.pick(first.campaign.names) } : undefined;
    push({ type: 'page', event: path === '/' ? 'Home' : path.slice(1), ts, anonymous, properties: page, context: web({ page, ...(campaign ? { campaign } : {}) }) });
  };

  // Browsing that ends in no order (product views, abandoned checkouts) draws from a generator
  // of its own, seeded by the customer, so the rest of the history is what it was without it.
  const shop = new Rng(seedOf(anonymousId));
  /** Look at 1 to `most` products from `ts` on; sometimes put one in the cart and start a checkout that is left. */
  const browse = (ts: number, anonymous: boolean, most: number, abandon: number) => {
    const views = shop.int(1, most);
    for (let i = 0; i < views; i++) push({ type: 'track', event: EV.productViewed, ts: ts + i * 45_000, anonymous, properties: productProps(shop.pick(PRODUCTS)), context: web() });
    if (!anonymous && shop.chance(abandon)) {
      const p = shop.pick(PRODUCTS);
      push({ type: 'track', event: EV.productAdded, ts: ts + views * 45_000, properties: { ...productProps(p), quantity: 1 }, context: web() });
      push({ type: 'track', event: EV.checkoutStarted, ts: ts + views * 45_000 + 30_000, properties: { value: p.price, currency: 'USD' }, context: web() });
    }
  };

  // Anonymous visits before sign-up; the first carries the acquisition channel. Shop visits look at products.
  const visits = rng.int(1, 4);
  let t = acquiredAt - rng.exp(3 * DAY);
  for (let v = 0; v < visits; v++) {
    const path = v === 0 ? '/' : rng.pick(['/shop', '/subscriptions', '/brew-guides', '/about']);
    page(t, path, true, v === 0 ? channel : undefined);
    if (path === '/shop' && shop.chance(0.6)) browse(t + 30_000, true, 2, 0);
    t += rng.exp(DAY / 2) + 60_000;
  }
  if (visitorOnly) return { index, userId: null, anonymousId, channel: channel.key, acquiredAt, company: null, events, promoter: false };

  const userId = `cus_${String(index).padStart(6, '0')}`;
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const company = rng.chance(0.3) ? rng.int(0, env.companies - 1) : null;
  const engagement = rng.beta(2, 3);
  let aliveUntil = acquiredAt + rng.exp(260 * DAY * (0.4 + engagement));
  const traits: Record<string, unknown> = {
    email: `${first}.${last}.${index}@example.com`.toLowerCase().replace(/[^a-z0-9.@-]/g, ''),
    name: `${first} ${last}`,
    first_name: first,
    country,
    timezone,
    locale,
    plan: 'free',
    created_at: new Date(acquiredAt).toISOString(),
  };

  if (company !== null) {
    push({ type: 'track', event: EV.leadCreated, ts: acquiredAt - rng.exp(2 * DAY) - HOUR, properties: { source: channel.key, company: `Company ${company}` } });
    push({ type: 'track', event: EV.leadContacted, ts: acquiredAt - rng.exp(DAY / 2), properties: { by: 'sdr', medium: rng.pick(['email', 'call']) } });
  }
  push({ type: 'track', event: EV.signedUp, ts: acquiredAt, properties: { method: rng.pick(['email', 'google', 'apple']) }, context: web() });
  push({ type: 'identify', event: null, ts: acquiredAt + 1000, traits: { ...traits, ...(company !== null ? { company: `Company ${company}` } : {}) }, context: web() });
  if (company !== null) {
    push({
      type: 'group',
      event: null,
      ts: acquiredAt + 2000,
      groupId: `acct_${company}`,
      traits: { name: `Company ${company}`, industry: INDUSTRIES[company % INDUSTRIES.length], employees: 5 + ((company * 37) % 400) },
    });
  }

  // Purchases (BG/NBD-like: a personal rate and a chance to drop out after each order).
  const rate = rng.gamma(1.4, 0.016);
  const dropout = rng.beta(1.2, 4);
  const taste = rng.chance(0.25) ? 'gear' : 'beans';
  let orders = 0;
  let revenue = 0;
  const order = (ts: number) => {
    for (let i = rng.int(1, 3); i > 0; i--) push({ type: 'track', event: EV.productViewed, ts: ts - i * 90_000, properties: productProps(rng.pick(PRODUCTS)), context: web() });
    const items = Array.from({ length: rng.int(1, 3) }, () => {
      const p = rng.chance(0.7) ? rng.pick(PRODUCTS.filter((x) => x.category === taste)) : rng.pick(PRODUCTS);
      return { ...productProps(p), quantity: rng.chance(0.8) ? 1 : 2 };
    });
    const total = Math.round(items.reduce((s, it) => s + it.price * it.quantity, 0) * 100) / 100;
    push({ type: 'track', event: EV.productAdded, ts: ts - 60_000, properties: items[0]!, context: web() });
    push({ type: 'track', event: EV.checkoutStarted, ts: ts - 30_000, properties: { value: total, currency: 'USD' }, context: web() });
    orders++;
    revenue += total;
    push({ type: 'track', event: EV.orderCompleted, ts, properties: { order_id: `ord_${index}_${orders}`, revenue: total, currency: 'USD', products: items } });
  };
  if (rng.chance(0.65)) {
    let ts = acquiredAt + rng.exp(4 * DAY) + HOUR;
    while (ts < Math.min(end, aliveUntil + 20 * DAY)) {
      order(ts);
      if (rng.chance(dropout)) {
        aliveUntil = Math.min(aliveUntil, ts + rng.exp(30 * DAY));
        break;
      }
      ts += rng.exp(1 / rate) * DAY + HOUR;
    }
  }

  // Subscription: trial, conversion, upgrades, cancellation.
  if (rng.chance(0.45)) {
    push({ type: 'track', event: EV.trialStarted, ts: acquiredAt + 5 * 60_000, properties: { plan: 'starter', trial_days: 14 } });
    if (rng.chance(0.25 + 0.4 * engagement)) {
      let plan: (typeof PLANS)[number] = company !== null && rng.chance(0.4) ? PLANS[2] : rng.chance(0.7) ? PLANS[0] : PLANS[1];
      let ts = acquiredAt + 14 * DAY;
      push({ type: 'track', event: EV.subscriptionStarted, ts, properties: { plan: plan.key, mrr: plan.mrr, interval: 'month' } });
      push({ type: 'identify', event: null, ts: ts + 1000, traits: { plan: plan.key } });
      for (let month = 0; ts < end; month++) {
        push({ type: 'track', event: EV.orderCompleted, ts, properties: { order_id: `sub_${index}_${month}`, revenue: plan.mrr, currency: 'USD', subscription: true, plan: plan.key } });
        revenue += plan.mrr;
        if (plan === PLANS[0] && rng.chance(0.04 + 0.06 * engagement)) {
          plan = PLANS[1];
          push({ type: 'track', event: EV.subscriptionUpdated, ts: ts + DAY, properties: { plan: plan.key, previous_plan: 'starter', mrr: plan.mrr } });
          push({ type: 'identify', event: null, ts: ts + DAY + 1000, traits: { plan: plan.key } });
        }
        if (rng.chance(0.07 - 0.05 * engagement) || ts > aliveUntil + 45 * DAY) {
          const at = ts + rng.int(1, 25) * DAY;
          push({ type: 'track', event: EV.subscriptionCancelled, ts: at, properties: { plan: plan.key, mrr: plan.mrr, reason: rng.pick(['price', 'too much coffee', 'moving', 'quality', 'other']) } });
          push({ type: 'identify', event: null, ts: at + 1000, traits: { plan: 'free' } });
          if (rng.chance(0.7)) aliveUntil = Math.min(aliveUntil, at + rng.exp(10 * DAY));
          break;
        }
        ts += 30 * DAY;
      }
    }
  }

  // Sessions while active: app opens, page views, feature use, the odd abandoned checkout.
  const sessionsPerDay = 0.05 + 0.33 * engagement;
  for (let ts = acquiredAt + rng.exp(1 / sessionsPerDay) * DAY; ts < Math.min(end, aliveUntil); ts += rng.exp(1 / sessionsPerDay) * DAY) {
    push({ type: 'track', event: EV.applicationOpened, ts, properties: { from_background: rng.chance(0.5) }, context: web() });
    for (let p = rng.int(1, 3); p > 0; p--) page(ts + p * 40_000, rng.pick(['/shop', '/account', '/brew-guides', '/subscriptions']), false);
    if (rng.chance(0.6)) push({ type: 'track', event: EV.featureUsed, ts: ts + 100_000, properties: { feature: rng.pick(FEATURES) }, context: web() });
    if (shop.chance(SESSION_BROWSE)) browse(ts + 120_000, false, 3, SESSION_ABANDON);
    if (rng.chance(0.05)) push({ type: 'track', event: EV.checkoutStarted, ts: ts + 150_000, properties: { value: rng.pick(PRODUCTS).price, currency: 'USD' }, context: web() });
    if (rng.chance(0.012)) {
      const opened = ts + 200_000;
      push({
        type: 'track',
        event: EV.supportTicketCreated,
        ts: opened,
        properties: { ticket_id: `t_${index}_${Math.round(ts)}`, topic: rng.pick(['delivery', 'billing', 'grind size', 'damaged bag']), priority: rng.pick(['low', 'normal', 'high']) },
      });
      const resolved = opened + rng.exp(10 * HOUR);
      push({ type: 'track', event: EV.supportTicketResolved, ts: resolved, properties: { ticket_id: `t_${index}_${Math.round(ts)}` } });
      if (rng.chance(0.5))
        push({ type: 'track', event: EV.surveyResponded, ts: resolved + HOUR, properties: { type: 'csat', score: clamp(Math.round(3 + 2 * engagement + rng.normal(0, 0.9)), 1, 5) } });
    }
  }

  // Fortnightly newsletter until unsubscribed; engagement fades after churn.
  for (let ts = acquiredAt + 3 * DAY, n = 0; ts < end; ts += 14 * DAY, n++) {
    const campaign = `newsletter-${Math.floor(ts / (14 * DAY))}`;
    push({ type: 'track', event: EV.emailDelivered, ts, properties: { campaign, subject: 'This fortnight’s roast' } });
    const active = ts < aliveUntil;
    if (rng.chance(active ? 0.12 + 0.4 * engagement : 0.04)) {
      push({ type: 'track', event: EV.emailOpened, ts: ts + rng.exp(6 * HOUR), properties: { campaign } });
      if (rng.chance(0.22)) push({ type: 'track', event: EV.emailLinkClicked, ts: ts + rng.exp(8 * HOUR) + HOUR, properties: { campaign, link: `${SITE}/shop` } });
    }
    if (rng.chance(active ? 0.004 : 0.015)) {
      push({ type: 'track', event: EV.unsubscribed, ts: ts + DAY, properties: { campaign, list: 'newsletter' } });
      break;
    }
  }

  // Win-back: some lapsed buyers return months later through a win-back email.
  if (orders > 0 && rng.chance(0.2)) {
    const back = Math.max(aliveUntil, acquiredAt) + (60 + rng.exp(80)) * DAY;
    if (back < end) {
      push({ type: 'track', event: EV.emailDelivered, ts: back - 2 * DAY, properties: { campaign: 'win-back', subject: 'We saved you a bag' } });
      push({ type: 'track', event: EV.emailLinkClicked, ts: back - DAY, properties: { campaign: 'win-back', link: `${SITE}/shop` } });
      order(back);
    }
  }

  // NPS a month in, CES after the first order; promoters refer friends. The score follows the
  // customer's first month: engagement, orders, support tickets, a cancelled subscription.
  // The answer and the referrals draw from a generator of their own (as the browsing does).
  let promoter = false;
  const survey = new Rng(seedOf(`${anonymousId}:nps`));
  if (survey.chance(0.4) && acquiredAt + 30 * DAY < Math.min(end, aliveUntil + 10 * DAY)) {
    const at = acquiredAt + 30 * DAY;
    const score = npsScore(
      engagement,
      events.filter((e) => e.ts < at),
      survey.normal(0, 1.5),
    );
    push({ type: 'track', event: EV.surveyResponded, ts: at, properties: { type: 'nps', score, comment: score >= 9 ? 'Love the beans' : score <= 6 ? 'Deliveries are slow' : '' } });
    if (score >= 9 && survey.chance(0.55)) {
      promoter = true;
      for (let r = survey.int(1, 4); r > 0; r--) push({ type: 'track', event: EV.referralSent, ts: at + r * survey.exp(5 * DAY), properties: { channel: survey.pick(['link', 'email', 'whatsapp']) } });
    }
  }
  if (orders > 0 && rng.chance(0.12)) push({ type: 'track', event: EV.surveyResponded, ts: acquiredAt + 6 * DAY, properties: { type: 'ces', score: rng.int(1, 7) } });

  const eligible = channel.key === 'referral' ? env.promoters.filter((p) => p.since < acquiredAt) : [];
  if (eligible.length > 0) {
    const referrer = eligible[Math.floor(rng.next() * eligible.length)]!;
    push({ type: 'identify', event: null, ts: acquiredAt + 3000, traits: { referred_by: referrer.userId } });
    if (orders > 0) env.referralCompletions.push({ referrerIndex: referrer.index, referredUserId: userId, ts: acquiredAt + 4 * DAY });
  }
  events.sort((a, b) => a.ts - b.ts);
  return { index, userId, anonymousId, channel: channel.key, acquiredAt, company, events, promoter };
}

/** Share of sessions that look at products, and of those that then start a checkout and leave it. */
const SESSION_BROWSE = 0.45;
const SESSION_ABANDON = 0.12;

/**
 * A month-one NPS answer (0–10) from what the customer lived through by then: a healthy shop
 * scores around +30 (on the 600-customer demo: 45% promoters, 12% detractors). Engagement
 * (0–1, mean 0.4) moves it ±1 or so; each order up to two adds 0.5; a support ticket takes
 * 1.5 off, a cancelled subscription 2; `noise` is the rest of the person.
 */
export function npsScore(engagement: number, before: ReadonlyArray<Pick<DemoEvent, 'event'>>, noise: number): number {
  const count = (name: string) => before.filter((e) => e.event === name).length;
  const orders = Math.min(2, count(EV.orderCompleted));
  const x = 7.8 + 3.5 * (engagement - 0.4) + 0.5 * orders - 1.5 * count(EV.supportTicketCreated) - 2 * Math.min(1, count(EV.subscriptionCancelled)) + noise;
  return clamp(Math.round(x), 0, 10);
}

/** A 32-bit seed from a string (FNV-1a). */
function seedOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function productProps(p: (typeof PRODUCTS)[number]) {
  return { product_id: p.id, sku: p.sku, name: p.name, category: p.category, price: p.price };
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, x));
}

/** Acquisition times over [start, now): growing about 2.5x over the period, busier in November and December. */
export function acquisitionTimes(rng: Rng, n: number, start: number, now: number): number[] {
  const out: number[] = [];
  const span = now - start;
  while (out.length < n) {
    const t = start + rng.next() * span;
    const month = new Date(t).getUTCMonth();
    const density = (1 + 1.5 * ((t - start) / span)) * (month >= 10 ? 1.3 : 1);
    if (rng.next() * 2.5 * 1.3 < density) out.push(t);
  }
  return out.sort((a, b) => a - b);
}
