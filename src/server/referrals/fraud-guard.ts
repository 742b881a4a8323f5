/**
 * The fraud guard's decision, pure: from the facts gathered about both sides of a referral
 * (fraud-signals.ts reads them from the identity graph) to block / hold / allow with a reason
 * per signal that fired, in words an admin can check. Each signal acts as the workspace set
 * it (settings.actions) or as DEFAULT_FRAUD_ACTIONS says; `off` signals are not reported.
 * The decision is `block` if any reason blocks, else `hold` if any holds, else `allow`.
 */
import { DEFAULT_FRAUD_ACTIONS, type DecisionReason, type FraudAction, type FraudSignal, type ReferralDecision, type ReferralSettings } from '../../contracts/referrals.js';
import { addressText, canonicalEmail, emailDomain, normaliseAddress } from './canonical.js';
import { isDisposableDomain } from './disposable-domains.js';

/** What is known of one side (advocate or friend) from the identity graph. */
export interface SideFacts {
  /** The customer id, following merges (customer_merges). */
  customerId: number;
  /** Every customer id the side was known as (itself and profiles merged into it). */
  formerIds: number[];
  emails: string[];
  /** traits.address values (objects or strings) the side ever had. */
  addresses: unknown[];
  /** Payment fingerprints (settings.paymentProperty) from orders and traits. */
  payments: string[];
  anonymousIds: string[];
  deviceIds: string[];
  /** IP + user agent pairs of the side's own events (the friend's: also the clicks that brought them). */
  ipUa: Array<{ ip: string; userAgent: string }>;
}

/** Everything the guard decides on. */
export interface GuardFacts {
  advocate: SideFacts;
  friend: SideFacts;
  /** The friend's `Order Completed` events before the attribution: count and first time. */
  ordersBefore: number;
  firstOrderBefore: Date | null;
  /** The advocate's attributions in the 24 h up to this one's (this one included). */
  advocateAttributions24h: number;
  /** The qualifying referral orders from the friend's order IP in the 24 h up to this order (this one included). */
  ipOrders24h: number;
  orderIp: string | null;
}

export type GuardSettings = Pick<ReferralSettings, 'actions' | 'velocity' | 'disposableDomains' | 'paymentProperty'>;

export interface GuardDecision {
  decision: ReferralDecision;
  reasons: DecisionReason[];
}

/** Decide a referral from its facts. */
export function decideReferral(facts: GuardFacts, settings: GuardSettings): GuardDecision {
  const reasons: DecisionReason[] = [];
  const add = (signal: FraudSignal, detail: string) => {
    const action: FraudAction = settings.actions?.[signal] ?? DEFAULT_FRAUD_ACTIONS[signal];
    if (action !== 'off') reasons.push({ signal, action, detail });
  };
  const a = facts.advocate;
  const f = facts.friend;

  const sameCustomer = a.customerId === f.customerId || a.formerIds.some((id) => f.formerIds.includes(id));
  if (sameCustomer) add('same_customer', `friend and advocate are one customer (#${a.customerId}${a.customerId !== f.customerId ? ` and #${f.customerId} share a merged profile` : ''})`);

  if (!sameCustomer) {
    const anon = firstShared(a.anonymousIds, f.anonymousIds);
    const device = firstShared(a.deviceIds, f.deviceIds);
    if (anon !== null) add('shared_device', `friend and advocate both used anonymous id ${anon}`);
    else if (device !== null) add('shared_device', `friend and advocate both used device ${device}`);

    const email = sharedCanonical(a.emails, f.emails, canonicalEmail);
    if (email) add('same_email', email.a === email.f ? `friend and advocate share the email ${email.f}` : `friend's email ${email.f} is the advocate's ${email.a} once canonical`);

    const addr = sharedCanonical(a.addresses, f.addresses, normaliseAddress);
    if (addr) add('same_address', `friend's address "${addressText(addr.f)}" is the advocate's "${addressText(addr.a)}" once normalised`);

    const pay = firstShared(a.payments, f.payments);
    if (pay !== null) add('same_payment', `friend and advocate paid with the same ${settings.paymentProperty} ${pay}`);

    const ipUa = firstShared(
      a.ipUa.map((x) => `${x.ip}\u0000${x.userAgent}`),
      f.ipUa.map((x) => `${x.ip}\u0000${x.userAgent}`),
    );
    if (ipUa !== null) {
      const [ip, ua] = ipUa.split('\u0000');
      add('same_ip_ua', `friend and advocate came from IP ${ip} with the same browser (${ua})`);
    }
  }

  if (facts.ordersBefore > 0) {
    add(
      'existing_customer',
      `the friend had ${facts.ordersBefore} order${facts.ordersBefore === 1 ? '' : 's'} before the referral (first ${facts.firstOrderBefore?.toISOString().slice(0, 10) ?? '?'})`,
    );
  }
  if (facts.advocateAttributions24h > settings.velocity.perAdvocatePerDay) {
    add('advocate_velocity', `the advocate referred ${facts.advocateAttributions24h} friends in 24 hours (limit ${settings.velocity.perAdvocatePerDay})`);
  }
  if (facts.orderIp && facts.ipOrders24h > settings.velocity.ordersPerIpPerDay) {
    add('ip_velocity', `${facts.ipOrders24h} referral orders came from IP ${facts.orderIp} in 24 hours (limit ${settings.velocity.ordersPerIpPerDay})`);
  }
  const disposable = f.emails.find((e) => {
    const d = emailDomain(e);
    return d !== null && isDisposableDomain(d, settings.disposableDomains);
  });
  if (disposable) add('disposable_email', `the friend's email ${disposable} is at a disposable-address service (${emailDomain(disposable)})`);

  const decision: ReferralDecision = reasons.some((r) => r.action === 'block') ? 'block' : reasons.some((r) => r.action === 'hold') ? 'hold' : 'allow';
  return { decision, reasons };
}

function firstShared(a: readonly string[], b: readonly string[]): string | null {
  const set = new Set(a.filter((x) => x !== ''));
  return b.find((x) => set.has(x)) ?? null;
}

function sharedCanonical<T>(a: readonly T[], b: readonly T[], key: (v: T) => string | null): { a: T; f: T } | null {
  const byKey = new Map<string, T>();
  for (const v of a) {
    const k = key(v);
    if (k !== null && !byKey.has(k)) byKey.set(k, v);
  }
  for (const v of b) {
    const k = key(v);
    if (k !== null && byKey.has(k)) return { a: byKey.get(k)!, f: v };
  }
  return null;
}
