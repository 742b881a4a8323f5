/**
 * Realistic Segment traffic for the ingestion benchmarks: what analytics.js and the
 * server SDKs send for a shop with logged-in and anonymous visitors. Everything is drawn
 * from a seeded PRNG (except messageIds, which are random UUIDs so reruns never collide).
 */
import { randomUUID } from 'node:crypto';

/** Segment call as sent on the wire (a JSON object). */
export type Call = Record<string, unknown>;

/** What the generator needs: a PRNG and the size of the user pool. */
export interface TrafficShape {
  rand: () => number;
  /** Known users `user-0 … user-(users-1)`; each also has a stable device anonymousId. */
  users: number;
  /** Share of calls from visitors who have not identified (anonymousId only). */
  anonymousShare?: number;
  /**
   * Share of known users' track calls that are the example journeys' trigger events
   * (`Signed Up`, `Checkout Started`, `Trial Started`, 3:2:1). Absent or 0: none, and the
   * PRNG sequence is exactly the traffic of issue #4 (bench/segments-ingest.ts relies on it).
   */
  journeyShare?: number;
}

/** The example journeys' event triggers (src/server/demo/example-journeys.ts), weighted 3:2:1. */
const JOURNEY_EVENTS = ['Signed Up', 'Signed Up', 'Signed Up', 'Checkout Started', 'Checkout Started', 'Trial Started'] as const;

const UAS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 Edg/123.0.0.0',
];
const LOCALES = [
  ['en-US', 'America/New_York'],
  ['en-GB', 'Europe/London'],
  ['de-DE', 'Europe/Berlin'],
  ['fr-FR', 'Europe/Paris'],
] as const;
const PAGES = [
  ['/', 'Home'],
  ['/pricing', 'Pricing'],
  ['/coffee/ethiopia-yirgacheffe', 'Ethiopia Yirgacheffe'],
  ['/coffee/colombia-huila', 'Colombia Huila'],
  ['/subscriptions', 'Subscriptions'],
  ['/blog/brewing-guide-v60', 'V60 brewing guide'],
] as const;
const REFERRERS = ['https://www.google.com/', 'https://www.instagram.com/', 'https://news.ycombinator.com/', 'https://shop.example/'];
const CAMPAIGNS = [
  { source: 'google', medium: 'cpc', name: 'brand-search', term: 'specialty coffee' },
  { source: 'newsletter', medium: 'email', name: 'spring-roast-2024' },
  { source: 'facebook', medium: 'paid_social', name: 'retargeting-q2', content: 'carousel-a' },
];
const PRODUCTS = Array.from({ length: 40 }, (_, i) => ({
  product_id: `prod_${1000 + i}`,
  sku: `CB-${1000 + i}-250G`,
  name: `Single origin #${i}`,
  category: i % 3 ? 'Beans' : 'Equipment',
  price: 9.5 + (i % 7) * 2.25,
}));
const FEATURES = ['subscription_paused', 'grind_size_changed', 'delivery_rescheduled', 'gift_card_redeemed', 'review_written'];

/** Pick one element of a non-empty array. */
function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)]!;
}

/** The identity fields of one call: a known user (with their device id) or an anonymous visitor. */
function identity(s: TrafficShape): { ids: Call; user: number | null } {
  const u = Math.floor(s.rand() * s.users);
  if (s.rand() < (s.anonymousShare ?? 0.15)) {
    // Half the anonymous traffic is known users' devices before they log in (they link up
    // when the user identifies), half is visitors who never do.
    const anon = s.rand() < 0.5 ? `anon-${u.toString(36)}-d` : `anon-v-${Math.floor(s.rand() * s.users * 4).toString(36)}`;
    return { ids: { anonymousId: anon }, user: null };
  }
  return { ids: { userId: `user-${u}`, anonymousId: `anon-${u.toString(36)}-d` }, user: u };
}

/** Device/library context as analytics.js sends it (page is added for page calls). */
function context(s: TrafficShape, seed: number): Call {
  const [locale, timezone] = pick(s.rand, LOCALES);
  return {
    ip: `${81 + (seed % 120)}.${(seed >> 3) % 250}.${(seed >> 7) % 250}.${1 + (seed % 253)}`,
    userAgent: pick(s.rand, UAS),
    locale,
    timezone,
    library: { name: 'analytics.js', version: '2.11.1' },
  };
}

function trackCall(s: TrafficShape, known: boolean): { event: string; properties: Call } {
  if (s.journeyShare && known && s.rand() < s.journeyShare) {
    const event = pick(s.rand, JOURNEY_EVENTS);
    if (event === 'Checkout Started') return { event, properties: { order_id: `ord_${randomUUID().slice(0, 13)}`, value: Math.round(s.rand() * 9000) / 100 + 10, currency: 'USD' } };
    return { event, properties: event === 'Signed Up' ? { method: 'email' } : { plan: 'monthly' } };
  }
  const r = s.rand();
  if (r < 0.45) {
    const p = pick(s.rand, PRODUCTS);
    return { event: 'Product Viewed', properties: { ...p, currency: 'USD', url: `https://shop.example/coffee/${p.product_id}` } };
  }
  if (r < 0.6) {
    const products = Array.from({ length: 1 + Math.floor(s.rand() * 3) }, () => ({ ...pick(s.rand, PRODUCTS), quantity: 1 + Math.floor(s.rand() * 2) }));
    const revenue = Math.round(products.reduce((t, p) => t + p.price * p.quantity, 0) * 100) / 100;
    return {
      event: 'Order Completed',
      properties: { order_id: `ord_${randomUUID().slice(0, 13)}`, revenue, shipping: 4.9, tax: Math.round(revenue * 8) / 100, currency: 'USD', coupon: s.rand() < 0.2 ? 'SPRING10' : null, products },
    };
  }
  return { event: 'Feature Used', properties: { feature: pick(s.rand, FEATURES), plan: s.rand() < 0.3 ? 'pro' : 'free', surface: s.rand() < 0.5 ? 'web' : 'ios' } };
}

/** One call: ~65% track, ~25% page, ~10% identify (identify only for known users). */
export function makeCall(s: TrafficShape, now: number): Call {
  const { ids, user } = identity(s);
  const ctx = context(s, user ?? Math.floor(s.rand() * 1e6));
  // happened up to 10 s before the batch was sent, as a browser queue flush would look
  const base = { messageId: randomUUID(), timestamp: new Date(now - Math.floor(s.rand() * 10_000)).toISOString(), ...ids };
  const r = s.rand();
  if (r < 0.1 && user !== null) {
    const plan = s.rand() < 0.3 ? 'pro' : 'free';
    return { ...base, type: 'identify', traits: { email: `user${user}@example.com`, name: `Customer ${user}`, plan, createdAt: '2024-01-15T10:00:00.000Z' }, context: ctx };
  }
  if (r < 0.35) {
    const [path, title] = pick(s.rand, PAGES);
    const page = { path, url: `https://shop.example${path}`, title, referrer: pick(s.rand, REFERRERS), search: '' };
    const campaign = s.rand() < 0.25 ? { campaign: pick(s.rand, CAMPAIGNS) } : {};
    return { ...base, type: 'page', name: title, properties: page, context: { ...ctx, page, ...campaign } };
  }
  return { ...base, type: 'track', ...trackCall(s, user !== null), context: ctx };
}

/** One `/v1/batch` body of `perBatch` calls, serialised (sentAt = now). */
export function makeBody(s: TrafficShape, perBatch: number): Buffer {
  const now = Date.now();
  const batch = Array.from({ length: perBatch }, () => makeCall(s, now));
  return Buffer.from(JSON.stringify({ batch, sentAt: new Date(now).toISOString() }));
}

/** Pre-serialised bodies, generated before any timing starts. */
export function makeBodies(count: number, perBatch: number, s: TrafficShape): Buffer[] {
  return Array.from({ length: count }, () => makeBody(s, perBatch));
}

/** The calls of a body again (for the raw-insert phase, which must write the same rows). */
export function callsOf(body: Buffer): Call[] {
  return (JSON.parse(body.toString('utf8')) as { batch: Call[] }).batch;
}

/** Deterministic PRNG (mulberry32) so runs send the same shape of traffic. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
