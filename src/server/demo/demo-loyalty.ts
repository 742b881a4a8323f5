/**
 * The demo's loyalty and referral programmes, run over the last months of the demo's history
 * by the same code that runs them live — an opt-in programme a third of the buyers joined: the
 * earn processor's handler on the members' orders, sign-ups
 * and survey answers week by week (with releases, expiries and tier reviews at each week's
 * end), members taking rewards when they can afford one, and the referral-channel customers
 * attributed to the promoters who brought them, decided by the fraud guard, rewarded on both
 * sides. A few made-up attempts at self-referral go through real ingestion so the review queue
 * has something to review. Every figure the dashboard shows of it is the ledger's.
 */
import type { ProgrammeSettings, RewardInput } from '../../contracts/loyalty.js';
import type { ReferralSettings } from '../../contracts/referrals.js';
import { EV } from '../../contracts/events.js';
import type { Db, Queryable } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall } from '../ingest/normalize.js';
import { orderValueOf } from '../analytics/order-value.js';
import { Rng } from '../lib/rng.js';
import { getProgramme, saveProgramme } from '../loyalty/programme.repo.js';
import { handleLoyaltyEvents, namesRead, type LoyaltyEventRow, type ProcessResult } from '../loyalty/loyalty-processor.js';
import { expireDue, releaseDue } from '../loyalty/ledger.js';
import { enrol } from '../loyalty/enrolment.js';
import { reviewTiers } from '../loyalty/tiers.repo.js';
import { addPoolCodes, createReward } from '../loyalty/rewards.repo.js';
import { redeemReward } from '../loyalty/rewards.service.js';
import { saveReferralSettings } from '../referrals/settings.repo.js';
import { generatedCodeFor } from '../referrals/codes.repo.js';
import { generateCode } from '../referrals/codes.js';
import { attributeFriend, evidenceOf } from '../referrals/attribution.js';
import { qualifyOrder, rewardDue } from '../referrals/referral-flow.js';
import { ledgerRewarder } from '../referrals/referral-rewards.js';

const DAY = 86_400_000;
/** The programme went live this long before the demo's `now`. */
export const DEMO_PROGRAMME_MONTHS = 3;

export const DEMO_PROGRAMME: ProgrammeSettings = {
  name: 'Brewline Beans',
  pointsName: 'beans',
  pointValue: 0.01,
  enrolment: 'opt_in',
  optInEvent: 'Loyalty Joined',
  holdoutPercent: 10,
  expiresAfterDays: 365,
  pending: { days: 14 },
  spentReversal: 'negative',
  earnRules: [
    { id: 'orders', name: 'Beans for every order', enabled: true, kind: 'order', pointsPerUnit: 5, tierMultiplier: true, multiplier: 1, oncePerMember: false },
    {
      id: 'welcome',
      name: 'Welcome bonus',
      enabled: true,
      kind: 'event',
      event: { name: EV.signedUp },
      points: 200,
      tierMultiplier: false,
      multiplier: 1,
      oncePerMember: true,
      pending: { days: 0 },
    },
    {
      id: 'feedback',
      name: 'Thanks for your feedback',
      enabled: true,
      kind: 'event',
      event: { name: EV.surveyResponded },
      points: 50,
      tierMultiplier: false,
      multiplier: 1,
      oncePerMember: false,
      cap: { points: 100, per: 'month' },
      pending: { days: 0 },
    },
    { id: 'birthday', name: 'Birthday beans', enabled: true, kind: 'birthday', points: 300, birthdayTrait: 'birthday', tierMultiplier: false, multiplier: 1, oncePerMember: false },
  ],
  tiers: {
    measure: 'spend',
    term: 'rolling_12m',
    downgrade: 'one_step',
    tiers: [
      { key: 'bronze', name: 'Bronze', entry: 0, retain: 0, multiplier: 1, benefits: { free_shipping_over: 50 } },
      { key: 'silver', name: 'Silver', entry: 150, retain: 120, multiplier: 1.25, benefits: { free_shipping_over: 25, early_access: true } },
      { key: 'gold', name: 'Gold', entry: 400, retain: 320, multiplier: 1.5, benefits: { free_shipping_over: 0, early_access: true, tasting_box: 'quarterly' } },
    ],
  },
};

export const DEMO_REWARDS: RewardInput[] = [
  { id: 'five-off', name: '$5 off your next order', description: 'A one-time code for $5 off.', kind: 'discount_code', cost: 500, value: 5, codes: { source: 'pool', prefix: '' }, active: true },
  { id: 'free-bag', name: 'A free 250 g bag', description: 'Any single-origin bag, on us.', kind: 'free_product', cost: 1500, value: 16, productId: 'bag-250', active: true },
  { id: 'credit-10', name: '$10 store credit', description: 'Added to your account.', kind: 'store_credit', cost: 1000, value: 10, minTier: 'silver', active: true },
];

export const DEMO_REFERRALS: ReferralSettings = {
  enabled: true,
  landingUrl: 'https://brewline.example/',
  param: 'ref',
  minOrderValue: 10,
  refundWindowDays: 30,
  attributionDays: 60,
  friendReward: { points: 500 },
  advocateReward: { points: 1000 },
  maxRewardsPerAdvocate: 20,
  paymentProperty: 'payment_fingerprint',
  velocity: { perAdvocatePerDay: 5, ordersPerIpPerDay: 3 },
  actions: {},
  disposableDomains: [],
};

export interface DemoLoyaltyResult {
  members: number;
  earned: number;
  redemptions: number;
  referrals: number;
}

/** Run the demo's programmes over the last DEMO_PROGRAMME_MONTHS of its history (ending at `now`). */
export async function seedDemoLoyalty(db: Db, workspaceId: number, now: Date, opts: { seed?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<DemoLoyaltyResult> {
  const ws = workspaceId;
  const start = new Date(now.getTime() - Math.round((DEMO_PROGRAMME_MONTHS * 365.25 * DAY) / 12));
  const saved = await saveProgramme(db, ws, { status: 'live', settings: DEMO_PROGRAMME }, start);
  if (!saved.ok) throw new Error(`the demo programme is invalid: ${saved.message}`);
  for (const r of DEMO_REWARDS) await createReward(db, ws, r, start);
  const rng = new Rng(opts.seed ?? 42);
  await addPoolCodes(
    db,
    ws,
    'five-off',
    Array.from({ length: 400 }, () => `BREW-${rng.int(100000, 999999)}`),
    start,
  );
  await saveReferralSettings(db, ws, DEMO_REFERRALS);
  const programme = (await getProgramme(db, ws))!;
  const names = [...namesRead(programme.settings)];

  const friends = await referralFriends(db, ws, start);
  const joiners = await programmeJoiners(db, ws, start, friends, rng);
  const codes = new Rng((opts.seed ?? 42) + 1);
  const weeks = Math.ceil((now.getTime() - start.getTime()) / (7 * DAY));
  let earned = 0;
  let redemptions = 0;
  let referrals = 0;
  for (let w = 0; w < weeks; w++) {
    const from = new Date(start.getTime() + w * 7 * DAY);
    const to = new Date(Math.min(now.getTime(), from.getTime() + 7 * DAY));
    await db.transaction(async (tx) => {
      const { rows } = await tx.query<LoyaltyEventRow>(
        `SELECT id, workspace_id, customer_id, event, timestamp, received_at, properties, message_id FROM events
          WHERE workspace_id = $1 AND event = ANY($2::text[]) AND timestamp >= $3 AND timestamp < $4 ORDER BY timestamp, id`,
        [ws, names, from.toISOString(), to.toISOString()],
      );
      // Customers who join this week: a share of those whose first order in the programme's time falls in it, just before it.
      const joins = joiners.filter((j) => j.at >= from.getTime() && j.at < to.getTime());
      await enrol(
        tx,
        ws,
        programme.settings,
        joins.map((j) => ({ customerId: j.customerId, at: new Date(j.at) })),
        'demo',
      );
      const result: ProcessResult = { scanned: 0, enrolled: 0, earned: 0, reversed: 0, released: 0, refused: [], touched: new Map(), more: false };
      await handleLoyaltyEvents(
        tx,
        ws,
        programme,
        rows.map((r) => ({ ...r, id: Number(r.id), customer_id: Number(r.customer_id) })),
        to,
        result,
      );
      earned += result.earned;
      // Referral-channel customers who arrived this week: attributed to their promoter; decided at their first order.
      for (const f of friends.filter((x) => x.attributedAt >= from.getTime() && x.attributedAt < to.getTime())) {
        const code = await demoCodeFor(tx, ws, f.advocateId, codes);
        const id = await attributeFriend(tx, { workspaceId: ws, friendId: f.friendId, code: code.code, via: 'link', at: new Date(f.attributedAt), evidence: f.evidence });
        if (id !== null) referrals++;
      }
      for (const f of friends.filter((x) => x.order && x.order.at >= from.getTime() && x.order.at < to.getTime())) {
        const o = f.order!;
        await qualifyOrder(tx, DEMO_REFERRALS, ledgerRewarder, ws, f.friendId, { orderId: o.orderId, value: o.value, at: new Date(o.at), ip: o.ip, messageId: o.messageId });
      }
      await rewardDue(tx, ws, DEMO_REFERRALS, ledgerRewarder, to);
      while ((await releaseDue(tx, ws, to)) > 0) {
        /* more */
      }
      while ((await expireDue(tx, ws, to)) > 0) {
        /* more */
      }
      while ((await reviewTiers(tx, ws, programme.settings, to, 1_000)) > 0) {
        /* more */
      }
      redemptions += await takeRewards(tx, ws, to, rng);
    });
    opts.onProgress?.(w + 1, weeks);
  }
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM loyalty_members WHERE workspace_id = $1 AND status = 'member'`, [ws]);
  return { members: rows[0]!.n, earned, redemptions, referrals };
}

/**
 * The advocate's generated code, drawn from the demo's own generator (the same seed gives the
 * same codes, so the demo's events are the same every time), made when they have none.
 */
async function demoCodeFor(tx: Queryable, ws: number, customerId: number, rng: Rng): Promise<{ code: string }> {
  const code = generateCode((n) => rng.int(0, n - 1));
  await tx.query(
    `INSERT INTO referral_codes (workspace_id, code, customer_id, vanity)
     SELECT $1, $2, $3, false WHERE NOT EXISTS (SELECT 1 FROM referral_codes WHERE workspace_id = $1 AND customer_id = $3 AND NOT vanity AND disabled_at IS NULL)
     ON CONFLICT DO NOTHING`,
    [ws, code, customerId],
  );
  return generatedCodeFor(tx, ws, customerId);
}

/** Members who can afford a reward take one now and then: a third of those who can, each week. */
async function takeRewards(tx: Queryable, ws: number, at: Date, rng: Rng): Promise<number> {
  const { rows } = await tx.query<{ customer_id: number; available: number; tier: string | null }>(
    `SELECT p.customer_id, sum(p.amount)::int AS available, m.tier
       FROM loyalty_postings p JOIN loyalty_members m ON m.workspace_id = p.workspace_id AND m.customer_id = p.customer_id AND m.status = 'member'
      WHERE p.workspace_id = $1 AND p.account = 'available'
      GROUP BY p.customer_id, m.tier HAVING sum(p.amount) >= 500 ORDER BY p.customer_id`,
    [ws],
  );
  let n = 0;
  for (const r of rows) {
    if (!rng.chance(0.1)) continue;
    const available = Number(r.available);
    const choice = available >= 1500 && rng.chance(0.4) ? 'free-bag' : available >= 1000 && r.tier !== 'bronze' && rng.chance(0.5) ? 'credit-10' : 'five-off';
    const done = await redeemReward(tx, { workspaceId: ws, customerId: Number(r.customer_id), rewardId: choice, key: `demo:${choice}:${r.customer_id}:${at.getTime()}`, at, channel: 'link' });
    if (done.ok) n++;
  }
  return n;
}

/** Share of the customers who order while the programme runs that join it (opt-in). */
const JOIN_SHARE = 0.35;

/**
 * Who joins the demo's (opt-in) programme, and when: a deterministic share of the customers
 * whose first order since `since` comes while it runs — a minute before that order — and every
 * referred friend and their advocate (a referral programme's members), at the friend's arrival.
 */
async function programmeJoiners(db: Db, ws: number, since: Date, friends: Friend[], rng: Rng): Promise<Array<{ customerId: number; at: number }>> {
  const { rows } = await db.query<{ customer_id: number; first_at: Date }>(
    `SELECT customer_id, min(timestamp) AS first_at FROM events WHERE workspace_id = $1 AND event = $2 AND timestamp >= $3 GROUP BY customer_id ORDER BY customer_id`,
    [ws, EV.orderCompleted, since.toISOString()],
  );
  const at = new Map<number, number>();
  for (const r of rows) if (rng.chance(JOIN_SHARE)) at.set(Number(r.customer_id), new Date(r.first_at).getTime() - 60_000);
  for (const f of friends) {
    for (const c of [f.friendId, f.advocateId]) {
      const when = Math.max(since.getTime(), f.attributedAt - 60_000);
      if (!at.has(c) || at.get(c)! > when) at.set(c, when);
    }
  }
  return [...at.entries()].map(([customerId, t]) => ({ customerId, at: t })).sort((a, b) => a.at - b.at);
}

interface Friend {
  friendId: number;
  advocateId: number;
  attributedAt: number;
  evidence: ReturnType<typeof evidenceOf>;
  order: { orderId: string; value: number | null; at: number; ip: string | null; messageId: string } | null;
}

/**
 * The demo's referral-channel customers who arrived since `since`, with the promoter who
 * brought them (their `referred_by` trait), their first visit (the link's landing) and their first order.
 */
async function referralFriends(db: Db, ws: number, since: Date): Promise<Friend[]> {
  const { rows } = await db.query<{
    friend: number;
    advocate: number;
    first_at: Date;
    first_mid: string;
    anonymous_id: string | null;
    properties: Record<string, unknown>;
    context: Record<string, unknown>;
    order_mid: string | null;
    order_at: Date | null;
    order_props: Record<string, unknown> | null;
    order_ip: string | null;
  }>(
    `SELECT f.id AS friend, a.id AS advocate, v.timestamp AS first_at, v.message_id AS first_mid, v.anonymous_id, v.properties, v.context,
            o.message_id AS order_mid, o.timestamp AS order_at, o.properties AS order_props, o.context->>'ip' AS order_ip
       FROM customers f
       JOIN customers a ON a.workspace_id = f.workspace_id AND a.user_id = f.traits->>'referred_by'
       CROSS JOIN LATERAL (SELECT timestamp, message_id, anonymous_id, properties, context FROM events e
                            WHERE e.workspace_id = f.workspace_id AND e.customer_id = f.id AND e.type = 'page' ORDER BY timestamp LIMIT 1) v
       LEFT JOIN LATERAL (SELECT message_id, timestamp, properties, context FROM events e
                           WHERE e.workspace_id = f.workspace_id AND e.customer_id = f.id AND e.event = $3 ORDER BY timestamp LIMIT 1) o ON true
      WHERE f.workspace_id = $1 AND f.traits ? 'referred_by' AND v.timestamp >= $2
      ORDER BY f.id`,
    [ws, since.toISOString(), EV.orderCompleted],
  );
  return rows.map((r) => ({
    friendId: Number(r.friend),
    advocateId: Number(r.advocate),
    attributedAt: new Date(r.first_at).getTime(),
    evidence: evidenceOf(r.first_mid, r.anonymous_id, r.properties, r.context),
    order:
      r.order_mid && r.order_at && r.order_props
        ? { orderId: String(r.order_props.order_id ?? r.order_mid), value: orderValueOf(r.order_props), at: new Date(r.order_at).getTime(), ip: r.order_ip, messageId: r.order_mid }
        : null,
  }));
}

/**
 * Three attempts a review queue should catch, sent through real ingestion as a shop's site
 * would: a promoter referring themselves with a `+tag` address from their own browser, a friend
 * on a disposable address, and one from the promoter's own IP and browser. Decided at once.
 * Run before the stages are replayed, so these customers have their stage and segments like
 * every other demo customer.
 */
export async function seedDemoFraud(db: Db, workspaceId: number, now: Date, seed = 42): Promise<number> {
  const codes = new Rng(seed + 2);
  const ws = workspaceId;
  const { rows: promoters } = await db.query<{ id: number; user_id: string; email: string; ip: string | null; ua: string | null }>(
    `SELECT c.id, c.user_id, c.traits->>'email' AS email, e.context->>'ip' AS ip, e.context->>'userAgent' AS ua
       FROM customers c JOIN LATERAL (SELECT context FROM events e WHERE e.workspace_id = c.workspace_id AND e.customer_id = c.id AND e.context ? 'ip' ORDER BY timestamp DESC LIMIT 1) e ON true
      WHERE c.workspace_id = $1 AND c.traits ? 'email' AND EXISTS (SELECT 1 FROM events r WHERE r.workspace_id = c.workspace_id AND r.customer_id = c.id AND r.event = $2)
      ORDER BY c.id LIMIT 3`,
    [ws, EV.referralSent],
  );
  let n = 0;
  for (const [i, p] of promoters.entries()) {
    const code = await demoCodeFor(db, ws, Number(p.id), codes);
    const [local, domain] = p.email.split('@') as [string, string];
    const attempt = [
      { email: `${local}+friend@${domain}`, ip: p.ip, ua: p.ua },
      { email: `new.friend.${i}@mailinator.com`, ip: `198.51.100.${10 + i}`, ua: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0' },
      { email: `bean.lover.${i}@example.org`, ip: p.ip, ua: p.ua },
    ][i]!;
    const userId = `demo_friend_${i + 1}`;
    const anon = `demo-anon-friend-${i + 1}`;
    const t = now.getTime() - (3 - i) * 3_600_000;
    const context = { ip: attempt.ip ?? '203.0.113.9', userAgent: attempt.ua ?? 'Mozilla/5.0', page: { url: `${DEMO_REFERRALS.landingUrl}?ref=${code.code}` } };
    const calls: Array<[string, Record<string, unknown>]> = [
      ['page', { anonymousId: anon, name: 'Home', properties: { url: `${DEMO_REFERRALS.landingUrl}?ref=${code.code}` }, context, timestamp: new Date(t).toISOString() }],
      ['identify', { anonymousId: anon, userId, traits: { email: attempt.email, first_name: 'Friend' }, context, timestamp: new Date(t + 60_000).toISOString() }],
      ['track', { userId, event: EV.orderCompleted, properties: { order_id: `demo_friend_order_${i + 1}`, revenue: 34, currency: 'USD' }, context, timestamp: new Date(t + 600_000).toISOString() }],
    ];
    const events = calls.map(([type, body], k) => {
      const r = normalizeCall({ messageId: `demo-fraud-${i}-${k}`, ...body }, type as 'page', { receivedAt: now, bodyBytes: 200 }, 0, '');
      if (!r.ok) throw new Error(`demo fraud event ${i}/${k}: ${r.message}`);
      return r.value;
    });
    await ingestEvents(db, ws, events);
    await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: number; message_id: string; anonymous_id: string | null; properties: Record<string, unknown>; context: Record<string, unknown> }>(
        `SELECT c.id, e.message_id, e.anonymous_id, e.properties, e.context FROM customers c JOIN events e ON e.workspace_id = c.workspace_id AND e.customer_id = c.id AND e.type = 'page'
          WHERE c.workspace_id = $1 AND c.user_id = $2 ORDER BY e.timestamp LIMIT 1`,
        [ws, userId],
      );
      const f = rows[0];
      if (!f) return;
      await attributeFriend(tx, {
        workspaceId: ws,
        friendId: Number(f.id),
        code: code.code,
        via: 'link',
        at: new Date(t),
        evidence: evidenceOf(f.message_id, f.anonymous_id, f.properties, f.context),
      });
      const d = await qualifyOrder(tx, DEMO_REFERRALS, ledgerRewarder, ws, Number(f.id), {
        orderId: `demo_friend_order_${i + 1}`,
        value: 34,
        at: new Date(t + 600_000),
        ip: context.ip,
        messageId: `demo-fraud-${i}-2`,
      });
      if (d === 'hold' || d === 'block') n++;
    });
  }
  return n;
}
