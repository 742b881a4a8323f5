import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReferralSettingsSchema } from '../../contracts/referrals.js';
import { canonicalEmail, normaliseAddress } from './canonical.js';
import { canonicalCode, checkVanity, codeSkeleton, generateCode } from './codes.js';
import { isDisposableDomain, DISPOSABLE_DOMAINS } from './disposable-domains.js';
import { decideReferral, type GuardFacts, type SideFacts } from './fraud-guard.js';
import { linkCodeOf, checkoutCodesOf } from './attribution.js';

const settings = ReferralSettingsSchema.parse({ landingUrl: 'https://shop.example/', friendReward: { points: 100 }, advocateReward: { points: 200 } });

const side = (id: number, over: Partial<SideFacts> = {}): SideFacts => ({
  customerId: id,
  formerIds: [id],
  emails: [],
  addresses: [],
  payments: [],
  anonymousIds: [],
  deviceIds: [],
  ipUa: [],
  ...over,
});
const facts = (a: Partial<SideFacts>, f: Partial<SideFacts>, over: Partial<GuardFacts> = {}): GuardFacts => ({
  advocate: side(1, a),
  friend: side(2, f),
  ordersBefore: 0,
  firstOrderBefore: null,
  advocateAttributions24h: 1,
  ipOrders24h: 1,
  orderIp: '203.0.113.9',
  ...over,
});

describe('canonical emails', () => {
  it('folds case, gmail dots and +tags (every domain), googlemail.com', () => {
    assert.equal(canonicalEmail('J.Smith+ref@Gmail.com'), 'jsmith@gmail.com');
    assert.equal(canonicalEmail('jsmith@googlemail.com'), 'jsmith@gmail.com');
    assert.equal(canonicalEmail('ann+x@example.com'), 'ann@example.com');
    // Dots matter outside Gmail.
    assert.equal(canonicalEmail('a.nn@example.com'), 'a.nn@example.com');
    assert.notEqual(canonicalEmail('a.nn@example.com'), canonicalEmail('ann@example.com'));
    assert.equal(canonicalEmail('not an email'), null);
    assert.equal(canonicalEmail('+x@gmail.com'), null);
  });
});

describe('normalised addresses', () => {
  it('the same address written differently is one key; another number or postcode is not', () => {
    const a = normaliseAddress({ street: '12 High Street', city: 'Leeds', postalCode: 'LS1 4AB' });
    assert.equal(a, 'LS14AB|12 high st');
    assert.equal(normaliseAddress({ line1: '12, HIGH ST.', city: 'leeds', postal_code: 'ls14ab' }), a);
    assert.equal(normaliseAddress({ address1: '12  high   street', zip: 'LS1-4AB' }), a);
    assert.notEqual(normaliseAddress({ street: '14 High Street', postalCode: 'LS1 4AB' }), a);
    assert.notEqual(normaliseAddress({ street: '12 High Street', postalCode: 'LS2 7QQ' }), a);
    assert.equal(normaliseAddress({ street: '5 Oak Avenue', city: 'York' }), normaliseAddress({ street: '5 oak ave.', city: 'YORK' }));
    assert.equal(normaliseAddress({ city: 'York' }), null);
  });
});

describe('codes', () => {
  it('generated codes use the alphabet; input is canonicalised; vanity rules', () => {
    let i = 0;
    const c = generateCode((n) => i++ % n);
    assert.equal(c, '34679ACD');
    assert.equal(canonicalCode(' ann 10\t'), 'ANN10');
    assert.ok(checkVanity('ann-10').ok);
    assert.equal(checkVanity('ab').ok, false);
    assert.equal(checkVanity('a'.repeat(33)).ok, false);
    assert.equal(checkVanity('ann_10').ok, false);
    assert.equal(checkVanity('---').ok, false);
    assert.equal(checkVanity('ad-min').ok, false);
    assert.equal(codeSkeleton('B0B-5'), codeSkeleton('bobs'));
    assert.notEqual(codeSkeleton('BOB'), codeSkeleton('ROB'));
  });

  it('reads the code from page URLs, search strings and context.page, and from checkout', () => {
    assert.equal(linkCodeOf({ url: 'https://shop.example/?utm_source=x&ref=ann10#top' }, {}, 'ref'), 'ANN10');
    assert.equal(linkCodeOf({ search: '?ref=ann10' }, {}, 'ref'), 'ANN10');
    assert.equal(linkCodeOf({}, { page: { url: 'https://shop.example/p?via=K7' } }, 'via'), 'K7');
    assert.equal(linkCodeOf({}, { page: { search: '?a=1&ref=z9z9' } }, 'ref'), 'Z9Z9');
    assert.equal(linkCodeOf({ url: 'https://shop.example/?reference=x' }, {}, 'ref'), null);
    assert.deepEqual(checkoutCodesOf({ coupon: 'ann10 ', referral_code: 'k7' }), ['K7', 'ANN10']);
  });

  it('disposable domains: ~200 built in, subdomains, extra ones', () => {
    assert.ok(DISPOSABLE_DOMAINS.length >= 200);
    assert.ok(isDisposableDomain('mailinator.com'));
    assert.ok(isDisposableDomain('x.mailinator.com'));
    assert.ok(!isDisposableDomain('gmail.com'));
    assert.ok(isDisposableDomain('burner.test', ['burner.test']));
  });
});

describe('the fraud guard: one signal at a time', () => {
  const only = (f: GuardFacts) => {
    const d = decideReferral(f, settings);
    return { decision: d.decision, signals: d.reasons.map((r) => r.signal), details: d.reasons.map((r) => r.detail) };
  };

  it('an honest pair is allowed with no reasons', () => {
    const d = only(
      facts(
        { emails: ['ann@example.com'], anonymousIds: ['a1'], ipUa: [{ ip: '1.1.1.1', userAgent: 'UA' }] },
        { emails: ['bob@example.com'], anonymousIds: ['b1'], ipUa: [{ ip: '2.2.2.2', userAgent: 'UA' }] },
      ),
    );
    assert.deepEqual(d, { decision: 'allow', signals: [], details: [] });
  });

  it('same customer (also through a merged profile) blocks', () => {
    assert.deepEqual(only(facts({}, { customerId: 1, formerIds: [1, 7] })).signals, ['same_customer']);
    const merged = only(facts({ formerIds: [1, 9] }, { formerIds: [2, 9] }));
    assert.equal(merged.decision, 'block');
    assert.deepEqual(merged.signals, ['same_customer']);
  });

  it('shared anonymous id or device id blocks', () => {
    assert.deepEqual(only(facts({ anonymousIds: ['x', 'd1'] }, { anonymousIds: ['d1'] })), {
      decision: 'block',
      signals: ['shared_device'],
      details: ['friend and advocate both used anonymous id d1'],
    });
    assert.deepEqual(only(facts({ deviceIds: ['phone-1'] }, { deviceIds: ['phone-1'] })).signals, ['shared_device']);
  });

  it('same canonical email blocks, with the words of the brief', () => {
    const d = only(facts({ emails: ['jsmith@gmail.com'] }, { emails: ['j.smith+ref@gmail.com'] }));
    assert.deepEqual(d, { decision: 'block', signals: ['same_email'], details: ["friend's email j.smith+ref@gmail.com is the advocate's jsmith@gmail.com once canonical"] });
  });

  it('same address holds; same payment blocks; same IP + UA holds (IP alone does not)', () => {
    assert.deepEqual(only(facts({ addresses: [{ street: '12 High Street', postalCode: 'LS1 4AB' }] }, { addresses: [{ street: '12 high st.', postalCode: 'ls14ab' }] })).signals, ['same_address']);
    assert.equal(only(facts({ addresses: [{ street: '12 High Street', postalCode: 'LS1 4AB' }] }, { addresses: [{ street: '12 high st.', postalCode: 'ls14ab' }] })).decision, 'hold');
    assert.deepEqual(only(facts({ payments: ['card_1'] }, { payments: ['card_1'] })).decision, 'block');
    assert.deepEqual(only(facts({ ipUa: [{ ip: '1.1.1.1', userAgent: 'UA1' }] }, { ipUa: [{ ip: '1.1.1.1', userAgent: 'UA1' }] })), {
      decision: 'hold',
      signals: ['same_ip_ua'],
      details: ['friend and advocate came from IP 1.1.1.1 with the same browser (UA1)'],
    });
    assert.deepEqual(only(facts({ ipUa: [{ ip: '1.1.1.1', userAgent: 'UA1' }] }, { ipUa: [{ ip: '1.1.1.1', userAgent: 'UA2' }] })).signals, []);
  });

  it('existing customer blocks; velocity over the limit holds (at the limit it does not); disposable email holds', () => {
    assert.deepEqual(only(facts({}, {}, { ordersBefore: 2, firstOrderBefore: new Date('2026-01-02T00:00:00Z') })).details, ['the friend had 2 orders before the referral (first 2026-01-02)']);
    assert.deepEqual(only(facts({}, {}, { advocateAttributions24h: 5 })).signals, []);
    assert.deepEqual(only(facts({}, {}, { advocateAttributions24h: 6 })), { decision: 'hold', signals: ['advocate_velocity'], details: ['the advocate referred 6 friends in 24 hours (limit 5)'] });
    assert.deepEqual(only(facts({}, {}, { ipOrders24h: 3 })).signals, []);
    assert.deepEqual(only(facts({}, {}, { ipOrders24h: 4 })).signals, ['ip_velocity']);
    assert.deepEqual(only(facts({}, { emails: ['bob@yopmail.com'] })).signals, ['disposable_email']);
  });

  it('settings.actions override the defaults; off signals are not reported; block beats hold', () => {
    const s = { ...settings, actions: { same_address: 'block' as const, disposable_email: 'off' as const } };
    const d = decideReferral(facts({ addresses: ['12 High Street Leeds'] }, { addresses: ['12 high st, leeds'], emails: ['x@yopmail.com'], ipUa: [] }, { advocateAttributions24h: 9 }), s);
    assert.equal(d.decision, 'block');
    assert.deepEqual(
      d.reasons.map((r) => [r.signal, r.action]),
      [
        ['same_address', 'block'],
        ['advocate_velocity', 'hold'],
      ],
    );
  });
});
